package jobs

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/jobs"
	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the screen's bindings.
type KeyMap struct {
	ui.MoveKeyMap
	Open   key.Binding // enter: the job's items
	Close  key.Binding // esc: back to the list
	Pause  key.Binding // p
	Resume key.Binding // r
	Cancel key.Binding // x
	Retry  key.Binding // f: retry the failed items
	Undo   key.Binding // u: undo the item under the cursor
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap: ui.DefaultMoveKeyMap(),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "items")),
		Close:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "jobs")),
		Pause:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		Resume:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resume")),
		Cancel:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "cancel")),
		Retry:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "retry failed")),
		Undo:       key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo item")),
	}
}

// ShortHelp returns the footer's bindings.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	if m.open != "" {
		return []key.Binding{k.Undo, k.Pause, k.Resume, k.Cancel, k.Retry, k.Close}
	}
	return []key.Binding{k.Open, k.Pause, k.Resume, k.Cancel, k.Retry}
}

// FullHelp returns the ? overlay's bindings.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	return [][]key.Binding{k.MoveKeyMap.Bindings(), {k.Open, k.Close, k.Undo}, {k.Pause, k.Resume, k.Cancel, k.Retry}}
}

// current is the job the keys act on: the open one, or the one under the
// cursor.
func (m *Model) current() (jobs.Snapshot, bool) {
	if m.open != "" {
		for _, s := range m.snaps {
			if s.ID == m.open {
				return s, true
			}
		}
		return m.openSnap, m.openSnap.ID != ""
	}
	return m.list.Current()
}

// syncKeys enables what applies to the current job.
func (m *Model) syncKeys() {
	k := &m.Keys
	s, ok := m.current()
	k.Open.SetEnabled(m.open == "" && ok)
	k.Close.SetEnabled(m.open != "")
	k.Pause.SetEnabled(ok && s.State == jobs.Running)
	k.Resume.SetEnabled(ok && s.State.Resumable() && !m.c.ReadOnly)
	k.Cancel.SetEnabled(ok && (s.State == jobs.Running || s.State.Resumable()))
	k.Retry.SetEnabled(ok && (s.Failed > 0 || s.Refused > 0) && s.State != jobs.Running && !m.c.ReadOnly)
	it, iok := m.items.Current()
	k.Undo.SetEnabled(m.open != "" && iok && it.State == jobs.ItemApplied && !m.c.ReadOnly)
}

// handleKey handles a key.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	t := &m.list
	if m.open != "" {
		it := &m.items
		if pos, ok := it.KeyMap.Move(msg, it.Cursor(), it.Len(), it.PageSize()); ok {
			it.SetCursor(pos)
			return nil
		}
	} else if pos, ok := t.KeyMap.Move(msg, t.Cursor(), t.Len(), t.PageSize()); ok {
		t.SetCursor(pos)
		return nil
	}
	k := &m.Keys
	s, ok := m.current()
	switch {
	case key.Matches(msg, k.Open) && ok:
		m.open = s.ID
		m.items.SetRows(nil)
		return m.refreshItems()
	case key.Matches(msg, k.Close):
		m.open = ""
		return nil
	case key.Matches(msg, k.Pause) && ok:
		e := m.deps.Engine
		return m.act(s.ID, "paused", func(id string, _ cfclient.Actor) error { return e.Pause(id) })
	case key.Matches(msg, k.Resume) && ok:
		return m.act(s.ID, "resumed", m.deps.Engine.Resume)
	case key.Matches(msg, k.Cancel) && ok:
		e := m.deps.Engine
		return m.act(s.ID, "cancelled", func(id string, _ cfclient.Actor) error { return e.Cancel(id) })
	case key.Matches(msg, k.Retry) && ok:
		return m.act(s.ID, "retrying the failed items", m.deps.Engine.Retry)
	case key.Matches(msg, k.Undo):
		return m.undo()
	}
	return nil
}
