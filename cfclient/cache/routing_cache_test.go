package cache

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// routedScript returns a script of the seeded world with at least one route.
func routedScript(t *testing.T, table *platform.RoutingTable) string {
	t.Helper()
	for _, r := range table.Routes {
		if r.Target != "" {
			return r.Target
		}
	}
	t.Fatal("the seeded routing table has no routed script")
	return ""
}

// fastRetryClient is a client whose throttle gives up quickly on 5xx, so
// fault tests do not wait for the default backoff.
func fastRetryClient(t *testing.T, e *testEnv) *cfclient.Client {
	t.Helper()
	th := throttle.New(throttle.Options{MaxRetries: 1, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond}, throttle.NewTransport(0))
	return e.client(t, func(o *cfclient.Options) { o.Throttle = th })
}

func TestRoutingCacheSingleFlight(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1, Scripts: 300}, nil)
	ctx := testCtx(t)

	// What one read of the table costs, on a fresh client (which also has
	// to find the routing namespace).
	before := e.requests.Load()
	table, err := e.client(t, nil).ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	oneRead := e.requests.Load() - before
	if oneRead < 3 {
		t.Fatalf("one read took %d requests; the test needs a table of several pages", oneRead)
	}
	script := routedScript(t, table)

	// Latency keeps the load in flight while every caller joins it.
	e.sb.SetFaults(sandbox.Faults{Latency: 20 * time.Millisecond})
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	defer rc.Close()
	before = e.requests.Load()
	const n = 16
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([][]platform.Route, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], _, errs[i] = rc.RoutesTo(ctx, script)
		}()
	}
	close(start)
	wg.Wait()
	if got := e.requests.Load() - before; got != oneRead {
		t.Errorf("%d concurrent RoutesTo sent %d requests, want one read's worth (%d)", n, got, oneRead)
	}
	for i := range n {
		if errs[i] != nil || len(results[i]) != len(table.ByScript[script]) {
			t.Fatalf("caller %d: %d routes, err %v; want %d", i, len(results[i]), errs[i], len(table.ByScript[script]))
		}
	}

	// Answered from memory afterwards, for any script.
	before = e.requests.Load()
	if _, _, err := rc.RoutesTo(ctx, "no-such-script"); err != nil {
		t.Fatal(err)
	}
	if got := e.requests.Load() - before; got != 0 {
		t.Errorf("a cached RoutesTo sent %d requests", got)
	}
}

func TestRoutingCacheReturnsCopies(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	table, _, err := rc.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	script := routedScript(t, table)
	routes, _, _ := rc.RoutesTo(ctx, script)
	routes[0].Target = "changed"
	again, _, _ := rc.RoutesTo(ctx, script)
	if again[0].Target != script {
		t.Errorf("changing a returned route changed the cache: %+v", again[0])
	}
}

func TestRoutingCacheInvalidateReloads(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newTestEnv(t, sandbox.Options{Seed: 1}, func(o *cfclient.Options) { o.Now = clock })
	ctx := testCtx(t)
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	table, at1, err := rc.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !at1.Equal(now) {
		t.Errorf("loadedAt %v, want the client's clock %v", at1, now)
	}
	script := routedScript(t, table)
	first, _, _ := rc.RoutesTo(ctx, script)
	tiers, err := rc.Tiers(ctx)
	if err != nil || len(tiers) != 3 {
		t.Fatalf("tiers %v, %v", tiers, err)
	}

	// Change both tables behind the cache's back.
	if err := e.c.SetRoute(ctx, platform.RoutePath, "/added-by-test", script); err != nil {
		t.Fatal(err)
	}
	if err := e.c.WriteTiers(ctx, append(tiers, platform.Tier{Name: "max", CPUMs: 30000, SubRequests: 1000})); err != nil {
		t.Fatal(err)
	}
	before := e.requests.Load()
	stale, _, _ := rc.RoutesTo(ctx, script)
	staleTiers, _ := rc.Tiers(ctx)
	if len(stale) != len(first) || len(staleTiers) != 3 || e.requests.Load() != before {
		t.Fatalf("before Invalidate: %d routes, %d tiers, %d requests; want the cached %d and 3, no request",
			len(stale), len(staleTiers), e.requests.Load()-before, len(first))
	}

	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	rc.Invalidate()
	fresh, at2, err := rc.RoutesTo(ctx, script)
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) != len(first)+1 {
		t.Errorf("after Invalidate: %d routes, want %d (the new path route)", len(fresh), len(first)+1)
	}
	if !at2.After(at1) {
		t.Errorf("loadedAt %v not after the first load %v", at2, at1)
	}
	freshTiers, err := rc.Tiers(ctx)
	if err != nil || platform.FindTier(freshTiers, "max") == nil {
		t.Errorf("after Invalidate: tiers %v, %v; want the new tier", freshTiers, err)
	}
}

