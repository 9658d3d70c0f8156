package cfclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// A script of two modules uploads, downloads as both (main first), and
// keeps its tags, limits and bindings; the upload is audited.
func TestUploadScriptAndScriptModules(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	cpu := 50
	up := ScriptUpload{
		Modules: []Module{
			{Name: "lib.js", ContentType: "application/javascript+module", Content: []byte("export const x = 1")},
			{Name: "main.js", ContentType: "application/javascript+module", Content: []byte("import {x} from './lib.js'; export default { fetch() { return new Response(x) } }")},
		},
		MainModule: "main.js", CompatibilityDate: "2025-01-01", Tags: []string{"customer-9", "restored"},
		Limits:   platform.Limits{CPUMs: &cpu},
		Bindings: []json.RawMessage{json.RawMessage(`{"name":"GREETING","type":"plain_text","text":"hi"}`)},
	}
	s, err := e.c.UploadScript(ctx, "staging", "two-modules", up)
	if err != nil || s.Name != "two-modules" {
		t.Fatalf("UploadScript: %+v %v", s, err)
	}
	mods, err := e.c.ScriptModules(ctx, "staging", "two-modules")
	if err != nil || len(mods) != 2 || mods[0].Name != "main.js" || mods[1].Name != "lib.js" ||
		!bytes.Equal(mods[0].Content, up.Modules[1].Content) || !bytes.Equal(mods[1].Content, up.Modules[0].Content) {
		t.Fatalf("ScriptModules: %+v %v", mods, err)
	}
	st, err := e.c.GetSettings(ctx, "staging", "two-modules")
	if err != nil || !slices.Equal(st.Tags, up.Tags) || st.Limits.CPUMs == nil || *st.Limits.CPUMs != 50 ||
		len(st.Bindings) != 1 || st.Bindings[0].Name != "GREETING" {
		t.Fatalf("settings: %+v %v", st, err)
	}
	// A one-module script comes back as one module, named.
	prod := listAll(t, e.c, "production", TagFilter{})
	one, err := e.c.ScriptModules(ctx, "production", prod[0].Name)
	if err != nil || len(one) != 1 || one[0].Name != "worker.js" || len(one[0].Content) == 0 {
		t.Fatalf("one module: %+v %v", one, err)
	}
	recs, _, err := audit.Read(e.c.auditPath())
	if err != nil {
		t.Fatal(err)
	}
	var uploads int
	for _, r := range recs {
		if r.Op == "script.upload" && r.Target == "staging/two-modules" && r.OK() {
			uploads++
		}
	}
	if uploads != 1 {
		t.Errorf("%d audit lines for the upload, want 1", uploads)
	}
}

// An upload that names no main module among its modules is refused
// before any request.
func TestUploadScriptRefusesABrokenUpload(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	for _, up := range []ScriptUpload{
		{MainModule: "a.js"},
		{Modules: []Module{{Name: "a.js", Content: []byte("x")}}, MainModule: "b.js"},
		{Modules: []Module{{Name: "a.js", Content: []byte("x")}}},
		{Modules: []Module{{Name: "a.js", Content: []byte("x")}}, MainModule: "a.js", BodyPart: "a.js"},
	} {
		if _, err := e.c.UploadScript(ctx, "staging", "broken", up); !errors.Is(err, ErrValidation) {
			t.Errorf("%+v: %v, want a validation error", up, err)
		}
	}
	if _, err := e.c.GetScript(ctx, "staging", "broken"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a broken upload created the script: %v", err)
	}
}
