// Package script is the script detail screen: one user script's overview,
// effective limits (its own settings against its tier), bindings, secret
// names, the routes that point to it, tail consumers and observability,
// plus the raw JSON the API returned.
//
// Details, settings and secrets are loaded in parallel as interactive
// requests; the routing table and the tier table come from the process-wide
// routing cache (loaded once, in the background), so a large platform's
// routing table is never read per script. A table too costly to read
// without asking (cache.RoutingCacheOptions.AutoReadMax) shows its cost
// and is read only on R; while it is read the section shows the progress
// (pushed by the cache to a channel the screen reads, never polled), and
// while the read waits for API budget it says so and for about how long; a
// table cached on disk by an earlier run shows at once with its age. ctrl+r never re-reads the routing table: R
// does; a routing cache on disk found unreadable is dropped, rebuilt and
// said once. Every section shows its own
// loading and error state: a section that fails (a 403 on secrets, say)
// does not hide the others.
package script

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/routingwatch"
	"github.com/wfpconsole/wfp/ui"
)

// Source is what the screen needs from cfclient; *cfclient.Client
// satisfies it.
type Source interface {
	GetScript(ctx context.Context, ns, name string) (cfclient.ScriptDetails, error)
	GetSettings(ctx context.Context, ns, name string) (cfclient.ScriptSettings, error)
	Secrets(ctx context.Context, ns, name string) ([]cfclient.Secret, error)
	TierOf(tags []string) (string, bool)
}

// Routing is the shared routing and tier cache; *cache.RoutingCache
// satisfies it. Every method takes the cache's lock, so the screen calls
// them only from commands, never from Update or View.
type Routing interface {
	// RoutesTo answers from the cached table, or loads it when that is
	// cheap; a costly table is a *cache.RoutingCostError until Read.
	RoutesTo(ctx context.Context, script string) ([]platform.Route, time.Time, error)
	// Read reads (or re-reads) the whole table whatever it costs: R.
	Read(ctx context.Context) error
	// Watch pushes a snapshot of the table's state after every change
	// until stop, which closes the channel.
	Watch() (<-chan cache.RoutingProgress, func())
	Tiers(ctx context.Context) ([]platform.Tier, error)
	// InvalidateTiers forgets the tier table (ctrl+r).
	InvalidateTiers()
	// DiskNotice returns, once for the whole cache, the news that the
	// routing cache on disk was unreadable and was dropped.
	DiskNotice() string
}

var (
	_ Source  = (*cfclient.Client)(nil)
	_ Routing = (*cache.RoutingCache)(nil)
)

// Messages the screen's commands send back. Each carries the screen's route
// key and the load's token, so answers for another screen or for a load
// that a refresh superseded are dropped.
type (
	// loadedMsg is one section's answer (details, settings, secrets or
	// tiers, told apart by T).
	loadedMsg[T any] struct {
		key   string
		token int
		val   T
		err   error
	}
	// routesMsg is the routes pointing to the script and when the routing
	// table they come from was read.
	routesMsg struct {
		key    string
		token  int
		routes []platform.Route
		at     time.Time
		err    error
		notice string // the cache's DiskNotice, taken in the command
	}
	// readMsg ends an explicit read of the routing table (R): the routes
	// from the new table, or the read's failure. It is tagged with the
	// screen's id rather than a load token: ctrl+r does not supersede it.
	readMsg struct {
		key    string
		screen uint64
		routes []platform.Route
		at     time.Time
		err    error
	}
)

// RouteKey routes each result to the screen that asked (ui.Routed).
func (m loadedMsg[T]) RouteKey() string { return m.key }
func (m routesMsg) RouteKey() string    { return m.key }
func (m readMsg) RouteKey() string      { return m.key }

// screenIDs numbers screens, so that reads and watches of a closed screen
// never reach another one showing the same script.
var screenIDs atomic.Uint64

// section is the state of one independently loaded part of the screen.
type section[T any] struct {
	loading bool
	have    bool // val holds a loaded value (kept while a refresh runs or fails)
	val     T
	err     error // the last load's failure, nil when it worked
}