func TestRoutingCacheDoesNotCacheErrors(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	c := fastRetryClient(t, e)
	rc := NewRoutingCache(c, e.storeFor(c))
	e.sb.SetFaults(sandbox.Faults{ErrorRate: 1})
	if _, _, err := rc.RoutesTo(ctx, "anything"); !errors.Is(err, cfclient.ErrServer) {
		t.Fatalf("RoutesTo with every request failing: %v, want cfclient.ErrServer", err)
	}
	if _, err := rc.Tiers(ctx); !errors.Is(err, cfclient.ErrServer) {
		t.Fatalf("Tiers with every request failing: %v, want cfclient.ErrServer", err)
	}
	e.sb.SetFaults(sandbox.Faults{})
	table, _, err := rc.Table(ctx)
	if err != nil {
		t.Fatalf("the call after a failed load did not retry: %v", err)
	}
	if len(table.Routes) == 0 {
		t.Error("empty table after the retry")
	}
	if tiers, err := rc.Tiers(ctx); err != nil || len(tiers) == 0 {
		t.Errorf("Tiers after a failed load: %v, %v", tiers, err)
	}
}

func TestRoutingCacheCallerCancelDoesNotStopTheLoad(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	e.sb.SetFaults(sandbox.Faults{Latency: 30 * time.Millisecond})
	rc := NewRoutingCache(e.c, e.storeFor(e.c))

	short, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	if _, _, err := rc.RoutesTo(short, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("impatient caller: %v, want its deadline", err)
	}
	// The load goes on; a patient caller joins it and gets the table.
	if _, _, err := rc.Table(ctx); err != nil {
		t.Fatal(err)
	}
	e.sb.SetFaults(sandbox.Faults{})
	before := e.requests.Load()
	if _, _, err := rc.RoutesTo(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if got := e.requests.Load() - before; got != 0 {
		t.Errorf("after the shared load finished, RoutesTo sent %d requests", got)
	}
}

func TestRoutingCacheInvalidateDuringLoadMovesWaiters(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	e.sb.SetFaults(sandbox.Faults{Latency: 20 * time.Millisecond})
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	done := make(chan error, 1)
	go func() {
		_, _, err := rc.Table(ctx)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // the first load is in flight
	rc.Invalidate()
	if err := <-done; err != nil {
		t.Errorf("a waiter of an invalidated load got %v, want the new load's table", err)
	}
}

func TestRoutingCacheClose(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	rc.Close()
	if _, _, err := rc.RoutesTo(testCtx(t), "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("RoutesTo after Close: %v, want canceled", err)
	}
}

func TestRoutingCacheLoadsInTheBackground(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	var mu sync.Mutex
	prios := map[throttle.Priority]int{}
	th := throttle.New(throttle.Options{OnAttempt: func(a throttle.Attempt) {
		mu.Lock()
		prios[a.Priority]++
		mu.Unlock()
	}}, throttle.NewTransport(0))
	rc := NewRoutingCache(e.client(t, func(o *cfclient.Options) { o.Throttle = th }), nil)
	ctx := testCtx(t) // throttle.Interactive, like a screen's command
	if _, _, err := rc.RoutesTo(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Tiers(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if prios[throttle.Interactive] != 0 || prios[throttle.Background] == 0 {
		t.Errorf("attempts by priority %v, want throttle.Background only", prios)
	}
}
