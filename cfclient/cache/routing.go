package cache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// RoutingCache holds the routing table and the tier table for the whole
// process, so that script screens never read them one script at a time.
//
// Why: reverse lookup (script → the routes naming it) needs the whole
// table, and ReadRouting costs one list request per 1,000 keys plus one
// bulk read per 100 routes: about 1,500 requests for a 100,000-script
// platform, more than a whole 5-minute API budget. So:
//
//   - Ask first. A first read starts by itself only when its cost is at
//     most RoutingCacheOptions.AutoReadMax requests (default 100, about 10%
//     of the usable budget). The cost is learnt by listing keys (1 request
//     per 1,000) only while the cost known so far stays within that bound;
//     past it the listing stops, the loads answer an error matching
//     ErrRoutingNotRead that carries a RoutingEstimate, and nothing more is
//     spent until Read is called (the operator's R). Read continues the
//     stopped listing instead of starting over.
//   - Progress. Progress is a snapshot (phase, keys listed, values read,
//     when it started, until when it waits for API budget); Watch pushes
//     each new one to a channel, so screens show a read's progress without
//     polling.
//   - Reuse. A complete table is saved under the client's CacheDir (per
//     API site and account; see routing_disk.go) and read back by the first load of a
//     later run, which then answers at once with the table's age. A cached
//     table is never re-read by itself: only Read (R) or Invalidate does.
//     A copy stamped in the future (clock skew) is stale, not "read just
//     now": it is a miss, like a copy that is damaged, which is also
//     dropped and reported once (DiskNotice).
//
// Loads are single-flight: concurrent callers share one load. A successful
// load is kept until Invalidate (or replaced by a Read); a failed one is not
// kept, so the next call tries again, and that call resumes the failed
// read where it stopped: the listing from its cursor, the values from the
// first unread batch (a long read over a flaky API is not started over). Loads run with Background priority,
// so the operator's own requests go first.
//
// Cancellation: a caller whose context ends stops waiting and gets the
// context's error, but the shared load carries on (it runs on the cache's
// own context, not the caller's). Requests already spent on a large table
// are not thrown away, and the next screen that asks gets the answer at
// once. A load only stops early when Invalidate supersedes it or Close is
// called.
type RoutingCache struct {
	c      *cfclient.Client
	store  *Store
	opts   RoutingCacheOptions
	ctx    context.Context // parent of every load; Close cancels it
	cancel context.CancelFunc

	mu       sync.Mutex
	table    *platform.RoutingTable // nil until loaded
	tableAt  time.Time
	keys     int  // keys listed for table (0 when unknown)
	fromDisk bool // table came from the disk cache
	diskDone bool // the disk cache was tried (or Invalidate ruled it out)
	// pending is set while the table is too costly to read without
	// asking: the estimate. probe is a read stopped part way, for its cost
	// or by a failure: the keys listed and the values read so far, which
	// the next load continues instead of starting over.
	pending *RoutingEstimate
	probe   *cfclient.RoutingListing
	flight  *routingFlight
	lastErr error

	tiers cachedLoad[[]platform.Tier]

	// notice is what DiskNotice returns once: that the disk copy was
	// damaged and dropped ("" when there is nothing to say).
	notice string

	// watchers receive progress snapshots (see Watch).
	watchers map[chan RoutingProgress]struct{}
}

// RoutingCacheOptions configure a RoutingCache.
type RoutingCacheOptions struct {
	// AutoReadMax is the most requests (list + bulk) a first read of the
	// routing table may cost to start without an explicit Read. 0 means
	// DefaultRoutingAutoReadMax; a negative value means never.
	AutoReadMax int
}

// DefaultRoutingAutoReadMax is about 10% of the usable default budget
// (1,080 requests per 5 minutes): a table of up to ~9,000 routes.
const DefaultRoutingAutoReadMax = 100

// ErrRoutingNotRead matches the error of a load that did not read the
// routing table because it costs more than AutoReadMax: call Read.
var ErrRoutingNotRead = errors.New("routing table not read: too costly to read without asking")

