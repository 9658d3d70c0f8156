// Package tenant is the :tenant screen, for support: every script of one
// customer (the customer-<id> tag) across all namespaces, with its tier,
// the hostnames routing to it, its last use and its errors in the last 15
// minutes, and the recent audit entries about those scripts. enter opens
// a script.
package tenant

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/ui"
)

// Kind is the route kind of the screen; Route.Arg is the customer id.
const Kind = "tenant"

// loadedMsg carries a report to its screen.
type loadedMsg struct {
	key    string
	token  int
	report Report
	err    error
}

// RouteKey routes the result to its screen.
func (m loadedMsg) RouteKey() string { return m.key }

// KeyMap holds the screen's bindings.
type KeyMap struct {
	ui.MoveKeyMap
	Open key.Binding // enter: open the script
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap: ui.DefaultMoveKeyMap(),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
	}
}

// Model is the :tenant screen.
type Model struct {
	// Keys are the screen's bindings.
	Keys KeyMap

	c        *ui.Common
	deps     Deps
	key      string
	customer string

	width, height int
	token         int
	loading       bool
	err           error
	report        Report
	dataAt        time.Time
	table         ui.Table[Row]
}

// New builds the screen for r.
func New(c *ui.Common, d Deps, r ui.Route) (*Model, error) {
	customer := strings.TrimSpace(r.Arg)
	if customer == "" {
		return nil, fmt.Errorf("name a customer, as in :tenant acme")
	}
	m := &Model{Keys: DefaultKeyMap(), c: c, deps: d, key: r.Key(), customer: customer, width: c.Width, height: c.Height}
	m.table = ui.NewTable(func(r Row) string { return r.Namespace + "/" + r.Script }, m.renderRow,
		ui.WithIndent(2), ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap),
		ui.WithColumns(
			ui.TableColumn{Title: "SCRIPT", MinWidth: 16},
			ui.TableColumn{Title: "NAMESPACE", Width: 10},
			ui.TableColumn{Title: "TIER", Width: 11},
			ui.TableColumn{Title: "HOSTS", Width: 12},
			ui.TableColumn{Title: "LAST USE", Width: 10},
			ui.TableColumn{Title: "ERR15m", Width: 6, Right: true},
		))
	m.layout()
	return m, nil
}

// Factory returns the ui.Factory of the screen.
func Factory(d Deps) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) { return New(c, d, r) }
}

// Init loads the report.
func (m *Model) Init() tea.Cmd { return m.load() }

// load builds the report in a command.
func (m *Model) load() tea.Cmd {
	m.token++
	m.loading = true
	tok, key, ctx, d, customer, now := m.token, m.key, m.c.Context(), m.deps, m.customer, m.c.Now()
	return func() tea.Msg {
		r, err := Load(ctx, d, customer, now)
		return loadedMsg{key: key, token: tok, report: r, err: err}
	}
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.key == m.key && msg.token == m.token {
			m.loading, m.err = false, msg.err
			m.report, m.dataAt = msg.report, m.c.Now()
			m.table.SetRows(msg.report.Rows)
			m.layout()
		}
	case ui.RefreshMsg:
		cmd = m.load()
	case ui.StylesChangedMsg:
		m.table.SetStyles(m.c.Styles.Table)
	case tea.KeyPressMsg:
		t := &m.table
		if pos, ok := t.KeyMap.Move(msg, t.Cursor(), t.Len(), t.PageSize()); ok {
			t.SetCursor(pos)
		} else if key.Matches(msg, m.Keys.Open) {
			if r, ok := t.Current(); ok {
				cmd = ui.Navigate(ui.Route{Kind: ui.KindScript, Namespace: r.Namespace, Script: r.Script})
			}
		}
	}
	m.Keys.Open.SetEnabled(m.table.Len() > 0)
	return m, cmd
}

// ShortHelp returns the footer's bindings.
func (m *Model) ShortHelp() []key.Binding { return []key.Binding{m.Keys.Open} }

// FullHelp returns the ? overlay's bindings.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.Keys.MoveKeyMap.Bindings(), {m.Keys.Open}}
}

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return "tenant " + m.customer }

// Capturing reports false: the screen has no text input.
func (m *Model) Capturing() bool { return false }

// DataAge is when the report was made.
func (m *Model) DataAge() time.Time { return m.dataAt }

// SetSize sets the content area's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

func (m *Model) layout() {
	m.table.SetSize(m.width, max(2, m.height-len(m.head())-m.auditLines()))
}

// The interfaces the App looks for.
var (
	_ ui.Screen   = (*Model)(nil)
	_ ui.DataAger = (*Model)(nil)
)
