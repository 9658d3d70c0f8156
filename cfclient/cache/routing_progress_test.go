package cache

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// costError asserts that err is a *RoutingCostError and returns its estimate.
func costError(t *testing.T, err error) RoutingEstimate {
	t.Helper()
	var ce *RoutingCostError
	if !errors.Is(err, ErrRoutingNotRead) || !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *RoutingCostError matching ErrRoutingNotRead", err)
	}
	return ce.Estimate
}

func TestRoutingCacheSmallTableReadsItself(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	rc := NewRoutingCache(e.c, e.storeFor(e.c)) // default threshold: the 50-script table costs 2-3 requests
	defer rc.Close()
	if p := rc.Progress(); p.Phase != RoutingIdle || p.Have {
		t.Errorf("before any load: %+v", p)
	}
	table, _, err := rc.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := rc.Progress()
	if p.Phase != RoutingReady || !p.Have || p.FromDisk || p.Keys < len(table.Routes) {
		t.Errorf("after the load: %+v", p)
	}
	st, err := os.Stat(e.store.routingDiskPath())
	if err != nil {
		t.Fatalf("the table was not saved to disk: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("routing cache file mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(e.store.routingDiskPath())
	if bytes.Contains(data, []byte(e.sb.Token())) {
		t.Error("the routing cache file holds the token")
	}
}

func TestRoutingCacheLargeTableWaitsForRead(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	want, err := e.client(t, nil).ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc := NewRoutingCacheWithOptions(e.c, e.storeFor(e.c), RoutingCacheOptions{AutoReadMax: 1})
	defer rc.Close()

	before := e.requests.Load()
	_, _, err = rc.RoutesTo(ctx, "anything")
	est := costError(t, err)
	// The routing namespace lookup and one list page (the whole table).
	if got := e.requests.Load() - before; got != 2 {
		t.Errorf("sizing the table took %d requests, want 2", got)
	}
	if !est.Exact || est.Keys < len(want.Routes) || est.Routes != len(want.Routes) ||
		est.Requests != 1+(len(want.Routes)+99)/100 || est.Spent != 1 || est.Budget <= 0 {
		t.Errorf("estimate %+v for %d routes", est, len(want.Routes))
	}
	if p := rc.Progress(); p.Phase != RoutingNeedsRead || p.Estimate == nil || *p.Estimate != est {
		t.Errorf("progress while waiting: %+v", p)
	}
	// Asking again costs nothing and gives the same answer.
	before = e.requests.Load()
	_, _, err = rc.RoutesTo(ctx, "anything")
	costError(t, err)
	if got := e.requests.Load() - before; got != 0 {
		t.Errorf("asking again sent %d requests", got)
	}

	// Read reuses the listing: only the bulk reads are sent.
	before = e.requests.Load()
	if err := rc.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if got, bulk := e.requests.Load()-before, int64((len(want.Routes)+99)/100); got != bulk {
		t.Errorf("Read sent %d requests, want the %d bulk reads only", got, bulk)
	}
	script := routedScript(t, want)
	routes, _, err := rc.RoutesTo(ctx, script)
	if err != nil || len(routes) != len(want.ByScript[script]) {
		t.Errorf("after Read: %d routes, %v; want %d", len(routes), err, len(want.ByScript[script]))
	}
	if p := rc.Progress(); p.Phase != RoutingReady || p.Estimate != nil {
		t.Errorf("progress after Read: %+v", p)
	}
}

func TestRoutingCacheStopsSizingAtTheThreshold(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1, Scripts: 600}, nil)
	ctx := testCtx(t)
	want, err := e.client(t, nil).ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc := NewRoutingCacheWithOptions(e.c, e.storeFor(e.c), RoutingCacheOptions{AutoReadMax: 5})
	defer rc.Close()
	before := e.requests.Load()
	_, _, err = rc.RoutesTo(ctx, "x")
	est := costError(t, err)
	// Namespace lookup, one list page, the namespaces (script count).
	if got := e.requests.Load() - before; got != 3 {
		t.Errorf("sizing took %d requests, want 3", got)
	}
	if est.Exact || est.Keys != 1000 || est.Spent != 1 || est.Scripts < 600 || est.Routes < est.Scripts ||
		est.Requests < 1+est.Scripts/100 {
		t.Errorf("estimate of a partly listed table: %+v", est)
	}
	if err := rc.Read(ctx); err != nil {
		t.Fatal(err)
	}
	got, _, err := rc.Table(ctx)
	if err != nil || len(got.Routes) != len(want.Routes) {
		t.Fatalf("Read after a stopped listing: %d routes, %v; want %d", len(got.Routes), err, len(want.Routes))
	}
	for i := range got.Routes {
		if got.Routes[i] != want.Routes[i] {
			t.Fatalf("route %d: %+v, want %+v", i, got.Routes[i], want.Routes[i])
		}
	}
}

