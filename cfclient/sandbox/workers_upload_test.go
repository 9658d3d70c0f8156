package sandbox

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

// namedFile is an upload part for cloudflare-go (what cloudflare.FileParam
// makes, without importing the root package).
type namedFile struct {
	io.Reader
	name, ctype string
}

func (f namedFile) Filename() string    { return f.name }
func (f namedFile) ContentType() string { return f.ctype }

func TestUploadWithSDK(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	var p wfp.DispatchNamespaceScriptUpdateParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	var m wfp.DispatchNamespaceScriptUpdateParamsMetadata
	m.MainModule.Value, m.MainModule.Present = "worker.js", true
	m.CompatibilityDate.Value, m.CompatibilityDate.Present = "2025-01-01", true
	m.Tags.Value, m.Tags.Present = []string{"customer-123", "staging"}, true
	m.KeepBindings.Value, m.KeepBindings.Present = []string{"secret_text"}, true
	var lim wfp.DispatchNamespaceScriptUpdateParamsMetadataLimits
	lim.CPUMs.Value, lim.CPUMs.Present = 50, true
	m.Limits.Value, m.Limits.Present = lim, true
	var b wfp.DispatchNamespaceScriptUpdateParamsMetadataBindingsWorkersBindingKindPlainText
	b.Name.Value, b.Name.Present = "GREETING", true
	b.Text.Value, b.Text.Present = "hi", true
	b.Type.Value, b.Type.Present = "plain_text", true
	m.Bindings.Value, m.Bindings.Present = []wfp.DispatchNamespaceScriptUpdateParamsMetadataBindingUnion{b}, true
	p.Metadata.Value, p.Metadata.Present = m, true
	p.Files.Value, p.Files.Present = []io.Reader{
		namedFile{strings.NewReader(testModule), "worker.js", "application/javascript+module"},
		namedFile{strings.NewReader("export const x = 1"), "lib/util.js", "application/javascript+module"},
	}, true

	res, err := nsService(s).Scripts.Update(context.Background(), "prod", "tenant-1", p)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if res.ID != "tenant-1" || len(res.Tag) != 32 || len(res.Etag) != 64 || res.StartupTimeMs < 1 ||
		!slices.Equal(res.Handlers, []string{"fetch", "scheduled"}) || res.CompatibilityDate != "2025-01-01" ||
		!slices.Equal(res.Tags, []string{"customer-123", "staging"}) || !res.HasModules || res.UsageModel != "standard" {
		t.Fatalf("upload result %+v", res)
	}
	s.store.Read(func() {
		sc := s.store.Namespaces["prod"].Scripts.script("tenant-1")
		if sc.MainModule != "worker.js" || len(sc.Modules) != 2 || sc.Modules[1].Name != "lib/util.js" ||
			*sc.Limits.CPUMs != 50 || len(sc.Bindings) != 1 || sc.Bindings[0].Name != "GREETING" {
			t.Errorf("stored %+v", sc)
		}
	})
}

