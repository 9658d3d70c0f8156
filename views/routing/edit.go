package routing

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// Changes: a opens the add form (kind, key, target), e the repoint form
// (target), d plans deleting the marked routes or the one under the
// cursor. enter plans (the planner reads each route's value and warns when
// a target is not a script of the namespace routed into), the plan is
// reviewed (diff, cost, the confirmation the rules ask for) and applied
// through the change pipeline; the applied ops are then patched into the
// cached table. A read-only session opens the forms and sees the plans,
// without a way to apply them.

// formMode is the form open over the table.
type formMode int

const (
	formNone formMode = iota
	formAdd
	formRepoint
)

// The add form's fields.
const (
	fieldKind = iota
	fieldKey
	fieldTarget
)

// routeKinds are the kinds the add form offers, most used first.
var routeKinds = []platform.RouteKind{platform.RouteSubdomain, platform.RouteHostname, platform.RoutePath, platform.RouteOther}

// maxPicks is how many scripts the target picker lists.
const maxPicks = 6

// maxBulkDelete bounds one delete plan: planning reads every route first.
const maxBulkDelete = 200

// form is the add or repoint form.
type form struct {
	mode   formMode
	field  int
	kindAt int
	key    ui.Input
	target ui.Input
	// route is the route being repointed.
	route platform.Route
	// fromNS is the namespace of the script the form was opened for (a
	// script screen's a), to warn when it is not the one routed into.
	fromNS string
	// The target picker: the namespace's scripts matching the target
	// typed, best first, and the one tab takes. pickText and pickPos are
	// the last match, which the next keystroke narrows.
	picks    []string
	pickAt   int
	pickOf   *namesData
	pickText string
	pickPos  []int32
}

// open reports whether a form is open.
func (f *form) open() bool { return f.mode != formNone }

// kind is the route kind the form writes.
func (f *form) kind() platform.RouteKind {
	if f.mode == formRepoint {
		return f.route.Kind
	}
	return routeKinds[f.kindAt]
}

// routeKey is the route key the form writes.
func (f *form) routeKey() string {
	if f.mode == formRepoint {
		return f.route.Key
	}
	return strings.TrimSpace(f.key.Value())
}

// targetName is the script the form points the route at.
func (f *form) targetName() string { return strings.TrimSpace(f.target.Value()) }

// setStyles restyles the inputs.
func (f *form) setStyles(st ui.InputStyles) {
	f.key.SetStyles(st)
	f.target.SetStyles(st)
}

// focus gives the focused field's input the cursor.
func (f *form) focus() {
	f.key.Blur()
	f.target.Blur()
	switch f.field {
	case fieldKey:
		f.key.Focus()
	case fieldTarget:
		f.target.Focus()
	}
}

// next moves the focus by d fields (the repoint form has one).
func (f *form) next(d int) {
	if f.mode != formAdd {
		return
	}
	f.field = (f.field + d + 3) % 3
	f.focus()
}

// namesChanged recomputes the picker over a new list of scripts.
func (f *form) namesChanged(n *namesData) {
	f.pickOf, f.pickText, f.pickPos = nil, "", nil
	f.updatePicks(n)
}

// updatePicks lists the scripts matching the target typed: those starting
// with it, then those containing it, then the other fuzzy matches, each in
// name order. The match set is the filter's (narrowed as typing goes on);
// only the first maxPicks of each rank are kept.
func (f *form) updatePicks(n *namesData) {
	f.picks, f.pickAt = nil, 0
	text := f.targetName()
	if n == nil || text == "" {
		f.pickOf, f.pickText, f.pickPos = nil, "", nil
		return
	}
	var within []int32
	if f.pickOf == n && selector.Narrows(f.pickText, text) {
		within = f.pickPos
	}
	pos := n.ix.Matching(text, within)
	f.pickOf, f.pickText, f.pickPos = n, text, pos
	lower := strings.ToLower(text)
	var ranks [3][]string
	for _, p := range pos {
		name := n.sorted[p]
		low := strings.ToLower(name)
		r := 2
		switch {
		case strings.HasPrefix(low, lower):
			r = 0
		case strings.Contains(low, lower):
			r = 1
		}
		if len(ranks[r]) < maxPicks {
			ranks[r] = append(ranks[r], name)
		}
		if len(ranks[0]) == maxPicks {
			break
		}
	}
	for _, r := range ranks {
		f.picks = append(f.picks, r...)
	}
	f.picks = f.picks[:min(len(f.picks), maxPicks)]
}

