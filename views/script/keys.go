package script

import "charm.land/bubbles/v2/key"

// KeyMap holds the script screen's bindings.
type KeyMap struct {
	// Scrolling, shared by the details and the JSON view.
	Up, Down         key.Binding
	Top, Bottom      key.Binding
	HalfUp, HalfDown key.Binding
	PageUp, PageDown key.Binding

	Raw      key.Binding // y: the script as JSON (details + settings)
	CloseRaw key.Binding // esc while the JSON is shown: back to the details
	Copy     key.Binding // c: copy the script name

	ReadRoutes key.Binding // R: read (or re-read) the routing table
}

// DefaultKeyMap returns the default bindings (docs/ux.md, "Keys").
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "bottom")),
		HalfUp:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "half page up")),
		HalfDown: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "half page down")),
		PageUp:   key.NewBinding(key.WithKeys("ctrl+b", "pgup"), key.WithHelp("ctrl+b/pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("ctrl+f", "pgdown"), key.WithHelp("ctrl+f/pgdn", "page down")),
		Raw:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "json")),
		CloseRaw: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close json")),
		Copy:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy name")),

		ReadRoutes: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "read routing table")),
	}
}

// ShortHelp returns the bindings for the footer.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	if m.raw {
		return []key.Binding{k.Down, k.Up, k.Raw, k.CloseRaw, k.Copy}
	}
	return []key.Binding{k.Down, k.Up, k.Raw, k.Copy, k.ReadRoutes}
}

// FullHelp returns the bindings, grouped, for the ? overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.HalfUp, k.HalfDown, k.PageUp, k.PageDown},
		{k.Raw, k.CloseRaw, k.Copy, k.ReadRoutes},
	}
}

// syncKeys enables the bindings that apply now.
func (m *Model) syncKeys() {
	m.Keys.CloseRaw.SetEnabled(m.raw)
}
