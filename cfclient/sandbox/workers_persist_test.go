package sandbox

import (
	"net/http"
	"path/filepath"
	"slices"
	"testing"
)

// TestWorkersChangesPersist makes one change of each kind, restarts the
// sandbox on its state file and reads them back.
func TestWorkersChangesPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s, err := New(Options{Empty: true, StatePath: path, RateLimit: RateLimit{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	mkNamespace(t, s, "old")
	uploadOK(t, s, "old", "app", `{"main_module":"worker.js","tags":["a"]}`)
	uploadOK(t, s, "old", "gone", `{"main_module":"worker.js","tags":["doomed"]}`)
	steps := []struct {
		method, path string
		body         any
	}{
		{"PUT", nsPath(s, "old"), map[string]string{"name": "new"}},
		{"PUT", scriptPath(s, "new", "app", "tags", "b"), nil},
		{"PATCH", scriptPath(s, "new", "app", "settings"), map[string]any{"limits": map[string]int{"cpu_ms": 77}}},
		{"PUT", scriptPath(s, "new", "app", "secrets"), map[string]string{"name": "K", "type": "secret_text", "text": "kept"}},
		{"DELETE", nsPath(s, "new", "scripts") + "?tags=doomed:yes", nil},
	}
	for _, st := range steps {
		if r := do(t, s, st.method, st.path, st.body); r.Status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", st.method, st.path, r.Status, r.Body)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := startSandbox(t, Options{StatePath: path})
	var sc *Script
	s2.store.Read(func() {
		ns := s2.store.Namespaces["new"]
		if ns == nil || len(s2.store.Namespaces) != 1 || !slices.Equal(ns.Scripts.Names(), []string{"app"}) {
			t.Fatalf("namespaces after restart: %v", s2.store.Namespaces)
		}
		sc = ns.Scripts.script("app")
	})
	if !slices.Equal(sc.Tags, []string{"a", "b"}) || *sc.Limits.CPUMs != 77 || len(sc.Bindings) != 1 || sc.Bindings[0].Secret != "kept" {
		t.Fatalf("script after restart %+v", sc)
	}
	if r := do(t, s2, http.MethodGet, scriptPath(s2, "new", "app", "content"), nil); string(r.Body) != testModule {
		t.Fatalf("content after restart %q", r.Body)
	}
}
