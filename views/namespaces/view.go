package namespaces

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	gap      = 2
	minNameW = 8
)

// View renders the content area.
func (m *Model) View() string {
	if m.raw.open {
		return m.rawViewString()
	}
	st := &m.c.Styles
	var b strings.Builder
	b.WriteString(m.titleLine())
	for _, l := range m.noticeLines() {
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
		b.WriteString("\n" + m.headerLine())
		rows := m.rowsVisible()
		for i := m.top; i < min(len(m.shown), m.top+rows); i++ {
			b.WriteString("\n" + m.rowLine(i))
		}
		if len(m.shown) == 0 {
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
	title := plural(len(m.all), "namespace", "namespaces")
	if m.dataAt.IsZero() {
		title = "namespaces" // not listed yet: no count to give
	}
	if m.applied != "" && !m.dataAt.IsZero() {
		title += fmt.Sprintf(" · %d shown (%d hidden by filter)", len(m.shown), len(m.all)-len(m.shown))
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
	chrome := 2 + len(m.noticeLines()) // title, column headings
	if m.typing || m.applied != "" {
		chrome++
	}
	return max(0, m.height-chrome)
}

// nameWidth is the width of the name column.
func (m *Model) nameWidth() int {
	return max(minNameW, m.width-markerW-scriptsW-trustedW-2*dateW-4*gap)
}

// headerLine renders the column headings.
func (m *Model) headerLine() string {
	cols := []string{
		strings.Repeat(" ", markerW) + pad("NAME", m.nameWidth()),
		padLeft("SCRIPTS", scriptsW),
		pad("TRUSTED", trustedW),
		pad("CREATED", dateW),
		pad("MODIFIED", dateW),
	}
	return m.c.Styles.TableHeader.Render(ansi.Truncate(strings.Join(cols, "  "), m.width, ""))
}

// rowLine renders the row at position i of shown.
func (m *Model) rowLine(i int) string {
	ns := m.all[m.shown[i]]
	now := m.c.Now()
	trusted := "no"
	if ns.Trusted {
		trusted = "yes"
	}
	marker := "  "
	if i == m.cursor {
		marker = "▸ "
	}
	cols := []string{
		marker + pad(ansi.Truncate(ui.Sanitize(ns.Name), m.nameWidth(), "…"), m.nameWidth()),
		padLeft(thousands(ns.ScriptCount), scriptsW),
		pad(trusted, trustedW),
		pad(date(ns.CreatedOn, now), dateW),
		pad(date(ns.ModifiedOn, now), dateW),
	}
	line := ansi.Truncate(strings.Join(cols, "  "), m.width, "")
	if i == m.cursor {
		return m.c.Styles.Cursor.Render(pad(line, m.width))
	}
	return line
}

// fit truncates a line to the width.
func (m *Model) fit(s string) string { return ansi.Truncate(s, m.width, "…") }

// openRaw opens the JSON overlay for ns.
func (m *Model) openRaw(ns cfclient.Namespace) {
	b, err := json.MarshalIndent(ns.APIObject(), "", "  ")
	text := string(b)
	if err != nil {
		text = "cannot show JSON: " + err.Error()
	}
	m.raw = rawView{open: true, title: ns.Name, lines: strings.Split(ui.SanitizeMultiline(text), "\n")}
}

// rawViewString renders the JSON overlay: a title and a window of lines.
func (m *Model) rawViewString() string {
	st := &m.c.Styles
	page := max(1, m.height-1)
	end := min(len(m.raw.lines), m.raw.top+page)
	title := "namespace " + ui.Sanitize(m.raw.title) + " · JSON"
	if len(m.raw.lines) > page {
		title += fmt.Sprintf(" · lines %d–%d of %d", m.raw.top+1, end, len(m.raw.lines))
	}
	title += " · esc closes"
	var b strings.Builder
	b.WriteString(st.Title.Render(m.fit(title)))
	for _, l := range m.raw.lines[m.raw.top:end] {
		b.WriteString("\n" + ansi.Truncate(l, m.width, "…"))
	}
	return b.String()
}

// explain returns an error's reason and hint (ui.Explainer when it has
// them).
func explain(err error) (reason, hint string) {
	s := ui.StatusFromError(err)
	return ui.Sanitize(s.Text), ui.Sanitize(s.Hint)
}

// date renders t as "5h ago" within two days, "12d ago" within a month,
// and YYYY-MM-DD before that.
func date(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.Format(time.DateOnly)
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	case d < 30*24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
	}
	return t.Format(time.DateOnly)
}

// thousands renders n with thousands separators: 1,234,567.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural returns "1 namespace" or "3 namespaces".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// pad pads s with spaces to w cells.
func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	return strings.Repeat(" ", max(0, w-ansi.StringWidth(s))) + s
}
