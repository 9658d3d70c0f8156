package scripts

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/ui"
)

// View renders the screen: the title, the lines under it (a failed
// listing, the filter bar), then the table, the tag facets or the JSON
// view. Only the visible rows are formatted.
func (m *Model) View() string {
	m.layout()
	title := m.viewTitle()
	if m.rawOpen {
		return title + "\n" + m.raw.View()
	}
	lines := m.chrome()
	var body string
	if m.facets.Visible() {
		body = m.facets.View()
	} else {
		m.frame = m.rowStyles()
		body = m.table.View()
		if m.table.Len() == 0 {
			body += "\n" + m.c.Styles.Subtle.Render(ui.Truncate("  "+m.emptyText(), m.width))
		}
	}
	// One allocation of the frame's size: the table's rows are most of it.
	n := len(title) + 1 + len(body)
	for _, l := range lines {
		n += len(l) + 1
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(title)
	b.WriteByte('\n')
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString(body)
	return b.String()
}

// emptyText says why no row is shown.
func (m *Model) emptyText() string {
	switch {
	case m.ld != nil && m.ld.cache:
		return "reading the cache…"
	case m.ld != nil && m.all.Len() == 0:
		return "loading…"
	case m.qErr != nil && m.filter.Focused():
		return "invalid selector (see above): fix it, or esc to cancel"
	case m.qErr != nil:
		return "invalid selector (see above): / edits it, esc clears it"
	case m.wantFilter && m.result == nil:
		return "filtering…"
	case m.all.Len() > 0:
		return "no script matches the filter"
	case m.fail != nil:
		return "nothing loaded"
	}
	return "no scripts in this namespace"
}

// titleText is the title line's counts, in docs/ux.md's words:
// "2,000 scripts · 12 shown · 3 marked (1 hidden by filter)". While the
// filter text does not parse, the rows are the last valid filter's: the
// title says the selector is invalid rather than count them as its.
func (m *Model) titleText() string {
	n := m.all.Len()
	noun := " scripts"
	if n == 1 {
		noun = " script"
	}
	if m.incomplete() {
		noun += " (incomplete)"
	}
	shown := ui.Commas(m.table.Len()) + " shown"
	if m.qErr != nil {
		shown = "invalid selector"
	}
	marked := m.table.Marked()
	s := ui.Commas(n) + noun + " · " + shown + " · " + ui.Commas(marked) + " marked"
	if hidden := marked - m.table.MarkedShown(); hidden > 0 {
		if m.result != nil || m.wantFilter {
			s += " (" + ui.Commas(hidden) + " hidden by filter)"
		} else {
			s += " (" + ui.Commas(hidden) + " not loaded)"
		}
	}
	return s
}

// incomplete reports that the rows are what a listing brought before it
// stopped (a failed load), not the whole namespace or selection. A cold
// load in progress is not "incomplete": its title says "loading…".
func (m *Model) incomplete() bool {
	if m.complete || m.all.Len() == 0 {
		return false
	}
	return m.ld == nil || m.ld.swap
}

// viewTitle renders the counts and what the data is doing.
func (m *Model) viewTitle() string {
	st := &m.c.Styles
	var b strings.Builder
	title := m.titleText()
	b.WriteString(st.Title.Render(title))
	note := ""
	if busy, count := m.loading(); busy {
		verb := "loading… "
		if m.ld.swap {
			verb = "refreshing… "
		}
		note = " · " + verb + m.progress(count)
		if ansi.StringWidth(title+note) > m.width {
			// "2,000/20,000" keeps the numbers readable at 80 columns.
			note = " · " + verb + m.progressShort(count)
		}
	} else if m.ld != nil && m.ld.cache {
		note = " · reading cache…"
	}
	if note != "" {
		b.WriteString(st.Subtle.Render(note))
	}
	return ui.Truncate(b.String(), m.width)
}

// chrome is the lines between the title and the table: why the last
// listing failed, then the filter bar (the filter, and why its text does
// not parse). Each says its piece on its own lines, so nothing important
// is cut at 80 columns.
func (m *Model) chrome() []string {
	out := m.failLines()
	if v := m.filter.View(); v != "" {
		out = append(out, strings.Split(v, "\n")...)
	}
	if l := m.lastUseLine(); l != "" {
		out = append(out, l)
	}
	return out
}

// failLines say why the last listing failed: the reason (up to two lines),
// then what is shown and what to do, packed into as few lines as fit.
func (m *Model) failLines() []string {
	f := m.fail
	if f == nil {
		return nil
	}
	st := &m.c.Styles
	what := "load failed"
	if f.refresh {
		what = "refresh failed"
	}
	var out []string
	for _, l := range wrapLines(glyphError+" "+what+": "+ui.Sanitize(f.reason), m.width, 2) {
		out = append(out, st.Error.Render(l))
	}
	var parts []string
	switch n := m.all.Len(); {
	case f.refresh:
		parts = append(parts, "showing the rows listed before")
	case n > 0 && f.total > n:
		parts = append(parts, "showing the "+ui.Commas(n)+" of "+ui.Commas(f.total)+" listed before it stopped")
	case n > 0:
		parts = append(parts, "showing the "+ui.Commas(n)+" listed before it stopped")
	}
	parts = append(parts, "ctrl+r tries again")
	if f.hint != "" {
		parts = append(parts, ui.Sanitize(f.hint))
	}
	// Pack the parts into as few lines as fit; a part too long for a line
	// of its own is cut.
	const indent = "  "
	line := ""
	for _, p := range parts {
		if line != "" && ansi.StringWidth(line+" · "+p) <= m.width {
			line += " · " + p
			continue
		}
		if line != "" {
			out = append(out, st.Subtle.Render(line))
		}
		line = ui.Truncate(indent+p, m.width)
	}
	return append(out, st.Subtle.Render(line))
}

// wrapLines wraps plain text to w cells in at most n lines (continuations
// indented by two spaces); what does not fit ends the last line with "…".
func wrapLines(s string, w, n int) []string {
	if w < 8 || ansi.StringWidth(s) <= w {
		return []string{ui.Truncate(s, max(1, w))}
	}
	first := strings.Split(ansi.Wrap(s, w, ""), "\n")
	out := []string{strings.TrimRight(first[0], " ")}
	rest := strings.TrimLeft(strings.Join(first[1:], " "), " ")
	for rest != "" && len(out) < n {
		lines := strings.Split(ansi.Wrap(rest, w-2, ""), "\n")
		if len(out) == n-1 {
			out = append(out, ui.Truncate("  "+rest, w))
			break
		}
		out = append(out, "  "+strings.TrimRight(lines[0], " "))
		rest = strings.TrimLeft(strings.Join(lines[1:], " "), " ")
	}
	return out
}
