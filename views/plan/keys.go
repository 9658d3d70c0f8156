package plan

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the screen's bindings.
type KeyMap struct {
	ui.MoveKeyMap
	Start   key.Binding // enter: ask for the phrase and start the job
	Save    key.Binding // p: save the plan as JSON
	Secrets key.Binding // S: count the deleted scripts' secrets
	// ServerSide deletes a tag set's scripts in one request instead (x).
	ServerSide key.Binding
	Submit     key.Binding // enter in the input
	Cancel     key.Binding // esc in the input
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap: ui.DefaultMoveKeyMap(),
		Start:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start job")),
		Save:       key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "save plan (JSON)")),
		Secrets:    key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "count secrets")),
		ServerSide: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "server-side delete (no undo)")),
		Submit:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "plan")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// ShortHelp returns the footer's bindings.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	if m.phase == asking {
		return []key.Binding{k.Submit, k.Cancel}
	}
	return []key.Binding{k.Start, k.Save, k.Secrets, k.ServerSide, k.Down, k.Up}
}

// FullHelp returns the ? overlay's bindings.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	if m.phase == asking {
		return [][]key.Binding{{k.Submit, k.Cancel}}
	}
	return [][]key.Binding{k.MoveKeyMap.Bindings(), {k.Start, k.Save, k.Secrets, k.ServerSide}}
}

// syncKeys enables what applies now.
func (m *Model) syncKeys() {
	k := &m.Keys
	ready := m.phase == shown && m.plan != nil
	k.Start.SetEnabled(ready)
	k.Save.SetEnabled((ready || m.phase == started) && m.deps.Save != nil)
	k.ServerSide.SetEnabled(ready && m.deps.DeleteByTags != nil && m.plan.Bulk != nil && m.plan.Bulk.ServerSide != nil)
	k.Secrets.SetEnabled(ready && m.deps.Secrets != nil && m.secrets == nil && !m.countingSecrets && m.plan.Bulk != nil && m.plan.Bulk.SecretsUnknown)
}

// handleKey handles a key.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.Keys
	if m.phase == asking {
		switch {
		case key.Matches(msg, k.Submit):
			return m.submit()
		case key.Matches(msg, k.Cancel):
			return ui.Back()
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return cmd
	}
	t := &m.table
	if pos, ok := t.KeyMap.Move(msg, t.Cursor(), t.Len(), t.PageSize()); ok {
		t.SetCursor(pos)
		return nil
	}
	switch {
	case key.Matches(msg, k.Start):
		if m.phase == shown && m.plan != nil {
			return m.ask()
		}
	case key.Matches(msg, k.Save):
		return m.save()
	case key.Matches(msg, k.Secrets):
		return m.askSecrets()
	case key.Matches(msg, k.ServerSide):
		return m.askServerSide()
	}
	return nil
}
