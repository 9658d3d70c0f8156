package routing

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/routingwatch"
	"github.com/wfpconsole/wfp/ui"
)

// Glyphs: states are never shown by colour alone.
const (
	glyphCursor = "▸"
	glyphMark   = "●"
	glyphError  = "✗"
	prefixWidth = 3 // cursor glyph, mark glyph, space
)

// kvNote is said on the screen, not only in the review: a KV write is not
// seen everywhere at once.
const kvNote = "KV changes take up to 60 s to reach every Cloudflare location"

// View renders the screen: the title, the state line, the filter line
// (when a filter is typed or applied), then the table, the form or the
// detail. Only the visible rows are formatted.
func (m *Model) View() string {
	if m.value.open {
		return m.value.ed.View()
	}
	lines := m.chrome()
	switch {
	case m.detail:
		lines = append(lines, m.detailView.View())
	case m.form.open():
		lines = append(lines, m.formLines()...)
	case m.unrouted:
		lines = append(lines, m.unroutedBody()...)
	default:
		lines = append(lines, m.routesBody()...)
	}
	return strings.Join(lines, "\n")
}

// chrome is the lines above the body: title, state line, filter line.
func (m *Model) chrome() []string {
	st := &m.c.Styles
	out := []string{st.Title.Render(m.fit(m.titleText())), m.stateLine()}
	if m.detail || m.form.open() {
		return out
	}
	if line, ok := m.filterLine(); ok {
		out = append(out, line)
	}
	return out
}

// nsText names the namespace routed into ("…" until it is known).
func (m *Model) nsText() string {
	if m.ns == "" {
		return "…"
	}
	return ui.Sanitize(m.ns)
}

// titleText is the title line: what is listed, into which namespace, and
// docs/ux.md's counts.
func (m *Model) titleText() string {
	if m.unrouted {
		t := "Unrouted → " + m.nsText()
		if m.check == nil {
			return t
		}
		return t + fmt.Sprintf(" · %s with no route · %s shown",
			ui.Plural(len(m.check.unrouted), "script", "scripts"), ui.Commas(m.scripts.Len()))
	}
	t := "Routes → " + m.nsText()
	if m.data == nil {
		return t
	}
	t += fmt.Sprintf(" · %s · %s shown · %s marked", ui.Plural(len(m.data.rows), "route", "routes"),
		ui.Commas(m.table.Len()), ui.Commas(m.table.Marked()))
	if hidden := m.table.Marked() - m.table.MarkedShown(); hidden > 0 {
		t += fmt.Sprintf(" (%s hidden by filter)", ui.Commas(hidden))
	}
	return t
}

// problems counts what is wrong with the table ("" until it is checked).
func (m *Model) problems() string {
	if m.data == nil {
		return ""
	}
	var parts []string
	if m.check != nil {
		parts = append(parts, ui.Commas(m.check.dangling)+" dangling")
	}
	if d := len(m.data.dup); d > 0 {
		parts = append(parts, ui.Commas(d)+" duplicate")
	}
	if u := m.data.unreadable; u > 0 {
		parts = append(parts, ui.Commas(u)+" unreadable")
	}
	if m.check != nil && !m.unrouted {
		parts = append(parts, ui.Commas(len(m.check.unrouted))+" unrouted (U)")
	}
	return strings.Join(parts, " · ")
}

// waitingFor says what the unrouted list waits for.
func (m *Model) waitingFor() string {
	switch {
	case m.data == nil:
		return "the routing table is not read yet (R reads it)"
	case m.namesErr != nil:
		return "the namespace's scripts could not be listed (ctrl+r tries again)"
	}
	return "checking the routes against the namespace's scripts…"
}

// kvNotes are the ways of saying kvNote, longest first: the state line
// takes the longest that fits.
var kvNotes = []string{kvNote, "KV changes take up to 60 s to reach everywhere", "KV changes: up to 60 s to spread", "KV: up to 60 s"}

