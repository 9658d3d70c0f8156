package cache

import (
	"slices"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// A change written through the pipeline is patched into the cached table
// (memory and disk) without a request: created, repointed and removed
// routes show in Table and in the reverse index; the table other callers
// hold is not modified; keys that are not routes are ignored.
func TestRoutingCachePatch(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	defer rc.Close()
	if rc.Patch("subdomain:x", nil) {
		t.Fatal("Patch with no table in memory reported a patch")
	}
	before, at, err := rc.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := len(before.Routes)
	keys := rc.Progress().Keys
	target := routedScript(t, before)
	other := ""
	for _, r := range before.Routes {
		if r.Target != "" && r.Target != target {
			other = r.Target
			break
		}
	}
	sent := e.requests.Load()

	v := target
	if !rc.Patch("subdomain:aaa-new-route", &v) {
		t.Fatal("Patch did not patch the table in memory")
	}
	moved := `{"worker":"` + other + `","tier":"pro"}`
	var repointed string
	for _, r := range before.ByScript[target] {
		repointed = r.KVKey
		break
	}
	rc.Patch(repointed, &moved)
	removed := before.Routes[n-1].KVKey
	rc.Patch(removed, nil)
	if rc.Patch("tiers", &v) {
		t.Error("the tier table was patched as a route")
	}
	if got := e.requests.Load() - sent; got != 0 {
		t.Errorf("patching sent %d requests", got)
	}

	after, at2, err := rc.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Routes) != n || before.Routes[0].KVKey == "subdomain:aaa-new-route" {
		t.Fatal("the table handed out before was modified")
	}
	if !at2.Equal(at) {
		t.Errorf("the patched table's read time moved: %v → %v", at, at2)
	}
	if len(after.Routes) != n || !slices.IsSortedFunc(after.Routes, func(a, b platform.Route) int {
		return strings.Compare(a.KVKey, b.KVKey)
	}) {
		t.Fatalf("after one add and one remove: %d routes (want %d), sorted by key", len(after.Routes), n)
	}
	find := func(t *platform.RoutingTable, k string) *platform.Route {
		for i := range t.Routes {
			if t.Routes[i].KVKey == k {
				return &t.Routes[i]
			}
		}
		return nil
	}
	if r := find(after, "subdomain:aaa-new-route"); r == nil || r.Kind != platform.RouteSubdomain || r.Target != target {
		t.Errorf("added route: %+v", r)
	}
	if r := find(after, repointed); r == nil || r.Target != other || r.Raw != moved {
		t.Errorf("repointed route: %+v", r)
	}
	if find(after, removed) != nil {
		t.Error("the removed route is still in the table")
	}
	has := func(list []platform.Route, k string) bool {
		return slices.ContainsFunc(list, func(r platform.Route) bool { return r.KVKey == k })
	}
	if !has(after.ByScript[target], "subdomain:aaa-new-route") || has(after.ByScript[target], repointed) || !has(after.ByScript[other], repointed) {
		t.Errorf("reverse index: %s → %v, %s → %v", target, after.ByScript[target], other, after.ByScript[other])
	}
	if p := rc.Progress(); keys > 0 && p.Keys != keys {
		t.Errorf("keys %d after +1 −1, want %d", p.Keys, keys)
	}

	// The next run reads the patched table from disk.
	rc2 := NewRoutingCache(e.c, e.storeFor(e.c))
	defer rc2.Close()
	disk, _, err := rc2.Table(ctx)
	if err != nil || !rc2.Progress().FromDisk {
		t.Fatalf("disk: %v, from disk %v", err, rc2.Progress().FromDisk)
	}
	if r := find(disk, repointed); r == nil || r.Target != other || find(disk, removed) != nil {
		t.Errorf("the disk copy is not patched: %+v", r)
	}
}