// RoutingEstimate is what reading the whole routing table will cost.
type RoutingEstimate struct {
	// Exact is true when every key was listed: Keys, Routes and Requests
	// are then exact (give or take changes since).
	Exact bool
	// Keys is the number of keys: exact, or the number listed so far (the
	// table has more).
	Keys int
	// Routes is the number of route values to read: exact, or estimated
	// as the larger of the routes listed so far and Scripts.
	Routes int
	// Scripts is the number of scripts on the platform (all dispatch
	// namespaces; one request), used when the listing stopped early: a
	// platform's tenants have about a route each. 0 when not used.
	Scripts int
	// Requests is the whole read's cost (list + bulk): exact, or a rough
	// estimate (the listing may be longer: last-use keys are listed too).
	Requests int
	// Spent is the requests already made listing keys (Read reuses them).
	Spent int
	// Budget is how much background budget Requests is: Requests /
	// BackgroundLimit × Window of the client's throttle.
	Budget time.Duration
}

// Describe says what reading the table costs, in one sentence without a
// final period: "the routing table has 9,000 keys (8,012 routes): reading
// it costs 99 API requests (~1 min of background budget)". Screens add
// what the operator can do about it.
func (e RoutingEstimate) Describe() string {
	var b strings.Builder
	if e.Exact {
		fmt.Fprintf(&b, "the routing table has %s keys (%s routes): reading it costs %s API requests",
			commas(e.Keys), commas(e.Routes), commas(e.Requests))
	} else {
		fmt.Fprintf(&b, "the routing table has more than %s keys", commas(e.Keys))
		if e.Scripts > 0 {
			fmt.Fprintf(&b, " and the platform runs %s scripts", commas(e.Scripts))
		}
		fmt.Fprintf(&b, ": reading it costs ~%s API requests or more", commas(e.Requests))
	}
	if e.Budget > 0 {
		fmt.Fprintf(&b, " (~%s of background budget)", span(e.Budget))
	}
	return b.String()
}

// span renders a budget duration: "40s", "7 min".
func span(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))) + "s"
	}
	return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + " min"
}

// commas writes n with thousands separators.
func commas(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// RoutingCostError is the error of a load that stopped before reading an
// expensive table; errors.Is(err, ErrRoutingNotRead) holds.
type RoutingCostError struct{ Estimate RoutingEstimate }

func (e *RoutingCostError) Error() string {
	about := ""
	if !e.Estimate.Exact {
		about = "about "
	}
	return fmt.Sprintf("the routing table was not read: it costs %s%d API requests; read it explicitly",
		about, e.Estimate.Requests)
}

// Is makes errors.Is(err, ErrRoutingNotRead) hold.
func (e *RoutingCostError) Is(target error) bool { return target == ErrRoutingNotRead }

// RoutingPhase is what a RoutingCache is doing with the routing table.
type RoutingPhase int

const (
	// RoutingIdle: nothing read or being read.
	RoutingIdle RoutingPhase = iota
	// RoutingSizing: listing the first keys to learn the table's cost.
	RoutingSizing
	// RoutingListing: listing every key (a read the operator asked for).
	RoutingListing
	// RoutingReading: reading the route values.
	RoutingReading
	// RoutingNeedsRead: too costly to read without asking; see Estimate.
	RoutingNeedsRead
	// RoutingReady: a table is in memory (and no read is running).
	RoutingReady
	// RoutingFailed: the last load failed (the next call retries).
	RoutingFailed
)

// RoutingProgress is a snapshot of the routing table's state.
type RoutingProgress struct {
	Phase RoutingPhase
	// The running read (Sizing, Listing, Reading): keys listed so far,
	// whether the listing is done, route values to read, values read, and
	// when it started.
	Listed    int
	ListDone  bool
	Routes    int
	Read      int
	StartedAt time.Time
	// Explicit is true for a read started by Read.
	Explicit bool
	// WaitingUntil is set while the running read's request waits for API
	// budget: when the throttle expects to send it (see
	// throttle.WithWaitFunc). Zero when it is not waiting for budget.
	WaitingUntil time.Time
	// Estimate is set in RoutingNeedsRead.
	Estimate *RoutingEstimate
	// Have is true when a table is in memory (also while a Read replaces
	// it); ReadAt is when it was read, FromDisk whether it came from the
	// disk cache, Keys how many keys were listed for it (0 if unknown).
	Have     bool
	ReadAt   time.Time
	FromDisk bool
	Keys     int
	// Err is the last load's failure (RoutingFailed).
	Err error
}

// routingFlight is one load of the routing table. done is closed when it
// ends; the other fields are guarded by the cache's mutex.
type routingFlight struct {
	explicit   bool
	done       chan struct{}
	cancel     context.CancelFunc
	superseded bool
	// result
	table *platform.RoutingTable
	at    time.Time
	fresh bool // the table was read from the API by this flight
	err   error
	// progress
	phase     RoutingPhase
	started   time.Time
	listed    int
	listDone  bool
	routes    int
	read      int
	waitUntil time.Time // the request in hand waits for budget until then
}

// NewRoutingCache returns an empty cache over c with default options,
// keeping the routing table on disk in store (nil: memory only). Nothing is
// read until the first RoutesTo, Table, Tiers or Read.
func NewRoutingCache(c *cfclient.Client, store *Store) *RoutingCache {
	return NewRoutingCacheWithOptions(c, store, RoutingCacheOptions{})
}

// NewRoutingCacheWithOptions returns an empty cache over c.
func NewRoutingCacheWithOptions(c *cfclient.Client, store *Store, opts RoutingCacheOptions) *RoutingCache {
	if opts.AutoReadMax == 0 {
		opts.AutoReadMax = DefaultRoutingAutoReadMax
	}
	if store == nil {
		store = New("", "", "", nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &RoutingCache{c: c, store: store, opts: opts, ctx: ctx, cancel: cancel,
		watchers: map[chan RoutingProgress]struct{}{}}
}

// Watch returns a channel that receives a snapshot of the routing table's
// state now and after every change (a page listed, values read, a load
// ended), and a function that stops the watch and closes the channel (so a
// reader waiting on it wakes). Only the latest snapshot waits in the
// channel: a slow reader skips intermediate ones, never blocks the load.
// Screens read it with a re-armed reader instead of polling Progress.
func (rc *RoutingCache) Watch() (<-chan RoutingProgress, func()) {
	ch := make(chan RoutingProgress, 1)
	rc.mu.Lock()
	rc.watchers[ch] = struct{}{}
	ch <- rc.progressLocked()
	rc.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			rc.mu.Lock()
			delete(rc.watchers, ch)
			close(ch) // under the mutex: no send can follow
			rc.mu.Unlock()
		})
	}
}