// stateLine counts what is wrong with the table and says that KV changes
// take time to spread, or how far a read of the table has got.
func (m *Model) stateLine() string {
	st := &m.c.Styles
	if line := m.progressLine(); line != "" && m.busy() {
		return st.Subtle.Render(m.fit(line))
	}
	var parts []string
	if p := m.problems(); p != "" {
		parts = append(parts, p)
	}
	switch {
	case m.nsErr != nil:
		parts = append(parts, glyphError+" the namespaces could not be listed (ctrl+r tries again)")
	case m.namesErr != nil:
		parts = append(parts, glyphError+" "+m.nsText()+"'s scripts could not be listed: no dangling check (ctrl+r tries again)")
	case m.loadingNames:
		parts = append(parts, "listing "+m.nsText()+"'s scripts…")
	}
	text := strings.Join(parts, " · ")
	sep := ""
	if text != "" {
		sep = " · "
	}
	for _, note := range kvNotes {
		if ansi.StringWidth(text+sep+note) <= m.width {
			text += sep + note
			break
		}
	}
	return st.Subtle.Render(m.fit(text))
}

// filterLine is the filter input while typing, or the applied filter with
// its kind; a text that cannot filter says why.
func (m *Model) filterLine() (string, bool) {
	st := &m.c.Styles
	f := &m.filter
	switch {
	case f.typing && f.err != nil:
		return f.input.View() + st.Error.Render(m.fitTo(" "+glyphError+" "+ui.Sanitize(f.err.Error()), m.width-ansi.StringWidth(f.input.View()))), true
	case f.typing:
		return f.input.View(), true
	case f.applied == "":
		return "", false
	case f.err != nil:
		return st.Error.Render(m.fit("/" + ui.Sanitize(f.applied) + " " + glyphError + " " + ui.Sanitize(f.err.Error()))), true
	}
	q, _ := parse(f.applied)
	return st.Subtle.Render(m.fit("/" + ui.Sanitize(f.applied) + " · " + q.Kind.String() + " · esc clears")), true
}

// routesBody is the table, or what stands in for it until it is read.
func (m *Model) routesBody() []string {
	st := &m.c.Styles
	if m.data == nil {
		return m.tableState()
	}
	if m.table.Len() == 0 {
		text := "the routing table is empty"
		if m.filter.text() != "" {
			text = "no route matches the filter"
		}
		return []string{m.table.View(), st.Subtle.Render(m.fit("  " + text))}
	}
	return []string{m.table.View()}
}

// tableState says why there is no table: being read, too costly to read
// without asking, or failed.
func (m *Model) tableState() []string {
	st := &m.c.Styles
	switch {
	case m.tableErr != nil && !m.busy():
		why := ui.StatusFromError(m.tableErr)
		if why.Hint == "" {
			why.Hint = "R tries again"
		}
		return m.wrap(st.Error, glyphError+" error: "+ui.Sanitize(why.Text)+" · "+ui.Sanitize(why.Hint))
	case m.cost != nil && !m.reading:
		return m.wrap(st.Warning, costText(*m.cost))
	case m.busy():
		return m.wrap(st.Subtle, "loading the routing table… (read once for every screen, in the background)")
	}
	return nil
}

// unroutedBody lists the scripts no route reaches.
func (m *Model) unroutedBody() []string {
	st := &m.c.Styles
	switch {
	case m.check == nil && m.data == nil:
		return m.tableState()
	case m.check == nil:
		return m.wrap(st.Subtle, m.waitingFor())
	case m.scripts.Len() == 0:
		text := "every script of " + m.nsText() + " has a route"
		if m.filter.text() != "" {
			text = "no unrouted script matches the filter"
		}
		return []string{m.scripts.View(), st.Subtle.Render(m.fit("  " + text))}
	}
	return []string{m.scripts.View()}
}

// lead is a row's cursor and mark glyphs.
func lead(s ui.RowState) string {
	c, mk := " ", " "
	if s.Cursor {
		c = glyphCursor
	}
	if s.Marked {
		mk = glyphMark
	}
	return c + mk + " "
}

