package tiers

import (
	"charm.land/bubbles/v2/key"

	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the tiers screen's bindings. Bindings that do not apply now
// (no row, a form open) are disabled, so the footer and the ? overlay show
// only what works.
type KeyMap struct {
	ui.MoveKeyMap

	Add      key.Binding // a: add a tier (form)
	Edit     key.Binding // e: edit the tier under the cursor (form)
	Remove   key.Binding // d: remove the tier under the cursor
	EditJSON key.Binding // E: edit the whole table as JSON
	Count    key.Binding // C: count the scripts on each tier at the API

	Submit     key.Binding // enter in a form: plan the change
	NextField  key.Binding // tab in a form: the next field
	Cancel     key.Binding // esc in a form or the JSON editor: close it
	SubmitJSON key.Binding // ctrl+s in the JSON editor: plan the table
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap: ui.DefaultMoveKeyMap(),
		Add:        key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add tier")),
		Edit:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit tier")),
		Remove:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "remove tier")),
		EditJSON:   key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "edit table as JSON")),
		Count:      key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "count at the API")),
		Submit:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "plan change")),
		NextField:  key.NewBinding(key.WithKeys("tab", "shift+tab", "down", "up"), key.WithHelp("tab", "next field")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		SubmitJSON: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "plan table")),
	}
}

// ShortHelp returns the footer's bindings, most useful first.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	switch {
	case m.json.open:
		return []key.Binding{k.SubmitJSON, k.Cancel}
	case m.form.open():
		return []key.Binding{k.Submit, k.NextField, k.Cancel}
	}
	return []key.Binding{k.Add, k.Edit, k.Remove, k.EditJSON, k.Count, k.Down, k.Up}
}

// FullHelp returns the bindings, grouped, for the ? overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	switch {
	case m.json.open:
		return [][]key.Binding{{k.SubmitJSON, k.Cancel}}
	case m.form.open():
		return [][]key.Binding{{k.Submit, k.NextField, k.Cancel}}
	}
	return [][]key.Binding{k.MoveKeyMap.Bindings(), {k.Add, k.Edit, k.Remove, k.EditJSON, k.Count}}
}

// syncKeys enables the bindings that apply now.
func (m *Model) syncKeys() {
	k := &m.Keys
	_, row := m.table.Current()
	editing := m.form.open() || m.json.open
	k.Add.SetEnabled(!editing && m.tiersErr == nil && m.loaded)
	k.Edit.SetEnabled(!editing && row)
	k.Remove.SetEnabled(!editing && row)
	k.EditJSON.SetEnabled(!editing && m.loaded)
	k.Count.SetEnabled(!editing)
	k.Submit.SetEnabled(m.form.open())
	k.NextField.SetEnabled(m.form.open())
	k.Cancel.SetEnabled(editing)
	k.SubmitJSON.SetEnabled(m.json.open)
	m.table.KeyMap = k.MoveKeyMap
}