// notifyLocked sends the current snapshot to every watcher, replacing one
// not yet read (rc.mu held).
func (rc *RoutingCache) notifyLocked() {
	if len(rc.watchers) == 0 {
		return
	}
	p := rc.progressLocked()
	for ch := range rc.watchers {
		select {
		case <-ch: // drop the unread, older snapshot
		default:
		}
		select {
		case ch <- p:
		default:
		}
	}
}

// RoutesTo returns the routes whose value names script, and when the routing
// table they come from was read. The first call (and the first after
// Invalidate or a failed load) loads the table: from the disk cache, or
// from the API when that costs at most AutoReadMax requests; otherwise it
// returns a *RoutingCostError (ErrRoutingNotRead) until Read is called.
// Other calls share that load or answer from memory. When ctx ends first,
// RoutesTo returns ctx's error while the load goes on for other callers.
func (rc *RoutingCache) RoutesTo(ctx context.Context, script string) ([]platform.Route, time.Time, error) {
	t, at, err := rc.load(ctx, false)
	if err != nil {
		return nil, time.Time{}, err
	}
	// A copy: the table is shared by every screen and must stay unchanged.
	return slices.Clone(t.ByScript[script]), at, nil
}

// Table returns the whole cached routing table (loading it as RoutesTo
// does) and when it was read. The table is shared: callers must not
// modify it.
func (rc *RoutingCache) Table(ctx context.Context) (*platform.RoutingTable, time.Time, error) {
	return rc.load(ctx, false)
}

// Read reads the whole routing table from the API whatever it costs (the
// operator asked: R), continuing a listing stopped for its cost, and
// replaces the cached table (in memory and on disk) when it succeeds. The
// old table, if any, keeps answering RoutesTo meanwhile. A read already
// running is joined, not repeated.
func (rc *RoutingCache) Read(ctx context.Context) error {
	_, _, err := rc.load(ctx, true)
	return err
}

// DiskNotice returns, once per cache, the news that the disk copy of the
// routing table was unreadable and was dropped (the load reads the table
// from the API instead); "" when there is none, or it was taken. The load
// pushes a progress snapshot when it sets it, so a screen's reader of the
// watch can take it; it takes the cache's lock, so call it from a command.
func (rc *RoutingCache) DiskNotice() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := rc.notice
	rc.notice = ""
	return n
}

