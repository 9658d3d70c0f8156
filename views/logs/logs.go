// Package logs is the logs screen: one line per Worker invocation, live,
// from the one tail.Item stream the runtime opens for it — the live tail
// of an account script (:tail dispatcher) or the Workers Logs of a user
// script (l on a script) or of a namespace or a tag selection of it
// (:logs production tier-pro). It follows new events (pause keeps
// ingesting and counts them), filters with structured terms and text,
// shows an event whole, and writes the buffer as wrangler's JSON.
//
// Events arrive in batches through a re-armed, paced reader (at most about
// 30 batches a second, however fast the source), into a ring of 100,000;
// a frame renders only the visible rows.
package logs

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/tail"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the route kind of the logs screen. A Route of it is
//
//	{Namespace: ns, Script: s}          the Workers Logs of user script s
//	{Namespace: ns, Arg: "tier-pro,…"}  of namespace ns, or of the scripts a tag selector selects
//	{Script: s, Arg: ArgLive}           the live tail of account script s
const Kind = "logs"

// ArgLive in a Route's Arg asks for the live tail of an account script.
const ArgLive = "live"

// Target is what a logs screen streams.
type Target struct {
	Namespace string
	Script    string
	// Live asks for the live trace-v1 tail (account scripts only).
	Live bool
}

// Opener starts the stream of a target; it ends (and closes the channel)
// when ctx is cancelled. The runtime provides it.
type Opener func(ctx context.Context, t Target) <-chan tail.Item

// Deps are what the screen needs from the runtime.
type Deps struct {
	Open Opener
	// Capacity is the ring's size (default DefaultCapacity).
	Capacity int
	// Dir is where w writes its file ("" is the working directory).
	Dir string
}

// Pacing of the stream reader: a batch at most every framePace, of at
// most maxBatch items.
const (
	framePace = time.Second / 30
	maxBatch  = 8192
)

// Messages.
type (
	// itemsMsg is a batch of the stream.
	itemsMsg struct {
		key    string
		token  int
		items  []tail.Item
		closed bool
	}
	// writtenMsg is the end of a w.
	writtenMsg struct {
		key  string
		path string
		n    int
		err  error
	}
)

// RouteKey routes the message to its screen (ui.Routed).
func (m itemsMsg) RouteKey() string { return m.key }

// RouteKey routes the message to its screen (ui.Routed).
func (m writtenMsg) RouteKey() string { return m.key }

// Model is the logs screen.
type Model struct {
	Keys KeyMap

	c      *ui.Common
	deps   Deps
	key    string
	target Target
	sel    selector.Query // the tag selection (Kind Tags), if any
	title  string

	width, height int

	buf    *buffer
	filter *filter
	table  ui.Table[*entry]

	input     ui.Input
	typing    bool
	filterErr string // why the text typed is not a filter ("" when it is)

	following bool
	newSince  int // events kept while paused

	token  int
	cancel context.CancelFunc
	ch     <-chan tail.Item
	closed bool
	state  tail.State
	rates  rates
	drops  int // events the selector dropped before the ring (not counted)

	detail     bool
	detailView ui.TextView
}

// Factory returns the ui.Factory of the logs screen.
func Factory(deps Deps) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) {
		return New(c, deps, r)
	}
}

// New builds the screen for route r; Init starts the stream.
func New(c *ui.Common, deps Deps, r ui.Route) (*Model, error) {
	m := &Model{Keys: DefaultKeyMap(), c: c, deps: deps, key: r.Key(), following: true}
	switch {
	case r.Arg == ArgLive:
		if r.Script == "" {
			return nil, fmt.Errorf("live tail: name an account script, as in :tail dispatcher")
		}
		m.target = Target{Script: r.Script, Live: true}
		m.title = "live tail of " + r.Script
	case r.Namespace == "":
		return nil, fmt.Errorf("logs: name a namespace, as in :logs production")
	case r.Script != "":
		m.target = Target{Namespace: r.Namespace, Script: r.Script}
		m.title = "logs of " + r.Script
	default:
		m.target = Target{Namespace: r.Namespace}
		m.title = "logs of " + r.Namespace
		if r.Arg != "" {
			q, err := selector.ParseQuery("-t " + r.Arg)
			if err != nil {
				return nil, fmt.Errorf("logs: tag selector %q: %w", r.Arg, err)
			}
			m.sel = q
			m.title += " " + selector.FormatTags(q.Terms)
		}
	}
	m.buf = newBuffer(deps.Capacity)
	m.table = ui.NewTable(func(e *entry) string { return e.ev.ID }, m.renderRow,
		ui.WithColumns(columns(c.Width, r.Script != "" && r.Arg != ArgLive)...), ui.WithGap(1), ui.WithIndent(1),
		ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap))
	m.input = ui.NewInput("/", c.Styles.Input)
	m.input.Placeholder = "status:5xx outcome:exception script:… level:error text"
	m.detailView = ui.NewTextView("", "", ui.WithHint("esc closes"), ui.WithTextViewStyles(c.Styles.TextView),
		ui.WithTextViewKeyMap(m.Keys.MoveKeyMap))
	m.SetSize(c.Width, c.Height)
	m.syncKeys()
	return m, nil
}

// Init starts the stream.
func (m *Model) Init() tea.Cmd { return m.start() }

