// Package audit is the audit screen (:audit): every line of the audit log,
// newest first, filterable; a detail with the before/after of a change;
// u undoes the change under the cursor and U its whole plan, through the
// same review, confirmation and change pipeline as any edit.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the route kind of the audit screen.
const Kind = "audit"

// Source is where the screen reads the log and undoes changes.
type Source struct {
	// Log is the audit log's path.
	Log string
	// Account is the account this console works on: the log may hold
	// other accounts' lines (profiles share it), which are counted but
	// neither shown nor undone here.
	Account string
	// Planner and Applier undo changes (the runtime's).
	Planner *change.Planner
	Applier *change.Applier
}

// row is one audit record and its position in the log (its key).
type row struct {
	n   int
	rec audit.Record
}

// loadedMsg is the log as read.
type loadedMsg struct {
	key  string
	recs []audit.Record
	bad  int
	err  error
}

// RouteKey routes the message to its screen (ui.Routed).
func (m loadedMsg) RouteKey() string { return m.key }

// KeyMap holds the screen's bindings.
type KeyMap struct {
	ui.MoveKeyMap
	Detail      key.Binding
	CloseDetail key.Binding
	Filter      key.Binding
	ApplyFilter key.Binding
	ClearFilter key.Binding
	Undo        key.Binding
	UndoPlan    key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap:  ui.DefaultMoveKeyMap(),
		Detail:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		CloseDetail: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close detail")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ApplyFilter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Undo:        key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo change")),
		UndoPlan:    key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "undo its plan")),
	}
}

// Model is the audit screen.
type Model struct {
	Keys KeyMap

	c     *ui.Common
	src   Source
	key   string
	width int
	hgt   int

	all     []row
	entries []change.Entry
	bad     int
	other   int // lines of other accounts, hidden
	loadErr error
	dataAt  time.Time

	table   ui.Table[row]
	filter  ui.Input
	typing  bool
	applied string

	detail     bool
	detailView ui.TextView
}

// Factory returns the ui.Factory of the audit screen.
func Factory(src Source) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) {
		return New(c, src, r), nil
	}
}

// New builds the screen; Init reads the log.
func New(c *ui.Common, src Source, r ui.Route) *Model {
	m := &Model{Keys: DefaultKeyMap(), c: c, src: src, key: r.Key(), width: c.Width, hgt: c.Height}
	m.table = ui.NewTable(func(r row) string { return strconv.Itoa(r.n) }, m.renderRow,
		ui.WithColumns(
			ui.TableColumn{Title: "TIME", Width: 14},
			ui.TableColumn{Title: "ACTOR", Width: 12},
			ui.TableColumn{Title: "CHANGE", Width: 16},
			ui.TableColumn{Title: "TARGET", MinWidth: 16},
			ui.TableColumn{Title: "RESULT", Width: 7},
		),
		ui.WithIndent(2), ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap))
	m.filter = ui.NewInput("/", c.Styles.Input)
	m.filter.Placeholder = "text in actor, change, target or result"
	m.applied = r.Arg
	m.detailView = ui.NewTextView("", "", ui.WithHint("esc closes"), ui.WithTextViewStyles(c.Styles.TextView),
		ui.WithTextViewKeyMap(m.Keys.MoveKeyMap))
	m.layout()
	m.syncKeys()
	return m
}

// Init reads the log.
func (m *Model) Init() tea.Cmd { return m.load() }

