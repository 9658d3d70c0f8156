package scripts

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/internal/bulk"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// Bulk actions started from the table: each opens the plan screen on the
// marked scripts shown, or, with no mark, on every script the filter
// shows.

// bulkAction is the action a key starts (ok false for other keys).
func (m *Model) bulkAction(k tea.KeyPressMsg) (change.Action, bool) {
	keys := &m.Keys
	switch {
	case key.Matches(k, keys.Delete):
		return change.ActionDelete, true
	case key.Matches(k, keys.Cleanup):
		return change.ActionCleanup, true
	case key.Matches(k, keys.TagAdd):
		return change.ActionTagAdd, true
	case key.Matches(k, keys.TagRemove):
		return change.ActionTagRemove, true
	case key.Matches(k, keys.SetTier):
		return change.ActionTier, true
	case key.Matches(k, keys.SetLimits):
		return change.ActionLimits, true
	case key.Matches(k, keys.DanglingRoutes):
		return change.ActionRoutes, true
	}
	return "", false
}

// openPlan hands the selection to a new plan screen.
func (m *Model) openPlan(action change.Action) tea.Cmd {
	req := change.BulkRequest{Action: action, Namespace: m.ns}
	source := "filtered"
	switch {
	case m.table.Marked() > 0:
		source = "marked"
		req.Hidden = m.table.Marked() - m.table.MarkedShown()
		req.Scripts = m.all.Select(m.table.SelectedOrCurrent())
	case action == change.ActionRoutes:
		source = "namespace"
	case m.filter.Applied() == "":
		return ui.ShowStatus(ui.LevelWarn, "mark scripts (space, shift+space, *) or filter them (/) first: a plan needs a selection")
	case !m.filterSettled() || m.luLoading:
		return ui.ShowStatus(ui.LevelWarn, "the filter is still being applied: plan once its rows are shown")
	default:
		req.Scripts = m.all.Select(m.shown)
		if ts := m.tagSet(); ts != nil {
			req.TagSet = ts
		}
	}
	if len(req.Scripts) == 0 && action != change.ActionRoutes {
		return ui.ShowStatus(ui.LevelWarn, "nothing selected")
	}
	if !m.complete && action != change.ActionRoutes {
		return ui.ShowStatus(ui.LevelWarn, "the listing is still loading (or stopped): plan once it is complete")
	}
	return bulk.Open(req, m.filter.Applied(), source, m.c.Now())
}

// tagSet is the applied tag selector as the API's filter when the rows
// shown are exactly the scripts it selects: a complete listing, a tag
// selector alone (no name, age, use or tier term), every tag expressible
// in the API's filter.
func (m *Model) tagSet() *cfclient.TagFilter {
	q := m.q
	if q.Kind != selector.Tags || len(q.Attrs) > 0 || !m.complete {
		return nil
	}
	for _, t := range q.Terms {
		if !cfclient.TagFilterable(t.Tag) {
			return nil
		}
	}
	f := tagFilter(q)
	if len(f.Has) == 0 {
		return nil // a delete by tags needs a tag the scripts have
	}
	return &f
}
