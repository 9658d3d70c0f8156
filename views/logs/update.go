package logs

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/ui"
)

// Keys: filter, pause and follow, detail, write, movement.

// handleKey handles a key.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.Keys
	switch {
	case m.typing:
		switch {
		case key.Matches(k, keys.ApplyFilter):
			m.typing = false
			m.input.Blur()
			return nil
		case key.Matches(k, keys.ClearFilter):
			m.typing = false
			m.input.Blur()
			m.input.SetValue("")
			m.applyFilter("")
			return nil
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(k)
		m.applyFilter(m.input.Value())
		return cmd
	case m.detail:
		if key.Matches(k, keys.CloseDetail) {
			m.detail = false
			return nil
		}
		m.detailView, _ = m.detailView.Update(k)
		return nil
	}
	switch {
	case key.Matches(k, keys.Filter):
		m.typing = true
		m.input.SetValue(m.filterText())
		m.input.Focus()
		return nil
	case key.Matches(k, keys.ClearFilter):
		m.input.SetValue("")
		m.applyFilter("")
		return nil
	case key.Matches(k, keys.Pause):
		m.setFollowing(!m.following)
		return nil
	case key.Matches(k, keys.Follow):
		m.setFollowing(true)
		return nil
	case key.Matches(k, keys.Detail):
		if e, ok := m.table.Current(); ok {
			m.detail = true
			m.detailView.SetTitle(detailTitle(e.ev))
			m.detailView.SetText(detailText(e.ev))
			m.detailView.GotoTop()
		}
		return nil
	case key.Matches(k, keys.Write):
		return m.write()
	case key.Matches(k, keys.Script):
		return m.openScript()
	}
	before := m.table.Cursor()
	m.table, _ = m.table.Update(k)
	switch {
	case key.Matches(k, keys.Bottom):
		m.setFollowing(true)
	case m.following && m.table.Cursor() < before:
		// Moving up reads back: the view stops following (new events are
		// counted) until G or f.
		m.setFollowing(false)
	}
	return nil
}

// setFollowing starts or stops following. Resuming shows what arrived
// while paused and puts the cursor on the newest event.
func (m *Model) setFollowing(on bool) {
	m.following = on
	if on {
		m.newSince = 0
		m.showNewest()
	}
}

// applyFilter parses and applies the filter text; an invalid filter keeps
// the previous one and says why under the input.
func (m *Model) applyFilter(s string) {
	f, err := parseFilter(s)
	if err != nil {
		m.filterErr = err.Error()
		return
	}
	m.filterErr = ""
	m.filter = f
	if f.empty() {
		m.filter = nil
	}
	m.buf.refilter(m.filter)
	m.newSince = 0
	if m.following {
		m.showNewest()
	} else {
		m.table.SetRows(m.buf.shown)
		m.table.GotoTop()
	}
}

// filterText is the filter in force.
func (m *Model) filterText() string {
	if m.filter == nil {
		return ""
	}
	return m.filter.src
}

// openScript opens the script screen of the event under the cursor (where
// its tier and limits change); an account script has none.
func (m *Model) openScript() tea.Cmd {
	e, ok := m.table.Current()
	if !ok {
		return nil
	}
	return ui.OpenScript(e.ev.Namespace, e.ev.Script, "")
}
