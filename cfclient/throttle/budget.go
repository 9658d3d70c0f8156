package throttle

import (
	"container/list"
	"context"
	"math"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"
)

// tokenBudget is the scheduler of one API token: the record of recent sends
// (the rolling window), the two wait queues, the in-flight count and the
// 429 pause. Everything is guarded by mu; waiters block on their own
// channel, and one timer wakes the queue when the window or a pause will
// free a slot, so nothing polls.
type tokenBudget struct {
	window      time.Duration
	maxInFlight int
	margin      float64
	reserve     float64
	defPause    time.Duration
	now         func() time.Time

	mu          sync.Mutex
	serverLimit int         // the server's rule: sends per window
	limit       int         // usable sends per window (interactive)
	bgLimit     int         // usable sends per window for background
	done        []time.Time // answered sends, oldest first, by answer time
	keptSince   time.Time   // done holds every send answered after this
	inFlight    int
	queues      [2]*list.List // of *budgetWaiter, by Priority
	paused      time.Time     // no sends before this
	timer       *time.Timer
	lastErr     string
	lastErrAt   time.Time
	latency     [256]time.Duration // ring of recent attempt latencies
	latencyN    int                // attempts recorded in total
}

// budgetWaiter is one request waiting for its turn.
type budgetWaiter struct {
	prio     Priority
	enqueued time.Time
	ready    chan struct{} // closed when granted
	granted  time.Time     // zero until granted
	elem     *list.Element
}

// budgetTicket is a granted send.
type budgetTicket struct {
	enqueued, granted time.Time
}

func newTokenBudget(o Options) *tokenBudget {
	b := &tokenBudget{
		window: o.Window, maxInFlight: o.MaxInFlight, margin: o.SafetyMargin,
		reserve: o.InteractiveReserve, defPause: o.DefaultPause, now: o.Now,
		queues: [2]*list.List{list.New(), list.New()},
	}
	b.setLimit(o.Requests)
	return b
}

// setLimit derives the usable limits from the server's limit. A token
// always gets at least one send per window, and background at least one
// while the limit allows two, so that no class starves on a tiny budget.
func (b *tokenBudget) setLimit(serverLimit int) {
	b.serverLimit = serverLimit
	b.limit = max(1, int(math.Floor(float64(serverLimit)*(1-b.margin))))
	b.bgLimit = int(math.Floor(float64(b.limit) * (1 - b.reserve)))
	if b.bgLimit < 1 && b.limit >= 2 {
		b.bgLimit = 1
	}
}

// acquire queues the caller and blocks until its send is granted or ctx
// ends. A cancelled waiter leaves the queue at once.
func (b *tokenBudget) acquire(ctx context.Context, p Priority) (budgetTicket, error) {
	if err := ctx.Err(); err != nil {
		return budgetTicket{}, err
	}
	if p != Background {
		p = Interactive
	}
	b.mu.Lock()
	now := b.now()
	w := &budgetWaiter{prio: p, enqueued: now, ready: make(chan struct{})}
	w.elem = b.queues[p].PushBack(w)
	b.dispatch(now)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return budgetTicket{enqueued: w.enqueued, granted: w.granted}, nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !w.granted.IsZero() {
		b.inFlight-- // granted as the context ended: hand the slot back
	} else {
		b.queues[p].Remove(w.elem)
	}
	b.dispatch(b.now())
	return budgetTicket{}, ctx.Err()
}

// cancelGrant hands back a granted slot that was not used for a send.
func (b *tokenBudget) cancelGrant() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight--
	b.dispatch(b.now())
}

// release records an answered (or failed) send and lets the next waiters
// through.
func (b *tokenBudget) release(tk budgetTicket, req *http.Request, resp *http.Response, err error, latency time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	// Count the send at its answer time: the server counted it somewhere
	// between grant and answer, so this ages out no earlier than there.
	b.inFlight--
	b.record(now)
	b.latency[b.latencyN%len(b.latency)] = latency
	b.latencyN++
	switch {
	case resp != nil && resp.StatusCode == http.StatusTooManyRequests:
		d, ok := pauseAfter429(resp.Header, now)
		if !ok {
			d = b.defPause
		}
		// A bogus huge value must not freeze the console for days.
		d = min(max(d, time.Second), max(b.window, 5*time.Minute))
		if until := now.Add(d); until.After(b.paused) {
			b.paused = until
		}
		b.setError(now, req, resp, nil)
	case resp != nil:
		b.correct(resp.Header, tk.granted, now)
		if resp.StatusCode >= 500 {
			b.setError(now, req, resp, nil)
		}
	case err != nil && req.Context().Err() == nil:
		b.setError(now, req, nil, err)
	}
	b.dispatch(now)
}

// record adds one send answered at t, keeping done sorted.
func (b *tokenBudget) record(t time.Time) {
	i := sort.Search(len(b.done), func(i int) bool { return b.done[i].After(t) })
	b.done = slices.Insert(b.done, i, t)
}

