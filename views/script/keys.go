package script

import (
	"charm.land/bubbles/v2/key"

	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the script screen's bindings.
type KeyMap struct {
	// Scrolling, shared by the details and the JSON view.
	ui.MoveKeyMap

	Raw      key.Binding // y: the script as JSON (details + settings)
	CloseRaw key.Binding // esc while the JSON is shown: back to the details
	Copy     key.Binding // c: copy the script name

	Logs key.Binding // l: this script's logs (Workers Logs)

	ReadRoutes key.Binding // R: read (or re-read) the routing table
	AddRoute   key.Binding // a: the routing screen's add form, for this script

	EditTags   key.Binding // e: edit the tags
	EditTier   key.Binding // T: change the tier
	EditLimits key.Binding // L: edit the script's own limits
	SubmitEdit key.Binding // enter in a form: plan the change
	CancelEdit key.Binding // esc in a form: close it
}

// DefaultKeyMap returns the default bindings (docs/ux.md, "Keys").
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap: ui.DefaultMoveKeyMap(),
		Raw:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "json")),
		CloseRaw:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close json")),
		Copy:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy name")),

		Logs: key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "logs")),

		ReadRoutes: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "read routing table")),
		AddRoute:   key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add route to this script")),

		EditTags:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit tags")),
		EditTier:   key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "change tier")),
		EditLimits: key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "edit limits")),
		SubmitEdit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "plan change")),
		CancelEdit: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp returns the bindings for the footer, most useful first: a
// narrow footer drops the last ones, and j/k are the ones an operator
// already knows.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	switch {
	case m.editing():
		return []key.Binding{k.SubmitEdit, k.CancelEdit}
	case m.raw:
		return []key.Binding{k.CloseRaw, k.Copy, k.Down, k.Up}
	}
	return []key.Binding{k.Logs, k.ReadRoutes, k.AddRoute, k.EditTags, k.EditTier, k.EditLimits, k.Raw, k.Copy, k.Down, k.Up}
}

// FullHelp returns the bindings, grouped, for the ? overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	return [][]key.Binding{
		k.MoveKeyMap.Bindings(),
		{k.Logs, k.Raw, k.CloseRaw, k.Copy, k.ReadRoutes, k.AddRoute},
		{k.EditTags, k.EditTier, k.EditLimits, k.SubmitEdit, k.CancelEdit},
	}
}

// syncKeys enables the bindings that apply now, and hands the movement
// bindings to the JSON view.
func (m *Model) syncKeys() {
	m.Keys.CloseRaw.SetEnabled(m.raw)
	editing := m.editing()
	m.Keys.SubmitEdit.SetEnabled(editing)
	m.Keys.CancelEdit.SetEnabled(editing)
	for _, b := range []*key.Binding{&m.Keys.EditTags, &m.Keys.EditTier, &m.Keys.EditLimits, &m.Keys.AddRoute, &m.Keys.Logs} {
		b.SetEnabled(!editing && !m.raw)
	}
	m.rawView.KeyMap = m.Keys.MoveKeyMap
}
