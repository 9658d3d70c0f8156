package namespaces

import (
	"charm.land/bubbles/v2/key"

	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the namespaces screen's bindings. Bindings that do not apply
// at the moment (no row, no filter) are disabled, so the footer and the ?
// overlay show only what works now.
type KeyMap struct {
	// Movement, shared by the table and the JSON overlay.
	ui.MoveKeyMap

	Open        key.Binding // enter: the scripts of the namespace under the cursor
	Filter      key.Binding // /: open the filter input
	ClearFilter key.Binding // esc: clear the applied filter
	Raw         key.Binding // y: the namespace as JSON
	Copy        key.Binding // c: copy the namespace name
	New         key.Binding // n: create a namespace (name form)
	Rename      key.Binding // r: rename the namespace under the cursor
	Delete      key.Binding // D or d: delete it and every script in it

	ApplyFilter  key.Binding // enter while typing: keep the filter
	CancelFilter key.Binding // esc while typing: restore the previous filter
	CloseRaw     key.Binding // JSON overlay: close
	SubmitForm   key.Binding // enter in a name form: plan it
	CancelForm   key.Binding // esc in a name form: close it
}

// DefaultKeyMap returns the default bindings (docs/ux.md, "Keys").
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap:   ui.DefaultMoveKeyMap(),
		Open:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "scripts")),
		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Raw:          key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "json")),
		Copy:         key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy name")),
		ApplyFilter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		CancelFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		CloseRaw:     key.NewBinding(key.WithKeys("esc", "y", "q"), key.WithHelp("esc", "close")),
		New:          key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new")),
		Rename:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rename")),
		Delete:       key.NewBinding(key.WithKeys("D", "d"), key.WithHelp("D", "delete")),
		SubmitForm:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "plan")),
		CancelForm:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp returns the bindings of the current mode for the footer.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	switch {
	case m.form.open():
		return []key.Binding{k.SubmitForm, k.CancelForm}
	case m.typing:
		return []key.Binding{k.ApplyFilter, k.CancelFilter}
	case m.rawOpen:
		return []key.Binding{k.Down, k.Up, k.CloseRaw}
	}
	return []key.Binding{k.Open, k.Filter, k.ClearFilter, k.New, k.Rename, k.Delete, k.Raw, k.Copy}
}

// FullHelp returns the bindings of the current mode, grouped, for the ?
// overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	move := k.MoveKeyMap.Bindings()
	switch {
	case m.form.open():
		return [][]key.Binding{{k.SubmitForm, k.CancelForm}}
	case m.typing:
		return [][]key.Binding{{k.ApplyFilter, k.CancelFilter}}
	case m.rawOpen:
		return [][]key.Binding{move, {k.CloseRaw}}
	}
	return [][]key.Binding{move, {k.Open, k.Filter, k.ClearFilter, k.Raw, k.Copy}, {k.New, k.Rename, k.Delete}}
}

// syncKeys enables the bindings that apply to the current state, and hands
// the movement bindings to the table and the JSON overlay.
func (m *Model) syncKeys() {
	k := &m.Keys
	_, row := m.table.Current()
	for _, b := range []*key.Binding{&k.Open, &k.Raw, &k.Copy, &k.Rename, &k.Delete} {
		b.SetEnabled(row)
	}
	k.SubmitForm.SetEnabled(m.form.open())
	k.CancelForm.SetEnabled(m.form.open())
	k.ClearFilter.SetEnabled(m.applied != "")
	m.table.KeyMap = k.MoveKeyMap
	m.raw.KeyMap = k.MoveKeyMap
}
