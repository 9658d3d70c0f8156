// Package health is the health screen (:health [ns]): per script over the
// last 15 minutes, its requests, errors, error rate, most frequent error
// outcome and CPU p50/p99, from two Workers Logs calculations grouped by
// script, sorted by errors: the failing tenant is the first row. enter
// opens that script's logs. It refreshes every 30 s at background priority
// (two API requests each time; ctrl+r refreshes now).
package health

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/tail"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the route kind of the health screen; Route.Namespace narrows it
// to one dispatch namespace.
const Kind = "health"

// LogsKind and LogsLive are the logs screen's route kind and its Arg for a
// live tail (the health screen opens logs by route, without importing the
// logs screen).
const (
	LogsKind = "logs"
	LogsLive = "live"
)

// Window is the span the screen summarises, and Every its refresh period.
const (
	Window = 15 * time.Minute
	Every  = 30 * time.Second
)

// Source runs telemetry calculations; *cfclient.Client satisfies it.
type Source interface {
	TelemetryCalculations(ctx context.Context, q cfclient.TelemetryQuery, calcs []cfclient.TelemetryCalculation, groupBy []string) ([]cfclient.TelemetryGroup, error)
}

var _ Source = (*cfclient.Client)(nil)

// Row is one script's health.
type Row struct {
	Script, Namespace string
	Requests, Errors  int
	// TopError is the most frequent error outcome ("exceededCpu").
	TopError        string
	CPUP50, CPUP99  float64
	errorsByOutcome map[string]int
}

// Rate is the error rate, 0..1.
func (r Row) Rate() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Requests)
}

// Messages.
type (
	loadedMsg struct {
		key   string
		token int
		rows  []Row
		at    time.Time
		err   error
	}
	tickMsg struct {
		key   string
		token int
	}
)

// RouteKey routes the message to its screen (ui.Routed).
func (m loadedMsg) RouteKey() string { return m.key }

// RouteKey routes the message to its screen (ui.Routed).
func (m tickMsg) RouteKey() string { return m.key }

// KeyMap holds the screen's bindings.
type KeyMap struct {
	ui.MoveKeyMap
	Open   key.Binding
	Script key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap: ui.DefaultMoveKeyMap(),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "logs")),
		Script:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "script (tier, limits)")),
	}
}

// Model is the health screen.
type Model struct {
	Keys KeyMap

	c     *ui.Common
	src   Source
	key   string
	ns    string
	table ui.Table[Row]
	// manyNS is set when the rows span namespaces: names then carry theirs.
	manyNS bool

	width, height int
	token         int
	loading       bool
	loaded        bool
	dataAt        time.Time
	err           error
}

// Factory returns the ui.Factory of the health screen.
func Factory(src Source) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) {
		return New(c, src, r), nil
	}
}

// New builds the screen; Init runs the first calculation.
func New(c *ui.Common, src Source, r ui.Route) *Model {
	m := &Model{Keys: DefaultKeyMap(), c: c, src: src, key: r.Key(), ns: r.Namespace}
	m.table = ui.NewTable(func(r Row) string { return r.Namespace + "/" + r.Script }, m.renderRow,
		ui.WithColumns(
			// The name gets what the numbers leave: at 80 columns a
			// tenant's whole name (tenant-05123-images-prod) fits.
			ui.TableColumn{Title: "SCRIPT", MinWidth: 16},
			ui.TableColumn{Title: "REQS", Width: 5, Right: true},
			ui.TableColumn{Title: "ERR", Width: 5, Right: true},
			ui.TableColumn{Title: "RATE", Width: 6, Right: true},
			ui.TableColumn{Title: "TOP ERROR", Width: 11},
			ui.TableColumn{Title: "CPUp50", Width: 6, Right: true},
			ui.TableColumn{Title: "p99", Width: 5, Right: true},
		),
		ui.WithIndent(2), ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap))
	m.SetSize(c.Width, c.Height)
	return m
}

// Init runs the first calculation (interactive: the operator waits).
func (m *Model) Init() tea.Cmd { return m.load(throttle.Interactive) }

// load runs the calculations in a command.
func (m *Model) load(prio throttle.Priority) tea.Cmd {
	m.token++
	m.loading = true
	ctx := throttle.WithPriority(m.c.Context(), prio)
	src, key, token, ns, now := m.src, m.key, m.token, m.ns, m.c.Now()
	return func() tea.Msg {
		rows, err := Load(ctx, src, ns, now)
		return loadedMsg{key: key, token: token, rows: rows, at: now, err: err}
	}
}

