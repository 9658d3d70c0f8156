package inactive

import (
	"fmt"
	"strings"

	"github.com/wfpconsole/wfp/ui"
)

// View renders the title, the notes and the table.
func (m *Model) View() string {
	st := &m.c.Styles
	lines := []string{st.Title.Render(ui.Truncate(m.titleText(), m.width))}
	lines = append(lines, m.notes()...)
	body := m.table.View()
	if m.table.Len() == 0 {
		body += "\n" + st.Subtle.Render(ui.Truncate("  "+m.emptyText(), m.width))
	}
	return strings.Join(lines, "\n") + "\n" + body
}

// titleText: "37 of 2,000 idle ≥ 30 days · saves $0.74/month · 3 marked".
func (m *Model) titleText() string {
	if m.lu == nil {
		return fmt.Sprintf("scripts of %s idle for %d days", ui.Sanitize(m.ns), m.days)
	}
	n := m.table.Len()
	s := fmt.Sprintf("%s of %s idle ≥ %d days · removing them saves %s/month", ui.Commas(n), ui.Commas(m.total), m.days, usd(m.Savings(n)))
	if k := m.table.Marked(); k > 0 {
		s += fmt.Sprintf(" · %s marked (%s)", ui.Commas(k), usd(m.Savings(k)))
	}
	return s
}

// usd formats dollars: "$0.74", "$1,204.50".
func usd(v float64) string {
	cents := int64(v*100 + 0.5)
	return "$" + ui.Commas(int(cents/100)) + fmt.Sprintf(".%02d", cents%100)
}

// notes are the lines under the title: the price used, what is left out,
// a failure.
func (m *Model) notes() []string {
	st := &m.c.Styles
	var out []string
	if m.err != nil {
		out = append(out, st.Error.Render(ui.Truncate("✗ "+ui.Sanitize(m.err.Error()), m.width)))
	}
	note := fmt.Sprintf("  never used counts as idle · %s a script a month (price_per_script_month)", usd4(m.deps.PricePerScript))
	if m.unknown > 0 {
		out = append(out, st.Warning.Render(ui.Truncate(fmt.Sprintf("  %s left out, last use unread (%s) · R reads them", ui.Commas(m.unknown), ui.Plural(m.lu.UnreadCost(), "request", "requests")), m.width)))
	}
	return append(out, st.Subtle.Render(ui.Truncate(note, m.width)))
}

// usd4 formats a unit price, to the tenth of a cent when it has one.
func usd4(v float64) string {
	s := fmt.Sprintf("$%.4f", v)
	s = strings.TrimRight(s, "0")
	if i := strings.IndexByte(s, '.'); len(s)-i < 3 {
		s += strings.Repeat("0", 3-(len(s)-i))
	}
	return s
}

// chromeLines is how many lines the title and the notes take.
func (m *Model) chromeLines() int { return 1 + len(m.notes()) }

// emptyText says why no row is shown.
func (m *Model) emptyText() string {
	switch {
	case m.loading:
		return "reading the listing and the last-used keys…"
	case m.err != nil:
		return "nothing loaded: ctrl+r tries again"
	}
	return fmt.Sprintf("no script of %s has been idle for %d days", ui.Sanitize(m.ns), m.days)
}

// renderRow renders one idle script.
func (m *Model) renderRow(r row, s ui.RowState) string {
	st := &m.c.Styles
	lead := " "
	if s.Cursor {
		lead = "▸"
	}
	if s.Marked {
		lead += "●"
	} else {
		lead += " "
	}
	last := "never"
	if !r.last.IsZero() {
		last = ui.Date(r.last)
	}
	tenant, tier := r.tenant, r.tier
	if tenant == "" {
		tenant = "-"
	}
	if tier == "" {
		tier = "-"
	}
	line := m.table.Line(lead, ui.Sanitize(r.name), ui.Sanitize(tenant), ui.Sanitize(tier), last, ui.Date(r.modified))
	switch {
	case s.Cursor:
		return st.Cursor.Render(ui.Clip(line, s.Width))
	case s.Marked:
		return st.Marked.Render(ui.Clip(line, s.Width))
	}
	return line
}
