package tail

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// PollOptions configure a Workers Logs poller. Zero values take the
// defaults.
type PollOptions struct {
	// Target names what is polled, for the state line ("tenant-42",
	// "namespace production").
	Target string
	// Filters select the rows ($metadata.service eq <script>, …).
	Filters []cfclient.TelemetryFilter
	// Interval is the polling period while the API budget is ample
	// (default 3 s); it doubles as the budget runs low.
	Interval time.Duration
	// Backfill is how far back the first poll reads (default 5 min).
	Backfill time.Duration
	// Overlap is how far each poll reaches back into the previous one, for
	// rows that are stored late (default 10 s; rows seen are skipped).
	Overlap time.Duration
	// Retention is how long Workers Logs keeps rows (default 7 days): a
	// poller behind by more cannot catch up and says so.
	Retention time.Duration
	// PageSize is the rows asked per request (default 500), and MaxPages the
	// requests one poll may send (default 10; a larger backlog is read on
	// the next polls, without skipping).
	PageSize, MaxPages int
	// Buffer is the channel's capacity (default 4096).
	Buffer int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o *PollOptions) defaults() {
	if o.Interval <= 0 {
		o.Interval = 3 * time.Second
	}
	if o.Backfill <= 0 {
		o.Backfill = 5 * time.Minute
	}
	if o.Overlap <= 0 {
		o.Overlap = 10 * time.Second
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 10
	}
	if o.Buffer <= 0 {
		o.Buffer = 4096
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Poll reads Workers Logs for the rows o.Filters select, every Interval at
// background priority, until ctx ends; then it closes the channel. Each
// poll reads the window from the last one's end (less Overlap) to now, page
// by page, and sends each invocation once as an Event (its row and its
// console lines joined by request id), oldest first. Rows are
// de-duplicated on $metadata.id. The interval grows while the token's API
// budget runs low, and waits out a 429 pause; every poll's State says the
// interval and the requests per minute it costs.
func (g *Group) Poll(ctx context.Context, c *cfclient.Client, o PollOptions) <-chan Item {
	o.defaults()
	ch := make(chan Item, o.Buffer)
	p := &poller{c: c, o: o, out: sender{ctx: ctx, ch: ch}, seen: map[string]time.Time{},
		pending: map[string]*group{}}
	g.run(func() {
		defer close(ch)
		p.run(throttle.WithPriority(ctx, throttle.Background))
	})
	return ch
}

// poller is one poller's state, owned by its goroutine.
type poller struct {
	c    *cfclient.Client
	o    PollOptions
	out  sender
	cost meter

	from, to time.Time // the window being read
	cursor   string    // the next page's offset within the window
	seen     map[string]time.Time
	pending  map[string]*group // invocations still missing their own row
	rows     []cfclient.TelemetryEvent
	st       State
	note     string // said once on the next state ("" when nothing)
}

// group is the rows of one invocation.
type group struct {
	rows  []cfclient.TelemetryEvent
	polls int // polls it has waited for its invocation row
}

func (p *poller) run(ctx context.Context) {
	now := p.o.Now()
	p.from = now.Add(-p.o.Backfill)
	p.st = State{Origin: FromLogs, Target: p.o.Target, Phase: Polling, Interval: p.o.Interval}
	for ctx.Err() == nil {
		err := p.poll(ctx)
		if ctx.Err() != nil {
			break
		}
		p.st.Err, p.note = p.note, ""
		if err != nil {
			p.st.Err = err.Error()
			if permanent(err) {
				p.st.Phase = Failed
				p.out.state(p.st)
				return
			}
		}
		wait := p.interval()
		if p.cursor != "" && err == nil {
			wait = 0 // a backlog: read on at once (the throttle paces it)
		}
		p.st.Phase, p.st.Interval, p.st.Next = Polling, max(wait, p.o.Interval), p.o.Now().Add(wait)
		p.st.Behind = p.o.Now().Sub(p.from)
		p.st.PerMinute = p.cost.perMinute(p.o.Now())
		if !p.out.state(p.st) {
			break
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
	}
	p.st.Phase = Stopped
	select {
	case p.out.ch <- Item{State: &p.st}:
	default:
	}
}

// poll reads up to MaxPages pages of the current window and sends the
// invocations that are complete.
func (p *poller) poll(ctx context.Context) error {
	now := p.o.Now()
	if p.cursor == "" {
		if oldest := now.Add(-p.o.Retention); p.from.Before(oldest) {
			// Older rows are gone: nothing that still exists is skipped.
			p.note = "fell behind by more than the retention; rows before " + oldest.Format(time.RFC3339) + " are gone"
			p.from = oldest
		}
		p.to = now
	}
	for range p.o.MaxPages {
		p.cost.add(p.o.Now())
		// The query reaches a minute past now (the server's clock may be
		// ahead of ours); the next window still starts from now, so what
		// is stored later in that minute is read again, not skipped.
		page, err := p.c.TelemetryEvents(ctx, cfclient.TelemetryQuery{
			From: p.from, To: p.to.Add(time.Minute), Filters: p.o.Filters, Limit: p.o.PageSize, Offset: p.cursor,
		})
		if err != nil {
			return err
		}
		for _, r := range page.Events {
			if _, dup := p.seen[r.ID]; dup || r.ID == "" {
				continue
			}
			p.seen[r.ID] = r.Time
			p.rows = append(p.rows, r)
		}
		if len(page.Events) < p.o.PageSize {
			p.cursor = ""
			break
		}
		p.cursor = page.Events[len(page.Events)-1].ID
	}
	if p.cursor != "" {
		return nil // the window is not read to its end yet
	}
	p.flush(false)
	// The next window starts a little before this one ended.
	p.from = p.to.Add(-p.o.Overlap)
	for id, t := range p.seen {
		if t.Before(p.from.Add(-p.o.Overlap)) {
			delete(p.seen, id)
		}
	}
	return nil
}

// flush groups the rows read by invocation and sends those complete (or
// waiting since the previous poll), oldest first.
func (p *poller) flush(all bool) {
	for _, r := range p.rows {
		// The dispatcher's and the user script's rows of one request share
		// its id: an invocation is a request id and a script.
		key := r.RequestID + "/" + r.Script
		if r.RequestID == "" {
			key = r.ID
		}
		g := p.pending[key]
		if g == nil {
			g = &group{}
			p.pending[key] = g
		}
		g.rows = append(g.rows, r)
	}
	p.rows = p.rows[:0]
	var ready []*Event
	for key, g := range p.pending {
		if all || g.polls > 0 || hasInvocation(g.rows) {
			ev := fromRows(key, g.rows)
			ready = append(ready, &ev)
			delete(p.pending, key)
			continue
		}
		g.polls++
	}
	slices.SortFunc(ready, func(a, b *Event) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, ev := range ready {
		if !p.out.event(ev) {
			return
		}
	}
}

// interval is the wait before the next poll: the default while the budget
// is ample, longer as the background share of it runs low, and until a
// 429 pause ends.
func (p *poller) interval() time.Duration {
	st := p.c.Stats()
	now := p.o.Now()
	if st.PausedUntil.After(now) {
		return max(st.PausedUntil.Sub(now), p.o.Interval)
	}
	limit := st.BackgroundLimit
	if limit <= 0 {
		limit = st.Limit
	}
	if limit <= 0 {
		return p.o.Interval
	}
	left := float64(limit-st.Used) / float64(limit)
	switch {
	case left >= 0.5:
		return p.o.Interval
	case left >= 0.25:
		return 2 * p.o.Interval
	case left >= 0.1:
		return 4 * p.o.Interval
	}
	return 8 * p.o.Interval
}