// takePick puts the highlighted pick in the target field; false when
// there is none or it is there already.
func (f *form) takePick(n *namesData) bool {
	if len(f.picks) == 0 || f.targetName() == f.picks[f.pickAt] {
		return false
	}
	f.target.SetValue(f.picks[f.pickAt])
	f.updatePicks(n)
	return true
}

// subdomainLabel is the subdomain a script is reached under when its name
// is its label: DNS labels have no "_", so it becomes "-".
func subdomainLabel(script string) string { return strings.ReplaceAll(script, "_", "-") }

// openAdd opens the add form; a script (of namespace ns) prefills the
// target, and its name as a subdomain label the key.
func (m *Model) openAdd(ns, script string) {
	st := m.c.Styles.Input
	f := form{mode: formAdd, field: fieldKey, fromNS: ns}
	f.key = ui.NewInput("key    ", st)
	f.key.Placeholder = "acme (subdomain) · shop.acme.com (hostname)"
	f.key.CharLimit = platform.MaxKVKeyBytes
	f.target = ui.NewInput("target ", st)
	f.target.Placeholder = "a script of the namespace routed into"
	f.target.CharLimit = 64
	if script != "" {
		f.target.SetValue(script)
		f.key.SetValue(subdomainLabel(script))
	}
	f.key.SetWidth(m.width)
	f.target.SetWidth(m.width)
	f.focus()
	m.form = f
	m.form.updatePicks(m.names)
	m.detail = false
}

// openRepoint opens the repoint form for the route under the cursor.
func (m *Model) openRepoint() tea.Cmd {
	r, ok := m.table.Current()
	if m.unrouted || !ok {
		return nil
	}
	if m.deps.Planner == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	f := form{mode: formRepoint, field: fieldTarget, route: *r}
	f.target = ui.NewInput("target ", m.c.Styles.Input)
	f.target.Placeholder = "now " + ui.Sanitize(r.Target)
	f.target.CharLimit = 64
	f.target.SetWidth(m.width)
	f.focus()
	m.form = f
	return nil
}

// handleFormKey handles a key while a form is open.
func (m *Model) handleFormKey(k tea.KeyPressMsg) tea.Cmd {
	f := &m.form
	keys := &m.Keys
	switch {
	case key.Matches(k, keys.CancelForm):
		m.form = form{}
		return nil
	case m.planning:
		return nil
	case key.Matches(k, keys.SubmitForm):
		return m.planForm()
	}
	switch s := k.String(); {
	case s == "tab":
		if f.field != fieldTarget || !f.takePick(m.names) {
			f.next(1)
		}
		return nil
	case s == "shift+tab":
		f.next(-1)
		return nil
	case (s == "up" || s == "down") && f.field == fieldTarget && len(f.picks) > 0:
		d := 1
		if s == "up" {
			d = -1
		}
		f.pickAt = (f.pickAt + d + len(f.picks)) % len(f.picks)
		return nil
	case s == "up" || s == "down":
		f.next(map[string]int{"up": -1, "down": 1}[s])
		return nil
	case f.field == fieldKind:
		switch s {
		case "left", "h":
			f.kindAt = (f.kindAt + len(routeKinds) - 1) % len(routeKinds)
		case "right", "l", "space":
			f.kindAt = (f.kindAt + 1) % len(routeKinds)
		}
		return nil
	}
	return m.typeForm(k)
}

// handleFormPaste pastes into the focused field.
func (m *Model) handleFormPaste(p tea.PasteMsg) tea.Cmd {
	if m.form.field == fieldKind {
		return nil
	}
	return m.typeForm(p)
}

// typeForm feeds a key or paste to the focused input.
func (m *Model) typeForm(msg tea.Msg) tea.Cmd {
	f := &m.form
	if f.field == fieldKey {
		f.key, _ = f.key.Update(msg)
		return nil
	}
	before := f.target.Value()
	f.target, _ = f.target.Update(msg)
	if f.target.Value() != before {
		f.updatePicks(m.names)
	}
	return nil
}

