package tail

import (
	"context"
	"errors"
	"time"

	"github.com/coder/websocket"

	"github.com/wfpconsole/wfp/cfclient"
)

// LiveOptions configure a live tail. Zero values take the defaults.
type LiveOptions struct {
	// Filters are sent when the tail is created (Cloudflare applies them).
	Filters cfclient.TailFilters
	// PingEvery is the keep-alive ping period (default 10 s, as wrangler);
	// a ping unanswered within the next period drops the socket.
	PingEvery time.Duration
	// Backoff is the first reconnect delay, doubled per failed attempt up
	// to MaxBackoff (defaults 1 s and 30 s).
	Backoff, MaxBackoff time.Duration
	// RenewBefore is how long before expires_at the tail is replaced (the
	// server goes silent at expiry without closing; default 30 s).
	RenewBefore time.Duration
	// DeleteTimeout bounds the DELETE of a tail on exit (default 10 s).
	DeleteTimeout time.Duration
	// CheckEvery is how often the tail's expiry is checked against Now
	// (default 1 s): a clock, not a timer, decides, so a machine that slept
	// renews at once on waking.
	CheckEvery time.Duration
	// Buffer is the channel's capacity (default 4096).
	Buffer int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o *LiveOptions) defaults() {
	if o.PingEvery <= 0 {
		o.PingEvery = 10 * time.Second
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.RenewBefore <= 0 {
		o.RenewBefore = 30 * time.Second
	}
	if o.DeleteTimeout <= 0 {
		o.DeleteTimeout = 10 * time.Second
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = time.Second
	}
	if o.Buffer <= 0 {
		o.Buffer = 4096
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Live tails the account script over trace-v1 until ctx ends, and closes
// the channel after deleting its tail. It creates the tail, dials it,
// pings it every PingEvery, re-dials the same tail when the socket drops
// (no API request; a new tail when that fails), replaces the tail before it
// expires (the new socket is open before the old one closes; an event both
// deliver is sent once), and backs off between failed attempts. A script
// that does not exist, or a token without the permission, ends the stream
// with a Failed state.
func (g *Group) Live(ctx context.Context, c *cfclient.Client, script string, o LiveOptions) <-chan Item {
	o.defaults()
	ch := make(chan Item, o.Buffer)
	l := &live{c: c, script: script, o: o, out: sender{ctx: ctx, ch: ch}, dedup: newRecent(8192),
		msgs: make(chan connMsg, 64)}
	g.run(func() {
		defer close(ch)
		l.run(ctx)
	})
	return ch
}

// live is one live tail's state, owned by its goroutine.
type live struct {
	c      *cfclient.Client
	script string
	o      LiveOptions
	out    sender
	dedup  *recent
	cost   meter

	msgs chan connMsg // from the connections' readers
	gen  int          // the current connection's number
	cur  *conn
	st   State
}

// conn is one open socket on one tail.
type conn struct {
	gen    int
	tail   cfclient.Tail
	ws     *websocket.Conn
	cancel context.CancelFunc
}

// connMsg is what a connection's reader reports: a message or its end.
type connMsg struct {
	gen  int
	data []byte
	err  error
}

// run is the stream's loop.
func (l *live) run(ctx context.Context) {
	l.st = State{Origin: FromLive, Target: l.script, Phase: Connecting}
	defer l.shutdown()
	attempt := 0
	for ctx.Err() == nil {
		if l.cur == nil {
			attempt++
			if attempt > 1 {
				if !l.backoff(ctx, attempt) {
					return
				}
			}
			if err := l.open(ctx, nil); err != nil {
				if permanent(err) {
					l.st.Phase, l.st.Err = Failed, err.Error()
					l.out.state(l.st)
					return
				}
				l.st.Err = err.Error()
				continue
			}
			attempt = 0
			l.st.Phase, l.st.Attempt, l.st.Err = Connected, 0, ""
			l.report()
		}
		l.serve(ctx)
	}
}

// serve reads the current connection until it drops, needs renewal or ctx
// ends.
func (l *live) serve(ctx context.Context) {
	check := time.NewTicker(l.o.CheckEvery)
	defer check.Stop()
	var retryAt time.Time // after a failed renewal, when to try again
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-check.C:
			if !l.due(l.cur.tail) || l.o.Now().Before(retryAt) {
				continue
			}
			// Make before break: open the next tail, then close this one
			// (an event both deliver meanwhile is sent once).
			old := l.cur
			l.cur = nil
			if err := l.open(ctx, nil); err != nil {
				l.st.Err = "renewing the tail: " + err.Error()
				l.cur = old
				if l.o.Now().After(old.tail.ExpiresAt) {
					// Expired and not renewed: it is silent; start over.
					l.drop(old, true)
					l.cur = nil
					return
				}
				// Try again later, backing off: each try is an API request.
				failures++
				retryAt = l.o.Now().Add(min(l.o.Backoff<<min(failures-1, 10), l.o.MaxBackoff))
				continue
			}
			failures, retryAt = 0, time.Time{}
			l.drop(old, true)
			l.report()
		case m := <-l.msgs:
			if l.cur == nil || m.gen != l.cur.gen {
				if m.err == nil {
					l.deliver(m.data) // the old socket's last messages
				}
				continue
			}
			if m.err == nil {
				l.deliver(m.data)
				continue
			}
			if ctx.Err() != nil {
				return
			}
			// The socket dropped. Dial the same tail again first: it costs
			// no API request, and the tail is still open server-side.
			old := l.cur
			l.cur = nil
			l.drop(old, false)
			l.st.Phase, l.st.Err = Reconnecting, "connection lost: "+m.err.Error()
			l.st.Next, l.st.Attempt = l.o.Now(), 1
			l.report()
			if !l.due(old.tail) {
				if err := l.open(ctx, &old.tail); err == nil {
					l.st.Phase, l.st.Err = Connected, ""
					l.report()
					continue
				}
			}
			l.deleteTail(old.tail)
			return // run creates a new tail
		}
	}
}

// due reports a tail to be replaced now: it expires within RenewBefore, by
// Now. A tail whose expiry is unknown (or two days off: a clock that
// disagrees with the server's) is left to the socket drops, which renew it
// too.
func (l *live) due(t cfclient.Tail) bool {
	now := l.o.Now()
	if t.ExpiresAt.IsZero() || t.ExpiresAt.Sub(now) > 48*time.Hour {
		return false
	}
	return !now.Before(t.ExpiresAt.Add(-l.o.RenewBefore))
}

// open creates a tail (or reuses t) and dials it.
func (l *live) open(ctx context.Context, t *cfclient.Tail) error {
	var tl cfclient.Tail
	if t != nil {
		tl = *t
	} else {
		l.cost.add(l.o.Now())
		created, err := l.c.CreateTail(ctx, l.script, l.o.Filters)
		if err != nil {
			return err
		}
		tl = created
	}
	ws, err := dial(ctx, tl.URL)
	if err != nil {
		if t == nil {
			l.deleteTail(tl)
		}
		return err
	}
	l.gen++
	cctx, cancel := context.WithCancel(ctx)
	l.cur = &conn{gen: l.gen, tail: tl, ws: ws, cancel: cancel}
	go read(cctx, l.cur, l.msgs)
	go ping(cctx, ws, l.o.PingEvery)
	return nil
}

// deliver decodes a message and sends its event, once.
func (l *live) deliver(data []byte) {
	ev, err := DecodeTrace(data)
	if err != nil {
		l.st.Err = err.Error()
		return
	}
	if l.dedup.seen(ev.ID) {
		return
	}
	if ev.Kind == "info" {
		if l.st.Sampling != ev.Overload {
			l.st.Sampling = ev.Overload
			l.report()
		}
	}
	l.out.event(&ev)
}

// drop closes a connection; deleteIt also deletes its tail.
func (l *live) drop(c *conn, deleteIt bool) {
	c.cancel()
	c.ws.CloseNow()
	if deleteIt {
		l.deleteTail(c.tail)
	}
}

// deleteTail deletes a tail even when the stream's context has ended.
func (l *live) deleteTail(t cfclient.Tail) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(l.out.ctx), l.o.DeleteTimeout)
	defer cancel()
	l.cost.add(l.o.Now())
	if err := l.c.DeleteTail(ctx, l.script, t.ID); err != nil {
		l.st.Err = "could not delete tail " + t.ID + ": " + err.Error()
	}
}

