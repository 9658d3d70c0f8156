package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

// putSecretSDK sets a secret_text with cloudflare-go.
func putSecretSDK(t *testing.T, s *Server, ns, script, name, text string) *wfp.DispatchNamespaceScriptSecretUpdateResponse {
	t.Helper()
	var p wfp.DispatchNamespaceScriptSecretUpdateParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	var body wfp.DispatchNamespaceScriptSecretUpdateParamsBodyWorkersBindingKindSecretText
	body.Name.Value, body.Name.Present = name, true
	body.Text.Value, body.Text.Present = text, true
	body.Type.Value, body.Type.Present = "secret_text", true
	p.Body = body
	res, err := nsService(s).Scripts.Secrets.Update(context.Background(), ns, script, p)
	if err != nil {
		t.Fatalf("Secrets.Update: %v", err)
	}
	return res
}

func TestSecrets(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","bindings":[{"name":"ENV","type":"plain_text","text":"prod"}]}`)
	ctx := context.Background()
	secrets := nsService(s).Scripts.Secrets

	res := putSecretSDK(t, s, "prod", "app", "API_KEY", "first-value")
	if res.Name != "API_KEY" || res.Type != "secret_text" {
		t.Fatalf("put result %+v", res)
	}
	putSecretSDK(t, s, "prod", "app", "API_KEY", "second-value") // replaces, no duplicate
	putSecretSDK(t, s, "prod", "app", "a/b", "slashed")

	var lp wfp.DispatchNamespaceScriptSecretListParams
	lp.AccountID.Value, lp.AccountID.Present = s.AccountID(), true
	page, err := secrets.List(ctx, "prod", "app", lp)
	if err != nil || len(page.Result) != 2 || page.Result[0].Name != "API_KEY" || page.Result[1].Name != "a/b" {
		t.Fatalf("Secrets.List = %+v, %v", page, err)
	}
	s.store.Read(func() {
		if b := s.store.Namespaces["prod"].Scripts.script("app").Bindings; len(b) != 3 || b[1].Secret != "second-value" {
			t.Errorf("stored bindings %+v", b)
		}
	})

	var gp wfp.DispatchNamespaceScriptSecretGetParams
	gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
	got, err := secrets.Get(ctx, "prod", "app", "API_KEY", gp)
	if err != nil || got.Name != "API_KEY" || got.Type != "secret_text" {
		t.Fatalf("Secrets.Get = %+v, %v", got, err)
	}
	// url_encoded=true: the name in the path is encoded once more.
	gp.URLEncoded.Value, gp.URLEncoded.Present = true, true
	got, err = secrets.Get(ctx, "prod", "app", url.PathEscape(url.PathEscape("a/b")), gp)
	if err != nil || got.Name != "a/b" {
		t.Fatalf("url-encoded Get = %+v, %v", got, err)
	}

	var dp wfp.DispatchNamespaceScriptSecretDeleteParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	if _, err := secrets.Delete(ctx, "prod", "app", "API_KEY", dp); err != nil {
		t.Fatalf("Secrets.Delete: %v", err)
	}
	gp.URLEncoded.Present = false
	_, err = secrets.Get(ctx, "prod", "app", "API_KEY", gp)
	expectSDKCode(t, err, 404, codeSecretNotFound)
	_, err = secrets.Delete(ctx, "prod", "app", "API_KEY", dp)
	expectSDKCode(t, err, 404, codeSecretNotFound)
	// A plain_text binding is not a secret.
	_, err = secrets.Get(ctx, "prod", "app", "ENV", gp)
	expectSDKCode(t, err, 404, codeSecretNotFound)
}