// Progress is a snapshot of the routing table's state, cheap enough to
// poll every few hundred milliseconds.
func (rc *RoutingCache) Progress() RoutingProgress {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.progressLocked()
}

// progressLocked is Progress with rc.mu held.
func (rc *RoutingCache) progressLocked() RoutingProgress {
	p := RoutingProgress{Have: rc.table != nil, ReadAt: rc.tableAt, FromDisk: rc.fromDisk, Keys: rc.keys}
	switch f := rc.flight; {
	case f != nil:
		p.Phase, p.Listed, p.ListDone, p.Routes, p.Read = f.phase, f.listed, f.listDone, f.routes, f.read
		p.StartedAt, p.Explicit, p.WaitingUntil = f.started, f.explicit, f.waitUntil
		if p.Phase == RoutingIdle {
			p.Phase = RoutingSizing // trying the disk cache
		}
	case rc.table != nil:
		p.Phase = RoutingReady
	case rc.pending != nil:
		e := *rc.pending
		p.Phase, p.Estimate = RoutingNeedsRead, &e
	case rc.lastErr != nil:
		p.Phase, p.Err = RoutingFailed, rc.lastErr
	}
	return p
}

// load returns the table, joining or starting a load when needed.
// explicit loads read from the API whatever the cost.
func (rc *RoutingCache) load(ctx context.Context, explicit bool) (*platform.RoutingTable, time.Time, error) {
	for {
		rc.mu.Lock()
		if !explicit && rc.table != nil {
			t, at := rc.table, rc.tableAt
			rc.mu.Unlock()
			return t, at, nil
		}
		if !explicit && rc.pending != nil && rc.flight == nil {
			e := *rc.pending
			rc.mu.Unlock()
			return nil, time.Time{}, &RoutingCostError{Estimate: e}
		}
		f := rc.flight
		if f == nil {
			f = rc.start(explicit)
		}
		rc.mu.Unlock()

		if err := awaitDone(ctx, f.done); err != nil {
			return nil, time.Time{}, err
		}
		// The result fields were written under the mutex before done was
		// closed, so reading them here is ordered after those writes.
		if f.superseded {
			if err := ctx.Err(); err != nil {
				return nil, time.Time{}, err
			}
			continue // Invalidate cancelled this load: wait for the new one
		}
		if explicit && !f.fresh && (f.err == nil || errors.Is(f.err, ErrRoutingNotRead)) {
			continue // joined a load that did not read the API: read now
		}
		if f.err != nil {
			return nil, time.Time{}, f.err
		}
		return f.table, f.at, nil
	}
}

// start starts a load (rc.mu held).
func (rc *RoutingCache) start(explicit bool) *routingFlight {
	ctx, cancel := context.WithCancel(rc.ctx)
	f := &routingFlight{explicit: explicit, done: make(chan struct{}), cancel: cancel, started: rc.now()}
	tryDisk := !explicit && !rc.diskDone
	rc.diskDone = true
	var probe *cfclient.RoutingListing
	if rc.probe != nil {
		probe = rc.probe.Clone()
	}
	rc.flight = f
	rc.notifyLocked()
	// The throttle says when the load's requests wait for budget, and the
	// watchers are told at once (no one polls for it).
	ctx = throttle.WithWaitFunc(throttle.WithPriority(ctx, throttle.Background), func(until time.Time) {
		rc.mu.Lock()
		f.waitUntil = until
		if rc.flight == f {
			rc.notifyLocked()
		}
		rc.mu.Unlock()
	})
	go func() {
		defer cancel()
		out := rc.run(ctx, f, tryDisk, probe)
		rc.finish(f, out)
	}()
	return f
}

// flightResult is what a load ends with.
type flightResult struct {
	table    *platform.RoutingTable
	at       time.Time
	keys     int
	fromDisk bool
	err      error
	pending  *RoutingEstimate
	probe    *cfclient.RoutingListing
}

