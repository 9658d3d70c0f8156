package tiers

import (
	"context"
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/ui"
)

// Planning: every change of the screen (a form's one tier, the editor's
// whole table) becomes one tiers.define op of the whole new table, made in
// a command from the table as stored, reviewed, applied, then re-read.

// edit makes the table to plan from the table stored now: a form's change
// of one tier is applied to it (so a tier another operator changed or
// added meanwhile is kept as they left it); the JSON editor's table
// replaces it whole.
type edit func(stored []platform.Tier) ([]platform.Tier, error)

// gone is the error of a form's tier that the stored table no longer has.
func gone(name string) error {
	return &platform.RuleError{Field: fmt.Sprintf("tier %q", name), Rule: "is no longer in the stored table (ctrl+r reads it again)"}
}

// addTier adds t to the stored table.
func addTier(t platform.Tier) edit {
	return func(stored []platform.Tier) ([]platform.Tier, error) {
		if platform.FindTier(stored, t.Name) != nil {
			return nil, &platform.RuleError{Field: fmt.Sprintf("tier %q", t.Name), Rule: "exists already (another change added it)"}
		}
		return append(stored, t), nil
	}
}

// replaceTier replaces the stored tier of t's name with t.
func replaceTier(t platform.Tier) edit {
	return func(stored []platform.Tier) ([]platform.Tier, error) {
		i := slices.IndexFunc(stored, func(x platform.Tier) bool { return x.Name == t.Name })
		if i < 0 {
			return nil, gone(t.Name)
		}
		stored[i] = t
		return stored, nil
	}
}

// removeTier removes the stored tier name.
func removeTier(name string) edit {
	return func(stored []platform.Tier) ([]platform.Tier, error) {
		if platform.FindTier(stored, name) == nil {
			return nil, gone(name)
		}
		return slices.DeleteFunc(stored, func(t platform.Tier) bool { return t.Name == name }), nil
	}
}

// wholeTable replaces the stored table with tiers.
func wholeTable(tiers []platform.Tier) edit {
	return func([]platform.Tier) ([]platform.Tier, error) { return tiers, nil }
}

// remove plans the table without the tier name.
func (m *Model) remove(name string) tea.Cmd { return m.plan(removeTier(name), false) }

// plan plans the table e makes as one tiers.define op, in a command: the
// stored table is read, the scripts on every tier the new table removes
// are counted at the API (the planner refuses a removal while scripts use
// the tier), then the planner reads, checks and costs the change. whole
// says e does not need a stored table that keeps the rules.
func (m *Model) plan(e edit, whole bool) tea.Cmd {
	if m.src.Planner == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	m.planning = true
	c, planner := m.src.Client, m.src.Planner
	return tea.Batch(ui.ShowStatus(ui.LevelInfo, "planning: reading the table and counting the scripts of removed tiers…"),
		review.Plan(m.key, m.c, planner, func(ctx context.Context) ([]change.Op, error) {
			ctx = throttle.WithPriority(ctx, throttle.Interactive)
			raw, err := storedTable(ctx, c)
			if err != nil {
				return nil, fmt.Errorf("read the tier table: %w", err)
			}
			stored := []platform.Tier{}
			if raw != nil {
				if stored, err = platform.ParseTiers(raw); err != nil && !whole {
					return nil, fmt.Errorf("the stored tier table breaks a rule (E edits it as text): %w", err)
				}
			}
			tiers, err := e(stored)
			if err != nil {
				return nil, err
			}
			inUse, err := countRemoved(ctx, c, tierNames(raw), tiers)
			if err != nil {
				return nil, fmt.Errorf("count the scripts on the removed tiers: %w", err)
			}
			op, err := planner.DefineTiers(ctx, tiers, inUse)
			if err != nil {
				return nil, err
			}
			return []change.Op{op}, nil
		}))
}

// handleReview follows a plan through review and apply.
func (m *Model) handleReview(msg tea.Msg) tea.Cmd {
	if pm, ok := msg.(review.PlannedMsg); ok {
		m.planning = false
		if pm.Err == nil {
			m.form, m.json = form{}, jsonEditor{} // the review replaces the form
		} // else the form stays open: the operator fixes what was refused
	}
	cmd, _ := review.Step(msg, m.c, m.src.Applier, review.Reload(func() tea.Cmd { return m.load(true) }))
	return cmd
}
