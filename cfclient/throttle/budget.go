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
	maxInFlight int
	margin      float64
	reserve     float64
	defPause    time.Duration
	now         func() time.Time
	peers       Peers // other local processes on the token (nil: none known)

	mu          sync.Mutex
	window      time.Duration // the rule's window: configured, then the server's
	serverLimit int           // the rule's sends per window: likewise
	limit       int           // usable sends per window (interactive)
	bgLimit     int           // usable sends per window for background
	done        []time.Time   // answered sends, oldest first, by answer time
	inFlight    int
	seq         uint64 // numbers grants, to tell older server readings from newer
	reading     serverReading
	probing     bool          // a probe (see admit) is in flight
	lastProbe   time.Time     // when the last probe was granted
	queues      [2]*list.List // of *budgetWaiter, by Priority
	paused      time.Time     // no sends before this
	timer       *time.Timer
	lastErr     string
	lastErrAt   time.Time
	latency     [256]time.Duration // ring of recent attempt latencies
	latencyN    int                // attempts recorded in total
}

// serverReading is what the latest response that told the token's
// remaining budget (X-RateLimit-Remaining or Ratelimit r=) says about the
// sends the local ledger cannot see: those of other processes sharing the
// token. It is replaced by every later reading, so it never accumulates,
// and it is dropped a window after it was said (everything it counted has
// left the server's window by then).
type serverReading struct {
	ok      bool
	seq     uint64    // grant number of the request whose response said it
	at      time.Time // when that response arrived
	foreign int       // the server's count less our sends in it, at least 0
	// reset is when the server's count next drops (Ratelimit t=, or
	// X-RateLimit-Reset); zero when the response did not say.
	reset time.Time
}

// budgetWaiter is one request waiting for its turn.
type budgetWaiter struct {
	prio     Priority
	enqueued time.Time
	ready    chan struct{} // closed when granted
	granted  time.Time     // zero until granted
	seq      uint64        // grant number, set with granted
	probe    bool          // granted as a probe
	elem     *list.Element
}

// budgetTicket is a granted send.
type budgetTicket struct {
	enqueued, granted time.Time
	seq               uint64
	probe             bool
}

