package routing

import (
	"charm.land/bubbles/v2/key"

	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the routing screen's bindings.
type KeyMap struct {
	ui.MoveKeyMap

	Open        key.Binding // enter: the target script's screen
	Detail      key.Binding // y: the route as stored, and what is wrong with it
	CloseDetail key.Binding // esc in the detail

	Filter       key.Binding // /
	ApplyFilter  key.Binding // enter while typing
	CancelFilter key.Binding // esc while typing: back to the filter before
	ClearFilter  key.Binding // esc with a filter applied

	Mark       key.Binding // space
	MarkAll    key.Binding // *: every route shown
	ClearMarks key.Binding // ctrl+\

	Add       key.Binding // a: add a route (to the unrouted script under the cursor)
	Repoint   key.Binding // e: point the route at another script
	Delete    key.Binding // d: delete the marked routes or the one under the cursor
	ReadTable key.Binding // R: read (or re-read) the routing table

	Unrouted      key.Binding // U: the scripts no route reaches, or back to the routes
	LeaveUnrouted key.Binding // esc in the unrouted list

	SubmitForm key.Binding // enter in a form: plan the change
	CancelForm key.Binding // esc in a form

	EditValue   key.Binding // E: edit the route's whole value (JSON) in an editor
	SubmitValue key.Binding // ctrl+s in the value editor: plan it
}

// DefaultKeyMap returns the default bindings (docs/ux.md, "Keys").
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap:  ui.DefaultMoveKeyMap(),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open target script")),
		Detail:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "route as stored")),
		CloseDetail: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),

		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter key or target")),
		ApplyFilter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter")),
		CancelFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		ClearFilter:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),

		Mark:       key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark")),
		MarkAll:    key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "mark shown")),
		ClearMarks: key.NewBinding(key.WithKeys("ctrl+\\"), key.WithHelp("ctrl+\\", "clear marks")),

		Add:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add route")),
		Repoint:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "repoint")),
		Delete:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		ReadTable: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "read routing table")),

		Unrouted:      key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "unrouted tenants")),
		LeaveUnrouted: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to routes")),

		SubmitForm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "plan change")),
		CancelForm: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),

		EditValue:   key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "edit value (JSON)")),
		SubmitValue: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "plan value")),
	}
}

// ShortHelp returns the footer's bindings, most useful first (a narrow
// footer drops the last ones).
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	switch {
	case m.value.open:
		return []key.Binding{k.SubmitValue, k.CancelForm}
	case m.form.open():
		return []key.Binding{k.SubmitForm, k.CancelForm}
	case m.filter.typing:
		return []key.Binding{k.ApplyFilter, k.CancelFilter}
	case m.detail:
		return []key.Binding{k.Repoint, k.Delete, k.CloseDetail}
	case m.unrouted:
		return []key.Binding{k.Add, k.Open, k.Unrouted, k.Filter, k.LeaveUnrouted}
	}
	return []key.Binding{k.ReadTable, k.Add, k.Repoint, k.Delete, k.Unrouted, k.Filter, k.Detail, k.Open}
}

// FullHelp returns the bindings, grouped, for the ? overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	return [][]key.Binding{
		k.MoveKeyMap.Bindings(),
		{k.Open, k.Detail, k.CloseDetail, k.Filter, k.ApplyFilter, k.CancelFilter, k.ClearFilter, k.Unrouted, k.LeaveUnrouted},
		{k.Add, k.Repoint, k.EditValue, k.Delete, k.Mark, k.MarkAll, k.ClearMarks, k.ReadTable, k.SubmitForm, k.SubmitValue, k.CancelForm},
	}
}

// syncKeys enables the bindings that apply now and lays the screen out
// (the filter line comes and goes).
func (m *Model) syncKeys() {
	k := &m.Keys
	form, typing, detail := m.form.open() || m.value.open, m.filter.typing, m.detail
	browsing := !form && !typing && !detail
	routes := browsing && !m.unrouted
	k.SubmitForm.SetEnabled(form && !m.value.open)
	k.CancelForm.SetEnabled(form)
	k.SubmitValue.SetEnabled(m.value.open)
	k.EditValue.SetEnabled(routes)
	k.ApplyFilter.SetEnabled(typing)
	k.CancelFilter.SetEnabled(typing)
	k.CloseDetail.SetEnabled(detail)
	k.ClearFilter.SetEnabled(browsing && m.filter.applied != "")
	k.LeaveUnrouted.SetEnabled(browsing && m.unrouted && m.filter.applied == "")
	k.Filter.SetEnabled(browsing)
	k.Unrouted.SetEnabled(browsing)
	k.ReadTable.SetEnabled(browsing)
	k.Open.SetEnabled(browsing)
	k.Add.SetEnabled(browsing)
	for _, b := range []*key.Binding{&k.Mark, &k.MarkAll, &k.ClearMarks} {
		b.SetEnabled(routes)
	}
	k.Detail.SetEnabled(routes || detail)
	k.Repoint.SetEnabled(routes || (detail && !m.unrouted))
	k.Delete.SetEnabled(routes || (detail && !m.unrouted))
	if m.unrouted {
		k.Unrouted.SetHelp("U", "list routes")
	} else {
		k.Unrouted.SetHelp("U", "unrouted tenants")
	}
	m.table.KeyMap = k.MoveKeyMap
	m.scripts.KeyMap = k.MoveKeyMap
	m.detailView.KeyMap = k.MoveKeyMap
	m.layout()
}
