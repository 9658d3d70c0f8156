package tiers

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/ui"
)

// The add and edit forms: a tier's name (add only: a name is part of every
// script's tier tag, so renaming is an add, a move and a remove), its
// cpuMs and subRequests. The rule the input breaks is shown as it is
// typed; enter plans the whole new table.

// formMode is which form is open.
type formMode int

const (
	formNone formMode = iota
	formAdd
	formEdit
)

// form is the open add or edit form.
type form struct {
	mode     formMode
	name     ui.Input
	cpu, sub ui.Input
	field    int // the focused input: 0 name, 1 cpu, 2 sub
	orig     platform.Tier
}

// open reports whether a form is open.
func (f *form) open() bool { return f.mode != formNone }

// openForm opens the add form, or the edit form filled with t.
func (m *Model) openForm(mode formMode, t platform.Tier) tea.Cmd {
	if m.src.Planner == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	if m.tiersErr != nil {
		return ui.ShowStatus(ui.LevelWarn, "the stored table breaks a rule: E edits it as text")
	}
	st := m.c.Styles.Input
	f := form{mode: mode, orig: t,
		name: ui.NewInput("name        > ", st),
		cpu:  ui.NewInput("cpuMs       > ", st),
		sub:  ui.NewInput("subRequests > ", st),
	}
	f.name.CharLimit = platform.MaxTierNameLength
	f.cpu.CharLimit, f.sub.CharLimit = 7, 5
	f.field = 0
	if mode == formEdit {
		f.name.SetValue(t.Name)
		f.cpu.SetValue(strconv.Itoa(t.CPUMs))
		f.sub.SetValue(strconv.Itoa(t.SubRequests))
		f.field = 1
	}
	f.focus()
	f.setWidth(m.width)
	m.form = f
	return nil
}

// inputs are the form's inputs in focus order; the name is fixed when
// editing.
func (f *form) inputs() []*ui.Input {
	if f.mode == formEdit {
		return []*ui.Input{&f.cpu, &f.sub}
	}
	return []*ui.Input{&f.name, &f.cpu, &f.sub}
}

// focus gives the keyboard to the field-th input.
func (f *form) focus() {
	if f.mode == formEdit {
		f.field = max(1, f.field)
	}
	for i, in := range []*ui.Input{&f.name, &f.cpu, &f.sub} {
		if i == f.field {
			in.Focus()
		} else {
			in.Blur()
		}
	}
}

// next moves the focus to the next input (back: the previous one).
func (f *form) next(back bool) {
	first := 0
	if f.mode == formEdit {
		first = 1
	}
	n := 3 - first
	step := 1
	if back {
		step = n - 1
	}
	f.field = first + (f.field-first+step)%n
	f.focus()
}

// update passes a key or paste to the focused input.
func (f *form) update(msg tea.Msg) {
	for _, in := range []*ui.Input{&f.name, &f.cpu, &f.sub} {
		if in.Focused() {
			*in, _ = in.Update(msg)
		}
	}
}

func (f *form) setStyles(st ui.InputStyles) {
	for _, in := range []*ui.Input{&f.name, &f.cpu, &f.sub} {
		in.SetStyles(st)
	}
}

func (f *form) setWidth(w int) {
	for _, in := range []*ui.Input{&f.name, &f.cpu, &f.sub} {
		in.SetWidth(w)
	}
}

// tier is the tier the form describes, or the first rule it breaks (named
// as platform names it: tier "x" cpuMs). existing is the table now.
func (f *form) tier(existing []platform.Tier) (platform.Tier, *platform.RuleError) {
	t := platform.Tier{Name: strings.TrimSpace(f.name.Value())}
	field := fmt.Sprintf("tier %q", t.Name)
	if r := platform.ValidTierName(t.Name); r != "" {
		return t, &platform.RuleError{Field: "name", Rule: r}
	}
	if f.mode == formAdd && platform.FindTier(existing, t.Name) != nil {
		return t, &platform.RuleError{Field: field, Rule: "exists already (e edits it)"}
	}
	for _, in := range []struct {
		in    ui.Input
		name  string
		dst   *int
		check func(int) string
	}{
		{f.cpu, "cpuMs", &t.CPUMs, platform.ValidCPUMs},
		{f.sub, "subRequests", &t.SubRequests, platform.ValidSubRequests},
	} {
		n, err := strconv.Atoi(strings.TrimSpace(in.in.Value()))
		if err != nil {
			return t, &platform.RuleError{Field: field + " " + in.name, Rule: "must be a whole number"}
		}
		if r := in.check(n); r != "" {
			return t, &platform.RuleError{Field: field + " " + in.name, Rule: r}
		}
		*in.dst = n
	}
	if f.mode == formEdit && t == f.orig {
		return t, &platform.RuleError{Field: field, Rule: "is unchanged"}
	}
	return t, nil
}

// submitForm plans the form's table, unless the form breaks a rule.
func (m *Model) submitForm() tea.Cmd {
	t, re := m.form.tier(m.tiers)
	if re != nil {
		return ui.ShowError(re, "")
	}
	if m.form.mode == formAdd {
		return m.plan(addTier(t), false)
	}
	return m.plan(replaceTier(t), false)
}

// formView renders the open form: what it changes, its inputs, and the
// rule broken now or what the change will do.
func (m *Model) formView() []string {
	f := &m.form
	st := &m.c.Styles
	title := "Add a tier"
	if f.mode == formEdit {
		title = "Edit tier " + ui.Sanitize(f.orig.Name) + " (the name is part of every script's tier tag: it stays)"
	}
	lines := []string{st.Title.Render(m.fit(title))}
	if f.mode == formAdd {
		lines = append(lines, f.name.View())
	}
	lines = append(lines, f.cpu.View(), f.sub.View())
	t, re := f.tier(m.tiers)
	switch {
	case re != nil:
		lines = append(lines, st.Error.Render(m.fit("✗ "+ui.Sanitize(re.Error()))))
	case f.mode == formEdit:
		lines = append(lines, st.Success.Render(m.fit(fmt.Sprintf("✓ %s: cpu %s → %s ms · subrequests %s → %s · %s",
			ui.Sanitize(t.Name), ui.Commas(f.orig.CPUMs), ui.Commas(t.CPUMs), ui.Commas(f.orig.SubRequests), ui.Commas(t.SubRequests),
			m.scriptsOn(t.Name)))))
	default:
		lines = append(lines, st.Success.Render(m.fit(fmt.Sprintf("✓ %s: %s ms cpu · %s subrequests · the table will have %d tiers",
			ui.Sanitize(t.Name), ui.Commas(t.CPUMs), ui.Commas(t.SubRequests), len(m.tiers)+1))))
	}
	hint := "enter plans the change · tab next field · esc cancels"
	if m.planning {
		hint = "planning…"
	}
	return append(lines, st.Subtle.Render(m.fit(hint)))
}

// scriptsOn says how many scripts a change to tier name reaches, as
// counted.
func (m *Model) scriptsOn(name string) string {
	n := m.usage.counts[name]
	if m.usage.known() {
		return ui.Plural(n, "script", "scripts") + " on it"
	}
	return "about " + ui.Plural(n, "script", "scripts") + " on it (not every count is current)"
}

// formLines is how many lines the open form takes.
func (m *Model) formLines() int {
	switch m.form.mode {
	case formAdd:
		return 6
	case formEdit:
		return 5
	}
	return 0
}
