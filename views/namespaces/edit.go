package namespaces

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/ui"
)

// Changing namespaces: n creates one, r renames the one under the cursor,
// D (or d) deletes it with every script in it. The name forms show the
// rule the name breaks as it is typed; enter plans (reads and validation in
// a command), the plan is reviewed (deleting asks to type "delete <name>
// (<N> scripts)"), applied through the change pipeline, and the list is
// read again with the cursor on the namespace made or renamed.

// Changes is what changing namespaces needs: the runtime's planner and
// applier (nil: the screen only reads).
type Changes struct {
	Planner *change.Planner
	Applier *change.Applier
}

// formMode is which name form is open.
type formMode int

const (
	formNone formMode = iota
	formNew
	formRename
)

// nameForm is the open name form.
type nameForm struct {
	mode  formMode
	input ui.Input
	orig  cfclient.Namespace // rename: the namespace renamed
}

// open reports whether a form is open.
func (f *nameForm) open() bool { return f.mode != formNone }

// openForm opens the new-namespace form, or the rename form of ns.
func (m *Model) openForm(mode formMode, ns cfclient.Namespace) tea.Cmd {
	if m.changes.Planner == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	f := nameForm{mode: mode, orig: ns, input: ui.NewInput("name> ", m.c.Styles.Input)}
	f.input.CharLimit = platform.MaxNamespaceName + 8 // a little over, so the rule shows
	if mode == formRename {
		f.input.SetValue(ns.Name)
	}
	f.input.SetWidth(m.width)
	f.input.Focus()
	m.form = f
	return nil
}

// rule is the rule the typed name breaks ("" when it is fine), checked
// against the names listed: the planner checks again at the API.
func (m *Model) rule() *platform.RuleError {
	f := &m.form
	name := strings.TrimSpace(f.input.Value())
	field := "namespace"
	if f.mode == formRename {
		field = "new name"
	}
	if r := platform.ValidNamespaceName(name); r != "" {
		return &platform.RuleError{Field: field, Rule: r}
	}
	if f.mode == formRename && name == f.orig.Name {
		return &platform.RuleError{Field: field, Rule: "is the current name"}
	}
	if slices.ContainsFunc(m.all, func(ns cfclient.Namespace) bool { return ns.Name == name }) {
		return &platform.RuleError{Field: fmt.Sprintf("%s %q", field, name), Rule: "is another namespace's"}
	}
	return nil
}

// handleFormKey edits the name, plans it (enter) or closes the form (esc).
func (m *Model) handleFormKey(msg tea.Msg) tea.Cmd {
	k, isKey := msg.(tea.KeyPressMsg)
	switch {
	case isKey && key.Matches(k, m.Keys.CancelForm):
		m.form = nameForm{}
		return nil
	case m.planning:
		return nil
	case isKey && key.Matches(k, m.Keys.SubmitForm):
		if re := m.rule(); re != nil {
			return ui.ShowError(re, "")
		}
		return m.planForm()
	}
	m.form.input, _ = m.form.input.Update(msg)
	return nil
}

// planForm plans creating or renaming the namespace the form names.
func (m *Model) planForm() tea.Cmd {
	p := m.changes.Planner
	name := strings.TrimSpace(m.form.input.Value())
	m.selectAfter = name
	if m.form.mode == formNew {
		return m.plan(func(ctx context.Context) (change.Op, error) { return p.CreateNamespace(ctx, name) })
	}
	old := m.form.orig.Name
	return m.plan(func(ctx context.Context) (change.Op, error) { return p.RenameNamespace(ctx, old, name) })
}

// deleteNamespace plans deleting ns and every script in it; the review
// asks for the typed phrase that names it and its script count.
func (m *Model) deleteNamespace(ns cfclient.Namespace) tea.Cmd {
	if m.changes.Planner == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	p, name := m.changes.Planner, ns.Name
	m.selectAfter = ""
	return m.plan(func(ctx context.Context) (change.Op, error) { return p.DeleteNamespace(ctx, name) })
}

// plan makes the one-op plan in a command; the review opens when it
// arrives.
func (m *Model) plan(op func(ctx context.Context) (change.Op, error)) tea.Cmd {
	m.planning = true
	return review.Plan(m.key, m.c, m.changes.Planner, func(ctx context.Context) ([]change.Op, error) {
		o, err := op(ctx)
		if err != nil {
			return nil, err
		}
		return []change.Op{o}, nil
	})
}

// handleReview follows a plan through review and apply.
func (m *Model) handleReview(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case review.PlannedMsg:
		m.planning = false
		if msg.Err == nil {
			m.form = nameForm{} // the review replaces the form; else it stays open to fix the name
		}
	case review.AppliedMsg:
		if msg.Result.Err != nil {
			m.selectAfter = ""
		}
	}
	cmd, _ := review.Step(msg, m.c, m.changes.Applier, review.Reload(m.load))
	return cmd
}

// formLines renders the open form: what it does, the name, and the rule
// the name breaks or what will happen.
func (m *Model) formLines() []string {
	f := &m.form
	if !f.open() {
		return nil
	}
	st := &m.c.Styles
	title := "New dispatch namespace"
	if f.mode == formRename {
		title = fmt.Sprintf("Rename %s (its %s move with it)", ui.Sanitize(f.orig.Name),
			ui.Plural(f.orig.ScriptCount, "script", "scripts"))
	}
	lines := []string{st.Title.Render(m.fit(title)), f.input.View()}
	if re := m.rule(); re != nil {
		lines = append(lines, st.Error.Render(m.fit("✗ "+ui.Sanitize(re.Error()))))
	} else {
		lines = append(lines, st.Success.Render(m.fit("✓ "+ui.Sanitize(strings.TrimSpace(f.input.Value()))+" is free")))
	}
	hint := "enter plans it · esc cancels"
	if m.planning {
		hint = "planning…"
	}
	return append(lines, st.Subtle.Render(m.fit(hint)))
}
