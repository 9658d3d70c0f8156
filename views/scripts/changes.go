package scripts

import (
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/ui"
)

// applyChanges patches the rows with script changes applied anywhere in
// the process (a bulk job, another session, an undo): a deleted script
// leaves the table, a retagged one shows its new tags and tier, without a
// request. A change older than the rows is in them already. A restored
// script is left to the next listing (the change does not carry its
// row), and so is everything while a listing is still arriving.
//
// Commands may still read the current rows, so the patched rows are a new
// array (a new epoch, as a refresh makes); the filter runs again on them.
func (m *Model) applyChanges(msg ui.ScriptsChangedMsg) tea.Cmd {
	if m.ld != nil || m.all.Len() == 0 {
		return nil
	}
	gone := map[string]bool{}
	tags := map[string][]string{}
	for _, c := range msg.Changes {
		if c.Namespace != m.ns || c.At.Before(m.dataAt) {
			continue
		}
		switch {
		case c.Script == "" && c.Gone:
			// The namespace is gone: its screen shows nothing more.
			m.replaceRows(rows.Scripts{}, m.server, true)
			return m.requestFilter()
		case c.Gone:
			gone[c.Script] = true
		case c.TagsSet:
			tags[c.Script] = c.Tags
		}
	}
	hit := false
	for name := range gone {
		hit = hit || m.lookup(name) >= 0
	}
	for name := range tags {
		hit = hit || m.lookup(name) >= 0
	}
	if !hit {
		return nil
	}
	edited := m.all.Edit(func(i int) bool { return gone[m.all.Name(i)] }, func(i int) []string {
		if t, ok := tags[m.all.Name(i)]; ok {
			return append([]string{}, t...) // not nil: no tags at all is a change too
		}
		return nil
	})
	m.replaceRows(edited, m.server, m.complete)
	return m.requestFilter()
}