// set takes a section's answer.
func (s *section[T]) set(val T, err error) {
	s.loading = false
	s.err = err
	if err == nil {
		s.val, s.have = val, true
	}
}

// Model is the script detail screen.
type Model struct {
	// Keys are the screen's bindings.
	Keys KeyMap

	c       *ui.Common
	src     Source
	routing Routing
	route   ui.Route
	key     string // route key, tags every result message
	ns      string
	name    string

	width, height int

	// ctx lives as long as the screen (Close cancels it); each load gets a
	// child that the next refresh cancels, so a waiting routing request
	// stops waiting (the shared load itself goes on for other screens).
	ctx        context.Context
	cancel     context.CancelFunc
	loadCancel context.CancelFunc
	token      int

	id      uint64 // this screen, for readMsg and the watch
	reading bool   // an R read of the routing table runs
	// watch follows the routing cache while the routes are loading or
	// being read; its Progress is the newest snapshot.
	watch routingwatch.Watch
	// routeCost is set while the routing table is too costly to read
	// without asking (the section asks for R).
	routeCost *cache.RoutingEstimate

	details  section[cfclient.ScriptDetails]
	settings section[cfclient.ScriptSettings]
	secrets  section[[]cfclient.Secret]
	routes   section[[]platform.Route]
	routesAt time.Time // when the routing table was read
	tiers    section[[]platform.Tier]
	dataAt   time.Time // when the details arrived

	offset int  // first line shown of the details
	raw    bool // the JSON view is shown
	// changes plans and applies edits; edit is the form open, if any.
	changes Changes
	edit    editor
	// rawView is the JSON view; its text is rebuilt when it opens and when
	// data arrive while it is open.
	rawView ui.TextView
}

// New builds the screen for route r (r.Namespace, r.Script). Nothing is
// loaded until Init.
func New(c *ui.Common, src Source, routing Routing, changes Changes, r ui.Route) *Model {
	ctx, cancel := context.WithCancel(c.Context())
	m := &Model{
		Keys:    DefaultKeyMap(),
		c:       c,
		src:     src,
		routing: routing,
		changes: changes,
		route:   r,
		key:     r.Key(),
		ns:      r.Namespace,
		name:    r.Script,
		width:   c.Width,
		height:  c.Height,
		ctx:     ctx,
		cancel:  cancel,

		id: screenIDs.Add(1),
	}
	m.watch = routingwatch.New(m.key, m.id, routing, routing.DiskNotice)
	m.rawView = ui.NewTextView("JSON of "+m.name+" as the API returned it", "",
		ui.WithHint("y/esc closes"),
		ui.WithScrollingTitle(),
		ui.WithTextViewStyles(c.Styles.TextView),
		ui.WithTextViewKeyMap(m.Keys.MoveKeyMap))
	m.markLoading()
	m.syncKeys()
	return m
}

// Factory returns the ui.Factory of the script screen
// (ui.Route{Kind: ui.KindScript, Namespace: ns, Script: name}).
func Factory(src Source, routing Routing, changes Changes) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) {
		return New(c, src, routing, changes, r), nil
	}
}

// Init loads every section.
func (m *Model) Init() tea.Cmd {
	return m.load(false)
}