func TestSecretErrors(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","bindings":[{"name":"ENV","type":"plain_text","text":"prod"}]}`)
	path := scriptPath(s, "prod", "app", "secrets")
	cases := []struct {
		name     string
		body     any
		mentions string
	}{
		{"over a plain_text binding", map[string]string{"name": "ENV", "type": "secret_text", "text": "x"}, "plain_text"},
		{"not a secret type", map[string]string{"name": "X", "type": "plain_text", "text": "x"}, "secret_text"},
		{"no text", map[string]string{"name": "X", "type": "secret_text"}, "text"},
		{"no name", map[string]string{"type": "secret_text", "text": "x"}, "secret.name"},
		{"text not a string", map[string]any{"name": "X", "type": "secret_text", "text": 5}, "secret.text"},
		{"text too long", map[string]string{"name": "X", "type": "secret_text", "text": strings.Repeat("x", 5121)}, "5120"},
		{"secret_key without key", map[string]string{"name": "K", "type": "secret_key", "format": "raw"}, "key_base64"},
		{"not JSON", "{", "JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, s)
			r := do(t, s, http.MethodPut, path, c.body)
			expectCode(t, s, r, 400, codeInvalid, before)
			expectMessage(t, r, c.mentions)
		})
	}
	before := snapshot(t, s)
	expectCode(t, s, do(t, s, http.MethodGet, scriptPath(s, "prod", "app", "secrets", "%zz")+"?url_encoded=true", nil), 400, codeInvalid, before)
	expectCode(t, s, do(t, s, http.MethodPut, scriptPath(s, "prod", "nope", "secrets"), map[string]string{"name": "A", "type": "secret_text", "text": "x"}), 404, codeScriptNotFound, before)
	expectCode(t, s, do(t, s, http.MethodDelete, scriptPath(s, "prod", "app", "secrets", "NOPE"), nil), 404, codeSecretNotFound, before)
}

// TestSecretValuesNeverServed puts secrets in every way there is, then
// reads every endpoint that shows a script and greps the raw bodies.
func TestSecretValuesNeverServed(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	const v1, v2, v3, v4 = "VALUE-FROM-UPLOAD-91f3", "VALUE-FROM-PUT-7c2e", "VALUE-FROM-SETTINGS-55ab", "S2V5TWF0ZXJpYWwtODhk"
	up := doMultipart(t, s, http.MethodPut, scriptPath(s, "prod", "app"), sdkStyle(`{"main_module":"worker.js","bindings":[
		{"name":"UP","type":"secret_text","text":"`+v1+`"},
		{"name":"KEY","type":"secret_key","format":"raw","algorithm":{"name":"HMAC","hash":"SHA-256"},"usages":["sign"],"key_base64":"`+v4+`"}]}`)...)
	if up.Status != 200 {
		t.Fatalf("upload %d %s", up.Status, up.Body)
	}
	putSecretSDK(t, s, "prod", "app", "PUT", v2)
	patch := doMultipart(t, s, http.MethodPatch, scriptPath(s, "prod", "app", "settings"), mpPart{name: "settings", ctype: "application/json",
		body: `{"bindings":[{"name":"UP","type":"secret_text"},{"name":"KEY","type":"secret_key"},{"name":"PUT","type":"secret_text"},{"name":"SET","type":"secret_text","text":"` + v3 + `"}]}`})
	if patch.Status != 200 {
		t.Fatalf("patch %d %s", patch.Status, patch.Body)
	}
	s.store.Read(func() {
		n := 0
		for _, b := range s.store.Namespaces["prod"].Scripts.script("app").Bindings {
			if b.Secret == v1 || b.Secret == v2 || b.Secret == v3 || b.Secret == v4 {
				n++
			}
		}
		if n != 4 {
			t.Fatalf("only %d of 4 secrets stored", n)
		}
	})
	bodies := map[string][]byte{"upload": up.Body, "settings PATCH": patch.Body}
	for _, p := range []string{
		scriptPath(s, "prod", "app"), scriptPath(s, "prod", "app", "settings"), scriptPath(s, "prod", "app", "bindings"),
		scriptPath(s, "prod", "app", "secrets"), scriptPath(s, "prod", "app", "secrets", "UP"), scriptPath(s, "prod", "app", "secrets", "KEY"),
		scriptPath(s, "prod", "app", "secrets", "SET"), nsPath(s, "prod", "scripts"), scriptPath(s, "prod", "app", "content"),
	} {
		r := do(t, s, http.MethodGet, p, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", p, r.Status, r.Body)
		}
		bodies[p] = r.Body
	}
	for what, body := range bodies {
		mustContainNone(t, what, body, v1, v2, v3, v4, "key_base64")
	}
	// The secret_key shows its non-secret fields.
	if b := string(bodies[scriptPath(s, "prod", "app", "secrets", "KEY")]); !strings.Contains(b, `"format":"raw"`) || !strings.Contains(b, `"usages":["sign"]`) {
		t.Fatalf("secret_key view %s", b)
	}
}
