package sandbox

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
)

// scriptsJSON renders every script of a namespace, by name.
func scriptsJSON(t *testing.T, s *Server, ns string) map[string]string {
	t.Helper()
	out := map[string]string{}
	s.store.Read(func() {
		for name, sc := range s.store.Namespaces[ns].Scripts.All() {
			b, err := json.Marshal(sc)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = string(b)
		}
	})
	return out
}

// Seeded scripts share bodies, limits, tag and binding lists. Changing one
// script (settings PATCH, tag edits, a new upload, a secret) must leave
// every script it shared them with as it was.
func TestChangingASeededScriptLeavesItsNeighbours(t *testing.T) {
	changeOneLeaveTheRest(t, startSandbox(t, Options{Seed: 1, Scripts: 2000, Now: fixedSeedNow}))
}

// A world loaded from a state file shares bodies, limits and binding lists
// as the seeded one does; the same holds there.
func TestChangingALoadedScriptLeavesItsNeighbours(t *testing.T) {
	opts := Options{Seed: 1, Scripts: 2000, Now: fixedSeedNow, StatePath: filepath.Join(t.TempDir(), "state")}
	if err := startSandbox(t, opts).Close(); err != nil {
		t.Fatal(err)
	}
	s := startSandbox(t, opts)
	if !s.StateLoaded() {
		t.Fatal("the state file was not loaded")
	}
	changeOneLeaveTheRest(t, s)
}

// changeOneLeaveTheRest changes three production scripts of s that share
// their body, limits and bindings with others, and checks that no other
// script changed.
func changeOneLeaveTheRest(t *testing.T, s *Server) {
	t.Helper()
	// Three scripts that each share their body with another, and their
	// limits and bindings list with others.
	var names []string
	s.store.Read(func() {
		set := s.store.Namespaces[seedProduction].Scripts
		byBody := map[*ScriptBody]string{}
		limits, bindings := map[*Limits]int{}, map[*Binding]int{}
		for _, sc := range set.All() {
			limits[sc.Limits]++
			if len(sc.Bindings) > 0 {
				bindings[&sc.Bindings[0]]++
			}
		}
		for _, n := range set.Names() {
			sc := set.script(n)
			shared := limits[sc.Limits] > 1 && len(sc.Bindings) > 0 && bindings[&sc.Bindings[0]] > 1
			if other, ok := byBody[sc.ScriptBody]; ok && shared && len(names) < 3 && other != "" {
				names = append(names, n)
				byBody[sc.ScriptBody] = "" // one pair per body
			} else if !ok {
				byBody[sc.ScriptBody] = n
			}
		}
	})
	if len(names) < 3 {
		t.Fatalf("fewer than three seeded scripts share a body, limits and bindings (found %q)", names)
	}
	before := scriptsJSON(t, s, seedProduction)
	a, b, c := names[0], names[1], names[2]

	r := do(t, s, http.MethodPatch, scriptPath(s, seedProduction, a, "settings"), map[string]any{
		"compatibility_date": "2025-05-05", "compatibility_flags": []string{"nodejs_als"},
		"usage_model": "unbound", "logpush": true, "limits": map[string]int{"cpu_ms": 77, "subrequests": 7},
		"observability": map[string]any{"enabled": false}, "placement": map[string]string{"mode": "smart"},
		"tail_consumers": []map[string]string{{"service": "logs"}}, "tags": []string{"changed"},
		"bindings": []map[string]string{{"name": "ENVIRONMENT", "type": "plain_text", "text": "changed"}},
	})
	if r.Status != http.StatusOK {
		t.Fatalf("PATCH settings: %d %s", r.Status, r.Body)
	}
	for _, req := range []struct{ method, path string }{
		{http.MethodPut, scriptPath(s, seedProduction, b, "tags", "added")},
		{http.MethodPut, scriptPath(s, seedProduction, a, "tags", "again")},
	} {
		if r := do(t, s, req.method, req.path, nil); r.Status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", req.method, req.path, r.Status, r.Body)
		}
	}
	if r := do(t, s, http.MethodPut, scriptPath(s, seedProduction, b, "secrets"),
		map[string]string{"name": "NEW_SECRET", "type": "secret_text", "text": "s3cret"}); r.Status != http.StatusOK {
		t.Fatalf("PUT secret: %d %s", r.Status, r.Body)
	}
	uploadOK(t, s, seedProduction, c, `{"main_module":"worker.js","compatibility_date":"2025-06-06","usage_model":"bundled"}`)

	after := scriptsJSON(t, s, seedProduction)
	for name, was := range before {
		changed := name == a || name == b || name == c
		if (after[name] != was) != changed {
			t.Errorf("script %s changed: %v, want %v\nbefore %s\nafter  %s", name, after[name] != was, changed, was, after[name])
		}
	}
}
