// Package routing is the routing table screen (:routes): every route of
// the platform's routing table (the dispatch Worker's KV namespace) with
// its kind, key, target script and status, filtered with the scripts
// screen's grammar; a toggle lists the tenants no route reaches; a adds, e
// repoints and d deletes routes through the change pipeline (planned,
// reviewed, applied, audited). Lookup answers :route <hostname> with one
// KV read, without the table.
//
// The namespace routed into: the config has no setting for the dispatch
// namespace the routing table routes into, so the screen takes
// "production" when the account has it, else the first namespace listed,
// and says which in its title. Dangling routes and unrouted tenants are
// checked against that namespace's scripts: its cached listing when the
// listing is whole (its length is the namespace's script count), else a
// listing, which is then saved to the cache.
//
// Statuses, in the order they are shown when several apply:
//
//   - unreadable: the value names no script (bad JSON, no "worker", not a
//     script name);
//   - dangling: the target is not a script of the namespace routed into;
//   - duplicate: another hostname (or subdomain) route has the same key
//     once letter case is ignored. The dispatch Worker looks up the host
//     as the URL gives it, in lower case, so of "hostname:Shop.example.com"
//     and "hostname:shop.example.com" only the second can ever serve; both
//     are flagged and the detail (y) says which one serves. KV keys are
//     unique and path and other keys are case-sensitive, so nothing else
//     can duplicate; route values carry no hostnames of their own (only
//     "worker" and fields such as "tier"), so a host cannot be routed twice
//     through values;
//   - ok.
//
// The table comes from the process's RoutingCache, read as the script
// screen reads it: at once when cheap or cached, else its cost is shown
// and R reads it, with progress pushed by the cache. After a change is
// applied the cached table is patched (RoutingCache.Patch) rather than
// re-read: a re-read of a large table costs thousands of requests, and KV
// may not list the change yet.
package routing

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/routingwatch"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the route kind of the routing screen.
const Kind = ui.KindRouting

// Source is what the screen reads from the API; *cfclient.Client
// satisfies it.
type Source interface {
	ListNamespaces(ctx context.Context) ([]cfclient.Namespace, error)
	ListScripts(ctx context.Context, ns string, filter cfclient.TagFilter, fn func(page []cfclient.Script) error) error
	Schema() platform.Schema
}

// Routing is the shared routing cache; *cache.RoutingCache satisfies it.
// Every method takes the cache's lock, so the screen calls them only from
// commands, never from Update or View.
type Routing interface {
	// Table answers from the cached table, or loads it when that is cheap;
	// a costly table is a *cache.RoutingCostError until Read.
	Table(ctx context.Context) (*platform.RoutingTable, time.Time, error)
	// Read reads (or re-reads) the whole table whatever it costs: R.
	Read(ctx context.Context) error
	// Watch pushes a snapshot of the table's state after every change.
	Watch() (<-chan cache.RoutingProgress, func())
	// Patch records a change just written in the cached table.
	Patch(kvKey string, value *string) bool
}

// Listings is the listing cache; *cache.Store satisfies it.
type Listings interface {
	Scripts(ns string) (cache.Listing, error)
	SaveScripts(ns string, pages [][]cfclient.Script) error
}

var (
	_ Source   = (*cfclient.Client)(nil)
	_ Routing  = (*cache.RoutingCache)(nil)
	_ Listings = (*cache.Store)(nil)
)

// Deps are what the screen works with: the runtime's client, routing
// cache, listing cache and change pipeline. Listings may be nil (every
// open lists the namespace); Planner and Applier nil make a screen that
// cannot change anything.
type Deps struct {
	Source   Source
	Routing  Routing
	Listings Listings
	Planner  *change.Planner
	Applier  *change.Applier
}

// screenIDs numbers screens, so that reads and watches of a closed screen
// never reach another one.
var screenIDs atomic.Uint64

