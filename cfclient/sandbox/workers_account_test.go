package sandbox

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6/workers"
)

// acctScriptPath is the escaped path of an account script (and below it).
func acctScriptPath(s *Server, script string, rest ...string) string {
	p := acct(s) + "/workers/scripts/" + url.PathEscape(script)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

func TestAccountScripts(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	ctx := context.Background()
	for _, name := range []string{"outbound", "dispatcher"} {
		r := doMultipart(t, s, http.MethodPut, acctScriptPath(s, name), sdkStyle(`{"main_module":"worker.js","tags":["platform","`+name+`"],
			"bindings":[{"name":"DISPATCHER","type":"dispatch_namespace","namespace":"production"}]}`)...)
		if r.Status != 200 {
			t.Fatalf("upload %s: %d %s", name, r.Status, r.Body)
		}
	}
	svc := workers.NewScriptService(sdkOptions(s)...)

	var lp workers.ScriptListParams
	lp.AccountID.Value, lp.AccountID.Present = s.AccountID(), true
	page, err := svc.List(ctx, lp)
	if err != nil || len(page.Result) != 2 || page.Result[0].ID != "dispatcher" || !slices.Equal(page.Result[1].Tags, []string{"platform", "outbound"}) {
		t.Fatalf("List = %+v, %v", page, err)
	}
	lp.Tags.Value, lp.Tags.Present = "platform:yes,outbound:no", true
	page, err = svc.List(ctx, lp)
	if err != nil || len(page.Result) != 1 || page.Result[0].ID != "dispatcher" {
		t.Fatalf("filtered List = %+v, %v", page, err)
	}
	lp.Tags.Value = "platform"
	_, err = svc.List(ctx, lp)
	expectSDKCode(t, err, 400, codeInvalid)

	// Get returns the raw script content.
	var gp workers.ScriptGetParams
	gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
	src, err := svc.Get(ctx, "dispatcher", gp)
	if err != nil || *src != testModule {
		t.Fatalf("Get = %v, %v", src, err)
	}
	var cp workers.ScriptContentGetParams
	cp.AccountID.Value, cp.AccountID.Present = s.AccountID(), true
	resp, err := svc.Content.Get(ctx, "dispatcher", cp)
	if err != nil {
		t.Fatalf("Content.Get: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != testModule {
		t.Fatalf("content v2 %q", body)
	}

	// Settings (the full set) and script-settings (the script-level part).
	var sp workers.ScriptScriptAndVersionSettingGetParams
	sp.AccountID.Value, sp.AccountID.Present = s.AccountID(), true
	set, err := svc.ScriptAndVersionSettings.Get(ctx, "dispatcher", sp)
	if err != nil || len(set.Bindings) != 1 || set.Bindings[0].Name != "DISPATCHER" || set.Bindings[0].Namespace != "production" {
		t.Fatalf("settings = %+v, %v", set, err)
	}
	var ssp workers.ScriptSettingGetParams
	ssp.AccountID.Value, ssp.AccountID.Present = s.AccountID(), true
	ss, err := svc.Settings.Get(ctx, "dispatcher", ssp)
	if err != nil || ss.Logpush || !slices.Equal(ss.Tags, []string{"platform", "dispatcher"}) {
		t.Fatalf("script-settings = %+v, %v", ss, err)
	}
	var sep workers.ScriptSettingEditParams
	sep.AccountID.Value, sep.AccountID.Present = s.AccountID(), true
	sep.ScriptSetting.Logpush.Value, sep.ScriptSetting.Logpush.Present = true, true
	ss, err = svc.Settings.Edit(ctx, "dispatcher", sep)
	if err != nil || !ss.Logpush || !slices.Equal(ss.Tags, []string{"platform", "dispatcher"}) {
		t.Fatalf("script-settings edit = %+v, %v", ss, err)
	}
	before := snapshot(t, s)
	expectCode(t, s, do(t, s, http.MethodPatch, acctScriptPath(s, "dispatcher", "script-settings"), map[string]string{"logpush": "on"}),
		400, codeInvalid, before)

	// Secrets work on account scripts too.
	r := do(t, s, http.MethodPut, acctScriptPath(s, "dispatcher", "secrets"), map[string]string{"name": "TOKEN", "type": "secret_text", "text": "acct-secret-1"})
	if r.Status != 200 {
		t.Fatalf("put secret %d %s", r.Status, r.Body)
	}
	var slp workers.ScriptSecretListParams
	slp.AccountID.Value, slp.AccountID.Present = s.AccountID(), true
	secrets, err := svc.Secrets.List(ctx, "dispatcher", slp)
	if err != nil || len(secrets.Result) != 1 || secrets.Result[0].Name != "TOKEN" {
		t.Fatalf("secrets = %+v, %v", secrets, err)
	}

	var dp workers.ScriptDeleteParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	if _, err := svc.Delete(ctx, "outbound", dp); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = svc.Get(ctx, "outbound", gp)
	expectSDKCode(t, err, 404, codeScriptNotFound)
	expectAPIError(t, do(t, s, http.MethodGet, "/accounts/ffffffffffffffffffffffffffffffff/workers/scripts", nil), 403, codeAuth)
}
