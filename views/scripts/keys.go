package scripts

import (
	"charm.land/bubbles/v2/key"

	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the scripts screen's bindings: the table's and the JSON
// view's (the filter bar's and the facets panel's are theirs). Bindings
// that do not apply at the moment (no row, no marks, no filter) are
// disabled, so the footer and the ? overlay show only what works now.
type KeyMap struct {
	// Movement, shared by the table, the tag facets and the JSON view.
	ui.MoveKeyMap
	Open              key.Binding // enter: open the script under the cursor
	Filter            key.Binding // /: open the filter input
	ClearFilter       key.Binding // esc: clear the applied filter
	Tags              key.Binding // t: tag facets
	Mark              key.Binding // space: mark or unmark the current row
	MarkRange         key.Binding // shift+space, ctrl+space: mark from the last mark to the cursor
	ReadLastUse       key.Binding // R: read the last use of keys without metadata
	MarkAll           key.Binding // *: mark every row shown
	ClearMarks        key.Binding // ctrl+\: clear every mark
	SortName, SortMod key.Binding // N, M: sort by name / modified
	SortCreated       key.Binding // C: sort by created
	// Bulk plans of the marked scripts (or every one the filter shows).
	Delete         key.Binding // D
	Cleanup        key.Binding // X: delete with routes and last-used keys
	TagAdd         key.Binding // +
	TagRemove      key.Binding // -
	SetTier        key.Binding // T
	SetLimits      key.Binding // L
	DanglingRoutes key.Binding // O: delete routes to missing scripts
	Raw            key.Binding // y: the current row's listing as JSON
	Copy           key.Binding // c: copy the marked names, or the current one
	CloseRaw       key.Binding // JSON view: close
}

// DefaultKeyMap returns the default bindings (docs/ux.md, "Keys").
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap:     ui.DefaultMoveKeyMap(),
		Open:           key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Filter:         key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Tags:           key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "tags")),
		Mark:           key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark")),
		MarkRange:      key.NewBinding(key.WithKeys("shift+space", "ctrl+space", "ctrl+@"), key.WithHelp("shift+space", "mark range")),
		ReadLastUse:    key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "read last use")),
		MarkAll:        key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "mark shown")),
		ClearMarks:     key.NewBinding(key.WithKeys("ctrl+\\"), key.WithHelp("ctrl+\\", "clear marks")),
		SortName:       key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "sort name")),
		SortMod:        key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "sort modified")),
		SortCreated:    key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "sort created")),
		Raw:            key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "json")),
		Delete:         key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "plan delete")),
		Cleanup:        key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "plan cleanup")),
		TagAdd:         key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "plan add tag")),
		TagRemove:      key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "plan remove tag")),
		SetTier:        key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "plan tier")),
		SetLimits:      key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "plan limits")),
		DanglingRoutes: key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "plan dangling routes")),
		Copy:           key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy names")),
		CloseRaw:       key.NewBinding(key.WithKeys("esc", "y", "q"), key.WithHelp("esc", "close")),
	}
}

// ShortHelp returns the bindings of what has the keyboard, for the footer.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	switch {
	case m.filter.Focused():
		return m.filter.ShortHelp()
	case m.rawOpen:
		return []key.Binding{k.Down, k.Up, k.CloseRaw}
	case m.facets.Visible():
		return m.facets.ShortHelp()
	}
	return []key.Binding{k.Open, k.Filter, k.ClearFilter, k.Mark, k.Tags, k.SortName, k.Raw, k.Copy}
}

// FullHelp returns the bindings of what has the keyboard, grouped, for the
// ? overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	move := k.MoveKeyMap.Bindings()
	switch {
	case m.filter.Focused():
		return m.filter.FullHelp()
	case m.rawOpen:
		return [][]key.Binding{move, {k.CloseRaw}}
	case m.facets.Visible():
		return m.facets.FullHelp()
	}
	return [][]key.Binding{
		move,
		{k.Open, k.Filter, k.ClearFilter, k.Tags, k.Raw, k.Copy},
		{k.Mark, k.MarkRange, k.MarkAll, k.ClearMarks, k.ReadLastUse},
		{k.SortName, k.SortMod, k.SortCreated},
		{k.Delete, k.Cleanup, k.TagAdd, k.TagRemove, k.SetTier, k.SetLimits, k.DanglingRoutes},
	}
}

// syncKeys enables the table's bindings that apply to the current state.
func (m *Model) syncKeys() {
	k := &m.Keys
	_, row := m.table.Current()
	for _, b := range []*key.Binding{&k.Open, &k.Mark, &k.MarkRange, &k.Raw, &k.Copy} {
		b.SetEnabled(row)
	}
	k.Copy.SetEnabled(row || m.table.Marked() > 0)
	k.MarkAll.SetEnabled(m.table.Len() > 0)
	sel := m.table.Marked() > 0 || (m.filter.Applied() != "" && m.table.Len() > 0)
	for _, b := range []*key.Binding{&k.Delete, &k.Cleanup, &k.TagAdd, &k.TagRemove, &k.SetTier, &k.SetLimits} {
		b.SetEnabled(sel)
	}
	k.ClearMarks.SetEnabled(m.table.Marked() > 0)
	k.ClearFilter.SetEnabled(m.filter.Applied() != "")
	k.ReadLastUse.SetEnabled(m.q.Uses(selector.Idle) && m.lu != nil && !m.lu.Complete() && !m.luLoading)
}