// Close stops the screen's requests (a routing load shared with other
// screens goes on) and its watch of the routing cache.
func (m *Model) Close() {
	m.cancel()
	m.watch.End()
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	cmd := m.update(msg)
	m.syncKeys()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg[cfclient.ScriptDetails]:
		if m.mine(msg.key, msg.token) {
			m.details.set(msg.val, msg.err)
			if msg.err == nil {
				m.dataAt = m.c.Now()
			}
			m.rebuildRaw()
			if msg.err != nil {
				return ui.ShowError(msg.err, "press ctrl+r to try again")
			}
		}
	case loadedMsg[cfclient.ScriptSettings]:
		if m.mine(msg.key, msg.token) {
			m.settings.set(msg.val, msg.err)
			m.rebuildRaw()
		}
	case loadedMsg[[]cfclient.Secret]:
		if m.mine(msg.key, msg.token) {
			m.secrets.set(msg.val, msg.err)
		}
	case loadedMsg[[]platform.Tier]:
		if m.mine(msg.key, msg.token) {
			m.tiers.set(msg.val, msg.err)
		}
	case routesMsg:
		// The notice was taken from the cache for this screen: said even
		// when the answer itself is superseded.
		say := m.diskNotice(msg.notice)
		if m.mine(msg.key, msg.token) {
			m.setRoutes(msg.routes, msg.at, msg.err)
			m.watch.EndIfIdle(m.busy())
		}
		return say
	case readMsg:
		if msg.screen == m.id {
			m.reading = false
			m.setRoutes(msg.routes, msg.at, msg.err)
			m.watch.EndIfIdle(m.busy())
			if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
				return ui.ShowError(msg.err, "press R to try again")
			}
		}
	case routingwatch.StartedMsg, routingwatch.ProgressMsg:
		cmd, notice, _ := m.watch.Update(msg, m.busy(), m.ctx.Err() == nil)
		// The notice was taken from the cache for this screen: said even
		// when the snapshot itself is stale.
		return tea.Batch(m.diskNotice(notice), cmd)
	case knownTagsMsg, review.PlannedMsg, review.ConfirmedMsg, review.AppliedMsg:
		return m.handleReview(msg)
	case tea.PasteMsg:
		if m.edit.mode == editTags {
			m.edit.tags, _ = m.edit.tags.Update(msg)
		}
	case ui.StylesChangedMsg:
		m.rawView.SetStyles(m.c.Styles.TextView)
	case ui.RefreshMsg:
		// ctrl+r refreshes the script and the tier table; the routing table
		// is only re-read on R (reading it may cost thousands of requests).
		return m.load(true)
	case tea.KeyPressMsg:
		if m.editing() {
			return m.handleEditKey(msg)
		}
		return m.handleKey(msg)
	}
	return nil
}

// diskNotice says, once, that the routing cache on disk was unreadable and
// is being rebuilt (the cache hands the notice to one command only).
func (m *Model) diskNotice(notice string) tea.Cmd {
	if notice == "" {
		return nil
	}
	return ui.ShowStatus(ui.LevelWarn, notice+"; rebuilding it from the API")
}

// mine reports whether an answer belongs to this screen's current load.
func (m *Model) mine(key string, token int) bool {
	return key == m.key && token == m.token
}

// logsKind is the logs screen's route kind (views/logs.Kind; screens do not
// import each other).
const logsKind = "logs"

// handleKey scrolls, toggles the JSON view, or copies the name.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.Keys
	switch {
	case key.Matches(k, keys.Raw):
		m.raw = !m.raw
		m.rawView.GotoTop()
		m.rebuildRaw()
		return nil
	case m.raw && key.Matches(k, keys.CloseRaw):
		m.raw = false
		return nil
	case key.Matches(k, keys.Copy):
		return ui.CopyCmd(m.name)
	case key.Matches(k, keys.ReadRoutes):
		return m.readRoutes()
	case key.Matches(k, keys.Logs):
		// The logs screen owns streams; it opens on this script's Workers
		// Logs (route kind "logs", see views/logs.Kind).
		return ui.Navigate(ui.Route{Kind: logsKind, Namespace: m.ns, Script: m.name})
	case key.Matches(k, keys.AddRoute):
		// The routing screen owns routes; it opens with its add form on
		// this script (see ui.KindRouting for the argument).
		return ui.Navigate(ui.Route{Kind: ui.KindRouting, Arg: "add=" + m.ns + "/" + m.name})
	case key.Matches(k, keys.EditTags):
		return m.openEditor(editTags)
	case key.Matches(k, keys.EditTier):
		return m.openEditor(editTier)
	case key.Matches(k, keys.EditLimits):
		return m.openEditor(editLimits)
	}
	if m.raw {
		m.rawView, _ = m.rawView.Update(k)
		return nil
	}
	page := max(1, m.height-1)
	// Any position is fine here: clampOffset bounds it by the text.
	if pos, ok := keys.Move(k, m.offset, 1<<30, page); ok {
		m.offset = pos
	}
	m.clampOffset()
	return nil
}