// Model is the routing table screen.
type Model struct {
	// Keys are the screen's bindings.
	Keys KeyMap

	c      *ui.Common
	deps   Deps
	schema platform.Schema
	key    string
	id     uint64

	width, height int

	// ctx lives as long as the screen (Close cancels it).
	ctx    context.Context
	cancel context.CancelFunc

	// The namespace routed into and its scripts (names), loaded by
	// nsToken's load.
	nsToken      int
	ns           string
	nsCount      int
	nsErr        error
	names        *namesData
	namesErr     error
	loadingNames bool

	// The routing table, loaded by tableToken's load or read by R.
	tableToken   int
	tableLoading bool
	reading      bool
	data         *tableData
	tableErr     error
	cost         *cache.RoutingEstimate
	// watch follows the routing cache while the table loads or is read;
	// its Progress is the newest snapshot.
	watch routingwatch.Watch

	// check is the table checked against the names (counts, unrouted).
	check *checkData

	// What is shown: the routes (or, with unrouted, the scripts no route
	// reaches), filtered.
	table    ui.Table[*platform.Route]
	bufs     [2][]*platform.Route // the filtered rows (see rowsBuffer)
	unrouted bool
	scripts  ui.Table[string]
	filter   filterState

	detail     bool
	detailView ui.TextView

	form     form
	value    valueEditor // the value editor (E), when open
	planning bool        // a plan is being made
}

// New builds the screen for route r (see ui.KindRouting for its Arg).
// Nothing is loaded until Init.
func New(c *ui.Common, deps Deps, r ui.Route) *Model {
	ctx, cancel := context.WithCancel(c.Context())
	m := &Model{
		Keys:   DefaultKeyMap(),
		c:      c,
		deps:   deps,
		schema: deps.Source.Schema(),
		key:    r.Key(),
		id:     screenIDs.Add(1),
		width:  c.Width,
		height: c.Height,
		ctx:    ctx,
		cancel: cancel,
	}
	m.watch = routingwatch.New(m.key, m.id, deps.Routing, nil)
	m.table = ui.NewTable(func(r *platform.Route) string { return r.KVKey }, m.renderRoute,
		ui.WithColumns(
			ui.TableColumn{Title: "KIND", Width: 9},
			ui.TableColumn{Title: "KEY", MinWidth: 10},
			ui.TableColumn{Title: "TARGET", MinWidth: 10},
			ui.TableColumn{Title: "STATUS", Width: 10},
		),
		ui.WithIndent(prefixWidth), ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap))
	m.scripts = ui.NewTable(func(s string) string { return s }, m.renderScript,
		ui.WithColumns(ui.TableColumn{Title: "SCRIPT WITH NO ROUTE", MinWidth: 10}),
		ui.WithIndent(prefixWidth), ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap))
	m.initFilter()
	m.detailView = ui.NewTextView("", "", ui.WithHint("y/esc closes"), ui.WithTextViewStyles(c.Styles.TextView),
		ui.WithTextViewKeyMap(m.Keys.MoveKeyMap))
	switch {
	case strings.HasPrefix(r.Arg, "/"):
		m.filter.applied = r.Arg[1:]
	case strings.HasPrefix(r.Arg, "add="):
		ns, script, _ := strings.Cut(strings.TrimPrefix(r.Arg, "add="), "/")
		m.openAdd(ns, script)
	}
	m.syncKeys()
	return m
}

// Factory returns the ui.Factory of the routing screen.
func Factory(deps Deps) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) {
		return New(c, deps, r), nil
	}
}

// Init loads the namespace routed into, its scripts and the table.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.loadNamespace(false), m.loadTable())
}

// Close stops the screen's requests (a routing read shared with other
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
	case nsMsg:
		return m.handleNamespace(msg)
	case namesMsg:
		return m.handleNames(msg)
	case tableMsg:
		return m.handleTable(msg)
	case readMsg:
		return m.handleRead(msg)
	case checkMsg:
		m.handleCheck(msg)
	case routingwatch.StartedMsg, routingwatch.ProgressMsg:
		cmd, _, _ := m.watch.Update(msg, m.busy(), m.ctx.Err() == nil)
		return cmd
	case review.PlannedMsg, review.ConfirmedMsg, review.AppliedMsg:
		return m.handleReview(msg)
	case ui.RefreshMsg:
		// ctrl+r lists the namespace's scripts again and takes the table
		// from the cache; only R re-reads the table (it may cost thousands
		// of requests).
		return tea.Batch(m.loadNamespace(true), m.loadTable())
	case ui.StylesChangedMsg:
		m.table.SetStyles(m.c.Styles.Table)
		m.scripts.SetStyles(m.c.Styles.Table)
		m.filter.input.SetStyles(m.c.Styles.Input)
		m.detailView.SetStyles(m.c.Styles.TextView)
		m.form.setStyles(m.c.Styles.Input)
		if m.value.open {
			m.value.ed.SetStyles(m.c.Styles)
		}
	case tea.PasteMsg:
		switch {
		case m.value.open:
			var cmd tea.Cmd
			m.value.ed, cmd = m.value.ed.Update(msg)
			return cmd
		case m.form.open():
			return m.handleFormPaste(msg)
		case m.filter.typing:
			return m.typeFilter(msg)
		}
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return nil
}

