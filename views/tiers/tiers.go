// Package tiers is the tiers screen (:tiers): the platform's tier table
// (name, cpuMs, subRequests) with the number of scripts on each tier, and
// the forms that change it. a adds a tier, e edits one, d removes one, E
// edits the whole table as JSON; every change is planned as one
// tiers.define op of the whole new table (refused when it removes a tier
// scripts still use), reviewed, applied through the change pipeline and
// read back.
package tiers

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the route kind of the tiers screen.
const Kind = "tiers"

// Client is what the screen reads from cfclient; *cfclient.Client
// satisfies it.
type Client interface {
	ListNamespaces(ctx context.Context) ([]cfclient.Namespace, error)
	ListScripts(ctx context.Context, ns string, filter cfclient.TagFilter, fn func(page []cfclient.Script) error) error
	RoutingNamespace(ctx context.Context) (string, error)
	GetValue(ctx context.Context, nsID, key string) ([]byte, error)
	Schema() platform.Schema
}

// Tables is the runtime's tier table cache; *cache.RoutingCache satisfies
// it. Its methods take the cache's lock: the screen calls them only from
// commands.
type Tables interface {
	Tiers(ctx context.Context) ([]platform.Tier, error)
	InvalidateTiers()
}

// Listings is the listing cache; *cache.Store satisfies it.
type Listings interface {
	Scripts(ns string) (cache.Listing, error)
	SaveRows(ns string, list rows.Scripts) error
}

var (
	_ Client   = (*cfclient.Client)(nil)
	_ Tables   = (*cache.RoutingCache)(nil)
	_ Listings = (*cache.Store)(nil)
)

// Source is what the screen needs from the runtime.
type Source struct {
	Client   Client
	Tiers    Tables
	Listings Listings
	// Planner and Applier are the change pipeline (nil: the screen only
	// reads).
	Planner *change.Planner
	Applier *change.Applier
}

// askAbove is the cost of C, in requests, above which it asks first.
const askAbove = 100

// Messages the screen's commands send back; each carries the screen's
// route key, and loads their token, so superseded answers are dropped.
type (
	// loadedMsg is the tier table and the counts from the listing cache.
	loadedMsg struct {
		key      string
		token    int
		tiers    []platform.Tier
		tiersErr error
		usage    usage
	}
	// countedMsg is the counts from full listings at the API (C).
	countedMsg struct {
		key   string
		usage usage
		err   error
	}
	// countConfirmedMsg is the operator's yes to a costly count.
	countConfirmedMsg struct{ key string }
	// rawMsg is the stored table as text, for the JSON editor when it
	// does not parse.
	rawMsg struct {
		key  string
		text string
		err  error
	}
)

// RouteKey routes the message to its screen (ui.Routed).
func (m loadedMsg) RouteKey() string         { return m.key }
func (m countedMsg) RouteKey() string        { return m.key }
func (m countConfirmedMsg) RouteKey() string { return m.key }
func (m rawMsg) RouteKey() string            { return m.key }

// row is one tier and the scripts counted on it.
type row struct {
	tier  platform.Tier
	count int
}

// Model is the tiers screen.
type Model struct {
	Keys KeyMap

	c             *ui.Common
	src           Source
	key           string
	width, height int

	tiers    []platform.Tier
	tiersErr error
	loaded   bool // a load answered (tiers or tiersErr is set)
	usage    usage
	dataAt   time.Time
	loading  bool
	token    int
	counting bool

	table ui.Table[row]

	form     form
	json     jsonEditor
	planning bool
}

// Factory returns the ui.Factory of the tiers screen.
func Factory(src Source) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) {
		return New(c, src, r), nil
	}
}

// New builds the screen; Init reads the table.
func New(c *ui.Common, src Source, r ui.Route) *Model {
	m := &Model{Keys: DefaultKeyMap(), c: c, src: src, key: r.Key(), width: c.Width, height: c.Height, loading: true}
	m.table = ui.NewTable(func(r row) string { return r.tier.Name }, m.renderRow,
		ui.WithColumns(
			ui.TableColumn{Title: "NAME", MinWidth: 8},
			ui.TableColumn{Title: "CPU MS", Width: 7, Right: true},
			ui.TableColumn{Title: "SUBREQUESTS", Width: 11, Right: true},
			ui.TableColumn{Title: "SCRIPTS", Width: 9, Right: true},
		),
		ui.WithIndent(2), ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap))
	m.syncKeys()
	m.layout()
	return m
}

// Init reads the table and counts from the cache.
func (m *Model) Init() tea.Cmd { return m.load(false) }