func TestUploadShapes(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	js := "application/javascript+module"
	cases := []struct {
		name  string
		parts []mpPart
		main  string // the module content GET must return
	}{
		{"cloudflare-go: files parts", sdkStyle(`{"main_module":"worker.js"}`), testModule},
		{"curl: part per module, metadata as a form field", []mpPart{
			{name: "metadata", body: `{"main_module":"worker.js","compatibility_date":"2025-03-01"}`},
			{name: "worker.js", filename: "worker.js", ctype: js, body: "export default { fetch() {} }"},
		}, "export default { fetch() {} }"},
		{"example app: metadata file, arbitrary part names", []mpPart{
			{name: "metadata", filename: "metadata.json", ctype: "application/json", body: `{"main_module":"index.js"}`},
			{name: "script", filename: "index.js", ctype: js, body: "export default { queue() {} }"},
			{name: "platform_module", filename: "platform.js", ctype: js, body: "export const p = 1"},
		}, "export default { queue() {} }"},
		{"main module named by part name", []mpPart{
			{name: "metadata", body: `{"main_module":"entry"}`},
			{name: "entry", ctype: js + "; charset=utf-8", body: "export default { email() {} }"},
		}, "export default { email() {} }"},
		{"filename wins over part name", []mpPart{
			{name: "metadata", body: `{"main_module":"a.js"}`},
			{name: "a.js", filename: "decoy.js", ctype: js, body: "decoy"},
			{name: "files", filename: "a.js", ctype: js, body: "export default { tail() {} }"},
		}, "export default { tail() {} }"},
		{"service worker via body_part", []mpPart{
			{name: "metadata", body: `{"body_part":"script"}`},
			{name: "script", ctype: "application/javascript", body: `addEventListener("fetch", e => {})`},
		}, `addEventListener("fetch", e => {})`},
		{"python", []mpPart{
			{name: "metadata", body: `{"main_module":"main.py"}`},
			{name: "files", filename: "main.py", ctype: "text/x-python", body: "async def on_fetch(request):\n  pass"},
			{name: "files", filename: "requirements.txt", ctype: "text/x-python-requirement", body: "httpx"},
		}, "async def on_fetch(request):\n  pass"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "shape-" + string(rune('a'+i))
			r := doMultipart(t, s, http.MethodPut, scriptPath(s, "prod", name), c.parts...)
			var v scriptView
			result(t, r, &v)
			if v.StartupTimeMs == nil || v.ID != name {
				t.Errorf("result %s", r.Body)
			}
			got := do(t, s, http.MethodGet, scriptPath(s, "prod", name, "content"), nil)
			if got.Status != 200 || string(got.Body) != c.main {
				t.Fatalf("content = %d %q, want %q", got.Status, got.Body, c.main)
			}
		})
	}
}

func TestUploadHandlers(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	cases := []struct {
		module string
		want   []string
	}{
		{testModule, []string{"fetch", "scheduled"}},
		{"const x = fetch; export default { async queue(b) {}, scheduled: run }", []string{"queue", "scheduled"}},
		{"export default {}", []string{}},
		{"export class Counter {}", []string{}},
		// esbuild's (and so wrangler's) bundle of a default export.
		{wranglerBundle, []string{"fetch"}},
		{"const h = { async email(m) {} };\nexport { h as default, x };", []string{"email"}},
		{"function a() {}\nclass W { async fetch(r) {} tail(e) {} }\nexport { a, W as default }", []string{"fetch", "tail"}},
		{"export { fetch as default }", []string{}}, // no declaration to read
		{"var h$ = { fetch() {} };\nexport { h$ as default };", []string{"fetch"}},
	}
	for _, c := range cases {
		r := doMultipart(t, s, http.MethodPut, scriptPath(s, "prod", "h"),
			mpPart{name: "metadata", body: `{"main_module":"w.js"}`},
			mpPart{name: "files", filename: "w.js", ctype: "application/javascript+module", body: c.module})
		var v scriptView
		result(t, r, &v)
		if !slices.Equal(v.Handlers, c.want) {
			t.Errorf("handlers of %q = %v, want %v", c.module, v.Handlers, c.want)
		}
	}
}

func TestUploadLegacyRawScript(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	src := `addEventListener("scheduled", e => {}); addEventListener('fetch', e => {})`
	r := do(t, s, http.MethodPut, scriptPath(s, "prod", "old"), src, "Content-Type", "application/javascript")
	var v scriptView
	result(t, r, &v)
	if v.HasModules || !slices.Equal(v.Handlers, []string{"scheduled", "fetch"}) {
		t.Fatalf("legacy upload %s", r.Body)
	}
	got := do(t, s, http.MethodGet, scriptPath(s, "prod", "old", "content"), nil)
	if string(got.Body) != src || got.Header.Get("Content-Type") != "application/javascript" {
		t.Fatalf("content %q %q", got.Header.Get("Content-Type"), got.Body)
	}
}