// tick schedules the next background refresh.
func (m *Model) tick() tea.Cmd {
	key, token := m.key, m.token
	return tea.Tick(Every, func(time.Time) tea.Msg { return tickMsg{key: key, token: token} })
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.token != m.token {
			return m, nil
		}
		m.loading = false
		m.err = msg.err
		if msg.err != nil {
			return m, tea.Batch(ui.ShowError(msg.err, "Workers Logs must be enabled on the scripts (observability.enabled)"), m.tick())
		}
		m.loaded, m.dataAt = true, msg.at
		m.manyNS = spansNamespaces(msg.rows)
		m.table.SetRows(msg.rows)
		return m, m.tick()
	case tickMsg:
		if msg.token != m.token {
			return m, nil
		}
		return m, m.load(throttle.Background)
	case ui.RefreshMsg:
		return m, m.load(throttle.Interactive)
	case ui.StylesChangedMsg:
		m.table.SetStyles(m.c.Styles.Table)
	case tea.KeyPressMsg:
		if key.Matches(msg, m.Keys.Open) {
			return m, m.open()
		}
		if key.Matches(msg, m.Keys.Script) {
			return m, m.openScript()
		}
		m.table, _ = m.table.Update(msg)
	}
	return m, nil
}

// open opens the logs of the script under the cursor: Workers Logs for a
// user script, the live tail for an account script.
func (m *Model) open() tea.Cmd {
	r, ok := m.table.Current()
	if !ok {
		return nil
	}
	if r.Namespace == "" {
		return ui.Navigate(ui.Route{Kind: LogsKind, Script: r.Script, Arg: LogsLive})
	}
	return ui.Navigate(ui.Route{Kind: LogsKind, Namespace: r.Namespace, Script: r.Script})
}

// openScript opens the script under the cursor, where its tier and
// limits are changed (a user script; an account script has no screen).
func (m *Model) openScript() tea.Cmd {
	r, ok := m.table.Current()
	if !ok {
		return nil
	}
	return ui.OpenScript(r.Namespace, r.Script, "enter shows its live tail")
}

// spansNamespaces reports rows of user scripts in more than one namespace.
func spansNamespaces(rows []Row) bool {
	first := ""
	for _, r := range rows {
		switch {
		case r.Namespace == "":
		case first == "":
			first = r.Namespace
		case r.Namespace != first:
			return true
		}
	}
	return false
}

// renderRow renders one script's line.
func (m *Model) renderRow(r Row, s ui.RowState) string {
	st := &m.c.Styles
	lead := "  "
	if s.Cursor {
		lead = "▸ "
	}
	name := r.Script
	if m.manyNS && r.Namespace != "" {
		name = r.Namespace + "/" + r.Script
	}
	top := ""
	if r.Errors > 0 {
		top = tail.OutcomeGlyph(r.TopError) + " " + tail.OutcomeWord(r.TopError)
	}
	line := m.table.Line(lead, ui.Sanitize(name), ui.Commas(r.Requests), ui.Commas(r.Errors),
		fmt.Sprintf("%.1f%%", 100*r.Rate()), ui.Sanitize(top), num(r.CPUP50), num(r.CPUP99))
	switch {
	case s.Cursor:
		return st.Cursor.Render(line)
	case r.Errors > 0:
		return st.Error.Render(line)
	}
	return line
}

// num is a CPU time in ms.
func num(v float64) string {
	if v == 0 {
		return "-"
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// View renders the screen.
func (m *Model) View() string {
	st := &m.c.Styles
	scope := "every script"
	if m.ns != "" {
		scope = m.ns
	}
	title := fmt.Sprintf("health of %s · last %d min · %s", scope, int(Window/time.Minute),
		ui.Plural(m.table.Len(), "script", "scripts"))
	failing := 0
	for _, r := range m.table.Rows() {
		if r.Errors > 0 {
			failing++
		}
	}
	if failing > 0 {
		title += fmt.Sprintf(" · %d failing", failing)
	}
	lines := []string{st.Title.Render(ui.Truncate(ui.Sanitize(title), m.width))}
	sub := fmt.Sprintf("Workers Logs · refresh every %d s (2 API requests, %d/min)", int(Every/time.Second), int(2*time.Minute/Every))
	if m.loading {
		sub += " · reading…"
	}
	lines = append(lines, st.Subtle.Render(ui.Truncate(sub, m.width)))
	switch {
	case m.err != nil && !m.loaded:
		lines = append(lines, st.Error.Render(ui.Truncate("✗ "+ui.Sanitize(m.err.Error()), m.width)))
	case m.loaded && m.table.Len() == 0:
		lines = append(lines, st.Subtle.Render(ui.Truncate("no invocations in Workers Logs: scripts need observability enabled", m.width)))
	default:
		lines = append(lines, m.table.View())
	}
	return strings.Join(lines, "\n")
}

// SetSize sets the content area's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.table.SetSize(w, max(1, h-2))
}

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return "health" }

// Capturing reports that no input has the keyboard.
func (m *Model) Capturing() bool { return false }

// DataAge is when the numbers were read.
func (m *Model) DataAge() time.Time { return m.dataAt }

// ShortHelp returns the footer's bindings.
func (m *Model) ShortHelp() []key.Binding {
	return []key.Binding{m.Keys.Open, m.Keys.Script, m.Keys.Down, m.Keys.Up}
}

// FullHelp returns the bindings for the help overlay.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.Keys.MoveKeyMap.Bindings(), {m.Keys.Open, m.Keys.Script}}
}

var (
	_ ui.Screen   = (*Model)(nil)
	_ ui.DataAger = (*Model)(nil)
)