// load reads the tier table (again, when reread: after ctrl+r or a change)
// and counts the scripts on each tier from the listing cache, in a command.
func (m *Model) load(reread bool) tea.Cmd {
	m.token++
	m.loading = true
	ctx := throttle.WithPriority(m.c.Context(), throttle.Interactive)
	src, key, token := m.src, m.key, m.token
	return func() tea.Msg {
		if reread {
			src.Tiers.InvalidateTiers()
		}
		tiers, err := src.Tiers.Tiers(ctx)
		u := countCached(ctx, src, src.Client.Schema().TierTagPrefix)
		return loadedMsg{key: key, token: token, tiers: tiers, tiersErr: err, usage: u}
	}
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	cmd := m.update(msg)
	m.syncKeys()
	m.layout()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		return m.handleLoaded(msg)
	case countedMsg:
		m.counting = false
		if msg.usage.nss != nil {
			m.usage = msg.usage
			m.refresh()
		}
		if msg.err != nil {
			return ui.ShowError(msg.err, "the counts shown are the cache's")
		}
		return ui.ShowStatus(ui.LevelInfo, fmt.Sprintf("counted %s at the API; the listings are cached for the scripts screens",
			ui.Plural(len(msg.usage.nss), "namespace", "namespaces")))
	case countConfirmedMsg:
		return m.countAtAPI()
	case rawMsg:
		return m.openRawJSON(msg)
	case review.PlannedMsg, review.ConfirmedMsg, review.AppliedMsg:
		return m.handleReview(msg)
	case ui.RefreshMsg:
		if m.loading {
			return ui.ShowStatus(ui.LevelInfo, "already reading the tier table")
		}
		return m.load(true)
	case ui.StylesChangedMsg:
		m.table.SetStyles(m.c.Styles.Table)
		m.form.setStyles(m.c.Styles.Input)
		if m.json.open {
			m.json.ed.SetStyles(m.c.Styles)
		}
	case tea.PasteMsg:
		return m.handleEditing(msg)
	case tea.KeyPressMsg:
		if m.form.open() || m.json.open {
			return m.handleEditing(msg)
		}
		return m.handleKey(msg)
	default:
		if m.json.open { // the editor's own messages
			return m.json.update(msg)
		}
	}
	return nil
}

// handleLoaded takes a read of the table and the counts.
func (m *Model) handleLoaded(msg loadedMsg) tea.Cmd {
	if msg.token != m.token {
		return nil
	}
	m.loading, m.loaded = false, true
	m.tiersErr = msg.tiersErr
	if msg.tiersErr == nil {
		m.tiers = msg.tiers
	}
	m.usage = msg.usage
	m.dataAt = m.c.Now()
	m.refresh()
	if msg.tiersErr != nil {
		return ui.ShowError(msg.tiersErr, "E edits the stored table as text")
	}
	if msg.usage.err != nil {
		return ui.ShowError(msg.usage.err, "the scripts on each tier are not counted; ctrl+r tries again")
	}
	return nil
}

// refresh rebuilds the rows from the table and the counts.
func (m *Model) refresh() {
	rows := make([]row, len(m.tiers))
	for i, t := range m.tiers {
		rows[i] = row{tier: t, count: m.usage.counts[t.Name]}
	}
	m.table.SetRows(rows)
}

// handleKey handles a key on the table.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.Keys
	cur, ok := m.table.Current()
	if m.planning && key.Matches(k, keys.Add, keys.Edit, keys.Remove, keys.EditJSON) {
		return ui.ShowStatus(ui.LevelInfo, "a change is being planned; its review opens when it is ready")
	}
	switch {
	case key.Matches(k, keys.Add):
		return m.openForm(formAdd, platform.Tier{})
	case key.Matches(k, keys.Edit) && ok:
		return m.openForm(formEdit, cur.tier)
	case key.Matches(k, keys.Remove) && ok:
		return m.remove(cur.tier.Name)
	case key.Matches(k, keys.EditJSON):
		return m.openJSON()
	case key.Matches(k, keys.Count):
		return m.count()
	}
	m.table, _ = m.table.Update(k)
	return nil
}

// handleEditing passes a key or paste to the open form or editor.
func (m *Model) handleEditing(msg tea.Msg) tea.Cmd {
	k, isKey := msg.(tea.KeyPressMsg)
	if isKey && key.Matches(k, m.Keys.Cancel) {
		m.form = form{}
		m.json = jsonEditor{}
		return nil
	}
	if m.planning {
		return nil // the plan is being made from what was typed
	}
	if m.json.open {
		if isKey && key.Matches(k, m.Keys.SubmitJSON) {
			return m.submitJSON()
		}
		return m.json.update(msg)
	}
	if !m.form.open() {
		return nil
	}
	if isKey {
		switch {
		case key.Matches(k, m.Keys.Submit):
			return m.submitForm()
		case key.Matches(k, m.Keys.NextField):
			m.form.next(k.String() == "shift+tab" || k.String() == "up")
			return nil
		}
	}
	m.form.update(msg)
	return nil
}

// layout sizes the table to what the title and the count notes leave.
func (m *Model) layout() {
	m.table.SetSize(m.width, max(2, m.height-m.chromeLines()))
	m.form.setWidth(m.width)
	if m.json.open {
		m.json.ed.SetSize(m.width, m.height)
	}
}

// SetSize sets the content area size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return "tiers" }

// Capturing reports that a form or the editor has the keyboard.
func (m *Model) Capturing() bool { return m.form.open() || m.json.open }

// WantsEsc reports that esc closes a form or the editor first.
func (m *Model) WantsEsc() bool { return m.form.open() || m.json.open }

// DataAge is when the table was read.
func (m *Model) DataAge() time.Time { return m.dataAt }

var (
	_ ui.Screen   = (*Model)(nil)
	_ ui.DataAger = (*Model)(nil)
	_ ui.Escaper  = (*Model)(nil)
)
