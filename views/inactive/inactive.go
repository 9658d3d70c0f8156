// Package inactive is the :inactive screen: the scripts of one namespace
// that nobody used for N days (their last-used: key is older, or missing),
// with tenant, tier, last use and last change, and what removing them
// saves a month. Rows can be marked and handed to a cleanup plan.
package inactive

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the route kind of the screen: Route.Namespace is the namespace,
// Route.Arg the days ("" for DefaultDays).
const Kind = "inactive"

// DefaultDays is how long a script must be idle when :inactive names no
// number of days.
const DefaultDays = 30

// Source is what the screen needs from cfclient; *cfclient.Client
// satisfies it.
type Source interface {
	ListScripts(ctx context.Context, ns string, filter cfclient.TagFilter, fn func(page []cfclient.Script) error) error
	TierOf(tags []string) (tier string, ambiguous bool)
	Schema() platform.Schema
}

// LastUse is the last-use cache; *cache.LastUsedCache satisfies it.
type LastUse interface {
	Load(ctx context.Context, o cache.LastUsedLoad) (*cache.LastUse, error)
	Describe(l *cache.LastUse) string
}

// Listings is the listing cache; *cache.Store satisfies it.
type Listings interface {
	Scripts(ns string) (cache.Listing, error)
	SaveScripts(ns string, pages [][]cfclient.Script) error
}

// Deps are the screen's dependencies.
type Deps struct {
	Source   Source
	LastUse  LastUse
	Listings Listings
	// PricePerScript is the price of a script a month in USD (config
	// price_per_script_month).
	PricePerScript float64
	// Plan, when set, hands the marked rows (or every row shown) to a
	// cleanup plan: it returns the command that opens the plan screen
	// (bulk.Open).
	Plan func(req change.BulkRequest, selector, source string) tea.Cmd
}

// ParseDays reads the days argument of :inactive: a whole number from 1
// to 3650, "30" or "30d".
func ParseDays(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	if err != nil || n < 1 || n > 3650 {
		return 0, fmt.Errorf("days %q: a whole number of days from 1 to 3650, as in :inactive staging 90", ui.Sanitize(s))
	}
	return n, nil
}

// row is one idle script.
type row struct {
	name, tenant, tier string
	last               time.Time // zero: never used
	modified           time.Time
}

// loadedMsg is the namespace's listing and the last use.
type loadedMsg struct {
	key      string
	token    int
	scripts  []cfclient.Script
	listedAt time.Time
	lu       *cache.LastUse
	cost     string // what reading the unread last-used values costs
	err      error
}

// RouteKey routes the result to its screen.
func (m loadedMsg) RouteKey() string { return m.key }

// Model is the :inactive screen.
type Model struct {
	// Keys are the screen's bindings.
	Keys KeyMap

	c     *ui.Common
	deps  Deps
	route ui.Route
	key   string
	ns    string
	days  int

	width, height int

	token   int
	loading bool
	err     error
	total   int       // scripts in the namespace
	unknown int       // scripts with a last-used key not read yet
	cost    string    // what reading those costs
	dataAt  time.Time // when the listing was made
	lu      *cache.LastUse
	all     []cfclient.Script
	rows    []row
	table   ui.Table[row]
}

// New builds the screen for r.
func New(c *ui.Common, d Deps, r ui.Route) (*Model, error) {
	days := DefaultDays
	if r.Arg != "" {
		n, err := ParseDays(r.Arg)
		if err != nil {
			return nil, err
		}
		days = n
	}
	m := &Model{Keys: DefaultKeyMap(), c: c, deps: d, route: r, key: r.Key(), ns: r.Namespace, days: days,
		width: c.Width, height: c.Height}
	m.table = ui.NewTable(func(r row) string { return r.name }, m.renderRow,
		ui.WithIndent(3), ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap),
		ui.WithColumns(
			ui.TableColumn{Title: "NAME", MinWidth: 16},
			ui.TableColumn{Title: "TENANT", Width: 14},
			ui.TableColumn{Title: "TIER", Width: 10},
			ui.TableColumn{Title: "LAST USED ▲", Width: 11},
			ui.TableColumn{Title: "MODIFIED", Width: 10},
		))
	m.layout()
	return m, nil
}