// formRule is the rule the form breaks now ("" when it would plan).
func (m *Model) formRule() string {
	f := &m.form
	if f.targetName() == "" {
		return "type the target script (tab takes the highlighted one)"
	}
	if re := m.schema.ValidateRoute(f.kind(), f.routeKey(), f.targetName()); re != nil {
		return re.Error()
	}
	return ""
}

// canChange says why the screen cannot plan a change now ("" when it can).
func (m *Model) canChange() string {
	switch {
	case m.deps.Planner == nil:
		return "this console cannot make changes"
	case m.planning:
		return "a plan is being made"
	case m.ns == "":
		return "still finding the namespace routed into; try again in a moment"
	}
	return ""
}

// planForm plans the form's route in a command; the review opens when the
// plan arrives.
func (m *Model) planForm() tea.Cmd {
	if why := m.canChange(); why != "" {
		return ui.ShowStatus(ui.LevelWarn, why)
	}
	f := &m.form
	kind, rkey, target := f.kind(), f.routeKey(), f.targetName()
	if rule := m.formRule(); rule != "" {
		return ui.ShowStatus(ui.LevelWarn, rule)
	}
	p, ns := m.deps.Planner, m.ns
	m.planning = true
	return review.Plan(m.key, m.c, p, func(ctx context.Context) ([]change.Op, error) {
		op, err := p.PutRoute(ctx, ns, kind, rkey, target)
		if err != nil {
			return nil, err
		}
		return []change.Op{op}, nil
	})
}

// planDelete plans deleting the marked routes, or the one under the
// cursor.
func (m *Model) planDelete() tea.Cmd {
	if m.unrouted {
		return nil
	}
	rows := m.table.SelectedOrCurrent()
	if len(rows) == 0 {
		return nil
	}
	if why := m.canChange(); why != "" {
		return ui.ShowStatus(ui.LevelWarn, why)
	}
	if len(rows) > maxBulkDelete {
		return ui.ShowStatus(ui.LevelWarn, fmt.Sprintf("%s marked: delete at most %d at once (planning reads each route first)",
			ui.Commas(len(rows)), maxBulkDelete))
	}
	type target struct {
		kind platform.RouteKind
		key  string
	}
	targets := make([]target, len(rows))
	for i, r := range rows {
		targets[i] = target{r.Kind, r.Key}
	}
	p := m.deps.Planner
	m.planning = true
	return review.Plan(m.key, m.c, p, func(ctx context.Context) ([]change.Op, error) {
		ops := make([]change.Op, 0, len(targets))
		for _, t := range targets {
			op, err := p.DeleteRoute(ctx, t.kind, t.key)
			if err != nil {
				return nil, err
			}
			ops = append(ops, op)
		}
		return ops, nil
	})
}

// handleReview follows a plan through review and apply, then patches the
// cached table with what was applied.
func (m *Model) handleReview(msg tea.Msg) tea.Cmd {
	if pm, ok := msg.(review.PlannedMsg); ok {
		m.planning = false
		if pm.Err == nil {
			// The review replaces the form; else it stays open to fix it.
			m.form, m.value = form{}, valueEditor{}
		}
	}
	cmd, _ := review.Step(msg, m.c, m.deps.Applier, func(a review.AppliedMsg) tea.Cmd {
		if a.Result.Applied > 0 && len(a.Plan.Ops) > 1 {
			m.table.ClearMarks()
		}
		return m.patch(a.Plan.Ops[:a.Result.Applied])
	})
	return cmd
}

// patch records the applied route ops in the cached table (no request)
// and shows the patched table.
func (m *Model) patch(ops []change.Op) tea.Cmd {
	if len(ops) == 0 {
		return nil
	}
	m.tableToken++
	m.tableLoading = true
	routing, key, token, ctx := m.deps.Routing, m.key, m.tableToken, m.ctx
	return func() tea.Msg {
		for _, op := range ops {
			if op.Kind != change.RoutePut && op.Kind != change.RouteDelete {
				continue
			}
			var v *string
			if op.After != nil {
				v = op.After.Value
			}
			routing.Patch(op.Target.Key, v)
		}
		t, at, err := routing.Table(ctx)
		if err != nil {
			return tableMsg{key: key, token: token, err: err}
		}
		return tableMsg{key: key, token: token, data: newTableData(t, at)}
	}
}
