package plan

import (
	"fmt"

	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/ui"
)

// View renders the summary lines and the table of ops.
func (m *Model) View() string {
	var b strings.Builder
	for i, l := range m.summary() {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	if m.phase != shown && m.phase != started || m.plan == nil {
		return b.String()
	}
	b.WriteByte('\n')
	b.WriteString(m.table.View())
	return b.String()
}

// summary is the lines above the table: what is planned, counts, cost,
// what cannot be undone, the server-side alternative and what to do.
func (m *Model) summary() []string {
	st := &m.c.Styles
	w := m.width
	line := func(s string) string { return ui.Truncate(s, w) }
	switch m.phase {
	case waiting:
		return []string{st.Subtle.Render(line("waiting for the selection…"))}
	case asking:
		out := []string{
			st.Title.Render(line(fmt.Sprintf("%s · %s in %s", m.req.Action, ui.Plural(len(m.req.Scripts), "script", "scripts"), ui.Sanitize(m.req.Namespace)))),
			line(m.prompt() + ":"),
			m.input.View(),
		}
		if m.inputErr != "" {
			out = append(out, st.Error.Render(line("✗ "+ui.Sanitize(m.inputErr))))
		}
		return append(out, st.Subtle.Render(line("enter plans it · esc goes back")))
	case planning:
		return []string{st.Subtle.Render(line(fmt.Sprintf("planning %s of %s…", m.req.Action, ui.Plural(len(m.req.Scripts), "script", "scripts"))))}
	}
	if m.err != nil {
		return []string{st.Error.Render(line("✗ cannot plan: " + ui.Sanitize(m.err.Error()))), st.Subtle.Render(line("esc goes back"))}
	}
	p, bk := m.plan, m.plan.Bulk
	out := []string{st.Title.Render(line(m.headline()))}
	if bk != nil {
		counts := "tenants: " + m.sum.tenants + " · tiers: " + m.sum.tiers
		if bk.Action == change.ActionCleanup {
			counts = fmt.Sprintf("with %s and %s · ", ui.Plural(bk.Routes, "route", "routes"), ui.Plural(bk.Keys, "last-used key", "last-used keys")) + counts
		}
		out = append(out, line("  "+counts))
		sel := "  selection: " + m.source
		if m.selector != "" {
			sel += " " + ui.Sanitize(m.selector)
		}
		if bk.Hidden > 0 {
			sel += fmt.Sprintf(" · %s more marked but hidden by the filter (not planned)", ui.Commas(bk.Hidden))
		}
		out = append(out, wrap(sel, w, 2)...)
	}
	for _, l := range wrap(m.undoLine(), w-2, 2) {
		out = append(out, "  "+l)
	}
	if bk != nil && bk.ServerSide != nil {
		text := fmt.Sprintf("x instead: the server-side DELETE …/scripts?tags=%s: %s; %s",
			ui.Sanitize(bk.ServerSide.Filter.String()), ui.Plural(bk.ServerSide.Requests, "request", "requests"), bk.ServerSide.TradeOff)
		for _, l := range wrap(text, w-2, 3) {
			out = append(out, st.Warning.Render("  "+l))
		}
	}
	var act string
	switch {
	case m.phase == started:
		act = "job " + m.jobID + " started · :jobs shows it"
	case m.c.ReadOnly:
		act = "read-only: the plan is shown, it cannot be started · p saves it as JSON"
	default:
		act = fmt.Sprintf("enter starts it (type %q) · p saves it as JSON (dry run)", p.Bulk.Phrase(ui.Sanitize))
	}
	out = append(out, st.Subtle.Render(line("  "+act)))
	if m.savedTo != "" {
		out = append(out, st.Subtle.Render(line("  saved (dry run): "+m.savedTo)))
	}
	return out
}

// wrap wraps text to w cells in at most n lines, the last cut with "…".
func wrap(text string, w, n int) []string {
	if w < 10 {
		return []string{ui.Truncate(text, max(1, w))}
	}
	lines := strings.Split(ansi.Wrap(text, w, ""), "\n")
	if len(lines) > n {
		lines[n-1] = ui.Truncate(strings.Join(lines[n-1:], " "), w)
		lines = lines[:n]
	}
	return lines
}

// headline: "delete 37 scripts in staging · 148 requests ≈ 1 min".
func (m *Model) headline() string {
	p, bk := m.plan, m.plan.Bulk
	what := ui.Plural(len(p.Ops), "op", "ops")
	if bk != nil {
		what = fmt.Sprintf("%s %s in %s", bk.Action, ui.Plural(bk.Scripts, "script", "scripts"), ui.Sanitize(bk.Namespace))
		if bk.Action == change.ActionRoutes {
			what = "delete " + ui.Plural(bk.Routes, "dangling route", "dangling routes")
		}
	}
	s := fmt.Sprintf("%s · %s ≈ %s", what, ui.Plural(m.sum.requests, "request", "requests"), span(m.est))
	return s
}

// undoLine says what cannot be undone.
func (m *Model) undoLine() string {
	bk := m.plan.Bulk
	n := m.sum.irreversible
	s := fmt.Sprintf("cannot be undone: %s", ui.Plural(n, "op", "ops"))
	switch {
	case m.secrets != nil:
		s += fmt.Sprintf(" · %s of %s deleted scripts have secrets (%s), whose values cannot be restored",
			ui.Commas(m.secrets.scripts), ui.Commas(m.secrets.checked), ui.Plural(m.secrets.values, "value", "values"))
	case m.countingSecrets:
		s += " · counting the scripts with secrets…"
	case bk != nil && bk.SecretsUnknown:
		s += " · secret values of deleted scripts cannot be restored: S counts the scripts that have some (1 request each)"
	}
	return s
}

// topCounts: "acme 12, globex 3, +4 more": the three largest counts (ties
// by name), found in one pass (a 500,000-script plan has 100,000 tenants).
func topCounts(m map[string]int, none string) string {
	type kv struct {
		k string
		n int
	}
	before := func(a, b kv) bool { return a.n > b.n || a.n == b.n && a.k < b.k }
	var top []kv
	for k, n := range m {
		e := kv{k, n}
		if len(top) == 3 && !before(e, top[2]) {
			continue
		}
		i := len(top)
		for i > 0 && before(e, top[i-1]) {
			i--
		}
		top = slices.Insert(top, i, e)
		if len(top) > 3 {
			top = top[:3]
		}
	}
	var parts []string
	for _, e := range top {
		name := e.k
		if name == "" {
			name = none
		}
		parts = append(parts, fmt.Sprintf("%s %s", ui.Sanitize(name), ui.Commas(e.n)))
	}
	if len(m) > 3 {
		parts = append(parts, fmt.Sprintf("+%d more", len(m)-3))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// span: "40s", "16 min", "2.5 h".
func span(d time.Duration) string {
	switch {
	case d <= 0:
		return "?"
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(1, int(d.Round(time.Second)/time.Second)))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// renderRow renders op i: kind, target, before → after.
func (m *Model) renderRow(i int32, s ui.RowState) string {
	op := &m.plan.Ops[i]
	lead := " "
	if s.Cursor {
		lead = "▸"
	}
	// The after side is never cut: the before side gives way.
	after := ui.Sanitize(change.Describe(op.Kind, op.After))
	cw := m.table.ColumnWidth(2)
	aw := min(ansi.StringWidth(after), max(6, cw/2))
	after = ui.Truncate(after, aw)
	before := ui.Sanitize(change.Describe(op.Kind, op.Before))
	if op.Partial && op.Kind == change.KVDelete {
		before = "value read when applied"
	}
	before = ui.Truncate(before, max(1, cw-aw-3))
	line := ui.Clip(m.table.Line(lead, string(op.Kind), ui.Sanitize(op.Target.String()), before+" → "+after), s.Width)
	if s.Cursor {
		return m.c.Styles.Cursor.Render(line)
	}
	return line
}

// reviewBody is the confirmation's text: the summary without the table.
func (m *Model) reviewBody() string {
	var b strings.Builder
	b.WriteString(m.headline())
	b.WriteString("\n")
	b.WriteString(strings.TrimSpace(m.undoLine()))
	b.WriteString("\nEach target is checked again right before it is written; the job runs in the background (:jobs), pauses, resumes and survives a restart.")
	return b.String()
}
