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

	ReadRoutes key.Binding // R: read (or re-read) the routing table
}

// DefaultKeyMap returns the default bindings (docs/ux.md, "Keys").
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap: ui.DefaultMoveKeyMap(),
		Raw:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "json")),
		CloseRaw:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close json")),
		Copy:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy name")),

		ReadRoutes: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "read routing table")),
	}
}

// ShortHelp returns the bindings for the footer, most useful first: a
// narrow footer drops the last ones, and j/k are the ones an operator
// already knows.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	if m.raw {
		return []key.Binding{k.CloseRaw, k.Copy, k.Down, k.Up}
	}
	return []key.Binding{k.ReadRoutes, k.Raw, k.Copy, k.Down, k.Up}
}

// FullHelp returns the bindings, grouped, for the ? overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	return [][]key.Binding{
		k.MoveKeyMap.Bindings(),
		{k.Raw, k.CloseRaw, k.Copy, k.ReadRoutes},
	}
}

// syncKeys enables the bindings that apply now, and hands the movement
// bindings to the JSON view.
func (m *Model) syncKeys() {
	m.Keys.CloseRaw.SetEnabled(m.raw)
	m.rawView.KeyMap = m.Keys.MoveKeyMap
}
