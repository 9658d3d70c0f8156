package sandbox

import (
	"net/http"
	"slices"
	"testing"
)

// The requests wrangler 4.86.0 sends for `wrangler dispatch-namespace
// list|get|create|rename|delete` and `wrangler deploy --dispatch-namespace`
// of a module Worker, replayed over raw HTTP as WRANGLER_LOG=debug shows
// them (.ci/wrangler runs the real wrangler against `wfp sandbox`).

// wranglerBundle is the main module as wrangler's esbuild bundle writes
// `export default { fetch() { return new Response("hi") } }`.
const wranglerBundle = `// index.js
var index_default = { fetch() {
  return new Response("hi");
} };
export {
  index_default as default
};
//# sourceMappingURL=index.js.map
`

// wranglerUpload is wrangler's upload body: metadata as a plain form field
// first, then the module under a part named after it.
func wranglerUpload(compatDate string) []mpPart {
	return []mpPart{
		{name: "metadata", body: `{"main_module":"index.js","bindings":[],"compatibility_date":"` + compatDate + `","compatibility_flags":[]}`},
		{name: "index.js", filename: "index.js", ctype: "application/javascript+module", body: wranglerBundle},
	}
}

func TestWranglerNamespaceCommands(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	base := acct(s) + "/workers/dispatch/namespaces"
	type nsView struct {
		ID          string `json:"namespace_id"`
		Name        string `json:"namespace_name"`
		ScriptCount int    `json:"script_count"`
	}
	// wrangler sends Content-Type: application/json on every namespace call,
	// GET included.
	js := []string{"Content-Type", "application/json"}

	var created nsView
	result(t, do(t, s, http.MethodPost, base, `{"name":"wrns"}`, js...), &created)
	if created.Name != "wrns" || !uuidRE.MatchString(created.ID) {
		t.Fatalf("create: %+v", created)
	}
	var list []nsView
	result(t, do(t, s, http.MethodGet, base, nil, js...), &list)
	if len(list) != 1 || list[0] != created {
		t.Fatalf("list: %+v", list)
	}
	var got nsView
	result(t, do(t, s, http.MethodGet, base+"/wrns", nil, js...), &got)
	if got != created {
		t.Fatalf("get: %+v", got)
	}
	var renamed nsView
	result(t, do(t, s, http.MethodPut, base+"/wrns", `{"name":"wrns2"}`, js...), &renamed)
	if renamed.Name != "wrns2" || renamed.ID != created.ID {
		t.Fatalf("rename: %+v", renamed)
	}
	if r := do(t, s, http.MethodGet, base+"/wrns", nil, js...); r.Status != http.StatusNotFound || r.errCode(t) != codeNamespaceNotFound {
		t.Fatalf("get of the old name: %d %s", r.Status, r.Body)
	}
	if r := do(t, s, http.MethodPost, base, `{"name":"wrns2"}`, js...); r.Status != http.StatusBadRequest || r.errCode(t) != codeNamespaceExists {
		t.Fatalf("duplicate create: %d %s", r.Status, r.Body)
	}
	r := do(t, s, http.MethodDelete, base+"/wrns2", nil)
	if success, _, res, _ := r.env(t); r.Status != http.StatusOK || !success || string(res) != "null" {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	result(t, do(t, s, http.MethodGet, base, nil, js...), &list)
	if len(list) != 0 {
		t.Fatalf("list after delete: %+v", list)
	}
}

func TestWranglerDeployToNamespace(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "wrns")

	// Before uploading, wrangler reads the account script's settings (for
	// binding provisioning) and takes a 404 as "no settings".
	r := do(t, s, http.MethodGet, acct(s)+"/workers/scripts/hello/settings", nil)
	if r.Status != http.StatusNotFound || r.errCode(t) != codeScriptNotFound {
		t.Fatalf("settings of a missing account script: %d %s", r.Status, r.Body)
	}

	upload := scriptPath(s, "wrns", "hello") + "?excludeScript=true&bindings_inherit=strict"
	var first scriptView
	result(t, doMultipart(t, s, http.MethodPut, upload, wranglerUpload("2025-01-01")...), &first)
	// wrangler prints deployment_id as "Current Version ID" and
	// startup_time_ms as "Worker Startup Time".
	if first.ID != "hello" || !uuidRE.MatchString(first.DeploymentID) || first.StartupTimeMs == nil ||
		!first.HasModules || first.CompatibilityDate != "2025-01-01" || !slices.Equal(first.Handlers, []string{"fetch"}) {
		t.Fatalf("upload result %+v", first)
	}
	var again scriptView
	result(t, doMultipart(t, s, http.MethodPut, upload, wranglerUpload("2025-02-01")...), &again)
	if again.Tag != first.Tag || again.DeploymentID == first.DeploymentID || !uuidRE.MatchString(again.DeploymentID) ||
		again.CompatibilityDate != "2025-02-01" {
		t.Fatalf("re-upload result %+v (first %+v)", again, first)
	}

	// The deployed script is visible to a plain GET, and only uploads carry
	// a deployment id.
	var d struct {
		DispatchNamespace string       `json:"dispatch_namespace"`
		Script            presenceView `json:"script"`
	}
	result(t, do(t, s, http.MethodGet, scriptPath(s, "wrns", "hello"), nil), &d)
	if d.DispatchNamespace != "wrns" || d.Script.ID != "hello" || d.Script.DeploymentID != nil {
		t.Fatalf("details %+v", d)
	}
	if c := do(t, s, http.MethodGet, scriptPath(s, "wrns", "hello", "content"), nil); c.Status != http.StatusOK || string(c.Body) != wranglerBundle {
		t.Fatalf("content: %d %q", c.Status, c.Body)
	}
}

// presenceView tells an absent deployment_id from an empty one.
type presenceView struct {
	ID           string  `json:"id"`
	DeploymentID *string `json:"deployment_id"`
}
