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
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
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
	SaveScripts(ns string, pages [][]cfclient.Script) error
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
		m.json.setStyles(m.c.Styles)
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

// edit makes the table to plan from the table stored now: a form's change
// of one tier is applied to it (so a tier another operator changed or
// added meanwhile is kept as they left it); the JSON editor's table
// replaces it whole.
type edit func(stored []platform.Tier) ([]platform.Tier, error)

// gone is the error of a form's tier that the stored table no longer has.
func gone(name string) error {
	return &platform.RuleError{Field: fmt.Sprintf("tier %q", name), Rule: "is no longer in the stored table (ctrl+r reads it again)"}
}

// addTier adds t to the stored table.
func addTier(t platform.Tier) edit {
	return func(stored []platform.Tier) ([]platform.Tier, error) {
		if platform.FindTier(stored, t.Name) != nil {
			return nil, &platform.RuleError{Field: fmt.Sprintf("tier %q", t.Name), Rule: "exists already (another change added it)"}
		}
		return append(stored, t), nil
	}
}

// replaceTier replaces the stored tier of t's name with t.
func replaceTier(t platform.Tier) edit {
	return func(stored []platform.Tier) ([]platform.Tier, error) {
		i := slices.IndexFunc(stored, func(x platform.Tier) bool { return x.Name == t.Name })
		if i < 0 {
			return nil, gone(t.Name)
		}
		stored[i] = t
		return stored, nil
	}
}

// removeTier removes the stored tier name.
func removeTier(name string) edit {
	return func(stored []platform.Tier) ([]platform.Tier, error) {
		if platform.FindTier(stored, name) == nil {
			return nil, gone(name)
		}
		return slices.DeleteFunc(stored, func(t platform.Tier) bool { return t.Name == name }), nil
	}
}

// wholeTable replaces the stored table with tiers.
func wholeTable(tiers []platform.Tier) edit {
	return func([]platform.Tier) ([]platform.Tier, error) { return tiers, nil }
}

// remove plans the table without the tier name.
func (m *Model) remove(name string) tea.Cmd { return m.plan(removeTier(name), false) }

// plan plans the table e makes as one tiers.define op, in a command: the
// stored table is read, the scripts on every tier the new table removes
// are counted at the API (the planner refuses a removal while scripts use
// the tier), then the planner reads, checks and costs the change. whole
// says e does not need a stored table that keeps the rules.
func (m *Model) plan(e edit, whole bool) tea.Cmd {
	if m.src.Planner == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	m.planning = true
	c, planner := m.src.Client, m.src.Planner
	return tea.Batch(ui.ShowStatus(ui.LevelInfo, "planning: reading the table and counting the scripts of removed tiers…"),
		review.Plan(m.key, m.c, planner, func(ctx context.Context) ([]change.Op, error) {
			ctx = throttle.WithPriority(ctx, throttle.Interactive)
			raw, err := storedTable(ctx, c)
			if err != nil {
				return nil, fmt.Errorf("read the tier table: %w", err)
			}
			stored := []platform.Tier{}
			if raw != nil {
				if stored, err = platform.ParseTiers(raw); err != nil && !whole {
					return nil, fmt.Errorf("the stored tier table breaks a rule (E edits it as text): %w", err)
				}
			}
			tiers, err := e(stored)
			if err != nil {
				return nil, err
			}
			inUse, err := countRemoved(ctx, c, tierNames(raw), tiers)
			if err != nil {
				return nil, fmt.Errorf("count the scripts on the removed tiers: %w", err)
			}
			op, err := planner.DefineTiers(ctx, tiers, inUse)
			if err != nil {
				return nil, err
			}
			return []change.Op{op}, nil
		}))
}

// handleReview follows a plan through review and apply.
func (m *Model) handleReview(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case review.PlannedMsg:
		m.planning = false
		if msg.Err != nil {
			// The form stays open: the operator fixes what was refused.
			return ui.ShowError(msg.Err, "")
		}
		m.form, m.json = form{}, jsonEditor{}
		return review.Ask(m.key, m.c, msg.Plan)
	case review.ConfirmedMsg:
		return review.Apply(m.key, m.c, m.src.Applier, msg.Plan)
	case review.AppliedMsg:
		return tea.Batch(review.Outcome(msg), m.load(true))
	}
	return nil
}

// count is C: list every namespace in full and count the tier tags,
// asking first when that costs more than askAbove requests.
func (m *Model) count() tea.Cmd {
	if m.counting {
		return ui.ShowStatus(ui.LevelInfo, "already counting")
	}
	cost := m.usage.listCost()
	if cost <= askAbove {
		return m.countAtAPI()
	}
	return ui.AskConfirm(ui.ConfirmRequest{
		Title: "Count the scripts on each tier at the API?",
		Body: fmt.Sprintf("This lists %s in full: about %s of the shared budget, in the background. "+
			"The listings are saved to the cache, so the scripts screens open from them.",
			ui.Plural(len(m.usage.nss), "namespace", "namespaces"), ui.Plural(cost, "API request", "API requests")),
		YesLabel: "Count",
		OnYes:    countConfirmedMsg{key: m.key},
	})
}

// countAtAPI lists every namespace in full in a command.
func (m *Model) countAtAPI() tea.Cmd {
	m.counting = true
	ctx := throttle.WithPriority(m.c.Context(), throttle.Background)
	// The counts are as of the start of the listings.
	src, key, at := m.src, m.key, m.c.Now()
	return tea.Batch(ui.ShowStatus(ui.LevelInfo, "counting the scripts on each tier at the API…"), func() tea.Msg {
		u, err := countListed(ctx, src, src.Client.Schema().TierTagPrefix, at)
		return countedMsg{key: key, usage: u, err: err}
	})
}

// layout sizes the table to what the title and the count notes leave.
func (m *Model) layout() {
	m.table.SetSize(m.width, max(2, m.height-m.chromeLines()))
	m.form.setWidth(m.width)
	if m.json.open {
		m.json.setSize(m.width, m.height-jsonChrome)
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