func TestUploadErrors(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "existing", `{"main_module":"worker.js","tags":["keep"]}`)
	js := "application/javascript+module"
	mod := mpPart{name: "files", filename: "worker.js", ctype: js, body: testModule}
	meta := func(m string) mpPart { return mpPart{name: "metadata", ctype: "application/json", body: m} }
	withMeta := func(m string) []mpPart { return []mpPart{mod, meta(m)} }
	nine := `["1","2","3","4","5","6","7","8","9"]`
	cases := []struct {
		name         string
		script       string
		parts        []mpPart
		status, code int
		mentions     string
	}{
		{"bad script name", "Bad_Name", withMeta(`{"main_module":"worker.js"}`), 400, codeBadScriptName, "^[a-z0-9_]"},
		{"script name too long", strings.Repeat("a", 64), withMeta(`{"main_module":"worker.js"}`), 400, codeBadScriptName, "63"},
		{"no metadata", "", []mpPart{mod}, 400, codeInvalid, "metadata"},
		{"metadata twice", "", []mpPart{mod, meta(`{"main_module":"worker.js"}`), meta(`{}`)}, 400, codeInvalid, "twice"},
		{"metadata not JSON", "", withMeta(`{"main_module":`), 400, codeInvalid, "metadata"},
		{"metadata empty", "", withMeta(``), 400, codeInvalid, "metadata"},
		{"metadata wrong type", "", withMeta(`{"main_module":5}`), 400, codeInvalid, "metadata.main_module"},
		{"metadata an array", "", withMeta(`[]`), 400, codeInvalid, "metadata"},
		{"both main_module and body_part", "", withMeta(`{"main_module":"worker.js","body_part":"worker.js"}`), 400, codeInvalid, "exactly one"},
		{"neither main_module nor body_part", "", withMeta(`{}`), 400, codeInvalid, "exactly one"},
		{"main_module names no part", "", withMeta(`{"main_module":"index.js"}`), 400, codeInvalid, "index.js"},
		{"no module part", "", []mpPart{meta(`{"main_module":"worker.js"}`)}, 400, codeInvalid, "module part"},
		{"module type not accepted", "", []mpPart{meta(`{"main_module":"worker.js"}`),
			{name: "files", filename: "worker.js", ctype: "application/json", body: "{}"}}, 400, codeInvalid, "application/json"},
		{"main module of a data type", "", []mpPart{meta(`{"main_module":"worker.js"}`),
			{name: "files", filename: "worker.js", ctype: "text/plain", body: "x"}}, 400, codeInvalid, "text/plain"},
		{"module without Content-Type", "", []mpPart{meta(`{"main_module":"worker.js"}`),
			{name: "files", filename: "worker.js", body: "x"}}, 400, codeInvalid, "text/plain"},
		{"two modules with one name", "", []mpPart{meta(`{"main_module":"worker.js"}`), mod, mod}, 400, codeInvalid, "worker.js"},
		{"bad compatibility_date", "", withMeta(`{"main_module":"worker.js","compatibility_date":"2025-1-1"}`), 400, codeInvalid, "YYYY-MM-DD"},
		{"nine tags", "", withMeta(`{"main_module":"worker.js","tags":` + nine + `}`), 400, codeTooManyTags, "8"},
		{"tag with comma", "", withMeta(`{"main_module":"worker.js","tags":["a,b"]}`), 400, codeTagCharacter, "a,b"},
		{"tag too long", "", withMeta(`{"main_module":"worker.js","tags":["` + strings.Repeat("t", 65) + `"]}`), 400, codeTagLength, "64"},
		{"sampling rate", "", withMeta(`{"main_module":"worker.js","observability":{"enabled":true,"head_sampling_rate":1.5}}`), 400, codeSamplingRate, "head_sampling_rate"},
		{"usage model", "", withMeta(`{"main_module":"worker.js","usage_model":"fast"}`), 400, codeInvalid, "usage_model"},
		{"limits wrong type", "", withMeta(`{"main_module":"worker.js","limits":{"cpu_ms":"50"}}`), 400, codeInvalid, "limits.cpu_ms"},
		{"limits out of range", "", withMeta(`{"main_module":"worker.js","limits":{"cpu_ms":0}}`), 400, codeInvalid, "limits.cpu_ms"},
		{"binding name twice", "", withMeta(`{"main_module":"worker.js","bindings":[{"name":"A","type":"plain_text","text":"x"},{"name":"A","type":"plain_text","text":"y"}]}`), 400, codeInvalid, "twice"},
		{"binding type unknown", "", withMeta(`{"main_module":"worker.js","bindings":[{"name":"A","type":"magic"}]}`), 400, codeInvalid, "bindings[0].type"},
		{"plain_text without text", "", withMeta(`{"main_module":"worker.js","bindings":[{"name":"A","type":"plain_text"}]}`), 400, codeInvalid, "bindings[0].text"},
		{"secret without value, none to keep", "", withMeta(`{"main_module":"worker.js","bindings":[{"name":"S","type":"secret_text"}]}`), 400, codeInvalid, "no value"},
		{"keep_bindings of no type", "", withMeta(`{"main_module":"worker.js","keep_bindings":["secrets"]}`), 400, codeInvalid, "keep_bindings"},
		{"placement shape", "", withMeta(`{"main_module":"worker.js","placement":{"mode":"fast"}}`), 400, codeInvalid, "placement"},
		{"tail consumer without service", "", withMeta(`{"main_module":"worker.js","tail_consumers":[{"environment":"x"}]}`), 400, codeInvalid, "tail_consumers[0].service"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := c.script
			if name == "" {
				name = "existing"
			}
			before := snapshot(t, s)
			r := doMultipart(t, s, http.MethodPut, scriptPath(s, "prod", name), c.parts...)
			expectCode(t, s, r, c.status, c.code, before)
			expectMessage(t, r, c.mentions)
		})
	}

	t.Run("not multipart", func(t *testing.T) {
		before := snapshot(t, s)
		r := do(t, s, http.MethodPut, scriptPath(s, "prod", "existing"), map[string]string{"main_module": "x"})
		expectCode(t, s, r, 400, codeContentType, before)
	})
	t.Run("malformed multipart", func(t *testing.T) {
		before := snapshot(t, s)
		body, ctype := buildMultipart(t, withMeta(`{"main_module":"worker.js"}`)...)
		r := do(t, s, http.MethodPut, scriptPath(s, "prod", "existing"), body[:len(body)-20], "Content-Type", ctype)
		expectCode(t, s, r, 400, codeInvalid, before)
		expectMessage(t, r, "multipart")
		r = do(t, s, http.MethodPut, scriptPath(s, "prod", "existing"), body, "Content-Type", "multipart/form-data")
		expectCode(t, s, r, 400, codeInvalid, before)
	})
	t.Run("missing namespace", func(t *testing.T) {
		before := snapshot(t, s)
		r := doMultipart(t, s, http.MethodPut, scriptPath(s, "nope", "x"), withMeta(`{"main_module":"worker.js"}`)...)
		expectCode(t, s, r, 404, codeNamespaceNotFound, before)
	})
	t.Run("strict inherit", func(t *testing.T) {
		before := snapshot(t, s)
		r := doMultipart(t, s, http.MethodPut, scriptPath(s, "prod", "existing")+"?bindings_inherit=strict",
			withMeta(`{"main_module":"worker.js","bindings":[{"name":"KV","type":"inherit"}]}`)...)
		expectCode(t, s, r, 400, codeInvalid, before)
		expectMessage(t, r, "strict")
		r = doMultipart(t, s, http.MethodPut, scriptPath(s, "prod", "existing")+"?bindings_inherit=loose",
			withMeta(`{"main_module":"worker.js"}`)...)
		expectCode(t, s, r, 400, codeInvalid, before)
	})
}

