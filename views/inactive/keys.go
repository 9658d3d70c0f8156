package inactive

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the screen's bindings.
type KeyMap struct {
	ui.MoveKeyMap
	Open        key.Binding // enter: open the script
	Mark        key.Binding // space
	MarkRange   key.Binding // shift+space, ctrl+space: from the last mark to the cursor
	MarkAll     key.Binding // *
	ClearMarks  key.Binding // ctrl+\
	ReadLastUse key.Binding // R: read the last use of keys without metadata
	Plan        key.Binding // P: plan the cleanup of the marked (or all shown)
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap:  ui.DefaultMoveKeyMap(),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Mark:        key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark")),
		MarkRange:   key.NewBinding(key.WithKeys("shift+space", "ctrl+space", "ctrl+@"), key.WithHelp("shift+space", "mark range")),
		MarkAll:     key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "mark shown")),
		ClearMarks:  key.NewBinding(key.WithKeys("ctrl+\\"), key.WithHelp("ctrl+\\", "clear marks")),
		ReadLastUse: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "read last use")),
		Plan:        key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "plan cleanup")),
	}
}

// ShortHelp returns the footer's bindings.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	return []key.Binding{k.Open, k.Mark, k.MarkRange, k.Plan, k.ReadLastUse}
}

// FullHelp returns the ? overlay's bindings.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	return [][]key.Binding{k.MoveKeyMap.Bindings(), {k.Open, k.Plan, k.ReadLastUse}, {k.Mark, k.MarkRange, k.MarkAll, k.ClearMarks}}
}

// syncKeys enables what applies now.
func (m *Model) syncKeys() {
	k := &m.Keys
	row := m.table.Len() > 0
	for _, b := range []*key.Binding{&k.Open, &k.Mark, &k.MarkRange, &k.MarkAll} {
		b.SetEnabled(row)
	}
	k.ClearMarks.SetEnabled(m.table.Marked() > 0)
	k.ReadLastUse.SetEnabled(m.unknown > 0 && !m.loading)
	k.Plan.SetEnabled(row && m.deps.Plan != nil)
}

// handleKey handles a key on the table.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	t := &m.table
	if pos, ok := t.KeyMap.Move(msg, t.Cursor(), t.Len(), t.PageSize()); ok {
		t.SetCursor(pos)
		return nil
	}
	k := &m.Keys
	switch {
	case key.Matches(msg, k.Open):
		if r, ok := t.Current(); ok {
			return ui.Navigate(ui.Route{Kind: ui.KindScript, Namespace: m.ns, Script: r.name})
		}
	case key.Matches(msg, k.Mark):
		t.Toggle()
		if t.Cursor()+1 < t.Len() {
			t.SetCursor(t.Cursor() + 1)
		}
	case key.Matches(msg, k.MarkRange):
		t.MarkRange()
	case key.Matches(msg, k.MarkAll):
		t.MarkAll()
	case key.Matches(msg, k.ClearMarks):
		t.ClearMarks()
	case key.Matches(msg, k.ReadLastUse):
		if m.lu != nil && !m.lu.Complete() {
			return m.load(cache.LastUsedLoad{ValueReads: m.lu.UnreadCost()})
		}
	case key.Matches(msg, k.Plan):
		return m.plan()
	}
	return nil
}

// plan hands the marked rows (or all shown) to the cleanup plan.
func (m *Model) plan() tea.Cmd {
	if m.deps.Plan == nil {
		return nil
	}
	want := map[string]bool{}
	if t := &m.table; t.MarkedShown() > 0 {
		for _, r := range t.SelectedOrCurrent() {
			want[r.name] = true
		}
	} else {
		for _, r := range m.rows {
			want[r.name] = true
		}
	}
	if len(want) == 0 {
		return ui.ShowStatus(ui.LevelWarn, errNothing.Error())
	}
	req := change.BulkRequest{Action: change.ActionCleanup, Namespace: m.ns,
		Hidden: m.table.Marked() - m.table.MarkedShown()}
	for _, s := range m.all {
		if want[s.Name] {
			req.Scripts = append(req.Scripts, s)
		}
	}
	note := fmt.Sprintf("idle>%dd (never used counts)", m.days)
	return m.deps.Plan(req, note, ":inactive")
}