// load reads the audit log in a command.
func (m *Model) load() tea.Cmd {
	path, key := m.src.Log, m.key
	return func() tea.Msg {
		recs, bad, err := audit.Read(path)
		return loadedMsg{key: key, recs: recs, bad: bad, err: err}
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
	case loadedMsg:
		m.loadErr, m.bad = msg.err, msg.bad
		if msg.err != nil {
			return ui.ShowError(msg.err, "check the audit log's path and permissions")
		}
		// Only this account's lines: undoing another account's change
		// here would write to this account.
		var mine []audit.Record
		m.all, m.other = nil, 0
		for i, r := range msg.recs {
			if m.src.Account != "" && r.Account != m.src.Account {
				m.other++
				continue
			}
			mine = append(mine, r)
			m.all = append(m.all, row{n: i, rec: r})
		}
		slices.Reverse(m.all)
		m.entries = change.Entries(mine)
		m.dataAt = m.c.Now()
		m.refilter()
	case review.PlannedMsg, review.ConfirmedMsg, review.AppliedMsg:
		cmd, _ := review.Step(msg, m.c, m.src.Applier, review.Reload(m.load))
		return cmd
	case ui.RefreshMsg:
		return m.load()
	case ui.StylesChangedMsg:
		m.filter.SetStyles(m.c.Styles.Input)
		m.table.SetStyles(m.c.Styles.Table)
		m.detailView.SetStyles(m.c.Styles.TextView)
	case tea.PasteMsg:
		if m.typing {
			m.filter, _ = m.filter.Update(msg)
			m.applied = m.filter.Value()
			m.refilter()
		}
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return nil
}

// handleKey handles a key.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.Keys
	switch {
	case m.typing:
		switch {
		case key.Matches(k, keys.ApplyFilter), key.Matches(k, keys.ClearFilter):
			m.typing = false
			m.filter.Blur()
			if key.Matches(k, keys.ClearFilter) {
				m.applied = ""
				m.filter.SetValue("")
			}
			m.refilter()
			m.table.GotoTop()
			return nil
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(k)
		m.applied = m.filter.Value()
		m.refilter()
		m.table.GotoTop()
		return cmd
	case m.detail:
		if key.Matches(k, keys.CloseDetail) {
			m.detail = false
			return nil
		}
		if key.Matches(k, keys.Undo, keys.UndoPlan) {
			break
		}
		m.detailView, _ = m.detailView.Update(k)
		return nil
	}
	switch {
	case key.Matches(k, keys.Filter):
		m.typing = true
		m.filter.SetValue(m.applied)
		m.filter.Focus()
		return nil
	case key.Matches(k, keys.ClearFilter) && m.applied != "":
		m.applied = ""
		m.refilter()
		return nil
	case key.Matches(k, keys.Detail):
		if r, ok := m.table.Current(); ok {
			m.detail = true
			m.detailView.SetTitle("audit line " + strconv.Itoa(r.n+1))
			m.detailView.SetText(detailText(r.rec))
			m.detailView.GotoTop()
		}
		return nil
	case key.Matches(k, keys.Undo):
		return m.undo(false)
	case key.Matches(k, keys.UndoPlan):
		return m.undo(true)
	}
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(k)
	return cmd
}

// undo plans the undo of the change under the cursor, or of its whole
// plan, and opens its review.
func (m *Model) undo(wholePlan bool) tea.Cmd {
	r, ok := m.table.Current()
	if !ok {
		return nil
	}
	if r.rec.PlanID == "" || !r.rec.OK() {
		return ui.ShowStatus(ui.LevelWarn, "nothing to undo: this line is not an applied change of a plan")
	}
	var picked []change.Entry
	for _, e := range m.entries {
		if e.PlanID == r.rec.PlanID && (wholePlan || e.Op == r.rec.OpIndex) {
			picked = append(picked, e)
		}
	}
	if m.src.Planner == nil || m.src.Applier == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	if len(picked) == 0 {
		return ui.ShowStatus(ui.LevelWarn, "nothing to undo: this change was rolled back or failed")
	}
	now, planner := m.c.Now(), m.src.Planner
	return review.Plan(m.key, m.c, planner, func(ctx context.Context) ([]change.Op, error) {
		plan, err := change.Undo(picked, "", now)
		if err != nil {
			return nil, err
		}
		// Each inverse is planned again against the state of the moment:
		// validated, warned about and costed like any change.
		for i, op := range plan.Ops {
			if plan.Ops[i], err = planner.Replan(ctx, "", op); err != nil {
				return nil, err
			}
		}
		return plan.Ops, nil
	})
}

// refilter shows the rows the filter keeps.
func (m *Model) refilter() {
	f := strings.ToLower(strings.TrimSpace(m.applied))
	shown := make([]row, 0, len(m.all))
	for _, r := range m.all {
		if f == "" || strings.Contains(strings.ToLower(r.rec.Actor+" "+r.rec.Op+" "+r.rec.Change+" "+r.rec.Target+" "+r.rec.Result+" "+r.rec.PlanID), f) {
			shown = append(shown, r)
		}
	}
	m.table.SetRows(shown)
}

// renderRow renders one audit line.
func (m *Model) renderRow(r row, s ui.RowState) string {
	st := &m.c.Styles
	lead := "  "
	if s.Cursor {
		lead = "▸ "
	}
	change := r.rec.Op
	if r.rec.Change != "" {
		change = r.rec.Change
	}
	result := r.rec.Result
	if i := strings.IndexByte(result, ':'); i > 0 {
		result = result[:i]
	}
	line := m.table.Line(lead,
		r.rec.Time.Local().Format("01-02 15:04:05"),
		ui.Sanitize(r.rec.Actor), ui.Sanitize(change), ui.Sanitize(r.rec.Target), ui.Sanitize(result))
	if s.Cursor {
		return st.Cursor.Render(line)
	}
	return line
}

// detailText is a record in full: who, what, before → after, the plan and
// whether it can be undone.
func detailText(r audit.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "time     %s\nactor    %s\nprofile  %s\naccount  %s\nop       %s\ntarget   %s\nresult   %s\n",
		r.Time.Format(time.RFC3339), r.Actor, r.Profile, r.Account, r.Op, r.Target, r.Result)
	if r.PlanID != "" {
		fmt.Fprintf(&b, "plan     %s (op %d, %s)\n", r.PlanID, r.OpIndex+1, r.Change)
		if len(r.Inverse) == 0 {
			b.WriteString("undo     not possible\n")
		} else {
			b.WriteString("undo     u undoes this change, U its whole plan\n")
		}
	}
	b.WriteString("\n- before\n")
	b.WriteString(indentJSON(r.Before))
	b.WriteString("\n+ after\n")
	b.WriteString(indentJSON(r.After))
	return b.String()
}