func TestUploadKeepsConfigAndBindings(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Empty: true, Now: clock.Now})
	mkNamespace(t, s, "prod")
	first := uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","tags":["a","b","a"],"logpush":true,
		"limits":{"cpu_ms":50,"subrequests":20},"compatibility_date":"2025-01-01",
		"observability":{"enabled":true,"head_sampling_rate":0.5},
		"bindings":[{"name":"X","type":"plain_text","text":"x"},{"name":"S","type":"secret_text","text":"first-secret"},
		{"name":"KV","type":"kv_namespace","namespace_id":"0123456789abcdef0123456789abcdef"}]}`)
	if !slices.Equal(first.Tags, []string{"a", "b"}) {
		t.Fatalf("tags %v", first.Tags)
	}
	stored := func() *Script {
		var sc *Script
		s.store.Read(func() { sc = s.store.Namespaces["prod"].Scripts.script("app") })
		return sc
	}

	// A secret sent without its value keeps the current one; inherit copies
	// a binding under a new name; keep_bindings carries kv_namespace over.
	clock.Advance(3600e9)
	second := uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","keep_bindings":["kv_namespace"],
		"bindings":[{"name":"S","type":"secret_text"},{"name":"Y","type":"inherit","old_name":"X"},{"name":"GONE","type":"inherit"}]}`)
	sc := stored()
	names := []string{}
	for _, b := range sc.Bindings {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"S", "Y", "KV"}) || sc.Bindings[0].Secret != "first-secret" ||
		!strings.Contains(string(sc.Bindings[1].Raw), `"name":"Y"`) || !strings.Contains(string(sc.Bindings[1].Raw), `"text":"x"`) {
		t.Fatalf("bindings after re-upload: %+v", sc.Bindings)
	}
	// Omitted configuration stays (but not the version settings: limits,
	// compatibility flags, placement); the immutable tag and created_on too.
	if !slices.Equal(second.Tags, []string{"a", "b"}) || !second.Logpush || sc.Limits != nil ||
		second.CompatibilityDate != "2025-01-01" || string(second.Observability) != `{"enabled":true,"head_sampling_rate":0.5}` ||
		second.Tag != first.Tag || !second.CreatedOn.Equal(first.CreatedOn) || !second.ModifiedOn.Equal(clock.Now()) {
		t.Fatalf("second upload %+v", second)
	}

	// Without keep_bindings, secrets and everything else are dropped.
	uploadOK(t, s, "prod", "app", `{"main_module":"worker.js"}`)
	if sc := stored(); len(sc.Bindings) != 0 {
		t.Fatalf("bindings not replaced: %+v", sc.Bindings)
	}
	// keep_bindings keeps secrets.
	uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","bindings":[{"name":"S","type":"secret_text","text":"v2"}]}`)
	uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","keep_bindings":["secret_text"]}`)
	if sc := stored(); len(sc.Bindings) != 1 || sc.Bindings[0].Secret != "v2" {
		t.Fatalf("secret not kept: %+v", sc.Bindings)
	}
	// Explicit null clears observability; tags [] clears tags.
	third := uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","observability":null,"tags":[]}`)
	if third.Observability != nil || len(third.Tags) != 0 {
		t.Fatalf("third upload %+v", third)
	}
}

