package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap holds the global key bindings the App handles itself. Screens read
// them from Common.Keys to show them, never to handle them.
type KeyMap struct {
	// Command opens the command line.
	Command key.Binding
	// Help opens and closes the full help overlay.
	Help key.Binding
	// Back goes back one screen (after the screen had its turn, see Escaper).
	Back key.Binding
	// Refresh sends RefreshMsg to the active screen.
	Refresh key.Binding
	// Quit leaves the console (twice within a second with pending work).
	Quit key.Binding
	// Move scrolls the help overlay, with the keys of every scrolled view.
	Move MoveKeyMap
}

// DefaultKeyMap returns the default global bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Command: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Refresh: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh")),
		Quit:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Move:    DefaultMoveKeyMap(),
	}
}

// ShortHelp returns the global bindings shown in the footer after the
// active screen's own.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Command, k.Help}
}

// bindings are every global binding.
func (k KeyMap) bindings() []key.Binding {
	return []key.Binding{k.Command, k.Help, k.Back, k.Refresh, k.Quit}
}

// FullHelp returns the global bindings for the help overlay.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Command, k.Help, k.Back, k.Refresh, k.Quit}}
}

// MoveKeyMap holds the movement bindings every table and scrolled view
// shares (docs/ux.md: j/k, arrows, g/G, ctrl+u/ctrl+d, ctrl+b/ctrl+f,
// pgup/pgdn). Screens embed it in their KeyMap.
type MoveKeyMap struct {
	Up, Down         key.Binding
	Top, Bottom      key.Binding
	HalfUp, HalfDown key.Binding
	PageUp, PageDown key.Binding
}

// DefaultMoveKeyMap returns the default movement bindings.
func DefaultMoveKeyMap() MoveKeyMap {
	return MoveKeyMap{
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "bottom")),
		HalfUp:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "half page up")),
		HalfDown: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "half page down")),
		PageUp:   key.NewBinding(key.WithKeys("ctrl+b", "pgup"), key.WithHelp("ctrl+b/pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("ctrl+f", "pgdown"), key.WithHelp("ctrl+f/pgdn", "page down")),
	}
}

// Bindings lists the movement bindings in help order.
func (k MoveKeyMap) Bindings() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.HalfUp, k.HalfDown, k.PageUp, k.PageDown}
}

// Move maps a movement key to the new position in a list of n rows of
// which page are visible, clamped to [0, n-1]; ok is false for any other
// key. Tables move a cursor with it; scrolled text moves its first line.
func (k MoveKeyMap) Move(msg tea.KeyPressMsg, pos, n, page int) (int, bool) {
	page = max(1, page)
	switch {
	case key.Matches(msg, k.Up):
		pos--
	case key.Matches(msg, k.Down):
		pos++
	case key.Matches(msg, k.Top):
		pos = 0
	case key.Matches(msg, k.Bottom):
		pos = n - 1
	case key.Matches(msg, k.HalfUp):
		pos -= max(1, page/2)
	case key.Matches(msg, k.HalfDown):
		pos += max(1, page/2)
	case key.Matches(msg, k.PageUp):
		pos -= page
	case key.Matches(msg, k.PageDown):
		pos += page
	default:
		return pos, false
	}
	return max(0, min(pos, n-1)), true
}
