package cfclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/workers"
	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// listPageSize is the page size of namespace script listings (the API's max).
const listPageSize = 1000

// maxContent caps a script's content read into memory.
const maxContent = 64 << 20

// TagFilter selects scripts by tags, server-side: a script matches when it
// has every tag in Has and none in HasNot.
type TagFilter struct {
	Has    []string
	HasNot []string
}

// IsEmpty reports whether the filter selects every script.
func (f TagFilter) IsEmpty() bool { return len(f.Has) == 0 && len(f.HasNot) == 0 }

// String is the API's form: "a:yes,b:no".
func (f TagFilter) String() string {
	parts := make([]string, 0, len(f.Has)+len(f.HasNot))
	for _, t := range f.Has {
		parts = append(parts, t+":yes")
	}
	for _, t := range f.HasNot {
		parts = append(parts, t+":no")
	}
	return strings.Join(parts, ",")
}

// check returns the first broken rule of the filter's tags.
func (f TagFilter) check() check {
	all := append(append([]string{}, f.Has...), f.HasNot...)
	for _, t := range all {
		if r := tagFilterRule(t); r != "" {
			return check{fmt.Sprintf("tag filter %q", t), r}
		}
	}
	return check{}
}

// TagFilterable reports whether the API's tags filter ("tag:yes,tag:no")
// can carry tag: ListScripts and BulkDeleteByTags refuse a filter holding
// a tag that is empty or holds ",", "&", ":", white space or a control
// character. Such a tag can still be selected: list without it (a wider
// listing) and filter the rows, as selector.Query.Selects does.
func TagFilterable(tag string) bool { return tagFilterRule(tag) == "" }

// tagFilterRule is the rule tag breaks in a tags filter, or "".
func tagFilterRule(tag string) string {
	if r := platform.ValidTag(tag); r != "" {
		return r
	}
	if strings.Contains(tag, ":") {
		return "must not contain : (the filter syntax uses it)"
	}
	return ""
}

// wireScript is a script object as listings send it.
type wireScript struct {
	ID                 string    `json:"id"`
	Tag                string    `json:"tag"`
	ETag               string    `json:"etag"`
	Tags               []string  `json:"tags"`
	Handlers           []string  `json:"handlers"`
	CreatedOn          time.Time `json:"created_on"`
	ModifiedOn         time.Time `json:"modified_on"`
	CompatibilityDate  string    `json:"compatibility_date"`
	CompatibilityFlags []string  `json:"compatibility_flags"`
	UsageModel         string    `json:"usage_model"`
	LastDeployedFrom   string    `json:"last_deployed_from,omitempty"`
	Logpush            bool      `json:"logpush"`
	HasAssets          bool      `json:"has_assets"`
	HasModules         bool      `json:"has_modules"`
}

// interner shares repeated strings and string lists across one listing:
// tags, handlers, dates and flags repeat across thousands of scripts. Its
// tables are bounded (internMax entries each, then started afresh): in a
// million-script listing most tag lists are distinct, and remembering all
// of them until the last page would hold tens of MB for no sharing.
type interner struct {
	strs  map[string]string
	lists map[string][]string
	key   []byte // scratch for list keys, so a lookup does not allocate
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, lists: map[string][]string{}}
}

// internMax bounds each of the interner's tables.
const internMax = 1 << 15

func (in *interner) str(s string) string {
	if v, ok := in.strs[s]; ok {
		return v
	}
	if len(in.strs) >= internMax {
		in.strs = map[string]string{} // a new map: clear would keep its buckets
	}
	in.strs[s] = s
	return s
}

// list returns a shared copy of a list whose elements are interned. Lists
// that are the same (handlers, flags) share one backing array; callers must
// treat Script slices as read-only.
func (in *interner) list(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	in.key = in.key[:0]
	for _, s := range l {
		in.key = append(append(in.key, s...), 0)
	}
	if v, ok := in.lists[string(in.key)]; ok {
		return v
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = in.str(s)
	}
	if len(in.lists) >= internMax {
		in.lists = map[string][]string{}
	}
	in.lists[string(in.key)] = out
	return out
}

func (w *wireScript) script(in *interner) Script {
	return Script{
		Name: w.ID, Tag: w.Tag, ETag: w.ETag,
		Tags:               in.list(w.Tags),
		Handlers:           in.list(w.Handlers),
		CreatedOn:          w.CreatedOn,
		ModifiedOn:         w.ModifiedOn,
		CompatibilityDate:  in.str(w.CompatibilityDate),
		CompatibilityFlags: in.list(w.CompatibilityFlags),
		UsageModel:         in.str(w.UsageModel),
		LastDeployedFrom:   in.str(w.LastDeployedFrom),
		Logpush:            w.Logpush,
		HasAssets:          w.HasAssets,
		HasModules:         w.HasModules,
	}
}

