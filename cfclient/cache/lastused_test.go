package cache

import (
	"testing"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// The seeded last-used keys: most carry {"ms":…} metadata, read by a key
// listing (one request per 1,000 keys); the rest need their values read,
// which Load does within its value budget, and leaves for the operator
// (with the cost stated) above it.
func TestLastUsedCacheMetadataThenValues(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 3, Scripts: 2500}, nil)
	ctx := testCtx(t)
	lc := NewLastUsedCache(e.c)
	if lc.Cached() != nil {
		t.Fatal("a new cache has a snapshot")
	}
	e.c.RoutingNamespace(ctx) // found once per client: not part of the cost
	before := e.requests.Load()
	l, err := lc.Load(ctx, LastUsedLoad{ValueReads: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.requests.Load() - before; got != 3 {
		t.Errorf("listing %d last-used keys took %d requests, want 3 (1,000 keys a page)", l.Keys, got)
	}
	if l.Keys < 2000 || l.FromMetadata < l.Keys*8/10 || len(l.Unread) == 0 || l.FromMetadata+len(l.Unread) != l.Keys {
		t.Fatalf("keys %d, from metadata %d, unread %d: want most from metadata and some unread", l.Keys, l.FromMetadata, len(l.Unread))
	}
	if d := lc.Describe(l); d == "" || l.UnreadCost() != (len(l.Unread)+99)/100 {
		t.Errorf("describe %q, cost %d for %d unread", d, l.UnreadCost(), len(l.Unread))
	}
	unread := l.Unread[0]
	if _, ok := l.Get(unread); ok {
		t.Errorf("%s has a time before its value is read", unread)
	}

	// The fallback: reading the values costs what was stated.
	cost := l.UnreadCost()
	before = e.requests.Load()
	l2, err := lc.Load(ctx, LastUsedLoad{ValueReads: cost})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.requests.Load() - before; got != int64(cost) {
		t.Errorf("reading the values took %d requests, stated %d", got, cost)
	}
	if !l2.Complete() || l2.FromValues != len(l.Unread) {
		t.Errorf("after the values: unread %d, from values %d, want 0 and %d", len(l2.Unread), l2.FromValues, len(l.Unread))
	}
	if at, ok := l2.Get(unread); !ok || at.After(e.c.Now()) {
		t.Errorf("%s: last use %v %v", unread, at, ok)
	}
	// The first snapshot is unchanged (snapshots cross goroutines).
	if _, ok := l.Get(unread); ok || len(l.Unread) == 0 {
		t.Error("reading values changed the earlier snapshot")
	}
	// A later load without Refresh costs nothing.
	before = e.requests.Load()
	if _, err := lc.Load(ctx, LastUsedLoad{}); err != nil {
		t.Fatal(err)
	}
	if got := e.requests.Load() - before; got != 0 {
		t.Errorf("a cached load took %d requests", got)
	}
}
