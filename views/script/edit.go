package script

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/ui"
)

// Editing: e (tags), T (tier) and L (limits) open a form over the details.
// enter plans the change (reads and validation in a command), the plan is
// reviewed (diff, cost, the confirmation the rules ask for), and applied
// through the change pipeline; the screen then reloads. A read-only
// session opens the same forms and sees the plan, without a way to apply.

// Changes is what editing needs: the planner and applier of the runtime.
type Changes struct {
	Planner *change.Planner
	Applier *change.Applier
	// Listings reads a namespace's cached listing, for the tags the
	// namespace uses (completion). Nil: no completion.
	Listings interface {
		Scripts(ns string) (cache.Listing, error)
	}
}

// editMode is the form open over the details.
type editMode int

const (
	editNone editMode = iota
	editTags
	editTier
	editLimits
)

// editor is the state of the open form.
type editor struct {
	mode editMode
	// tags: the list, space separated; known are the namespace's tags.
	tags  ui.Input
	known []string
	// limits: the two fields and which has focus.
	cpu, sub ui.Input
	field    int
	// tier: the picker's cursor in the tier table.
	tierAt int
	// planning is set while the plan is being made.
	planning bool
}

// knownTagsMsg carries the namespace's tags for completion.
type knownTagsMsg struct {
	key  string
	tags []string
}

// RouteKey routes the message to its screen (ui.Routed).
func (m knownTagsMsg) RouteKey() string { return m.key }

// editing reports whether a form is open.
func (m *Model) editing() bool { return m.edit.mode != editNone }

// openEditor opens the form for mode, filled with the current values.
func (m *Model) openEditor(mode editMode) tea.Cmd {
	if !m.details.have || !m.settings.have {
		return ui.ShowStatus(ui.LevelWarn, "the script is still loading; try again in a moment")
	}
	if m.changes.Planner == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	e := editor{mode: mode}
	st := m.c.Styles.Input
	switch mode {
	case editTags:
		for _, t := range m.settings.val.Tags {
			if ui.Sanitize(t) != t {
				// The editor cannot hold it as it is: saving would rewrite
				// the tag (or merge it with a look-alike).
				return ui.ShowStatus(ui.LevelWarn, fmt.Sprintf("tag %s holds control or invisible characters the editor would change; nothing was changed",
					ui.Sanitize(t)))
			}
		}
		e.tags = ui.NewInput("tags> ", st)
		e.tags.CharLimit = 8 * 65
		e.tags.SetValue(strings.Join(m.settings.val.Tags, " "))
		e.tags.SetWidth(m.width)
		e.tags.Focus()
	case editTier:
		if !m.tiers.have || len(m.tiers.val) == 0 {
			return ui.ShowStatus(ui.LevelWarn, "no tier table: define tiers first (:tiers)")
		}
		cur, _ := m.src.TierOf(m.settings.val.Tags)
		e.tierAt = max(0, slices.IndexFunc(m.tiers.val, func(t platform.Tier) bool { return t.Name == cur }))
	case editLimits:
		l := m.settings.val.Limits
		e.cpu, e.sub = ui.NewInput("cpu ms> ", st), ui.NewInput("subrequests> ", st)
		e.cpu.CharLimit, e.sub.CharLimit = 7, 5
		if l.CPUMs != nil {
			e.cpu.SetValue(strconv.Itoa(*l.CPUMs))
		}
		if l.Subrequests != nil {
			e.sub.SetValue(strconv.Itoa(*l.Subrequests))
		}
		e.cpu.SetWidth(m.width)
		e.sub.SetWidth(m.width)
		e.cpu.Focus()
	}
	m.edit = e
	if mode == editTags && m.changes.Listings != nil {
		return m.loadKnownTags()
	}
	return nil
}

// loadKnownTags reads the namespace's tags from the listing cache.
func (m *Model) loadKnownTags() tea.Cmd {
	listings, key, ns := m.changes.Listings, m.key, m.ns
	return func() tea.Msg {
		l, err := listings.Scripts(ns)
		if err != nil {
			return nil
		}
		seen := map[string]bool{}
		var tags []string
		for i := range l.Rows.Len() {
			for _, id := range l.Rows.TagIDs(i) {
				if t := l.Rows.Str(id); !seen[t] {
					seen[t] = true
					tags = append(tags, t)
				}
			}
		}
		slices.Sort(tags)
		return knownTagsMsg{key: key, tags: tags}
	}
}

