package tenant

import (
	"fmt"
	"strings"

	"github.com/wfpconsole/wfp/ui"
)

// maxAuditShown bounds the audit lines under the table.
const maxAuditShown = 4

// View renders the title, the notes, the scripts and the audit entries.
func (m *Model) View() string {
	st := &m.c.Styles
	lines := m.head()
	body := m.table.View()
	if m.table.Len() == 0 && !m.loading && m.err == nil {
		body += "\n" + st.Subtle.Render(ui.Truncate(fmt.Sprintf("  no script is tagged %s in any of the %d namespaces", ui.Sanitize(m.report.Tag), m.report.Namespaces), m.width))
	}
	out := strings.Join(lines, "\n") + "\n" + body
	if n := m.auditLines(); n > 0 {
		audit := []string{st.Subtle.Render(ui.Truncate("  recent changes:", m.width))}
		for _, r := range m.report.Audit[:n-1] {
			audit = append(audit, ui.Truncate(fmt.Sprintf("  %s %s %s %s · %s", r.Time.UTC().Format("01-02 15:04"),
				ui.Sanitize(r.Actor), ui.Sanitize(r.Op), ui.Sanitize(r.Target), ui.Sanitize(r.Result)), m.width))
		}
		out += "\n" + strings.Join(audit, "\n")
	}
	return out
}

// head is the title and the notes.
func (m *Model) head() []string {
	st := &m.c.Styles
	title := fmt.Sprintf("customer %s · tag %s", ui.Sanitize(m.customer), ui.Sanitize(m.report.Tag))
	switch {
	case m.loading:
		title += " · loading…"
	default:
		title += fmt.Sprintf(" · %s in %s · %s", ui.Plural(len(m.report.Rows), "script", "scripts"),
			ui.Plural(m.report.Namespaces, "namespace", "namespaces"), ui.Plural(m.report.Requests, "request", "requests"))
	}
	out := []string{st.Title.Render(ui.Truncate(title, m.width))}
	if m.err != nil {
		out = append(out, st.Error.Render(ui.Truncate("✗ "+ui.Sanitize(m.err.Error()), m.width)))
	}
	var own []string
	for _, r := range m.report.Rows {
		if r.Limits != "" {
			own = append(own, r.Script+": "+r.Limits)
		}
	}
	if len(own) > 0 {
		out = append(out, st.Subtle.Render(ui.Truncate("  * own limits · "+ui.Sanitize(strings.Join(own, " · ")), m.width)))
	}
	for _, n := range []string{m.report.Routing, m.report.LastUseNote, m.report.ErrorsNote, m.report.LimitsNote} {
		if n != "" {
			out = append(out, st.Warning.Render(ui.Truncate("  "+ui.Sanitize(n), m.width)))
		}
	}
	return out
}

// auditLines is how many lines the audit entries take (0 without any).
func (m *Model) auditLines() int {
	if len(m.report.Audit) == 0 {
		return 0
	}
	return min(len(m.report.Audit), maxAuditShown) + 1
}

// renderRow renders one script.
func (m *Model) renderRow(r Row, s ui.RowState) string {
	lead := " "
	if s.Cursor {
		lead = "▸"
	}
	tier, last, hosts := r.Tier, "-", "-"
	if tier == "" {
		tier = "-"
	}
	if r.Limits != "" {
		tier += "*"
	}
	if !r.LastUsed.IsZero() {
		last = ui.Date(r.LastUsed)
	}
	if len(r.Hosts) > 0 {
		hosts = strings.Join(r.Hosts, ",")
	}
	errs := "0"
	if r.Errors > 0 {
		errs = ui.Commas(r.Errors)
	}
	line := m.table.Line(lead, ui.Sanitize(r.Script), ui.Sanitize(r.Namespace), ui.Sanitize(tier), ui.Sanitize(hosts), last, errs)
	if s.Cursor {
		return m.c.Styles.Cursor.Render(ui.Clip(line, s.Width))
	}
	return line
}