// ListScripts lists a namespace's scripts, all pages, handing each page to
// fn as it arrives, so a view can show rows while the rest load. The tag
// filter is applied by the API. fn must not modify the scripts (their
// slices are shared); an error from fn stops the listing and is returned.
// The listing is never cached here: the caller decides (package cache).
func (c *Client) ListScripts(ctx context.Context, ns string, filter TagFilter, fn func(page []Script) error) error {
	const op = "scripts.list"
	if err := firstFailure(op, ns, check{"namespace", nonEmpty(ns)}, filter.check()); err != nil {
		return err
	}
	path := apiPath("accounts", c.opts.AccountID, "workers", "dispatch", "namespaces", ns, "scripts")
	in := newInterner()
	cursor := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(listPageSize)}}
		if !filter.IsEmpty() {
			q.Set("tags", filter.String())
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		env, err := callJSON[[]wireScript](ctx, c, http.MethodGet, path, q, nil)
		if err != nil {
			return c.fail(op, ns, false, err)
		}
		page := make([]Script, len(env.Result))
		for i := range env.Result {
			page[i] = env.Result[i].script(in)
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		next := env.ResultInfo.Cursor
		if next == "" || len(page) == 0 {
			break
		}
		if next == cursor {
			return errf(ErrServer, op, ns, "try again; report it if it persists",
				"the API returned the same cursor twice")
		}
		cursor = next
	}
	return nil
}

// GetScript returns a namespace script's details.
func (c *Client) GetScript(ctx context.Context, ns, name string) (ScriptDetails, error) {
	const op = "script.get"
	target := ns + "/" + name
	if err := firstFailure(op, target, check{"namespace", nonEmpty(ns)}, check{"script", nonEmpty(name)}); err != nil {
		return ScriptDetails{}, err
	}
	var p wfp.DispatchNamespaceScriptGetParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	res, err := c.namespaces.Scripts.Get(ctx, url.PathEscape(ns), url.PathEscape(name), p)
	if err != nil {
		return ScriptDetails{}, c.fail(op, target, false, err)
	}
	d := ScriptDetails{
		Script:        fromSDKScript(res.Script),
		Namespace:     res.DispatchNamespace,
		MigrationTag:  res.Script.MigrationTag,
		Placement:     rawOrNil(res.Script.Placement.JSON.RawJSON()),
		Observability: rawOrNil(res.Script.Observability.JSON.RawJSON()),
	}
	if d.CreatedOn.IsZero() {
		d.CreatedOn = res.CreatedOn
	}
	if d.ModifiedOn.IsZero() {
		d.ModifiedOn = res.ModifiedOn
	}
	return d, nil
}

// fromSDKScript converts the SDK's script object.
func fromSDKScript(s workers.Script) Script {
	return Script{
		Name: s.ID, Tag: s.Tag, ETag: s.Etag, Tags: s.Tags, Handlers: s.Handlers,
		CreatedOn: s.CreatedOn, ModifiedOn: s.ModifiedOn,
		CompatibilityDate: s.CompatibilityDate, CompatibilityFlags: s.CompatibilityFlags,
		UsageModel: string(s.UsageModel), LastDeployedFrom: s.LastDeployedFrom,
		Logpush: s.Logpush, HasAssets: s.HasAssets, HasModules: s.HasModules,
	}
}

// rawOrNil returns s as raw JSON, or nil for an empty or null value.
func rawOrNil(s string) json.RawMessage {
	if s == "" || s == "null" {
		return nil
	}
	return json.RawMessage(s)
}

// ScriptContent returns a script's code as the API sends it, and its
// Content-Type (a multipart type when the script has several modules).
func (c *Client) ScriptContent(ctx context.Context, ns, name string) ([]byte, string, error) {
	const op = "script.content"
	target := ns + "/" + name
	if err := firstFailure(op, target, check{"namespace", nonEmpty(ns)}, check{"script", nonEmpty(name)}); err != nil {
		return nil, "", err
	}
	var p wfp.DispatchNamespaceScriptContentGetParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	resp, err := c.namespaces.Scripts.Content.Get(ctx, url.PathEscape(ns), url.PathEscape(name), p)
	if err != nil {
		return nil, "", c.fail(op, target, false, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxContent+1))
	if err != nil {
		return nil, "", c.fail(op, target, false, err)
	}
	if len(b) > maxContent {
		return nil, "", errf(ErrServer, op, target, "download it with wrangler instead",
			"the script is larger than %d bytes", maxContent)
	}
	return b, resp.Header.Get("Content-Type"), nil
}