// handleEditKey handles a key while a form is open.
func (m *Model) handleEditKey(k tea.KeyPressMsg) tea.Cmd {
	e := &m.edit
	switch {
	case key.Matches(k, m.Keys.CancelEdit):
		m.edit = editor{}
		return nil
	case e.planning:
		return nil
	case key.Matches(k, m.Keys.SubmitEdit):
		return m.planEdit()
	}
	switch e.mode {
	case editTags:
		if k.String() == "tab" {
			m.completeTag()
			return nil
		}
		var cmd tea.Cmd
		e.tags, cmd = e.tags.Update(k)
		return cmd
	case editLimits:
		if s := k.String(); s == "tab" || s == "shift+tab" || s == "up" || s == "down" {
			e.field = 1 - e.field
			if e.field == 0 {
				e.cpu.Focus()
				e.sub.Blur()
			} else {
				e.sub.Focus()
				e.cpu.Blur()
			}
			return nil
		}
		var cmd tea.Cmd
		if e.field == 0 {
			e.cpu, cmd = e.cpu.Update(k)
		} else {
			e.sub, cmd = e.sub.Update(k)
		}
		return cmd
	case editTier:
		if pos, ok := m.Keys.Move(k, e.tierAt, len(m.tiers.val), 5); ok {
			e.tierAt = pos
		}
	}
	return nil
}

// completeTag completes the last tag being typed from the namespace's
// tags: the one match, or their common prefix.
func (m *Model) completeTag() {
	e := &m.edit
	v := e.tags.Value()
	i := strings.LastIndexByte(v, ' ') + 1
	prefix := v[i:]
	var matches []string
	for _, t := range e.known {
		if strings.HasPrefix(t, prefix) {
			matches = append(matches, t)
		}
	}
	switch len(matches) {
	case 0:
		return
	case 1:
		e.tags.SetValue(v[:i] + matches[0] + " ")
	default:
		p := matches[0]
		for _, t := range matches[1:] {
			for !strings.HasPrefix(t, p) {
				p = p[:len(p)-1]
			}
		}
		e.tags.SetValue(v[:i] + p)
	}
}

// formTags are the tags typed.
func (e *editor) formTags() []string { return strings.Fields(e.tags.Value()) }

// formLimits are the limits typed; an empty field keeps that limit.
func (e *editor) formLimits() (platform.Limits, *platform.RuleError) {
	var l platform.Limits
	for _, f := range []struct {
		in    ui.Input
		name  string
		dst   **int
		check func(int) string
	}{
		{e.cpu, "limits.cpu_ms", &l.CPUMs, platform.ValidCPUMs},
		{e.sub, "limits.subrequests", &l.Subrequests, platform.ValidSubRequests},
	} {
		v := strings.TrimSpace(f.in.Value())
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return l, &platform.RuleError{Field: f.name, Rule: "must be a whole number"}
		}
		if r := f.check(n); r != "" {
			return l, &platform.RuleError{Field: f.name, Rule: r}
		}
		*f.dst = &n
	}
	if l.CPUMs == nil && l.Subrequests == nil {
		return l, &platform.RuleError{Field: "limits", Rule: "type a cpu_ms or subrequests limit"}
	}
	return l, nil
}

// planEdit plans the form's change in a command; the review opens when the
// plan arrives.
func (m *Model) planEdit() tea.Cmd {
	e := &m.edit
	p := m.changes.Planner
	ns, name := m.ns, m.name
	var plan func(ctx context.Context) (change.Op, error)
	switch e.mode {
	case editTags:
		tags := e.formTags()
		if re := platform.ValidTags(tags); re != nil {
			return ui.ShowError(re, "")
		}
		plan = func(ctx context.Context) (change.Op, error) { return p.SetTags(ctx, ns, name, tags) }
	case editLimits:
		l, re := e.formLimits()
		if re != nil {
			return ui.ShowError(re, "")
		}
		plan = func(ctx context.Context) (change.Op, error) { return p.SetLimits(ctx, ns, name, l) }
	case editTier:
		tiers := slices.Clone(m.tiers.val)
		tier := tiers[e.tierAt].Name
		plan = func(ctx context.Context) (change.Op, error) { return p.SetTier(ctx, ns, name, tier, tiers) }
	}
	e.planning = true
	return review.Plan(m.key, m.c, p, func(ctx context.Context) ([]change.Op, error) {
		op, err := plan(ctx)
		if err != nil {
			return nil, err
		}
		return []change.Op{op}, nil
	})
}