// renderRoute renders one route: kind, key, target and status (a word,
// coloured where colour helps).
func (m *Model) renderRoute(r *platform.Route, s ui.RowState) string {
	st := &m.c.Styles
	target := ui.Sanitize(r.Target)
	if r.Target == "" {
		target = "(none)"
	}
	stat := m.statusOf(r)
	word := stat.String()
	if !s.Cursor {
		switch stat {
		case statusDangling, statusDuplicate:
			word = st.Warning.Render(word)
		case statusUnreadable:
			word = st.Error.Render(word)
		case statusUnknown:
			word = st.Subtle.Render(word)
		}
	}
	line := m.table.Line(lead(s), string(r.Kind), ui.Sanitize(r.Key), target, word)
	if s.Cursor {
		return st.Cursor.Render(line)
	}
	return line
}

// renderScript renders one unrouted script.
func (m *Model) renderScript(name string, s ui.RowState) string {
	line := m.scripts.Line(lead(s), ui.Sanitize(name))
	if s.Cursor {
		return m.c.Styles.Cursor.Render(line)
	}
	return line
}

// formLines renders the open form: what it writes, its fields, the target
// picker, and what planning it would do or the rule it breaks.
func (m *Model) formLines() []string {
	st := &m.c.Styles
	f := &m.form
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	if f.mode == formRepoint {
		r := f.route
		add(st.Bold.Render(m.fit(fmt.Sprintf("Repoint %s %s (now → %s)", r.Kind, ui.Sanitize(r.Key), ui.Sanitize(orNone(r.Target))))), "")
	} else {
		add(st.Bold.Render(m.fit("Add a route → "+m.nsText())), "")
		var kinds []string
		for i, k := range routeKinds {
			if i == f.kindAt {
				kinds = append(kinds, "◂ "+string(k)+" ▸")
			} else {
				kinds = append(kinds, string(k))
			}
		}
		cursor := "  "
		if f.field == fieldKind {
			cursor = glyphCursor + " "
		}
		add(m.fit(cursor+"kind   "+strings.Join(kinds, "  ")), fieldLine(f.field == fieldKey, f.key.View()))
	}
	add(fieldLine(f.field == fieldTarget, f.target.View()))
	for i, p := range f.picks {
		mark := "   "
		if i == f.pickAt {
			mark = " " + glyphCursor + " "
		}
		add(st.Subtle.Render(m.fit("         " + mark + ui.Sanitize(p))))
	}
	add("")
	add(m.formNotes()...)
	hint := "enter plans · tab next field, or takes the ▸ script · ↑/↓ picks · esc cancels"
	if f.mode == formRepoint {
		hint = "enter plans · tab takes the ▸ script · ↑/↓ picks · esc cancels"
	}
	if m.planning {
		hint = "planning… (reading the route's current value)"
	}
	add("", st.Subtle.Render(m.fit(hint)))
	return out
}

// fieldLine is a form field with the focus glyph.
func fieldLine(focused bool, view string) string {
	if focused {
		return glyphCursor + " " + view
	}
	return "  " + view
}

// formNotes say what the form would write, the rule it breaks, whether
// the target exists, and whether the route exists already.
func (m *Model) formNotes() []string {
	st := &m.c.Styles
	f := &m.form
	var out []string
	if rule := m.formRule(); rule != "" {
		return append(out, m.wrap(st.Error, glyphError+" "+ui.Sanitize(rule))...)
	}
	kvKey, _ := m.schema.RouteKVKey(f.kind(), f.routeKey())
	out = append(out, st.Subtle.Render(m.fit("writes "+ui.Sanitize(kvKey)+" in the routing namespace")),
		st.Subtle.Render(m.fit(kvNote)))
	target := f.targetName()
	switch {
	case m.names == nil:
	case m.names.has(target):
		out = append(out, st.Success.Render(m.fit("✓ "+ui.Sanitize(target)+" is a script of "+m.nsText())))
	default:
		out = append(out, m.wrap(st.Warning, "! "+ui.Sanitize(target)+" is not a script of "+m.nsText()+": the route will dangle until it is deployed")...)
	}
	if f.fromNS != "" && m.ns != "" && f.fromNS != m.ns {
		out = append(out, m.wrap(st.Warning, "! the script is in "+ui.Sanitize(f.fromNS)+"; the routing table routes into "+m.nsText())...)
	}
	if f.kind() == platform.RouteHostname && strings.ToLower(f.routeKey()) != f.routeKey() {
		out = append(out, m.wrap(st.Warning, "! the dispatcher looks hosts up in lower case: this key would never match")...)
	}
	if f.mode == formAdd && m.data != nil {
		if r := m.findRoute(kvKey); r != nil {
			out = append(out, m.wrap(st.Warning, "! "+ui.Sanitize(kvKey)+" exists and points to "+ui.Sanitize(orNone(r.Target))+": this repoints it")...)
		}
	}
	return out
}