func TestRoutingCacheNeverReadsItselfWithNegativeThreshold(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	rc := NewRoutingCacheWithOptions(e.c, e.storeFor(e.c), RoutingCacheOptions{AutoReadMax: -1})
	defer rc.Close()
	_, _, err := rc.RoutesTo(ctx, "x")
	if est := costError(t, err); est.Exact || est.Spent != 0 {
		t.Errorf("estimate %+v: nothing should have been listed", est)
	}
}

func TestReadRoutingProgressIsMonotonic(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1, Scripts: 600}, nil)
	ctx := testCtx(t)
	var seen []cfclient.RoutingReadProgress
	table, err := e.c.ReadRoutingProgress(ctx, func(p cfclient.RoutingReadProgress) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 3 {
		t.Fatalf("%d progress reports for a 2-page table", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		a, b := seen[i-1], seen[i]
		if b.Listed < a.Listed || b.Routes < a.Routes || b.Read < a.Read || (a.ListDone && !b.ListDone) {
			t.Fatalf("progress went back: %+v then %+v", a, b)
		}
		if b.Read > 0 && !b.ListDone {
			t.Fatalf("values read before the listing was done: %+v", b)
		}
	}
	last := seen[len(seen)-1]
	if !last.ListDone || last.Read != last.Routes || last.Routes < len(table.Routes) || last.Listed <= 1000 {
		t.Errorf("last progress %+v for %d routes", last, len(table.Routes))
	}
}

func TestRoutingCacheProgressWhileReading(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1, Scripts: 600}, nil)
	ctx := testCtx(t)
	rc := NewRoutingCacheWithOptions(e.c, e.storeFor(e.c), RoutingCacheOptions{AutoReadMax: 1})
	defer rc.Close()
	e.sb.SetFaults(sandbox.Faults{Latency: 5 * time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- rc.Read(ctx) }()
	var snaps []RoutingProgress
poll:
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			break poll
		case <-time.After(time.Millisecond):
			snaps = append(snaps, rc.Progress())
		}
	}
	var reading bool
	for i, p := range snaps {
		if p.Phase == RoutingReading {
			reading = true
			if p.Routes == 0 || p.Read > p.Routes || !p.ListDone || p.StartedAt.IsZero() || !p.Explicit {
				t.Errorf("reading snapshot %+v", p)
			}
		}
		if i > 0 && snaps[i-1].Phase != RoutingReady && p.Phase != RoutingReady {
			a := snaps[i-1]
			if p.Listed < a.Listed || p.Read < a.Read || p.Phase < a.Phase {
				t.Fatalf("progress went back: %+v then %+v", a, p)
			}
		}
	}
	if !reading {
		t.Errorf("no snapshot saw the values being read (%d snapshots)", len(snaps))
	}
	if p := rc.Progress(); p.Phase != RoutingReady || !p.Have {
		t.Errorf("after the read: %+v", p)
	}
}

func TestRoutingCacheDiskRoundTrip(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	e := newTestEnv(t, sandbox.Options{Seed: 1}, func(o *cfclient.Options) { o.Now = func() time.Time { return now } })
	ctx := testCtx(t)
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	defer rc.Close()
	want, _, err := rc.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	script := routedScript(t, want)

	// A later run: a new client and cache over the same cache directory,
	// with a table too costly to read by itself. It answers from disk.
	later := e.client(t, func(o *cfclient.Options) { o.Now = func() time.Time { return now.Add(2 * time.Hour) } })
	rc2 := NewRoutingCacheWithOptions(later, e.storeFor(later), RoutingCacheOptions{AutoReadMax: 1})
	defer rc2.Close()
	before := e.requests.Load()
	routes, at, err := rc2.RoutesTo(ctx, script)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.requests.Load() - before; got != 0 {
		t.Errorf("answering from the disk cache sent %d requests", got)
	}
	if !at.Equal(now) || len(routes) != len(want.ByScript[script]) {
		t.Errorf("from disk: %d routes read at %v; want %d at %v", len(routes), at, len(want.ByScript[script]), now)
	}
	got, _, _ := rc2.Table(ctx)
	if len(got.Routes) != len(want.Routes) || got.NamespaceID != want.NamespaceID {
		t.Fatalf("disk table: %d routes in %q, want %d in %q", len(got.Routes), got.NamespaceID, len(want.Routes), want.NamespaceID)
	}
	for i := range got.Routes {
		if got.Routes[i] != want.Routes[i] {
			t.Fatalf("route %d from disk: %+v, want %+v", i, got.Routes[i], want.Routes[i])
		}
	}
	if p := rc2.Progress(); p.Phase != RoutingReady || !p.FromDisk || !p.ReadAt.Equal(now) || p.Keys == 0 {
		t.Errorf("progress of a disk table: %+v", p)
	}
	// Read re-reads from the API and replaces the disk copy.
	if err := rc2.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if p := rc2.Progress(); p.FromDisk || !p.ReadAt.Equal(now.Add(2*time.Hour)) {
		t.Errorf("after Read: %+v", p)
	}
	if _, _, at, err := e.storeFor(later).loadRoutingTable(later.Schema()); err != nil || !at.Equal(now.Add(2*time.Hour)) {
		t.Errorf("disk copy after Read: read at %v, %v", at, err)
	}
}

