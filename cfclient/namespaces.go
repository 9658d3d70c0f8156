package cfclient

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"time"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// A note on SDK parameters: cloudflare-go's param.Field lives in an internal
// package, so its fields are set directly (Value, Present) instead of with
// the root package's F helper, which we must not import.

// wireNamespace is a dispatch namespace as the API sends it (used by our own
// net/http calls; SDK calls convert from the SDK's types).
type wireNamespace struct {
	ID          string    `json:"namespace_id"`
	Name        string    `json:"namespace_name"`
	ScriptCount int       `json:"script_count"`
	Trusted     bool      `json:"trusted_workers"`
	CreatedOn   time.Time `json:"created_on"`
	ModifiedOn  time.Time `json:"modified_on"`
}

func (w wireNamespace) namespace() Namespace {
	return Namespace{ID: w.ID, Name: w.Name, ScriptCount: w.ScriptCount, Trusted: w.Trusted,
		CreatedOn: w.CreatedOn, ModifiedOn: w.ModifiedOn}
}

// ListNamespaces returns the account's dispatch namespaces, sorted by name.
func (c *Client) ListNamespaces(ctx context.Context) ([]Namespace, error) {
	const op = "namespaces.list"
	var p wfp.DispatchNamespaceListParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	page, err := c.namespaces.List(ctx, p)
	if err != nil {
		return nil, c.fail(op, "", false, err)
	}
	out := make([]Namespace, 0, len(page.Result))
	for _, n := range page.Result {
		out = append(out, wireNamespace{ID: n.NamespaceID, Name: n.NamespaceName, ScriptCount: int(n.ScriptCount),
			Trusted: n.TrustedWorkers, CreatedOn: n.CreatedOn, ModifiedOn: n.ModifiedOn}.namespace())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// GetNamespace returns one dispatch namespace by name.
func (c *Client) GetNamespace(ctx context.Context, name string) (Namespace, error) {
	const op = "namespace.get"
	if name == "" {
		return Namespace{}, validationError(op, name, "namespace", "must not be empty")
	}
	var p wfp.DispatchNamespaceGetParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	n, err := c.namespaces.Get(ctx, url.PathEscape(name), p)
	if err != nil {
		return Namespace{}, c.fail(op, name, false, err)
	}
	return wireNamespace{ID: n.NamespaceID, Name: n.NamespaceName, ScriptCount: int(n.ScriptCount),
		Trusted: n.TrustedWorkers, CreatedOn: n.CreatedOn, ModifiedOn: n.ModifiedOn}.namespace(), nil
}

// CreateNamespace creates a dispatch namespace.
func (c *Client) CreateNamespace(ctx context.Context, name string) (Namespace, error) {
	var created Namespace
	err := c.mutate(ctx, mutation{
		op: "namespace.create", target: name,
		validate: func() error {
			return firstFailure("namespace.create", name, check{"name", platform.ValidNamespaceName(name)})
		},
		do: func(ctx context.Context) (any, error) {
			var p wfp.DispatchNamespaceNewParams
			p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
			p.Name.Value, p.Name.Present = name, true
			n, err := c.namespaces.New(ctx, p)
			if err != nil {
				return nil, err
			}
			created = wireNamespace{ID: n.NamespaceID, Name: n.NamespaceName, ScriptCount: int(n.ScriptCount),
				Trusted: n.TrustedWorkers, CreatedOn: n.CreatedOn, ModifiedOn: n.ModifiedOn}.namespace()
			return created, nil
		},
	})
	return created, err
}

// RenameNamespace renames a dispatch namespace (PUT, not in the SDK).
func (c *Client) RenameNamespace(ctx context.Context, oldName, newName string) (Namespace, error) {
	const op = "namespace.rename"
	var renamed Namespace
	err := c.mutate(ctx, mutation{
		op: op, target: oldName,
		validate: func() error {
			same := ""
			if oldName == newName {
				same = "must differ from the current name"
			}
			return firstFailure(op, oldName,
				check{"namespace", nonEmpty(oldName)},
				check{"new name", platform.ValidNamespaceName(newName)},
				check{"new name", same})
		},
		before: func(ctx context.Context) (any, error) { return map[string]string{"name": oldName}, nil },
		do: func(ctx context.Context) (any, error) {
			env, err := callJSON[wireNamespace](ctx, c, http.MethodPut,
				apiPath("accounts", c.opts.AccountID, "workers", "dispatch", "namespaces", oldName),
				nil, map[string]string{"name": newName})
			if err != nil {
				return nil, err
			}
			renamed = env.Result.namespace()
			return renamed, nil
		},
	})
	return renamed, err
}

// DeleteNamespace deletes a dispatch namespace (and, per Cloudflare, the
// scripts in it).
func (c *Client) DeleteNamespace(ctx context.Context, name string) error {
	const op = "namespace.delete"
	return c.mutate(ctx, mutation{
		op: op, target: name,
		validate: func() error { return firstFailure(op, name, check{"namespace", nonEmpty(name)}) },
		before: func(ctx context.Context) (any, error) {
			return c.GetNamespace(ctx, name)
		},
		do: func(ctx context.Context) (any, error) {
			var p wfp.DispatchNamespaceDeleteParams
			p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
			_, err := c.namespaces.Delete(ctx, url.PathEscape(name), p)
			return nil, err
		},
	})
}