// handleKey dispatches a key to the form, the filter input, the detail or
// the table.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.Keys
	switch {
	case m.value.open:
		return m.handleValueKey(k)
	case m.form.open():
		return m.handleFormKey(k)
	case m.filter.typing:
		return m.handleFilterKey(k)
	case m.detail:
		switch {
		case key.Matches(k, keys.CloseDetail, keys.Detail):
			m.detail = false
			return nil
		case key.Matches(k, keys.Repoint, keys.Delete):
			m.detail = false // and act on the route shown
		default:
			m.detailView, _ = m.detailView.Update(k)
			return nil
		}
	}
	switch {
	case key.Matches(k, keys.Filter):
		m.startFilter()
		return nil
	case key.Matches(k, keys.ClearFilter):
		m.setFilter("", true)
		return nil
	case key.Matches(k, keys.LeaveUnrouted):
		m.toggleUnrouted()
		return nil
	case key.Matches(k, keys.Unrouted):
		m.toggleUnrouted()
		return nil
	case key.Matches(k, keys.ReadTable):
		return m.readTable()
	case key.Matches(k, keys.Open):
		return m.openScript()
	case key.Matches(k, keys.Detail):
		m.openDetail()
		return nil
	case key.Matches(k, keys.Add):
		if m.deps.Planner == nil {
			return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
		}
		if s, ok := m.scripts.Current(); ok && m.unrouted {
			m.openAdd(m.ns, s)
		} else {
			m.openAdd("", "")
		}
		return nil
	case key.Matches(k, keys.EditValue):
		return m.openValueEditor()
	case key.Matches(k, keys.Repoint):
		return m.openRepoint()
	case key.Matches(k, keys.Delete):
		return m.planDelete()
	case key.Matches(k, keys.Mark):
		m.table.Toggle()
		m.table.SetCursor(m.table.Cursor() + 1)
		return nil
	case key.Matches(k, keys.MarkAll):
		m.table.MarkAll()
		return nil
	case key.Matches(k, keys.ClearMarks):
		m.table.ClearMarks()
		return nil
	}
	if m.unrouted {
		m.scripts, _ = m.scripts.Update(k)
	} else {
		m.table, _ = m.table.Update(k)
	}
	return nil
}

// openScript opens the script screen of the target under the cursor (or
// of the unrouted script).
func (m *Model) openScript() tea.Cmd {
	name := ""
	if m.unrouted {
		name, _ = m.scripts.Current()
	} else if r, ok := m.table.Current(); ok {
		name = r.Target
	}
	if name == "" || m.ns == "" {
		return nil
	}
	return ui.Navigate(ui.Route{Kind: ui.KindScript, Namespace: m.ns, Script: name})
}

// toggleUnrouted switches between the routes and the unrouted scripts;
// the filter applies to whichever is shown.
func (m *Model) toggleUnrouted() {
	m.unrouted = !m.unrouted
	m.refilter(true)
}

// SetSize is called with the content area size.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.layout()
}

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return "routes" }

// Capturing reports that a text input has the keyboard.
func (m *Model) Capturing() bool { return m.filter.typing || m.form.open() || m.value.open }

// WantsEsc reports that esc closes something of the screen's first: the
// form, the detail, the filter or the unrouted list.
func (m *Model) WantsEsc() bool {
	return m.form.open() || m.value.open || m.detail || m.filter.typing || m.filter.applied != "" || m.unrouted
}

// DataAge is when the routing table was read.
func (m *Model) DataAge() time.Time {
	if m.data == nil {
		return time.Time{}
	}
	return m.data.at
}

var (
	_ ui.Screen   = (*Model)(nil)
	_ ui.DataAger = (*Model)(nil)
	_ ui.Escaper  = (*Model)(nil)
	_ ui.Closer   = (*Model)(nil)
)