// shutdown closes and deletes the current tail, and says the stream
// stopped.
func (l *live) shutdown() {
	if l.cur != nil {
		l.drop(l.cur, true)
		l.cur = nil
	}
	if l.st.Phase != Failed {
		l.st.Phase = Stopped
	}
	// The context has ended: this last state is sent only if there is room.
	select {
	case l.out.ch <- Item{State: &l.st}:
	default:
	}
}

// backoff waits before attempt (2, 3, …), reporting it; false when ctx
// ended.
func (l *live) backoff(ctx context.Context, attempt int) bool {
	d := l.o.Backoff << min(attempt-2, 10)
	d = min(d, l.o.MaxBackoff)
	l.st.Phase, l.st.Attempt, l.st.Next = Reconnecting, attempt, l.o.Now().Add(d)
	l.report()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// report sends the current state.
func (l *live) report() {
	l.st.PerMinute = l.cost.perMinute(l.o.Now())
	l.out.state(l.st)
}

// permanent reports errors that retrying cannot fix.
func permanent(err error) bool {
	return errors.Is(err, cfclient.ErrNotFound) || errors.Is(err, cfclient.ErrForbidden) ||
		errors.Is(err, cfclient.ErrUnauthorized) || errors.Is(err, cfclient.ErrValidation)
}
