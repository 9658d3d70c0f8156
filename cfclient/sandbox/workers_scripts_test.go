package sandbox

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6/workers"
	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

func TestScriptDetails(t *testing.T) {
	s := startSandbox(t, Options{Empty: true, Now: fixedClock})
	mkNamespace(t, s, "prod")
	up := uploadOK(t, s, "prod", "tenant-1", `{"main_module":"worker.js","tags":["tier-pro"],"compatibility_flags":["nodejs_compat"],
		"placement":{"mode":"smart"},"tail_consumers":[{"service":"logger"}],"usage_model":"standard"}`)
	var gp wfp.DispatchNamespaceScriptGetParams
	gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
	got, err := nsService(s).Scripts.Get(context.Background(), "prod", "tenant-1", gp)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	sc := got.Script
	if got.DispatchNamespace != "prod" || !got.CreatedOn.Equal(fixedClock()) || !got.ModifiedOn.Equal(fixedClock()) ||
		sc.ID != "tenant-1" || sc.Tag != up.Tag || sc.Etag != up.ETag || !slices.Equal(sc.Tags, []string{"tier-pro"}) ||
		!slices.Equal(sc.Handlers, []string{"fetch", "scheduled"}) || !slices.Equal(sc.CompatibilityFlags, []string{"nodejs_compat"}) ||
		string(sc.Placement.Mode) != "smart" || len(sc.TailConsumers) != 1 || sc.TailConsumers[0].Service != "logger" {
		t.Fatalf("details %+v", got)
	}

	_, err = nsService(s).Scripts.Get(context.Background(), "prod", "nope", gp)
	expectSDKCode(t, err, 404, codeScriptNotFound)
	r := do(t, s, http.MethodGet, scriptPath(s, "prod", "nope"), nil)
	expectMessage(t, r, "This Worker does not exist on your account.")
	_, err = nsService(s).Scripts.Get(context.Background(), "nope", "tenant-1", gp)
	expectSDKCode(t, err, 404, codeNamespaceNotFound)
}

func TestScriptDelete(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "a", `{"main_module":"worker.js"}`)
	uploadOK(t, s, "prod", "b", `{"main_module":"worker.js"}`)
	ctx := context.Background()
	var dp wfp.DispatchNamespaceScriptDeleteParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	dp.Force.Value, dp.Force.Present = true, true
	if _, err := nsService(s).Scripts.Delete(ctx, "prod", "a", dp); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := nsService(s).Scripts.Delete(ctx, "prod", "a", dp)
	expectSDKCode(t, err, 404, codeScriptNotFound)
	s.store.Read(func() {
		if names := s.store.Namespaces["prod"].Scripts.Names(); !slices.Equal(names, []string{"b"}) {
			t.Errorf("names after delete %v", names)
		}
	})
	before := snapshot(t, s)
	expectCode(t, s, do(t, s, http.MethodDelete, scriptPath(s, "prod", "b")+"?force=maybe", nil), 400, codeInvalid, before)
	expectCode(t, s, do(t, s, http.MethodDelete, scriptPath(s, "nope", "b"), nil), 404, codeNamespaceNotFound, before)
	if r := do(t, s, http.MethodDelete, scriptPath(s, "prod", "b"), nil); r.Status != 200 {
		t.Fatalf("delete without force: %d %s", r.Status, r.Body)
	}
}

func TestScriptContent(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","tags":["t"],"bindings":[{"name":"X","type":"plain_text","text":"x"}]}`)
	ctx := context.Background()
	content := nsService(s).Scripts.Content

	var gp wfp.DispatchNamespaceScriptContentGetParams
	gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
	resp, err := content.Get(ctx, "prod", "app", gp)
	if err != nil {
		t.Fatalf("Content.Get: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != testModule || resp.Header.Get("Content-Type") != "application/javascript+module" {
		t.Fatalf("content %q %q", resp.Header.Get("Content-Type"), body)
	}

	// PUT content replaces the modules and keeps tags and bindings.
	var up wfp.DispatchNamespaceScriptContentUpdateParams
	up.AccountID.Value, up.AccountID.Present = s.AccountID(), true
	var m workers.WorkerMetadataParam
	m.MainModule.Value, m.MainModule.Present = "new.js", true
	up.Metadata.Value, up.Metadata.Present = m, true
	newSrc := "export default { queue(batch) {} }"
	up.Files.Value, up.Files.Present = []io.Reader{namedFile{strings.NewReader(newSrc), "new.js", "application/javascript+module"}}, true
	res, err := content.Update(ctx, "prod", "app", up)
	if err != nil {
		t.Fatalf("Content.Update: %v", err)
	}
	if !slices.Equal(res.Handlers, []string{"queue"}) || !slices.Equal(res.Tags, []string{"t"}) {
		t.Fatalf("content update result %+v", res)
	}
	if r := do(t, s, http.MethodGet, scriptPath(s, "prod", "app", "content"), nil); string(r.Body) != newSrc {
		t.Fatalf("content after PUT %q", r.Body)
	}
	s.store.Read(func() {
		if sc := s.store.Namespaces["prod"].Scripts.script("app"); len(sc.Bindings) != 1 {
			t.Errorf("bindings lost by content PUT: %+v", sc.Bindings)
		}
	})

	// The header form names the main part without a metadata part.
	body2, ctype := buildMultipart(t, mpPart{name: "main", filename: "h.js", ctype: "application/javascript+module", body: "export default { fetch() {} }"})
	r := do(t, s, http.MethodPut, scriptPath(s, "prod", "app", "content"), body2, "Content-Type", ctype, "CF-WORKER-MAIN-MODULE-PART", "h.js")
	var v scriptView
	result(t, r, &v)
	if !slices.Equal(v.Handlers, []string{"fetch"}) {
		t.Fatalf("header-form content PUT %s", r.Body)
	}

	before := snapshot(t, s)
	expectCode(t, s, do(t, s, http.MethodPut, scriptPath(s, "prod", "app", "content"), body2, "Content-Type", ctype), 400, codeInvalid, before)
	expectCode(t, s, do(t, s, http.MethodGet, scriptPath(s, "prod", "nope", "content"), nil), 404, codeScriptNotFound, before)
	expectCode(t, s, doMultipart(t, s, http.MethodPut, scriptPath(s, "prod", "nope", "content"), sdkStyle(`{"main_module":"worker.js"}`)...),
		404, codeScriptNotFound, before)
}
