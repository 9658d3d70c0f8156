package cfclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// GetTags returns a script's tags.
func (c *Client) GetTags(ctx context.Context, ns, name string) ([]string, error) {
	const op = "script.tags.get"
	target := ns + "/" + name
	if err := firstFailure(op, target, check{"namespace", nonEmpty(ns)}, check{"script", nonEmpty(name)}); err != nil {
		return nil, err
	}
	var p wfp.DispatchNamespaceScriptTagListParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	page, err := c.namespaces.Scripts.Tags.List(ctx, url.PathEscape(ns), url.PathEscape(name), p)
	if err != nil {
		return nil, c.fail(op, target, false, err)
	}
	return nonNil(page.Result), nil
}

// ReplaceTags sets a script's whole tag list and returns the tags as the API
// stored them.
func (c *Client) ReplaceTags(ctx context.Context, ns, name string, tags []string) ([]string, error) {
	const op = "script.tags.replace"
	target := ns + "/" + name
	tags = nonNil(tags)
	var stored []string
	err := c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			return firstFailure(op, target, check{"namespace", nonEmpty(ns)},
				check{"script", platform.ValidScriptName(name)}, asCheck(platform.ValidTags(tags)))
		},
		before: func(ctx context.Context) (any, error) { return c.GetTags(ctx, ns, name) },
		do: func(ctx context.Context) (any, error) {
			p := wfp.DispatchNamespaceScriptTagUpdateParams{Body: tags}
			p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
			page, err := c.namespaces.Scripts.Tags.Update(ctx, url.PathEscape(ns), url.PathEscape(name), p)
			if err != nil {
				return nil, err
			}
			stored = nonNil(page.Result)
			return stored, nil
		},
	})
	return stored, err
}

// AddTag adds one tag to a script (PUT …/tags/{tag}, not in the SDK). The
// API enforces the 8-tag limit (it would take a read to check it here).
func (c *Client) AddTag(ctx context.Context, ns, name, tag string) error {
	const op = "script.tags.add"
	target := ns + "/" + name
	return c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			return firstFailure(op, target, check{"namespace", nonEmpty(ns)},
				check{"script", platform.ValidScriptName(name)}, check{fmt.Sprintf("tag %q", tag), platform.ValidTag(tag)})
		},
		do: func(ctx context.Context) (any, error) {
			_, err := callJSON[any](ctx, c, http.MethodPut,
				apiPath("accounts", c.opts.AccountID, "workers", "dispatch", "namespaces", ns, "scripts", name, "tags", tag), nil, nil)
			return map[string]string{"added": tag}, err
		},
	})
}

// RemoveTag removes one tag from a script.
func (c *Client) RemoveTag(ctx context.Context, ns, name, tag string) error {
	const op = "script.tags.remove"
	target := ns + "/" + name
	return c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			return firstFailure(op, target, check{"namespace", nonEmpty(ns)},
				check{"script", platform.ValidScriptName(name)}, check{"tag", nonEmpty(tag)})
		},
		do: func(ctx context.Context) (any, error) {
			var p wfp.DispatchNamespaceScriptTagDeleteParams
			p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
			_, err := c.namespaces.Scripts.Tags.Delete(ctx, url.PathEscape(ns), url.PathEscape(name), url.PathEscape(tag), p)
			return map[string]string{"removed": tag}, err
		},
	})
}

// nonNil turns a nil list into an empty one (the API sends null for "no tags").
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