// correct lowers the local view of the budget when the server says fewer
// requests remain than we think, which happens when other tools (or other
// processes) share the token; the sends we cannot see are counted as made
// now. It also adopts the server's limit when that is lower than
// configured. A header never makes the throttle send faster.
func (b *tokenBudget) correct(h http.Header, granted, now time.Time) {
	limit, remaining, ok := serverBudget(h)
	if !ok {
		return
	}
	if limit > 0 && limit < b.serverLimit {
		// The server allows fewer requests per window than configured:
		// adopt its limit, and its window (Ratelimit-Policy w=) only when
		// that does not raise the average rate.
		w := serverWindow(h)
		if w > 0 && float64(limit)/w.Seconds() <= float64(b.serverLimit)/b.window.Seconds() {
			b.window = w
		}
		b.setLimit(limit)
	}
	if limit <= 0 || granted.Add(-b.window).Before(b.keptSince) {
		return // we no longer hold every send the server may still count
	}
	// Ours: everything in flight (this one included) plus every send
	// answered after granted-window; a superset of what the server counted.
	since := granted.Add(-b.window)
	i := sort.Search(len(b.done), func(i int) bool { return b.done[i].After(since) })
	ours := b.inFlight + len(b.done) - i // this send is in done already
	for extra := (limit - remaining) - ours; extra > 0; extra-- {
		b.record(now)
	}
}

// prune forgets sends that left the window long enough ago that correct
// can no longer need them.
func (b *tokenBudget) prune(now time.Time) {
	cut := now.Add(-2 * b.window)
	i := sort.Search(len(b.done), func(i int) bool { return b.done[i].After(cut) })
	// Deleting from the front copies the rest, so do it in batches.
	if i > 0 && (i >= 256 || 2*i >= len(b.done)) {
		b.done = slices.Delete(b.done, 0, i)
		b.keptSince = cut
	}
}

// used is the number of sends counted in (now-window, now], in flight
// included, and the index in done of the oldest counted one.
func (b *tokenBudget) used(now time.Time) (int, int) {
	since := now.Add(-b.window)
	i := sort.Search(len(b.done), func(i int) bool { return b.done[i].After(since) })
	return len(b.done) - i + b.inFlight, i
}

// admit says whether a request of class p may be sent now; if not, wake is
// when it may (zero: when a request in flight is answered).
func (b *tokenBudget) admit(p Priority, now time.Time) (ok bool, wake time.Time) {
	if now.Before(b.paused) {
		return false, b.paused
	}
	if b.inFlight >= b.maxInFlight {
		return false, time.Time{}
	}
	limit := b.limit
	if p == Background {
		limit = b.bgLimit
	}
	used, first := b.used(now)
	if used < limit {
		return true, time.Time{}
	}
	// used-limit+1 answered sends must leave the window first.
	idx := first + used - limit
	if idx >= len(b.done) {
		return false, time.Time{}
	}
	return false, b.done[idx].Add(b.window)
}

// dispatch grants waiters in order (interactive first, FIFO within a
// class) while the budget allows, then arms the timer for the moment the
// head of the queue may go. Called with mu held after every change.
func (b *tokenBudget) dispatch(now time.Time) {
	b.prune(now)
	for {
		w := b.head()
		if w == nil {
			b.stopTimer()
			return
		}
		ok, wake := b.admit(w.prio, now)
		if !ok {
			// Interactive blocked means background is too (its limit is
			// lower), so stopping at the head never starves anyone.
			if wake.IsZero() {
				b.stopTimer()
			} else {
				b.armTimer(wake.Sub(now))
			}
			return
		}
		b.queues[w.prio].Remove(w.elem)
		w.granted = now
		b.inFlight++
		close(w.ready)
	}
}

// head is the next waiter to serve.
func (b *tokenBudget) head() *budgetWaiter {
	for _, q := range b.queues {
		if e := q.Front(); e != nil {
			return e.Value.(*budgetWaiter)
		}
	}
	return nil
}

func (b *tokenBudget) armTimer(d time.Duration) {
	d = max(d, time.Millisecond)
	if b.timer == nil {
		b.timer = time.AfterFunc(d, b.wake)
		return
	}
	b.timer.Reset(d)
}

func (b *tokenBudget) stopTimer() {
	if b.timer != nil {
		b.timer.Stop()
	}
}

// wake runs when the window or a pause frees a slot.
func (b *tokenBudget) wake() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dispatch(b.now())
}

// pauseOutlives reports whether ctx ends before the token's pause does.
func (b *tokenBudget) pauseOutlives(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	if !ok {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return dl.Before(b.paused)
}

// setError remembers the last failure as one printable line.
func (b *tokenBudget) setError(now time.Time, req *http.Request, resp *http.Response, err error) {
	b.lastErr = describeFailure(req, resp, err)
	b.lastErrAt = now
}

// stats is the snapshot at now.
func (b *tokenBudget) stats(now time.Time) Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	used, _ := b.used(now)
	s := Stats{
		Limit: b.limit, BackgroundLimit: b.bgLimit, Window: b.window,
		Used: used, Remaining: max(0, b.limit-used),
		QueuedInteractive: b.queues[Interactive].Len(), QueuedBackground: b.queues[Background].Len(),
		InFlight: b.inFlight, LastError: b.lastErr, LastErrorAt: b.lastErrAt,
	}
	if now.Before(b.paused) {
		s.PausedUntil = b.paused
	}
	n := min(b.latencyN, len(b.latency))
	if n > 0 {
		lat := slices.Clone(b.latency[:n])
		slices.Sort(lat)
		s.LatencyP50 = lat[(n-1)*50/100]
		s.LatencyP99 = lat[(n-1)*99/100]
	}
	return s
}