// Bindings returns a script's bindings (secret values are never included).
func (c *Client) Bindings(ctx context.Context, ns, name string) ([]Binding, error) {
	const op = "script.bindings"
	target := ns + "/" + name
	if err := firstFailure(op, target, check{"namespace", nonEmpty(ns)}, check{"script", nonEmpty(name)}); err != nil {
		return nil, err
	}
	var p wfp.DispatchNamespaceScriptBindingGetParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	page, err := c.namespaces.Scripts.Bindings.Get(ctx, url.PathEscape(ns), url.PathEscape(name), p)
	if err != nil {
		return nil, c.fail(op, target, false, err)
	}
	out := make([]Binding, 0, len(page.Result))
	for _, b := range page.Result {
		out = append(out, Binding{Name: b.Name, Type: string(b.Type), Raw: rawOrNil(b.JSON.RawJSON())})
	}
	return out, nil
}

// Secrets returns the names and types of a script's secrets.
func (c *Client) Secrets(ctx context.Context, ns, name string) ([]Secret, error) {
	const op = "script.secrets"
	target := ns + "/" + name
	if err := firstFailure(op, target, check{"namespace", nonEmpty(ns)}, check{"script", nonEmpty(name)}); err != nil {
		return nil, err
	}
	var p wfp.DispatchNamespaceScriptSecretListParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	page, err := c.namespaces.Scripts.Secrets.List(ctx, url.PathEscape(ns), url.PathEscape(name), p)
	if err != nil {
		return nil, c.fail(op, target, false, err)
	}
	out := make([]Secret, 0, len(page.Result))
	for _, s := range page.Result {
		out = append(out, Secret{Name: s.Name, Type: string(s.Type)})
	}
	return out, nil
}

// DeleteScript deletes one script. force also deletes what still binds to
// it (bindings, Durable Objects).
func (c *Client) DeleteScript(ctx context.Context, ns, name string, force bool) error {
	const op = "script.delete"
	target := ns + "/" + name
	return c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			return firstFailure(op, target, check{"namespace", nonEmpty(ns)}, check{"script", platform.ValidScriptName(name)})
		},
		do: func(ctx context.Context) (any, error) {
			var p wfp.DispatchNamespaceScriptDeleteParams
			p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
			if force {
				p.Force.Value, p.Force.Present = true, true
			}
			_, err := c.namespaces.Scripts.Delete(ctx, url.PathEscape(ns), url.PathEscape(name), p)
			return map[string]bool{"deleted": err == nil, "force": force}, err
		},
	})
}

// BulkDeleteByTags deletes scripts matching filter, at most limit of them
// (0 lets the API choose), in one API call (not in the SDK). It refuses an
// empty filter: the API would delete every script in the namespace. Call
// again while the result's HasMore is true.
func (c *Client) BulkDeleteByTags(ctx context.Context, ns string, filter TagFilter, limit int) (BulkDeleteResult, error) {
	const op = "scripts.bulk_delete"
	target := ns + " tags=" + filter.String()
	var res BulkDeleteResult
	err := c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			empty, neg := "", ""
			if filter.IsEmpty() {
				empty = "must name at least one tag: without one the API deletes every script in the namespace"
			}
			if limit < 0 {
				neg = "must not be negative"
			}
			return firstFailure(op, target, check{"namespace", nonEmpty(ns)},
				check{"tag filter", empty}, filter.check(), check{"limit", neg})
		},
		do: func(ctx context.Context) (any, error) {
			q := url.Values{"tags": {filter.String()}}
			if limit > 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			type deleted struct {
				Deleted []struct {
					ID string `json:"id"`
				} `json:"deleted"`
				DeletedCount int  `json:"deleted_count"`
				HasMore      bool `json:"has_more"`
			}
			env, err := callJSON[deleted](ctx, c, http.MethodDelete,
				apiPath("accounts", c.opts.AccountID, "workers", "dispatch", "namespaces", ns, "scripts"), q, nil)
			if err != nil {
				return nil, err
			}
			res = BulkDeleteResult{Count: env.Result.DeletedCount, HasMore: env.Result.HasMore}
			for _, d := range env.Result.Deleted {
				res.Deleted = append(res.Deleted, d.ID)
			}
			return res, nil
		},
	})
	return res, err
}

// DeleteAllByTags calls BulkDeleteByTags until the API reports nothing
// more matching filter, and returns how many scripts it deleted (also when
// a later call fails: those are gone). Each call is one audited change.
func (c *Client) DeleteAllByTags(ctx context.Context, ns string, filter TagFilter) (int, error) {
	total := 0
	for {
		res, err := c.BulkDeleteByTags(ctx, ns, filter, 0)
		if err != nil {
			return total, err
		}
		total += res.Count
		if !res.HasMore || res.Count == 0 {
			return total, nil
		}
	}
}