// start opens the stream (cancelling any previous one) and arms its reader.
func (m *Model) start() tea.Cmd {
	m.stop()
	if m.deps.Open == nil {
		return ui.ShowStatus(ui.LevelWarn, "no log source in this console")
	}
	ctx, cancel := context.WithCancel(m.c.Context())
	m.token++
	m.cancel, m.closed = cancel, false
	m.ch = m.deps.Open(ctx, m.target)
	return m.wait(false)
}

// stop ends the stream; its goroutine deletes a live tail before it ends.
func (m *Model) stop() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

// Close ends the stream when the screen leaves the stack (ui.Closer); what
// the stream still sends is dropped.
func (m *Model) Close() {
	m.stop()
	m.token++
}

// wait arms the stream reader; paced, it first lets a frame's time pass so
// that a fast source is applied in at most ~30 batches a second.
func (m *Model) wait(paced bool) tea.Cmd {
	ch, key, token := m.ch, m.key, m.token
	read := ui.WaitBatch(ch, maxBatch, func(items []tail.Item, closed bool) tea.Msg {
		return itemsMsg{key: key, token: token, items: items, closed: closed}
	})
	if !paced {
		return read
	}
	return func() tea.Msg {
		time.Sleep(framePace)
		return read()
	}
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	cmd := m.update(msg)
	m.syncKeys()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case itemsMsg:
		if msg.token != m.token {
			return nil
		}
		m.ingest(msg.items)
		if msg.closed {
			m.closed = true
			return nil
		}
		return m.wait(true)
	case writtenMsg:
		if msg.err != nil {
			return ui.ShowError(msg.err, "check that the directory is writable")
		}
		return ui.ShowStatus(ui.LevelInfo, fmt.Sprintf("wrote %s to %s", ui.Plural(msg.n, "event", "events"), msg.path))
	case ui.RefreshMsg:
		// A running stream is already live (restarting it would read its
		// backfill again); one that ended or failed is started again.
		if !m.closed && m.state.Phase != tail.Failed && m.state.Phase != tail.Stopped {
			return ui.ShowStatus(ui.LevelInfo, "streaming: new events arrive by themselves")
		}
		m.state = tail.State{}
		return m.start()
	case ui.StylesChangedMsg:
		m.table.SetStyles(m.c.Styles.Table)
		m.input.SetStyles(m.c.Styles.Input)
		m.detailView.SetStyles(m.c.Styles.TextView)
	case tea.PasteMsg:
		if m.typing {
			m.input, _ = m.input.Update(msg)
			m.applyFilter(m.input.Value())
		}
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return nil
}

// ingest applies a batch: events into the ring (and the shown rows when
// the filter keeps them), the last state kept.
func (m *Model) ingest(items []tail.Item) {
	now := m.c.Now()
	kept := 0
	for _, it := range items {
		if it.State != nil {
			m.state = *it.State
			continue
		}
		ev := it.Event
		if ev == nil {
			continue
		}
		if m.sel.Kind == selector.Tags && ev.Kind != "info" && !m.sel.Selects(ev.Tags) {
			m.drops++
			continue
		}
		m.rates.add(now, ev.Errored())
		if _, ok := m.buf.add(ev, m.filter); ok {
			kept++
		}
	}
	if kept == 0 && len(m.table.Rows()) == len(m.buf.shown) {
		return
	}
	if m.following {
		m.showNewest()
		return
	}
	m.newSince += kept
}

// showNewest shows the rows with the cursor on the newest. The table would
// look for the row its cursor was on (a pass over 100,000 rows once the
// ring drops its oldest and every row moves); the cursor is going to the
// end anyway, so it is cleared first.
func (m *Model) showNewest() {
	m.table.SetRows(nil)
	m.table.GotoTop()
	m.table.SetRows(m.buf.shown)
	m.table.SetCursor(len(m.buf.shown) - 1)
}

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return m.title }

// Capturing reports that the filter input has the keyboard.
func (m *Model) Capturing() bool { return m.typing }

// WantsEsc reports that esc closes the detail or clears the filter first.
func (m *Model) WantsEsc() bool { return m.detail || m.filter != nil }

// SetSize sets the content area's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

// layout sizes the table below the title and stats lines (and the filter
// line when there is one).
func (m *Model) layout() {
	used := 2
	if m.typing || m.filter != nil {
		used++
	}
	if m.table.Width() != m.width {
		m.table.SetColumns(columns(m.width, m.oneScript())...)
	}
	m.table.SetSize(m.width, max(1, m.height-used))
	m.input.SetWidth(m.width)
	m.detailView.SetSize(m.width, m.height)
}

// rowsTitle is "1,234 events · 120 shown".
func (m *Model) rowsTitle() string {
	s := ui.Plural(m.buf.n, "event", "events")
	if m.filter != nil {
		s += " · " + ui.Commas(len(m.buf.shown)) + " shown"
	}
	return s
}

// paused says what a pause holds back: "paused · +12 new".
func (m *Model) paused() string {
	if m.following {
		return ""
	}
	return fmt.Sprintf("paused · +%s new", ui.Commas(m.newSince))
}

// sourceWords is the source's state for the stats line.
func (m *Model) sourceWords(now time.Time) string {
	if m.state.Phase == 0 {
		if m.target.Live {
			return "connecting"
		}
		return "starting"
	}
	s := m.state.Describe(now)
	if m.state.Err != "" && m.state.Phase != tail.Connected {
		s += " · " + m.state.Err
	}
	return strings.TrimSpace(s)
}

var (
	_ ui.Screen  = (*Model)(nil)
	_ ui.Escaper = (*Model)(nil)
	_ ui.Closer  = (*Model)(nil)
)