// findRoute is the route stored under kvKey in the table shown, or nil.
func (m *Model) findRoute(kvKey string) *platform.Route {
	rows := m.data.rows
	i, ok := slices.BinarySearchFunc(rows, kvKey, func(r *platform.Route, k string) int { return strings.Compare(r.KVKey, k) })
	if !ok {
		return nil
	}
	return rows[i]
}

// orNone is s, or "(none)".
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// openDetail shows the route under the cursor in full: its value as
// stored, what it names, and what is wrong with it.
func (m *Model) openDetail() {
	r, ok := m.table.Current()
	if m.unrouted || !ok {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kind     %s\nkey      %s\nKV key   %s\ntarget   %s\nstatus   %s\n", r.Kind, r.Key, r.KVKey, orNone(r.Target), m.statusOf(r))
	switch m.statusOf(r) {
	case statusUnreadable:
		fmt.Fprintf(&b, "         %s: the dispatcher finds no script and answers with an error\n", r.Problem)
	case statusDangling:
		fmt.Fprintf(&b, "         %s is not a script of %s: the dispatcher answers \"tenant worker missing\"\n", r.Target, m.ns)
	}
	if others := m.data.dup[r.KVKey]; len(others) > 0 {
		fmt.Fprintf(&b, "         the same %s, letter case aside, as %s\n", r.Kind, strings.Join(others, ", "))
		if strings.ToLower(r.Key) == r.Key {
			b.WriteString("         this one serves: the dispatcher looks the host up in lower case\n")
		} else {
			b.WriteString("         this one never serves: the dispatcher looks the host up in lower case\n")
		}
	}
	b.WriteString("\nvalue as stored\n")
	b.WriteString(r.Raw)
	b.WriteString("\n\ne repoints it · d deletes it\n" + kvNote)
	m.detailView.SetTitle("route " + r.KVKey)
	m.detailView.SetText(b.String())
	m.detailView.GotoTop()
	m.detail = true
}

// progressLine says how far a read of the routing table has got ("" when
// none runs).
func (m *Model) progressLine() string {
	return routingwatch.ProgressLine(m.watch.Progress, m.c.Now(), " · background, waits for API budget")
}

// costText asks before an expensive read of the routing table.
func costText(e cache.RoutingEstimate) string {
	return e.Describe() + ". press R to read it (once, shared by every screen). a adds a route without it; :route <host> looks one host up with one request"
}

// wrap word-wraps text to the width, each line in style.
func (m *Model) wrap(style lipgloss.Style, text string) []string {
	lines := strings.Split(ansi.Wrap(text, max(10, m.width), " "), "\n")
	for i, l := range lines {
		lines[i] = style.Render(m.fit(strings.TrimRight(l, " ")))
	}
	return lines
}

// fit truncates a line to the width.
func (m *Model) fit(s string) string { return ui.Truncate(s, m.width) }

// fitTo truncates a line to w cells.
func (m *Model) fitTo(s string, w int) string { return ui.Truncate(s, max(0, w)) }

// layout sizes the table below the chrome, the inputs and the detail.
func (m *Model) layout() {
	used := 2
	if _, ok := m.filterLine(); ok && !m.detail && !m.form.open() {
		used++
	}
	h := max(1, m.height-used)
	m.table.SetSize(m.width, h)
	m.scripts.SetSize(m.width, h)
	m.detailView.SetSize(m.width, max(1, m.height-2))
	m.filter.input.SetWidth(m.width)
	m.form.key.SetWidth(max(1, m.width-2))
	m.form.target.SetWidth(max(1, m.width-2))
	if m.value.open {
		m.value.ed.SetSize(m.width, m.height)
	}
}