// Factory returns the ui.Factory of the screen.
func Factory(d Deps) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) { return New(c, d, r) }
}

// Init loads the listing and the last use.
func (m *Model) Init() tea.Cmd { return m.load(cache.LastUsedLoad{}) }

// load reads the namespace's listing (the cache, else the API) and the
// last use in a command.
func (m *Model) load(o cache.LastUsedLoad) tea.Cmd {
	m.token++
	m.loading = true
	tok, key, ns, ctx, d, now := m.token, m.key, m.ns, m.c.Context(), m.deps, m.c.Now()
	return func() tea.Msg {
		msg := loadedMsg{key: key, token: tok}
		l, err := d.Listings.Scripts(ns)
		if err == nil {
			msg.scripts, msg.listedAt = l.Scripts(), l.Saved
		} else {
			var pages [][]cfclient.Script
			err = d.Source.ListScripts(ctx, ns, cfclient.TagFilter{}, func(p []cfclient.Script) error {
				pages = append(pages, p)
				msg.scripts = append(msg.scripts, p...)
				return nil
			})
			if err != nil {
				msg.err = fmt.Errorf("list the scripts of %s: %w", ns, err)
				return msg
			}
			msg.listedAt = now
			// A complete listing, saved as the scripts screen would.
			_ = d.Listings.SaveScripts(ns, pages)
		}
		msg.lu, err = d.LastUse.Load(ctx, o)
		if err != nil && msg.lu == nil {
			msg.err = err
			return msg
		}
		msg.err = err
		msg.cost = d.LastUse.Describe(msg.lu)
		return msg
	}
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.key == m.key && msg.token == m.token {
			m.loading = false
			m.err = msg.err
			if msg.lu != nil {
				m.all, m.lu, m.cost, m.dataAt = msg.scripts, msg.lu, msg.cost, msg.listedAt
				m.rebuild()
			}
		}
	case ui.RefreshMsg:
		cmd = m.load(cache.LastUsedLoad{Refresh: true})
	case ui.StylesChangedMsg:
		m.table.SetStyles(m.c.Styles.Table)
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	}
	m.syncKeys()
	return m, cmd
}

// rebuild computes the idle rows from the listing and the last use.
func (m *Model) rebuild() {
	now := m.c.Now()
	cutoff := now.Add(-time.Duration(m.days) * 24 * time.Hour)
	prefix := m.deps.Source.Schema().CustomerTagPrefix
	m.total, m.unknown = len(m.all), 0
	rows := make([]row, 0, len(m.all)/4)
	for i := range m.all {
		s := &m.all[i]
		at, state := m.lu.State(s.Name)
		switch {
		case state == cache.Unknown:
			m.unknown++
			continue
		case state == cache.Used && !at.Before(cutoff):
			continue
		}
		r := row{name: s.Name, last: at, modified: s.ModifiedOn}
		if tier, ambiguous := m.deps.Source.TierOf(s.Tags); tier != "" {
			r.tier = tier
			if ambiguous {
				r.tier += "?"
			}
		}
		for _, t := range s.Tags {
			if prefix != "" && strings.HasPrefix(t, prefix) {
				r.tenant = strings.TrimPrefix(t, prefix)
				break
			}
		}
		rows = append(rows, r)
	}
	// Longest idle first: never used, then the oldest last use.
	slices.SortFunc(rows, func(a, b row) int {
		if c := a.last.Compare(b.last); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	m.rows = rows
	m.table.SetRows(m.rows)
	m.table.PruneMarks()
}

// Savings is what removing n scripts saves a month, in USD.
func (m *Model) Savings(n int) float64 { return float64(n) * m.deps.PricePerScript }

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return fmt.Sprintf("inactive %dd", m.days) }

// Capturing reports false: the screen has no text input.
func (m *Model) Capturing() bool { return false }

// DataAge is when the listing was made.
func (m *Model) DataAge() time.Time { return m.dataAt }

// SetSize sets the content area's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

func (m *Model) layout() {
	m.table.SetSize(m.width, max(2, m.height-m.chromeLines()))
}

// errNothing is the refusal to plan an empty cleanup.
var errNothing = errors.New("no idle script to clean up")

// The interfaces the App looks for.
var (
	_ ui.Screen   = (*Model)(nil)
	_ ui.DataAger = (*Model)(nil)
)
