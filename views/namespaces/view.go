package namespaces

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
)

// Column widths of the table. The name takes what is left; at 80 columns
// that is 34 cells.
const (
	markerW  = 2 // "▸ " on the cursor row, so the cursor does not rely on colour
	scriptsW = 9 // "1,234,567"
	trustedW = 7 // "trusted"
	dateW    = 10
	minNameW = 8
)

// columns are the table's columns.
var columns = []ui.TableColumn{
	{Title: "NAME", MinWidth: minNameW},
	{Title: "SCRIPTS", Width: scriptsW, Right: true},
	{Title: "TRUSTED", Width: trustedW},
	{Title: "CREATED", Width: dateW},
	{Title: "MODIFIED", Width: dateW},
}

// View renders the content area.
func (m *Model) View() string {
	if m.rawOpen {
		return m.raw.View()
	}
	st := &m.c.Styles
	var b strings.Builder
	b.WriteString(m.titleLine())
	for _, l := range m.noticeLines() {
		b.WriteByte('\n')
		b.WriteString(l)
	}
	for _, l := range m.formLines() {
		b.WriteByte('\n')
		b.WriteString(l)
	}
	switch {
	case len(m.all) == 0 && m.loadErr != nil:
		reason, hint := explain(m.loadErr)
		b.WriteString("\n" + st.Error.Render(m.fit("✗ error: could not list the namespaces")))
		b.WriteString("\n" + m.fit("  "+reason))
		if hint != "" {
			b.WriteString("\n" + st.Subtle.Render(m.fit("  "+hint)))
		}
		b.WriteString("\n" + st.Subtle.Render(m.fit("  press ctrl+r to try again")))
	case len(m.all) == 0 && m.loading:
		b.WriteString("\n" + st.Subtle.Render(m.fit("loading namespaces…")))
	case len(m.all) == 0:
		b.WriteString("\n" + st.Subtle.Render(m.fit("no dispatch namespaces in this account")))
	default:
		b.WriteString("\n" + m.table.View())
		if m.table.Len() == 0 {
			b.WriteString("\n" + st.Subtle.Render(m.fit("no namespace matches the filter (esc clears it)")))
		}
	}
	if f := m.filterLine(); f != "" {
		// The filter sits on the last line of the content area.
		used := strings.Count(b.String(), "\n") + 1
		b.WriteString(strings.Repeat("\n", max(1, m.height-used)))
		b.WriteString(f)
	}
	return b.String()
}

// titleLine is "3 namespaces · 1 shown (2 hidden by filter)" plus the load
// state.
func (m *Model) titleLine() string {
	st := &m.c.Styles
	title := ui.Plural(len(m.all), "namespace", "namespaces")
	if m.dataAt.IsZero() {
		title = "namespaces" // not listed yet: no count to give
	}
	if m.applied != "" && !m.dataAt.IsZero() {
		shown := m.table.Len()
		title += fmt.Sprintf(" · %d shown (%d hidden by filter)", shown, len(m.all)-shown)
	}
	line := st.Title.Render(title)
	if m.loading && len(m.all) > 0 {
		line += st.Subtle.Render(" · refreshing…")
	}
	return ansi.Truncate(line, m.width, "…")
}

// noticeLines say that a refresh failed while older rows are shown.
func (m *Model) noticeLines() []string {
	if m.loadErr == nil || len(m.all) == 0 {
		return nil
	}
	st := &m.c.Styles
	reason, hint := explain(m.loadErr)
	lines := []string{st.Warning.Render(m.fit("! WARNING refresh failed: " + reason))}
	tail := "showing the namespaces listed at " + m.dataAt.Format("15:04:05")
	if hint != "" {
		tail = hint + " · " + tail
	}
	return append(lines, st.Subtle.Render(m.fit("  "+tail)))
}

// filterLine is the filter input while typing, or the applied filter; a
// filter that does not parse says why instead of its hint.
func (m *Model) filterLine() string {
	st := &m.c.Styles
	var tail string
	switch {
	case m.filter.err != nil:
		tail = st.Error.Render("  ✗ " + m.filter.err.Error())
	case m.typing:
	case m.filter.inverse:
		tail = st.Subtle.Render("  names not containing it · / edits, esc clears")
	default:
		tail = st.Subtle.Render("  (/ edits, esc clears)")
	}
	switch {
	case m.typing:
		if tail == "" {
			return m.input.View()
		}
		return ansi.Truncate(ansi.Truncate(m.input.View(), max(10, m.width/3), "…")+tail, m.width, "…")
	case m.applied != "":
		return ansi.Truncate(st.Subtle.Render("filter: "+ui.Sanitize(m.applied))+tail, m.width, "…")
	}
	return ""
}

// rowsVisible is how many table rows fit under the title, notices, column
// headings and filter line.
func (m *Model) rowsVisible() int {
	chrome := 2 + len(m.noticeLines()) + len(m.formLines()) // title, column headings
	if m.typing || m.applied != "" {
		chrome++
	}
	return max(0, m.height-chrome)
}

// renderRow renders a namespace row: the cursor row has a glyph, not
// only reverse video.
func (m *Model) renderRow(ns cfclient.Namespace, r ui.RowState) string {
	now := m.c.Now()
	trusted := "no"
	if ns.Trusted {
		trusted = "yes"
	}
	marker := "  "
	if r.Cursor {
		marker = "▸ "
	}
	line := m.table.Line(marker, ui.Sanitize(ns.Name), ui.Commas(ns.ScriptCount), trusted,
		ui.RelDate(ns.CreatedOn, now), ui.RelDate(ns.ModifiedOn, now))
	if r.Cursor {
		return m.c.Styles.Cursor.Render(ui.PadRight(ui.Clip(line, r.Width), r.Width))
	}
	return line
}

// fit truncates a line to the width.
func (m *Model) fit(s string) string { return ui.Truncate(s, m.width) }

// openRaw opens the JSON overlay for ns.
func (m *Model) openRaw(ns cfclient.Namespace) {
	m.raw = ui.NewJSONView("namespace "+ns.Name+" · JSON", ns.APIObject(),
		ui.WithHint("esc closes"),
		ui.WithTextViewStyles(m.c.Styles.TextView),
		ui.WithTextViewKeyMap(m.Keys.MoveKeyMap))
	m.raw.SetSize(m.width, m.height)
	m.rawOpen = true
}

// explain returns an error's reason and hint (ui.Explainer when it has
// them).
func explain(err error) (reason, hint string) {
	s := ui.StatusFromError(err)
	return ui.Sanitize(s.Text), ui.Sanitize(s.Hint)
}