// handleReview follows a plan through review and apply.
func (m *Model) handleReview(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case knownTagsMsg:
		m.edit.known = msg.tags
	case review.PlannedMsg:
		m.edit.planning = false
		if msg.Err == nil {
			m.edit = editor{} // the review replaces the form
		}
	}
	cmd, _ := review.Step(msg, m.c, m.changes.Applier, review.Reload(func() tea.Cmd { return m.load(true) }))
	return cmd
}

// editView renders the open form: what it edits, the field(s), and the
// rule the input breaks now (or what it will do).
func (m *Model) editView() string {
	e := &m.edit
	st := &m.c.Styles
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	switch e.mode {
	case editTags:
		add(st.Title.Render(m.fit("Tags of "+ui.Sanitize(m.name))), "")
		add(e.tags.View(), "")
		tags := e.formTags()
		if re := platform.ValidTags(tags); re != nil {
			add(st.Error.Render(m.fit(fmt.Sprintf("%d/%d tags · %s", len(tags), platform.MaxTags, ui.Sanitize(re.Error())))))
		} else {
			add(st.Subtle.Render(m.fit(fmt.Sprintf("%d/%d tags · ok", len(tags), platform.MaxTags))))
		}
		if len(e.known) > 0 {
			add(st.Subtle.Render(m.fit(fmt.Sprintf("tab completes from the %d tags of %s", len(e.known), ui.Sanitize(m.ns)))))
		}
	case editLimits:
		add(st.Title.Render(m.fit("Limits of "+ui.Sanitize(m.name))), "")
		add(e.cpu.View(), e.sub.View(), "")
		if _, re := e.formLimits(); re != nil {
			add(st.Error.Render(m.fit(ui.Sanitize(re.Error()))))
		} else {
			add(st.Subtle.Render(m.fit("an empty field keeps that limit · tab next field")))
		}
		if tier := m.currentTier(); tier != nil {
			add(st.Subtle.Render(m.fit(fmt.Sprintf("tier %s: %d ms · %d subrequests; the stricter limit wins",
				ui.Sanitize(tier.Name), tier.CPUMs, tier.SubRequests))))
		}
	case editTier:
		add(st.Title.Render(m.fit("Tier of "+ui.Sanitize(m.name))), "")
		cur, _ := m.src.TierOf(m.settings.val.Tags)
		own := m.settings.val.Limits
		for i, t := range m.tiers.val {
			cursor := "  "
			if i == e.tierAt {
				cursor = "▸ "
			}
			mark := ""
			if t.Name == cur {
				mark = " (current)"
			}
			line := fmt.Sprintf("%s%-14s %6d ms  %5d subrequests%s", cursor, ui.Sanitize(t.Name), t.CPUMs, t.SubRequests, mark)
			add(m.fit(line))
		}
		add("")
		t := m.tiers.val[e.tierAt]
		add(st.Subtle.Render(m.fit(tierEffect(t, own))))
	}
	hint := "enter plans the change · esc cancels"
	if e.planning {
		hint = "planning…"
	}
	add("", st.Subtle.Render(m.fit(hint)))
	return strings.Join(out, "\n")
}

// currentTier is the script's tier as defined in the tier table, or nil.
func (m *Model) currentTier() *platform.Tier {
	name, _ := m.src.TierOf(m.settings.val.Tags)
	return platform.FindTier(m.tiers.val, name)
}

// tierEffect says which limits bind after moving to t with the script's
// own limits own (the planner raises own limits stricter than the tier's).
func tierEffect(t platform.Tier, own platform.Limits) string {
	var raised []string
	if own.CPUMs != nil && *own.CPUMs < t.CPUMs {
		raised = append(raised, fmt.Sprintf("cpu %d→%d ms", *own.CPUMs, t.CPUMs))
	}
	if own.Subrequests != nil && *own.Subrequests < t.SubRequests {
		raised = append(raised, fmt.Sprintf("subrequests %d→%d", *own.Subrequests, t.SubRequests))
	}
	if len(raised) > 0 {
		return "the script's own stricter limits are raised so the tier takes effect: " + strings.Join(raised, ", ")
	}
	return fmt.Sprintf("%s's limits apply: %d ms cpu, %d subrequests (own limits, where set, are not stricter)", t.Name, t.CPUMs, t.SubRequests)
}
