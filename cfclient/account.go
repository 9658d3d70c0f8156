package cfclient

import (
	"context"
	"net/url"
	"sort"

	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/workers"
)

// Account scripts are the account's own Workers, outside any dispatch
// namespace: on a platform, the dispatch Worker and the outbound Worker.

// ListAccountScripts returns the account's scripts, sorted by name.
func (c *Client) ListAccountScripts(ctx context.Context) ([]Script, error) {
	const op = "account.scripts.list"
	var p workers.ScriptListParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	page, err := c.scripts.List(ctx, p)
	if err != nil {
		return nil, c.fail(op, "", false, err)
	}
	out := make([]Script, 0, len(page.Result))
	for _, s := range page.Result {
		out = append(out, Script{
			Name: s.ID, Tag: s.Tag, ETag: s.Etag, Tags: s.Tags, Handlers: s.Handlers,
			CreatedOn: s.CreatedOn, ModifiedOn: s.ModifiedOn,
			CompatibilityDate: s.CompatibilityDate, CompatibilityFlags: s.CompatibilityFlags,
			UsageModel: string(s.UsageModel), LastDeployedFrom: s.LastDeployedFrom,
			Logpush: s.Logpush, HasAssets: s.HasAssets, HasModules: s.HasModules,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// AccountScriptSettings returns an account script's settings (its bindings
// show which dispatch namespace and routing KV namespace it uses).
func (c *Client) AccountScriptSettings(ctx context.Context, name string) (ScriptSettings, error) {
	const op = "account.script.settings"
	if err := firstFailure(op, name, check{"script", nonEmpty(name)}); err != nil {
		return ScriptSettings{}, err
	}
	var env envelope[wireSettings]
	var p workers.ScriptScriptAndVersionSettingGetParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	_, err := c.scripts.ScriptAndVersionSettings.Get(ctx, url.PathEscape(name), p, option.WithResponseBodyInto(&env))
	if err != nil {
		return ScriptSettings{}, c.fail(op, name, false, err)
	}
	return env.Result.settings(), nil
}
