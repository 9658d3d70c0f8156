package scripts

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// handleKey handles a key on the table.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	if pos, ok := m.Keys.Move(k, m.cursor, len(m.shown), m.rowsHeight()); ok {
		m.moveTo(pos)
		return nil
	}
	keys := &m.Keys
	switch {
	case key.Matches(k, keys.Open):
		if s, ok := m.current(); ok {
			return ui.Navigate(ui.Route{Kind: ui.KindScript, Namespace: m.ns, Script: s.Name})
		}
	case key.Matches(k, keys.Filter):
		m.startTyping()
	case key.Matches(k, keys.ClearFilter):
		if m.applied != "" || !m.server.IsEmpty() {
			return m.clearFilter()
		}
	case key.Matches(k, keys.Tags):
		return m.openFacets()
	case key.Matches(k, keys.Mark):
		m.toggleMark()
		if m.cursor+1 < len(m.shown) {
			m.moveTo(m.cursor + 1) // like k9s: mark and step down
		}
	case key.Matches(k, keys.MarkAll):
		m.markShown()
	case key.Matches(k, keys.ClearMarks):
		m.clearMarks()
	case key.Matches(k, keys.SortName):
		m.setSort(byName)
	case key.Matches(k, keys.SortMod):
		m.setSort(byModified)
	case key.Matches(k, keys.SortCreated):
		m.setSort(byCreated)
	case key.Matches(k, keys.Raw):
		m.openRaw()
	case key.Matches(k, keys.Copy):
		return m.copyNames()
	}
	return nil
}

// copyNames copies the marked names, or the current one, one per line.
func (m *Model) copyNames() tea.Cmd {
	var names []string
	if len(m.marks) > 0 {
		names = m.markedNames()
	} else if s, ok := m.current(); ok {
		names = []string{s.Name}
	}
	if len(names) == 0 {
		return nil
	}
	for i, n := range names {
		names[i] = selector.StripUnsafe(n) // a pasted name must not carry controls
	}
	return ui.CopyCmd(strings.Join(names, "\n"))
}