func TestRoutingCacheIgnoresACorruptOrForeignFile(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	if _, _, err := rc.Table(ctx); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	path := e.store.routingDiskPath()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x20
	for name, data := range map[string][]byte{
		"flipped byte": flipped,
		"truncated":    good[:len(good)/2],
		"empty":        {},
		"garbage":      []byte("not a routing table\n{]"),
		"old version":  bytes.Replace(good, []byte("wfprouting 1 "), []byte("wfprouting 0 "), 1),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := e.store.loadRoutingTable(e.c.Schema()); err == nil {
			t.Errorf("%s: loadRoutingTable accepted it", name)
		}
		rc := NewRoutingCache(e.c, e.storeFor(e.c))
		before := e.requests.Load()
		table, _, err := rc.Table(ctx)
		if err != nil || len(table.Routes) == 0 {
			t.Errorf("%s: %v", name, err)
		}
		if e.requests.Load() == before {
			t.Errorf("%s: the table was not read from the API", name)
		}
		if p := rc.Progress(); p.FromDisk {
			t.Errorf("%s: progress says the table came from disk", name)
		}
		rc.Close()
	}
	// A file of another routing schema is not used either.
	other := e.client(t, func(o *cfclient.Options) { o.Schema.Routing.PathPrefix = "route:" })
	if _, _, _, err := e.storeFor(other).loadRoutingTable(other.Schema()); err == nil {
		t.Error("a table cached under another routing schema was accepted")
	}
}

func TestRoutingCacheInvalidateIgnoresDisk(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	defer rc.Close()
	table, _, err := rc.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	script := routedScript(t, table)
	rc2 := NewRoutingCache(e.c, e.storeFor(e.c))
	defer rc2.Close()
	if _, _, err := rc2.Table(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.c.SetRoute(ctx, platform.RoutePath, "/after-the-save", script); err != nil {
		t.Fatal(err)
	}
	rc2.Invalidate()
	routes, _, err := rc2.RoutesTo(ctx, script)
	if err != nil || len(routes) != len(table.ByScript[script])+1 {
		t.Errorf("after Invalidate: %d routes, %v; want the API's %d", len(routes), err, len(table.ByScript[script])+1)
	}
}

func TestRoutingCacheWatchPushesProgressWithoutPolling(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1, Scripts: 300}, nil)
	e.sb.SetFaults(sandbox.Faults{Latency: 10 * time.Millisecond})
	rc := NewRoutingCache(e.c, e.storeFor(e.c))
	defer rc.Close()
	ch, stop := rc.Watch()
	defer stop()
	if p := <-ch; p.Phase != RoutingIdle {
		t.Fatalf("first snapshot %+v, want idle", p)
	}
	if err := rc.Read(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	// The reader was slow (it read nothing during the load): it finds the
	// latest snapshot waiting, never a stale one, and the load never
	// blocked on it.
	select {
	case p := <-ch:
		if p.Phase != RoutingReady || !p.Have {
			t.Fatalf("latest snapshot %+v, want ready", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no snapshot after the read")
	}
	// A reader that keeps up sees the phases of the next read in order.
	var phases []RoutingPhase
	done := make(chan error, 1)
	go func() { done <- rc.Read(testCtx(t)) }()
	for {
		p := <-ch
		phases = append(phases, p.Phase)
		if p.Phase == RoutingReady {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(phases) < 2 || !slices.Contains(phases, RoutingReading) {
		t.Fatalf("phases %v, want the reading phase before ready", phases)
	}
	stop()
	rc.Invalidate() // no watcher: must not block
}

func TestRoutingCacheWatchStopClosesTheChannel(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	rc := NewRoutingCache(e.c, nil)
	defer rc.Close()
	ch, stop := rc.Watch()
	<-ch // the snapshot of now
	woke := make(chan bool)
	go func() {
		_, ok := <-ch
		woke <- ok
	}()
	stop()
	stop() // twice is harmless
	select {
	case ok := <-woke:
		if ok {
			t.Fatal("a waiting reader got a snapshot after stop, want the channel closed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stop did not wake the waiting reader")
	}
	rc.Invalidate() // a stopped watch is no longer sent to
}