// run is one load: the disk cache, then the listing (stopped early when
// the read is not explicit and costs too much), then the values.
func (rc *RoutingCache) run(ctx context.Context, f *routingFlight, tryDisk bool, probe *cfclient.RoutingListing) flightResult {
	if err := ctx.Err(); err != nil {
		return flightResult{err: err}
	}
	c := rc.c
	if tryDisk {
		t, keys, at, err := rc.store.loadRoutingTable(c.Schema())
		if err == nil {
			return flightResult{table: t, at: at, keys: keys, fromDisk: true}
		}
		var damage *routingDamage
		if errors.As(err, &damage) {
			// Dropped and read again from the API (as any miss): the
			// operator is told once (DiskNotice).
			_ = rc.store.dropRoutingTable()
			rc.mu.Lock()
			rc.notice = "the routing cache on disk was unreadable (" + damage.reason + ") and was dropped"
			rc.notifyLocked()
			rc.mu.Unlock()
		}
	}
	id, err := c.RoutingNamespace(ctx)
	if err != nil {
		return flightResult{err: err}
	}
	l := probe
	if l == nil || l.ID != id {
		l = &cfclient.RoutingListing{ID: id}
	}
	listPhase := RoutingSizing
	if f.explicit {
		listPhase = RoutingListing
	}
	report := func(phase RoutingPhase, read int) {
		rc.mu.Lock()
		f.phase, f.listed, f.listDone, f.routes, f.read = phase, l.Keys, l.Done, len(l.Names), read
		if rc.flight == f {
			rc.notifyLocked()
		}
		rc.mu.Unlock()
	}
	report(listPhase, 0)
	limit := rc.opts.AutoReadMax
	for !l.Done && (f.explicit || l.LowerBound() <= limit) {
		if err := c.ListRoutingPage(ctx, l); err != nil {
			return flightResult{err: err, probe: l} // the next load continues it
		}
		report(listPhase, 0)
	}
	if !f.explicit && (!l.Done || cfclient.RoutingCost(l.Keys, len(l.Names)) > limit) {
		e := rc.estimate(ctx, l)
		return flightResult{err: &RoutingCostError{Estimate: e}, pending: &e, probe: l}
	}
	report(RoutingReading, l.Read)
	t, err := c.ReadRoutingValues(ctx, l, func(read int) { report(RoutingReading, read) })
	if err != nil {
		return flightResult{err: err, probe: l} // the next load reads on from l.Read
	}
	at := rc.now()
	// A failed save only costs the next run a read; the table is good.
	_ = rc.store.saveRoutingTable(c.Schema(), c.AccountID(), t, l.Keys, at)
	return flightResult{table: t, at: at, keys: l.Keys}
}

// estimate is what reading the table costs, from a listing stopped early
// (or complete but too costly). An incomplete listing is extrapolated from
// the platform's script count (one request): about a route per tenant.
func (rc *RoutingCache) estimate(ctx context.Context, l *cfclient.RoutingListing) RoutingEstimate {
	e := RoutingEstimate{Exact: l.Done, Keys: l.Keys, Routes: len(l.Names), Spent: l.Pages}
	if l.Done {
		e.Requests = cfclient.RoutingCost(l.Keys, len(l.Names))
	} else {
		if nss, err := rc.c.ListNamespaces(ctx); err == nil {
			for _, n := range nss {
				e.Scripts += n.ScriptCount
			}
		}
		e.Routes = max(e.Routes, e.Scripts)
		e.Requests = max(l.LowerBound(), cfclient.RoutingCost(max(l.Keys+1, e.Routes), e.Routes))
	}
	st := rc.c.Stats()
	if st.BackgroundLimit > 0 && st.Window > 0 {
		e.Budget = time.Duration(float64(e.Requests) / float64(st.BackgroundLimit) * float64(st.Window))
	}
	return e
}

// finish records a load's result and wakes its waiters.
func (rc *RoutingCache) finish(f *routingFlight, out flightResult) {
	rc.mu.Lock()
	f.table, f.at, f.err, f.fresh = out.table, out.at, out.err, out.table != nil && !out.fromDisk
	if rc.flight == f { // not superseded by Invalidate
		rc.flight = nil
		switch {
		case out.table != nil:
			rc.table, rc.tableAt, rc.keys, rc.fromDisk = out.table, out.at, out.keys, out.fromDisk
			rc.pending, rc.probe, rc.lastErr = nil, nil, nil
		case out.pending != nil:
			rc.pending, rc.probe, rc.lastErr = out.pending, out.probe, nil
		default:
			rc.lastErr = out.err
			if out.probe != nil {
				rc.probe = out.probe // a failed read resumes where it stopped
			}
		}
		rc.notifyLocked()
	}
	rc.mu.Unlock()
	close(f.done)
}