func newTokenBudget(o Options) *tokenBudget {
	b := &tokenBudget{
		window: o.Window, maxInFlight: o.MaxInFlight, margin: o.SafetyMargin,
		reserve: o.InteractiveReserve, defPause: o.DefaultPause, now: o.Now, peers: o.Peers,
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
// ends. A cancelled waiter leaves the queue at once. When ctx carries a
// WaitFunc, it is told when the wait is for budget and when that ends.
func (b *tokenBudget) acquire(ctx context.Context, p Priority) (budgetTicket, error) {
	if err := ctx.Err(); err != nil {
		return budgetTicket{}, err
	}
	if p != Background {
		p = Interactive
	}
	told := waitFuncFrom(ctx)
	b.mu.Lock()
	now := b.now()
	w := &budgetWaiter{prio: p, enqueued: now, ready: make(chan struct{})}
	w.elem = b.queues[p].PushBack(w)
	b.dispatch(now)
	var until time.Time
	if told != nil && w.granted.IsZero() {
		until = b.budgetWait(p, now)
	}
	b.mu.Unlock()

	var said time.Time // the wait last told (zero: none)
	defer func() {
		if !said.IsZero() {
			told(time.Time{})
		}
	}()
	var tm *time.Timer
	defer func() {
		if tm != nil {
			tm.Stop()
		}
	}()
	for {
		var recheck <-chan time.Time
		if !until.Equal(said) {
			said = until
			told(until)
		}
		if !until.IsZero() {
			// Past the expected time and still waiting: say the new estimate.
			d := max(until.Sub(b.now()), 0) + 50*time.Millisecond
			if tm == nil {
				tm = time.NewTimer(d)
			} else {
				tm.Reset(d)
			}
			recheck = tm.C
		}
		select {
		case <-w.ready:
			return budgetTicket{enqueued: w.enqueued, granted: w.granted, seq: w.seq, probe: w.probe}, nil
		case <-ctx.Done():
			b.mu.Lock()
			defer b.mu.Unlock()
			if !w.granted.IsZero() {
				b.handBack(w.probe) // granted as the context ended
			} else {
				b.queues[p].Remove(w.elem)
			}
			b.dispatch(b.now())
			return budgetTicket{}, ctx.Err()
		case <-recheck:
			b.mu.Lock()
			until = time.Time{}
			if w.granted.IsZero() {
				until = b.budgetWait(p, b.now())
			}
			b.mu.Unlock()
		}
	}
}

// cancelGrant hands back a granted slot that was not used for a send.
func (b *tokenBudget) cancelGrant(tk budgetTicket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handBack(tk.probe)
	b.dispatch(b.now())
}

// handBack undoes a grant that sent nothing (mu held).
func (b *tokenBudget) handBack(probe bool) {
	b.inFlight--
	if probe {
		b.probing = false
	}
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
	if tk.probe {
		b.probing = false
	}
	b.record(now)
	if b.peers != nil {
		b.peers.Sent(now)
	}
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
		b.correct(resp.Header, tk, now)
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

// correct takes the server's word on the budget from a response's
// headers, whichever way it differs from the local view:
//
//   - a Ratelimit-Policy (q=, w=) or X-RateLimit-Limit replaces the
//     configured limit and window;
//   - the remaining count (X-RateLimit-Remaining or Ratelimit r=) gives the
//     server's count of the window. What it counts beyond our sends is
//     other processes' use (the reading's foreign part); when it counts
//     fewer than the ledger holds, the oldest of our sends are forgotten
//     (the server no longer counts them).
//
// A reading from a request granted before the one of the reading held is
// older news and is ignored.
func (b *tokenBudget) correct(h http.Header, tk budgetTicket, now time.Time) {
	if w := serverWindow(h); w > 0 {
		b.window = w
	}
	limit, remaining, ok := serverBudget(h)
	if limit > 0 && limit != b.serverLimit {
		b.setLimit(limit)
	}
	if !ok || (b.reading.ok && tk.seq < b.reading.seq) {
		return
	}
	server := max(0, b.serverLimit-remaining)
	// Which of our sends does the server's count hold? Surely this one and
	// those answered before it was granted (the server had processed them
	// before it got this one); perhaps those answered since and those in
	// flight. So server-sure-perhaps is a lower bound of other processes'
	// use, and sure-server one of our sends the server no longer counts
	// (its window runs from when it got a request, ours from the answer):
	// the oldest of those are forgotten.
	_, first := b.ownUsed(now)
	before := sort.Search(len(b.done), func(i int) bool { return b.done[i].After(tk.granted) })
	before = max(before, first)
	sure := before - first + 1
	perhaps := len(b.done) - before - 1 + b.inFlight
	if forgot := min(sure-1, sure-server); forgot > 0 {
		b.done = slices.Delete(b.done, first, first+forgot)
		sure -= forgot
	}
	b.reading = serverReading{
		ok: true, seq: tk.seq, at: now,
		foreign: max(0, server-sure-perhaps),
		reset:   serverReset(h, now),
	}
}

// prune forgets sends that have left the window.
func (b *tokenBudget) prune(now time.Time) {
	cut := now.Add(-b.window)
	i := sort.Search(len(b.done), func(i int) bool { return b.done[i].After(cut) })
	// Deleting from the front copies the rest, so do it in batches.
	if i > 0 && (i >= 256 || 2*i >= len(b.done)) {
		b.done = slices.Delete(b.done, 0, i)
	}
}

// ownUsed is the local ledger: our sends counted in (now-window, now], in
// flight included, and the index in done of the oldest counted one.
func (b *tokenBudget) ownUsed(now time.Time) (int, int) {
	since := now.Add(-b.window)
	i := sort.Search(len(b.done), func(i int) bool { return b.done[i].After(since) })
	return len(b.done) - i + b.inFlight, i
}

// foreign is the other processes' sends the server counts now, as far as
// we know: the live reading's foreign part. A reading is live for a window
// after it was said: by then everything it counted has left the server's
// window.
func (b *tokenBudget) foreign(now time.Time) int {
	// Other local processes' sends (Peers) are foreign use the server
	// reading may already hold: the larger of the two counts.
	peers, _ := b.peerForeign(now)
	if !b.reading.ok || !now.Before(b.reading.at.Add(b.window)) {
		return peers
	}
	return max(b.reading.foreign, peers)
}

// used is the number of sends the server counts in its window now, as
// well as we know it: our own (the ledger) plus the others'.
func (b *tokenBudget) used(now time.Time) int {
	n, _ := b.ownUsed(now)
	return n + b.foreign(now)
}

// staleAt is when the reading's foreign part may have shrunk: its reset,
// or a probe gap after it was said when it gave none.
func (b *tokenBudget) staleAt() time.Time {
	if r := b.reading.reset; !r.IsZero() {
		return r
	}
	return b.reading.at.Add(b.probeGap())
}

// probeGap is the least time between probes: probes spend at most half of
// the safety margin per window.
func (b *tokenBudget) probeGap() time.Duration {
	spare := max(1, (b.serverLimit-b.limit)/2)
	return b.window / time.Duration(spare)
}

// admit says whether a request of class p may be sent now, and whether as
// a probe; if not, wake is when it may (zero: when a request in flight is
// answered).
//
// A probe is one request let through while the count says no, to learn
// how much of the other processes' use is left: after the reading's reset
// (or a probe gap when it gave none) the server's count has dropped by an
// amount only asking tells, and without a probe the console would wait for
// the whole window. A probe is sent only while other processes' use holds
// the count up, only when the count leaves the server room, one at a time
// and at most one per probe gap.
func (b *tokenBudget) admit(p Priority, now time.Time) (ok, probe bool, wake time.Time) {
	if now.Before(b.paused) {
		return false, false, b.paused
	}
	if b.inFlight >= b.maxInFlight {
		return false, false, time.Time{}
	}
	return b.admitBudget(p, now)
}

// admitBudget is admit without the pause and the in-flight cap: whether
// the count lets a request of class p go now.
func (b *tokenBudget) admitBudget(p Priority, now time.Time) (ok, probe bool, wake time.Time) {
	limit := b.limit
	if p == Background {
		limit = b.bgLimit
	}
	own, first := b.ownUsed(now)
	foreign := b.foreign(now)
	if own+foreign < limit {
		return true, false, time.Time{}
	}
	// When our own sends leaving the window make room.
	if idx := first + own + foreign - limit; idx < len(b.done) {
		wake = b.done[idx].Add(b.window)
	}
	if foreign == 0 {
		return false, false, wake
	}
	end := b.reading.at.Add(b.window) // the reading no longer counts
	wake = earliest(wake, end)
	if stale := b.staleAt(); now.Before(stale) {
		return false, false, earliest(wake, stale)
	}
	if b.probing || own+foreign >= b.serverLimit {
		return false, false, wake
	}
	if next := b.lastProbe.Add(b.probeGap()); now.Before(next) {
		return false, false, earliest(wake, next)
	}
	return true, true, time.Time{}
}

// budgetWait is when a request of class p waiting now may expect to go, as
// far as the budget (or a 429 pause) holds it back; zero when neither
// does (it waits only for its turn, or for a request in flight).
func (b *tokenBudget) budgetWait(p Priority, now time.Time) time.Time {
	if now.Before(b.paused) {
		return b.paused
	}
	if ok, _, wake := b.admitBudget(p, now); !ok {
		return wake
	}
	return time.Time{}
}

// earliest is the earlier of two times, a zero time meaning never.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
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
		ok, probe, wake := b.admit(w.prio, now)
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
		b.seq++
		w.granted, w.seq, w.probe = now, b.seq, probe
		b.inFlight++
		if probe {
			b.probing, b.lastProbe = true, now
		}
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
	used := b.used(now)
	s := Stats{
		Limit: b.limit, BackgroundLimit: b.bgLimit, Window: b.window,
		Used: used, Remaining: max(0, b.limit-used),
		QueuedInteractive: b.queues[Interactive].Len(), QueuedBackground: b.queues[Background].Len(),
		InFlight: b.inFlight, LastError: b.lastErr, LastErrorAt: b.lastErrAt,
	}
	s.PeerSends, s.PeerProcesses = b.peerForeign(now)
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