// clampOffset keeps the details' scroll position within their text.
func (m *Model) clampOffset() {
	m.offset = max(0, min(m.offset, ui.ScrollMax(len(m.lines()), m.height)))
}

// markLoading puts every section in its loading state (values are kept, so
// a refresh does not blank the screen).
func (m *Model) markLoading() {
	m.details.loading = true
	m.settings.loading = true
	m.secrets.loading = true
	m.routes.loading = true
	m.tiers.loading = true
}

// load starts every section's load, superseding any load in flight;
// refresh also forgets the cached tier table first (in the command).
func (m *Model) load(refresh bool) tea.Cmd {
	if m.loadCancel != nil {
		m.loadCancel()
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.loadCancel = cancel
	m.token++
	m.markLoading()

	src, routing := m.src, m.routing
	key, token, ns, name := m.key, m.token, m.ns, m.name
	// What the operator is looking at goes ahead of background work; the
	// routing cache lowers its own (shared) load to Background.
	ictx := throttle.WithPriority(ctx, throttle.Interactive)
	return tea.Batch(
		fetch(key, token, func() (cfclient.ScriptDetails, error) { return src.GetScript(ictx, ns, name) }),
		fetch(key, token, func() (cfclient.ScriptSettings, error) { return src.GetSettings(ictx, ns, name) }),
		fetch(key, token, func() ([]cfclient.Secret, error) { return src.Secrets(ictx, ns, name) }),
		fetch(key, token, func() ([]platform.Tier, error) {
			if refresh {
				routing.InvalidateTiers()
			}
			return routing.Tiers(ctx)
		}),
		func() tea.Msg {
			routes, at, err := routing.RoutesTo(ctx, name)
			return routesMsg{key: key, token: token, routes: routes, at: at, err: err, notice: routing.DiskNotice()}
		},
		m.watch.Start(),
	)
}

// busy reports whether the routes are loading or being read: the time to
// watch the routing cache's progress.
func (m *Model) busy() bool { return m.routes.loading || m.reading }

// setRoutes takes the routes section's answer; a table too costly to read
// without asking is not an error but a question (routeCost).
func (m *Model) setRoutes(routes []platform.Route, at time.Time, err error) {
	var cost *cache.RoutingCostError
	if errors.As(err, &cost) {
		e := cost.Estimate
		m.routeCost = &e
		m.routes.loading = false
		return
	}
	m.routes.set(routes, err)
	if err == nil {
		m.routeCost = nil
		m.routesAt = at
	}
}

// readRoutes starts an explicit read of the routing table (R), unless one
// started here is running. The read is shared by every screen and goes on
// when this one closes.
func (m *Model) readRoutes() tea.Cmd {
	if m.reading {
		return nil
	}
	m.reading = true
	m.routes.err = nil
	routing, ctx, key, id, name := m.routing, m.ctx, m.key, m.id, m.name
	read := func() tea.Msg {
		if err := routing.Read(ctx); err != nil {
			return readMsg{key: key, screen: id, err: err}
		}
		routes, at, err := routing.RoutesTo(ctx, name)
		return readMsg{key: key, screen: id, routes: routes, at: at, err: err}
	}
	return tea.Batch(read, m.watch.Start())
}

// fetch is a command that calls f and tags its answer.
func fetch[T any](key string, token int, f func() (T, error)) tea.Cmd {
	return func() tea.Msg {
		v, err := f()
		return loadedMsg[T]{key: key, token: token, val: v, err: err}
	}
}

// SetSize is called with the content area size.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.clampOffset()
	m.rawView.SetSize(width, height)
}

// Title names the screen in the breadcrumbs: the script.
func (m *Model) Title() string { return m.name }

// Capturing reports false: the screen has no text input.
func (m *Model) Capturing() bool { return m.editing() }

// WantsEsc reports that esc closes the JSON view before it means "go back".
func (m *Model) WantsEsc() bool { return m.raw || m.editing() }

// DataAge is when the script's details were loaded.
func (m *Model) DataAge() time.Time { return m.dataAt }
