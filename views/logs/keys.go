package logs

import (
	"charm.land/bubbles/v2/key"

	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the logs screen's bindings.
type KeyMap struct {
	ui.MoveKeyMap
	Detail      key.Binding // enter: the whole event
	CloseDetail key.Binding // esc: back to the list
	Filter      key.Binding // /: filter
	ApplyFilter key.Binding // enter while typing
	ClearFilter key.Binding // esc: clear the filter
	Pause       key.Binding // space: pause (keeps ingesting) / resume
	Follow      key.Binding // f: follow the newest event
	Write       key.Binding // w: write the buffer as JSON lines
	Script      key.Binding // s: the script of the event under the cursor
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap:  ui.DefaultMoveKeyMap(),
		Detail:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "event")),
		CloseDetail: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close event")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ApplyFilter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Pause:       key.NewBinding(key.WithKeys("space", "p"), key.WithHelp("space", "pause/resume")),
		Follow:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "follow")),
		Write:       key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write json")),
		Script:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "script (tier, limits)")),
	}
}

// syncKeys enables the bindings that apply now.
func (m *Model) syncKeys() {
	k := &m.Keys
	list := !m.typing && !m.detail
	k.CloseDetail.SetEnabled(m.detail)
	k.ApplyFilter.SetEnabled(m.typing)
	k.ClearFilter.SetEnabled(m.typing || (list && m.filter != nil))
	for _, b := range []*key.Binding{&k.Detail, &k.Filter, &k.Pause, &k.Follow, &k.Write, &k.Script} {
		b.SetEnabled(list)
	}
	m.layout()
}

// ShortHelp returns the footer's bindings.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	switch {
	case m.typing:
		return []key.Binding{k.ApplyFilter, k.ClearFilter}
	case m.detail:
		return []key.Binding{k.CloseDetail, k.Down, k.Up}
	}
	return []key.Binding{k.Pause, k.Filter, k.Detail, k.Write, k.Follow, k.ClearFilter}
}

// FullHelp returns the bindings for the help overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	return [][]key.Binding{k.MoveKeyMap.Bindings(),
		{k.Detail, k.CloseDetail, k.Filter, k.ApplyFilter, k.ClearFilter, k.Pause, k.Follow, k.Write, k.Script}}
}
