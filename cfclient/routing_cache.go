package cfclient

import (
	"context"
	"slices"
	"sync"
	"time"
)

// RoutingCache holds the routing table and the tier table for the whole
// process, so that script screens never read them one script at a time.
//
// Why: ReadRouting costs one list request per 1,000 keys plus one bulk read
// per 100 keys — about 1,800 requests for a 100,000-script platform, more
// than the whole 5-minute API budget. The table is therefore read once, in
// the background, and every script screen answers from its reverse index.
//
// Loads are single-flight: concurrent callers share one load. A successful
// load is kept until Invalidate; a failed one is not kept, so the next call
// tries again. Loads run with Background priority, so the operator's own
// requests go first.
//
// Cancellation: a caller whose context ends stops waiting and gets the
// context's error, but the shared load carries on (it runs on the cache's
// own context, not the caller's). Requests already spent on a large table
// are not thrown away, and the next screen that asks gets the answer at
// once. A load only stops early when Invalidate supersedes it or Close is
// called.
type RoutingCache struct {
	c      *Client
	ctx    context.Context // parent of every load; Close cancels it
	cancel context.CancelFunc

	routing cachedLoad[*RoutingTable]
	tiers   cachedLoad[[]Tier]
}

// NewRoutingCache returns an empty cache over c. Nothing is read until the
// first RoutesTo or Tiers.
func NewRoutingCache(c *Client) *RoutingCache {
	ctx, cancel := context.WithCancel(context.Background())
	return &RoutingCache{c: c, ctx: ctx, cancel: cancel}
}

// RoutesTo returns the routes whose value names script, and when the routing
// table they come from was read. The first call (and the first after
// Invalidate or a failed load) reads the whole table; the others share that
// read or answer from memory. When ctx ends first, RoutesTo returns ctx's
// error while the load goes on for the other callers.
func (rc *RoutingCache) RoutesTo(ctx context.Context, script string) ([]Route, time.Time, error) {
	t, at, err := rc.routing.get(ctx, rc.ctx, rc.now, func(ctx context.Context) (*RoutingTable, error) {
		return rc.c.ReadRouting(WithPriority(ctx, Background))
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	// A copy: the table is shared by every screen and must stay unchanged.
	return slices.Clone(t.ByScript[script]), at, nil
}

// Table returns the whole cached routing table (loading it as RoutesTo
// does) and when it was read. The table is shared: callers must not
// modify it.
func (rc *RoutingCache) Table(ctx context.Context) (*RoutingTable, time.Time, error) {
	return rc.routing.get(ctx, rc.ctx, rc.now, func(ctx context.Context) (*RoutingTable, error) {
		return rc.c.ReadRouting(WithPriority(ctx, Background))
	})
}

// Tiers returns the tier table, read once (one request once the routing
// namespace is known) and cached like the routing table.
func (rc *RoutingCache) Tiers(ctx context.Context) ([]Tier, error) {
	ts, _, err := rc.tiers.get(ctx, rc.ctx, rc.now, func(ctx context.Context) ([]Tier, error) {
		return rc.c.ReadTiers(WithPriority(ctx, Background))
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(ts), nil
}

// Invalidate forgets both tables (ctrl+r on a script screen). A load in
// progress is cancelled; the callers waiting on it are moved to a new load
// rather than failed.
func (rc *RoutingCache) Invalidate() {
	rc.routing.invalidate()
	rc.tiers.invalidate()
}

// Close cancels any load in progress (callers waiting on it get an error)
// and makes later loads fail at once. Call it when the console shuts down.
func (rc *RoutingCache) Close() {
	rc.cancel()
}

func (rc *RoutingCache) now() time.Time {
	if rc.c != nil && rc.c.opts.Now != nil {
		return rc.c.opts.Now()
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
		select {
		case <-f.done:
		default:
			select {
			case <-f.done:
			case <-ctx.Done():
				return zero, time.Time{}, ctx.Err()
			}
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
