// Package routingwatch follows the process's routing cache for a screen
// while the screen waits on it (the routes of a script loading, the routing
// table being read): a watch of the cache started in a command (Watch takes
// the cache's lock), a re-armed reader (ui.WaitBatch) that keeps the newest
// snapshot, and an end when the screen is idle again. It also says a
// snapshot in one line (ProgressLine). The script and routing screens share
// it; no screen polls the cache, and none takes its lock in Update.
package routingwatch

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/ui"
)

// Source is the routing cache; *cache.RoutingCache satisfies it.
type Source interface {
	// Watch pushes a snapshot after every change until stop, which
	// closes the channel.
	Watch() (<-chan cache.RoutingProgress, func())
}

var _ Source = (*cache.RoutingCache)(nil)

// Messages of a watch; each carries its screen's route key (ui.Routed), the
// screen's id and the watch's number, so a closed screen's or an ended
// watch's messages change nothing.
type (
	// StartedMsg is a started watch: its channel and its stop.
	StartedMsg struct {
		key  string
		id   uint64
		gen  int
		ch   <-chan cache.RoutingProgress
		stop func()
	}
	// ProgressMsg is the newest snapshot the watch pushed (closed: the
	// watch ended), and the notice taken with it, if any.
	ProgressMsg struct {
		key      string
		id       uint64
		gen      int
		progress cache.RoutingProgress
		closed   bool
		notice   string
	}
)

// RouteKey routes the message to its screen (ui.Routed).
func (m StartedMsg) RouteKey() string  { return m.key }
func (m ProgressMsg) RouteKey() string { return m.key }

// batch is how many snapshots one read of the watch takes at most (only
// the newest is kept: they are states, not events).
const batch = 16

// Watch is one screen's watch of the routing cache. Progress is the newest
// snapshot it received.
type Watch struct {
	Progress cache.RoutingProgress

	key    string
	id     uint64
	src    Source
	notice func() string
	gen    int
	active bool
	stop   func()
	ch     <-chan cache.RoutingProgress
}

// New is the watch of the screen with route key key and id id. notice, if
// not nil, is called in the reader's command with each snapshot (the cache
// hands a notice to one caller only, so it must not run in Update).
func New(key string, id uint64, src Source, notice func() string) Watch {
	return Watch{key: key, id: id, src: src, notice: notice}
}

// Running reports whether a watch is started or running.
func (w *Watch) Running() bool { return w.active || w.stop != nil }

// Start starts a watch unless one runs (Watch is called in the command).
func (w *Watch) Start() tea.Cmd {
	if w.active {
		return nil
	}
	w.active = true
	w.gen++
	src, key, id, gen := w.src, w.key, w.id, w.gen
	return func() tea.Msg {
		ch, stop := src.Watch()
		return StartedMsg{key: key, id: id, gen: gen, ch: ch, stop: stop}
	}
}

// Update takes the watch's own messages: busy says whether the screen still
// waits on the cache, alive whether it is still open. It returns the next
// read of the watch, the notice that came with a snapshot (""), and
// whether msg was the watch's.
func (w *Watch) Update(msg tea.Msg, busy, alive bool) (cmd tea.Cmd, notice string, handled bool) {
	switch msg := msg.(type) {
	case StartedMsg:
		if msg.id != w.id || msg.gen != w.gen || !w.active || !alive {
			go msg.stop() // superseded, or no longer wanted
			return nil, "", true
		}
		w.stop, w.ch = msg.stop, msg.ch
		if !busy {
			w.End()
			return nil, "", true
		}
		return w.wait(), "", true
	case ProgressMsg:
		if msg.id != w.id {
			return nil, "", true
		}
		// The notice was taken from the cache for this screen: it is said
		// even when the snapshot itself is stale.
		if msg.gen != w.gen || !w.active {
			return nil, msg.notice, true
		}
		if msg.closed {
			w.active, w.stop, w.ch = false, nil, nil
			return nil, msg.notice, true
		}
		w.Progress = msg.progress
		if !busy {
			w.End()
			return nil, msg.notice, true
		}
		return w.wait(), msg.notice, true
	}
	return nil, "", false
}

// wait re-arms the reader: it waits for the next snapshot and keeps only
// the newest of those already waiting.
func (w *Watch) wait() tea.Cmd {
	key, id, gen, notice := w.key, w.id, w.gen, w.notice
	return ui.WaitBatch(w.ch, batch, func(b []cache.RoutingProgress, closed bool) tea.Msg {
		msg := ProgressMsg{key: key, id: id, gen: gen, closed: closed && len(b) == 0}
		if notice != nil {
			msg.notice = notice() // in the command: it takes the cache's lock
		}
		if len(b) > 0 {
			msg.progress = b[len(b)-1]
		}
		return msg
	})
}

// EndIfIdle ends the watch once the screen no longer waits on the cache.
func (w *Watch) EndIfIdle(busy bool) {
	if !busy {
		w.End()
	}
}

// End stops the watch. Stopping closes its channel, which wakes a reader
// still waiting on it; it takes the cache's lock, so it runs on its own
// goroutine, not in Update.
func (w *Watch) End() {
	w.active = false
	if stop := w.stop; stop != nil {
		w.stop, w.ch = nil, nil
		go stop()
	}
}

// ProgressLine says how far a running read of the routing table has got
// ("" when none runs), ending in tail (what the read is waiting for).
func ProgressLine(p cache.RoutingProgress, now time.Time, tail string) string {
	since := ""
	if !p.StartedAt.IsZero() {
		since = " · started " + ui.AgeHours(now.Sub(p.StartedAt))
	}
	switch p.Phase {
	case cache.RoutingSizing:
		if p.Listed == 0 {
			return ""
		}
		return "sizing the routing table · " + ui.Commas(p.Listed) + " keys listed" + tail
	case cache.RoutingListing:
		return "reading routing table · listing keys · " + ui.Commas(p.Listed) + " so far" + since + tail
	case cache.RoutingReading:
		return "reading routing table · " + ui.Commas(p.Read) + " of " + ui.Commas(p.Routes) + " routes (" +
			ui.Commas(p.Listed) + " keys)" + since + tail
	}
	return ""
}