// Tiers returns the tier table, read once (one request once the routing
// namespace is known) and cached like the routing table.
func (rc *RoutingCache) Tiers(ctx context.Context) ([]platform.Tier, error) {
	ts, _, err := rc.tiers.get(ctx, rc.ctx, rc.now, func(ctx context.Context) ([]platform.Tier, error) {
		return rc.c.ReadTiers(throttle.WithPriority(ctx, throttle.Background))
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(ts), nil
}

// Invalidate forgets both tables, the disk copy of the routing table
// included (it is not read again by this cache): the next load reads from
// the API, subject to AutoReadMax. A load in progress is cancelled; the
// callers waiting on it are moved to a new load rather than failed.
func (rc *RoutingCache) Invalidate() {
	rc.mu.Lock()
	rc.table, rc.tableAt, rc.keys, rc.fromDisk = nil, time.Time{}, 0, false
	rc.pending, rc.probe, rc.lastErr = nil, nil, nil
	rc.diskDone = true
	if f := rc.flight; f != nil {
		rc.flight = nil
		f.superseded = true
		f.cancel()
	}
	rc.notifyLocked()
	rc.mu.Unlock()
	rc.tiers.invalidate()
}

// InvalidateTiers forgets the tier table only (ctrl+r on a script screen:
// one request to read again, unlike the routing table).
func (rc *RoutingCache) InvalidateTiers() {
	rc.tiers.invalidate()
}

// Close cancels any load in progress (callers waiting on it get an error)
// and makes later loads fail at once. Call it when the console shuts down.
func (rc *RoutingCache) Close() {
	rc.cancel()
}

func (rc *RoutingCache) now() time.Time {
	if rc.c != nil {
		return rc.c.Now()
	}
	return time.Now()
}

// cachedLoad is one single-flight value: the current flight (loading or
// loaded), or nil when nothing is cached.
type cachedLoad[T any] struct {
	mu  sync.Mutex
	cur *flight[T]
}

// flight is one load. done is closed when it ends; val, at and err are set
// before that. superseded is set (under the cachedLoad's mutex, before done
// is closed) when Invalidate cancelled it, so waiters move to a new flight.
type flight[T any] struct {
	done       chan struct{}
	cancel     context.CancelFunc
	val        T
	at         time.Time
	err        error
	finished   bool // val, at and err are final (set under the mutex)
	superseded bool
}

// get returns the cached value, joining or starting a load when there is
// none. base is the parent context of a new load.
func (c *cachedLoad[T]) get(ctx, base context.Context, now func() time.Time, load func(context.Context) (T, error)) (T, time.Time, error) {
	var zero T
	for {
		f := c.flight(base, now, load)
		if err := awaitDone(ctx, f.done); err != nil {
			return zero, time.Time{}, err
		}
		// superseded was written before done was closed (see invalidate
		// and the loader, which both hold the mutex), so reading it here is
		// ordered after that write.
		if f.superseded {
			if err := ctx.Err(); err != nil {
				return zero, time.Time{}, err
			}
			continue // Invalidate cancelled this load: wait for the new one
		}
		return f.val, f.at, f.err
	}
}

// flight returns the current flight, starting one when there is none.
func (c *cachedLoad[T]) flight(base context.Context, now func() time.Time, load func(context.Context) (T, error)) *flight[T] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		return c.cur
	}
	ctx, cancel := context.WithCancel(base)
	f := &flight[T]{done: make(chan struct{}), cancel: cancel}
	c.cur = f
	go func() {
		defer cancel()
		val, err := load(ctx)
		c.mu.Lock()
		f.val, f.err, f.at, f.finished = val, err, now(), true
		if err != nil && c.cur == f {
			c.cur = nil // a failure is not cached: the next call retries
		}
		c.mu.Unlock()
		close(f.done)
	}()
	return f
}

// invalidate forgets the value; a load in progress is cancelled and marked
// superseded so its waiters move on to a new load.
func (c *cachedLoad[T]) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.cur
	if f == nil {
		return
	}
	c.cur = nil
	if f.finished {
		return // loaded: simply forgotten
	}
	f.superseded = true
	f.cancel()
}

// awaitDone waits for done or the end of ctx. A load that has already
// finished wins over a context that has ended too.
func awaitDone(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-done:
		return nil
	default:
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