func TestReuploadTakesVersionSettingsFromItsMetadata(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","compatibility_date":"2025-01-01",
		"compatibility_flags":["nodejs_compat"],"limits":{"cpu_ms":50},"placement":{"mode":"smart"},"tags":["keep"]}`)
	// A re-upload without them clears them (they belong to the version);
	// script settings such as tags stay.
	v := uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","compatibility_date":"2025-02-01"}`)
	if len(v.CompatibilityFlags) != 0 || v.Placement != nil || !slices.Equal(v.Tags, []string{"keep"}) || v.CompatibilityDate != "2025-02-01" {
		t.Fatalf("re-upload kept the previous version's settings: %+v", v)
	}
	var sc *Script
	s.store.Read(func() { sc = s.store.Namespaces["prod"].Scripts.script("app") })
	if sc.Limits != nil {
		t.Fatalf("limits kept: %+v", sc.Limits)
	}
	// A re-upload that sends them sets them.
	v = uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","compatibility_flags":["a"],"limits":{"cpu_ms":70}}`)
	s.store.Read(func() { sc = s.store.Namespaces["prod"].Scripts.script("app") })
	if !slices.Equal(v.CompatibilityFlags, []string{"a"}) || sc.Limits == nil || *sc.Limits.CPUMs != 70 {
		t.Fatalf("re-upload with settings: %+v %+v", v, sc.Limits)
	}
}
