package tiers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/ui"
)

// maxNSLines caps the namespaces listed under the table; the rest are
// summed on one line.
const maxNSLines = 5

// View renders the content area.
func (m *Model) View() string {
	if m.json.open {
		return m.jsonView()
	}
	st := &m.c.Styles
	lines := []string{m.titleLine()}
	if m.form.open() {
		lines = append(lines, m.formView()...)
	}
	switch {
	case !m.loaded:
		lines = append(lines, st.Subtle.Render(m.fit("reading the tier table…")))
	case m.tiersErr != nil && len(m.tiers) == 0:
		s := ui.StatusFromError(m.tiersErr)
		lines = append(lines, st.Error.Render(m.fit("✗ error: "+ui.Sanitize(s.Text))))
		lines = append(lines, st.Subtle.Render(m.fit("  E edits the stored table as text · ctrl+r reads it again")))
	case len(m.tiers) == 0:
		lines = append(lines, st.Subtle.Render(m.fit("no tiers defined: a adds one, E writes the table as JSON")))
	default:
		lines = append(lines, m.table.View())
	}
	lines = append(lines, m.noteLines()...)
	return strings.Join(lines, "\n")
}

// titleLine is "3 tiers" and the load state.
func (m *Model) titleLine() string {
	st := &m.c.Styles
	title := "tiers"
	if m.loaded {
		title = ui.Plural(len(m.tiers), "tier", "tiers")
	}
	line := st.Title.Render(title)
	switch {
	case m.loading && m.loaded:
		line += st.Subtle.Render(" · reading again…")
	case m.counting:
		line += st.Subtle.Render(" · counting at the API…")
	}
	if m.tiersErr != nil && len(m.tiers) > 0 {
		line += st.Warning.Render(" · ! the stored table breaks a rule (showing the last good read)")
	}
	return m.fit(line)
}

// renderRow renders one tier.
func (m *Model) renderRow(r row, s ui.RowState) string {
	lead := "  "
	if s.Cursor {
		lead = "▸ "
	}
	count := ui.Commas(r.count)
	if !m.usage.known() {
		count = "~" + count // some namespaces are not counted or are stale
	}
	if m.usage.err != nil {
		count = "?"
	}
	line := m.table.Line(lead, ui.Sanitize(r.tier.Name), ui.Commas(r.tier.CPUMs), ui.Commas(r.tier.SubRequests), count)
	if s.Cursor {
		return m.c.Styles.Cursor.Render(ui.PadRight(ui.Clip(line, s.Width), s.Width))
	}
	return line
}

// noteLines say where the SCRIPTS column comes from and how old each
// namespace's count is, and name tier tags no tier defines.
func (m *Model) noteLines() []string {
	if !m.loaded {
		return nil
	}
	st := &m.c.Styles
	u := m.usage
	if u.err != nil {
		return []string{"", st.Warning.Render(m.fit("! scripts not counted: " + ui.Sanitize(ui.StatusFromError(u.err).Text)))}
	}
	heading := "SCRIPTS: tier-<name> tags in each namespace's cached listing (no API request)"
	if len(u.nss) > 0 && u.nss[0].fromAPI {
		heading = "SCRIPTS: tier-<name> tags in each namespace's listing at the API (C)"
	}
	lines := []string{"", st.Subtle.Render(m.fit(heading))}
	nameW := 0
	for _, n := range u.nss {
		nameW = max(nameW, len(ui.Sanitize(n.name)))
	}
	nameW = min(nameW, 24)
	now := m.c.Now()
	missing := 0
	for i, n := range u.nss {
		if !n.counted {
			missing++
		}
		if i >= maxNSLines {
			continue
		}
		var what string
		switch {
		case !n.counted:
			what = "not counted: " + ui.Sanitize(n.why)
		case n.stale():
			what = fmt.Sprintf("%s listed %s · stale: the namespace has %s now",
				ui.Plural(n.listed, "script", "scripts"), ui.Age(now.Sub(n.at)), ui.Commas(n.scripts))
		default:
			what = fmt.Sprintf("%s listed %s", ui.Plural(n.listed, "script", "scripts"), ui.Age(now.Sub(n.at)))
		}
		line := "  " + ui.PadRight(ui.Truncate(ui.Sanitize(n.name), nameW), nameW) + "  " + what
		if !n.counted || n.stale() {
			line = st.Warning.Render(m.fit(line))
		} else {
			line = st.Subtle.Render(m.fit(line))
		}
		lines = append(lines, line)
	}
	if extra := len(u.nss) - maxNSLines; extra > 0 {
		lines = append(lines, st.Subtle.Render(m.fit(fmt.Sprintf("  … and %d more namespaces", extra))))
	}
	if !u.known() {
		lines = append(lines, st.Subtle.Render(m.fit(fmt.Sprintf("  ~: the counts lack %s · C lists every namespace (%s)",
			countGap(missing, u), ui.Plural(u.listCost(), "request", "requests")))))
	}
	if undef := m.undefined(); undef != "" {
		lines = append(lines, st.Warning.Render(m.fit("! scripts on tiers the table does not define: "+undef)))
	}
	return lines
}

// countGap says what the counts lack: "1 namespace" not counted, or stale.
func countGap(missing int, u usage) string {
	if missing > 0 {
		return ui.Plural(missing, "namespace", "namespaces")
	}
	return "changes since the listings"
}

// undefined names the tier tags counted that no tier defines, with their
// counts ("gold 12, legacy 3").
func (m *Model) undefined() string {
	if m.tiersErr != nil && len(m.tiers) == 0 {
		return "" // the table is not known
	}
	var names []string
	for name := range m.usage.counts {
		if !slices.ContainsFunc(m.tiers, func(t platform.Tier) bool { return t.Name == name }) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = ui.Sanitize(n) + " " + ui.Commas(m.usage.counts[n])
	}
	return strings.Join(parts, ", ")
}

// chromeLines is how many lines the title, an open form and the notes
// take around the table.
func (m *Model) chromeLines() int {
	return 1 + m.formLines() + len(m.noteLines())
}

// fit truncates a line to the width.
func (m *Model) fit(s string) string { return ui.Truncate(s, m.width) }
