package sandbox

import (
	"context"
	"net/http"
	"testing"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

// TestSeededWorldThroughSDK reads whatever the seeded world holds through
// cloudflare-go's typed methods (so every seeded shape must parse) and
// checks that no seeded secret value appears in any response. It assumes
// nothing about the seed's contents beyond having some scripts.
func TestSeededWorldThroughSDK(t *testing.T) {
	s := startSandbox(t, Options{Seed: 7, Scripts: 60})
	var secrets []string
	s.store.Read(func() {
		for _, set := range append([]*ScriptSet{s.store.AccountScripts}, setsOf(s.store)...) {
			for _, sc := range set.All() {
				for _, b := range sc.Bindings {
					if b.Secret != "" {
						secrets = append(secrets, b.Secret)
					}
				}
			}
		}
	})
	ctx := context.Background()
	svc := nsService(s)
	var lp wfp.DispatchNamespaceListParams
	lp.AccountID.Value, lp.AccountID.Present = s.AccountID(), true
	nss, err := svc.List(ctx, lp)
	if err != nil {
		t.Fatalf("List namespaces: %v", err)
	}
	scripts := 0
	for _, ns := range nss.Result {
		r := do(t, s, http.MethodGet, nsPath(s, ns.NamespaceName, "scripts"), nil)
		mustContainNone(t, "listing", r.Body, secrets...)
		var page []scriptView
		result(t, r, &page)
		if len(page) != int(ns.ScriptCount) {
			t.Fatalf("%s: %d listed, script_count %d", ns.NamespaceName, len(page), ns.ScriptCount)
		}
		for i, sc := range page {
			if i == 5 {
				break
			}
			scripts++
			var gp wfp.DispatchNamespaceScriptGetParams
			gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
			if d, err := svc.Scripts.Get(ctx, ns.NamespaceName, sc.ID, gp); err != nil || d.Script.ID != sc.ID {
				t.Fatalf("details %s/%s: %+v %v", ns.NamespaceName, sc.ID, d, err)
			}
			var sp wfp.DispatchNamespaceScriptSettingGetParams
			sp.AccountID.Value, sp.AccountID.Present = s.AccountID(), true
			if _, err := svc.Scripts.Settings.Get(ctx, ns.NamespaceName, sc.ID, sp); err != nil {
				t.Fatalf("settings %s/%s: %v", ns.NamespaceName, sc.ID, err)
			}
			for _, sub := range []string{"settings", "bindings", "secrets", "tags"} {
				r := do(t, s, http.MethodGet, scriptPath(s, ns.NamespaceName, sc.ID, sub), nil)
				if r.Status != 200 {
					t.Fatalf("%s of %s: %d %s", sub, sc.ID, r.Status, r.Body)
				}
				mustContainNone(t, sub, r.Body, secrets...)
			}
		}
	}
	if scripts == 0 || len(secrets) == 0 {
		t.Fatalf("the seeded world gave %d scripts and %d secrets to check", scripts, len(secrets))
	}
}

func setsOf(st *Store) []*ScriptSet {
	var out []*ScriptSet
	for _, ns := range st.Namespaces {
		out = append(out, ns.Scripts)
	}
	return out
}
