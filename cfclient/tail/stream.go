package tail

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Item is what a stream sends: an event, or news of the source's state.
// Exactly one of the two is set.
type Item struct {
	Event *Event
	State *State
}

// Phase is what a source is doing.
type Phase uint8

// Phases.
const (
	// Connecting: creating the tail and dialling it (first time).
	Connecting Phase = iota + 1
	// Connected: the live tail is open.
	Connected
	// Reconnecting: the socket dropped or the tail expired; the next
	// attempt is at State.Next.
	Reconnecting
	// Polling: Workers Logs is read every State.Interval.
	Polling
	// Stopped: the stream ended (its context was cancelled).
	Stopped
	// Failed: the stream gave up (State.Err says why).
	Failed
)

// State is a source's state, sent whenever it changes (and after every
// poll): what the stats line shows. It is a value: the screen keeps the
// last one, no lock is shared.
type State struct {
	Origin Origin
	// Target is what is streamed ("dispatcher", "namespace production").
	Target string
	Phase  Phase
	// Next is when the next attempt (Reconnecting) or poll (Polling) is due.
	Next    time.Time
	Attempt int
	// Interval is the poller's current interval (longer than the default
	// while the API budget runs low).
	Interval time.Duration
	// PerMinute is what the source costs: API requests sent in the last
	// minute (polls, tail creations and deletions).
	PerMinute int
	// Sampling is set while a live tail samples (drops) events because of
	// their volume; Dropped counts events a stream had to drop.
	Sampling bool
	Dropped  int
	// Behind is how far the poller's window lags now (catching up).
	Behind time.Duration
	// Err is the last error, one line ("" when none).
	Err string
}

// Describe is the state in a few words: "connected", "reconnecting in 4 s
// (attempt 2)", "polling every 3 s · 20 req/min".
func (s State) Describe(now time.Time) string {
	var out string
	switch s.Phase {
	case Connecting:
		out = "connecting"
	case Connected:
		out = "connected"
	case Reconnecting:
		out = "reconnecting"
		if d := s.Next.Sub(now); d > 0 {
			out += " in " + seconds(d)
		}
		if s.Attempt > 1 {
			out += fmt.Sprintf(" (attempt %d)", s.Attempt)
		}
	case Polling:
		out = "polling every " + seconds(s.Interval)
		if s.Behind > 30*time.Second {
			out += ", catching up " + seconds(s.Behind)
		}
	case Stopped:
		out = "stopped"
	case Failed:
		out = "failed"
	default:
		out = "starting"
	}
	if s.PerMinute > 0 {
		out += fmt.Sprintf(" · %d req/min", s.PerMinute)
	}
	if s.Sampling {
		out += " · sampling"
	}
	return out
}

// seconds is a duration in whole seconds ("4 s", "2 m 5 s").
func seconds(d time.Duration) string {
	n := int((d + time.Second/2) / time.Second)
	if n < 1 {
		n = 1
	}
	if n >= 120 {
		return fmt.Sprintf("%d m %d s", n/60, n%60)
	}
	return fmt.Sprintf("%d s", n)
}

// Group runs the streams of a process. Wait, at exit, lets every stream
// finish its cleanup: a live tail is deleted even when its context was
// cancelled (Cloudflare allows a script 10 open tails, dashboard sessions
// included: a leaked one blocks the next operator for hours).
type Group struct {
	wg sync.WaitGroup
}

// NewGroup returns an empty group.
func NewGroup() *Group { return &Group{} }

// Wait waits until every stream of the group has ended, or timeout passes.
// It reports whether they all ended.
func (g *Group) Wait(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// go runs f as one of the group's streams.
func (g *Group) run(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f()
	}()
}

// sender sends items on ch until ctx ends.
type sender struct {
	ctx context.Context
	ch  chan<- Item
}

// event sends an event; false when the stream's context ended.
func (s sender) event(ev *Event) bool {
	select {
	case s.ch <- Item{Event: ev}:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// state sends a state; false when the stream's context ended.
func (s sender) state(st State) bool {
	select {
	case s.ch <- Item{State: &st}:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// meter counts a stream's API requests over the last minute.
type meter struct {
	sent []time.Time
}

// add records a request at t.
func (m *meter) add(t time.Time) { m.sent = append(m.sent, t) }

// perMinute is how many requests were sent in the minute before now.
func (m *meter) perMinute(now time.Time) int {
	cut := 0
	for cut < len(m.sent) && now.Sub(m.sent[cut]) > time.Minute {
		cut++
	}
	m.sent = m.sent[cut:]
	return len(m.sent)
}

// recent remembers the last n IDs seen, to drop an event a second source
// delivers again (two sockets while a tail is replaced, overlapping polls).
type recent struct {
	set  map[string]struct{}
	ring []string
	next int
}

func newRecent(n int) *recent {
	return &recent{set: make(map[string]struct{}, n), ring: make([]string, n)}
}

// seen reports whether id was seen, and remembers it.
func (r *recent) seen(id string) bool {
	if _, ok := r.set[id]; ok {
		return true
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.set, old)
	}
	r.ring[r.next] = id
	r.set[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
	return false
}