func indentJSON(v any) string {
	if v == nil {
		return "  (none)\n"
	}
	out, err := json.MarshalIndent(v, "  ", "  ")
	if err != nil {
		return "  " + fmt.Sprint(v) + "\n"
	}
	return "  " + string(out) + "\n"
}

// View renders the screen.
func (m *Model) View() string {
	if m.detail {
		return m.detailView.View()
	}
	st := &m.c.Styles
	title := fmt.Sprintf("%s · %s shown", ui.Plural(len(m.all), "audit line", "audit lines"), ui.Commas(m.table.Len()))
	if m.bad > 0 {
		title += fmt.Sprintf(" · %d unreadable lines skipped", m.bad)
	}
	if m.other > 0 {
		title += fmt.Sprintf(" · %d of other accounts hidden", m.other)
	}
	lines := []string{st.Title.Render(ui.Truncate(title, m.width))}
	if m.typing || m.applied != "" {
		if m.typing {
			lines = append(lines, m.filter.View())
		} else {
			lines = append(lines, st.Subtle.Render(ui.Truncate("/"+ui.Sanitize(m.applied), m.width)))
		}
	}
	if len(m.all) == 0 && m.loadErr == nil {
		lines = append(lines, "", st.Subtle.Render("no changes yet: every change wfp makes is written here before it returns"))
		return strings.Join(lines, "\n")
	}
	lines = append(lines, m.table.View())
	return strings.Join(lines, "\n")
}

// layout sizes the table below the title and filter lines.
func (m *Model) layout() {
	used := 1
	if m.typing || m.applied != "" {
		used++
	}
	m.table.SetSize(m.width, max(1, m.hgt-used))
	m.filter.SetWidth(m.width)
	m.detailView.SetSize(m.width, m.hgt)
}

// syncKeys enables the bindings that apply now.
func (m *Model) syncKeys() {
	k := &m.Keys
	k.CloseDetail.SetEnabled(m.detail)
	k.ApplyFilter.SetEnabled(m.typing)
	k.ClearFilter.SetEnabled(m.typing || (!m.detail && m.applied != ""))
	k.Detail.SetEnabled(!m.typing && !m.detail)
	k.Filter.SetEnabled(!m.typing && !m.detail)
	m.layout()
}

// SetSize sets the content area size.
func (m *Model) SetSize(w, h int) {
	m.width, m.hgt = w, h
	m.layout()
}

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return "audit" }

// Capturing reports that the filter input has the keyboard.
func (m *Model) Capturing() bool { return m.typing }

// WantsEsc reports that esc closes the detail or clears the filter first.
func (m *Model) WantsEsc() bool { return m.detail || m.applied != "" }

// DataAge is when the log was read.
func (m *Model) DataAge() time.Time { return m.dataAt }

// ShortHelp returns the footer's bindings.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	if m.detail {
		return []key.Binding{k.Undo, k.UndoPlan, k.CloseDetail}
	}
	return []key.Binding{k.Undo, k.UndoPlan, k.Detail, k.Filter, k.Down, k.Up}
}

// FullHelp returns the bindings for the help overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	return [][]key.Binding{k.MoveKeyMap.Bindings(), {k.Detail, k.CloseDetail, k.Filter, k.ApplyFilter, k.ClearFilter, k.Undo, k.UndoPlan}}
}

var (
	_ ui.Screen   = (*Model)(nil)
	_ ui.DataAger = (*Model)(nil)
	_ ui.Escaper  = (*Model)(nil)
)
