package scripts

import (
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// Glyphs: states are never shown by colour alone.
const (
	glyphCursor = "▸" // the namespaces screen's too
	glyphMark   = "●"
	glyphAsc    = "▲"
	glyphDesc   = "▼"
	glyphError  = "✗"
	prefixWidth = 3 // cursor glyph, mark glyph, space
)

// layout is the width of each column (0 hides it) for a terminal width.
type layout struct {
	gap                           int
	name, tier, tags, mod, create int
	longDates                     bool
}

// layoutFor fits the columns into w cells. Wide terminals get every column
// and times; at 80 columns created goes (it takes modified's place while
// rows are sorted by it, so the sort glyph stays visible) and dates lose
// the time; below ~70 tags go too; the name always keeps the rest.
func layoutFor(w int, by sortKey) layout {
	const tier, date, stamp = 10, 10, 16
	var l layout
	withTags := true
	switch {
	case w >= 100:
		l = layout{gap: 2, tier: tier, mod: stamp, create: date, longDates: true}
	case w >= 72:
		l = layout{gap: 1, tier: tier, mod: date}
	case w >= 48:
		l = layout{gap: 1, tier: tier, mod: date}
		withTags = false
	default:
		l = layout{gap: 1}
		withTags = false
	}
	if by == byCreated && l.create == 0 && l.mod > 0 {
		l.create, l.mod = l.mod, 0
	}
	rest := w - prefixWidth
	for _, c := range []int{l.tier, l.mod, l.create} {
		if c > 0 {
			rest -= c + l.gap
		}
	}
	if withTags && rest-l.gap >= 32 {
		rest -= l.gap
		l.name = max(20, min(64, rest*55/100))
		l.tags = rest - l.name
	} else {
		l.name = max(1, rest)
	}
	return l
}

// View renders the screen: the title, the filter line (when a filter is
// typed or applied), then the table, the tag facets or the JSON overlay.
// Only the visible rows are formatted.
func (m *Model) View() string {
	var b strings.Builder
	b.Grow(m.width * (m.height + 1) * 2)
	b.WriteString(m.viewTitle())
	if m.raw.open {
		b.WriteByte('\n')
		m.viewRaw(&b)
		return b.String()
	}
	for _, l := range m.chrome() {
		b.WriteByte('\n')
		b.WriteString(l)
	}
	b.WriteByte('\n')
	if m.facets.open {
		m.viewFacets(&b)
		return b.String()
	}
	h := m.rowsHeight()
	lay := layoutFor(m.width, m.sortBy)
	b.WriteString(m.viewHeader(lay))
	if len(m.shown) == 0 {
		b.WriteByte('\n')
		b.WriteString(m.c.Styles.Subtle.Render(fit("  "+m.emptyText(), m.width)))
		return b.String()
	}
	rs := m.rowStyles()
	end := min(len(m.shown), m.top+h)
	for i := m.top; i < end; i++ {
		b.WriteByte('\n')
		m.viewRow(&b, i, lay, &rs)
	}
	return b.String()
}

// emptyText says why no row is shown.
func (m *Model) emptyText() string {
	switch {
	case m.ld != nil && m.ld.cache:
		return "reading the cache…"
	case m.ld != nil && len(m.all) == 0:
		return "loading…"
	case m.qErr != nil && m.typing:
		return "invalid selector (see above): fix it, or esc to cancel"
	case m.qErr != nil:
		return "invalid selector (see above): / edits it, esc clears it"
	case m.wantFilter && m.result == nil:
		return "filtering…"
	case len(m.all) > 0:
		return "no script matches the filter"
	case m.fail != nil:
		return "nothing loaded"
	}
	return "no scripts in this namespace"
}

// titleText is the title line's counts, in docs/ux.md's words:
// "2,000 scripts · 12 shown · 3 marked (1 hidden by filter)".
func (m *Model) titleText() string {
	n := len(m.all)
	noun := " scripts"
	if n == 1 {
		noun = " script"
	}
	if m.incomplete() {
		noun += " (incomplete)"
	}
	s := commas(n) + noun + " · " + commas(len(m.shown)) + " shown · " + commas(len(m.marks)) + " marked"
	if hidden := len(m.marks) - m.markedShown; hidden > 0 {
		if m.result != nil || m.wantFilter {
			s += " (" + commas(hidden) + " hidden by filter)"
		} else {
			s += " (" + commas(hidden) + " not loaded)"
		}
	}
	return s
}

// incomplete reports that the rows are what a listing brought before it
// stopped (a failed load), not the whole namespace or selection. A cold
// load in progress is not "incomplete": its title says "loading…".
func (m *Model) incomplete() bool {
	if m.complete || len(m.all) == 0 {
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
	return fitStyled(b.String(), m.width)
}

// hiddenSort names the sort when its column is not shown (narrow
// terminals), so the order never looks shuffled: "sorted by created ▼"
// (in the column headings, next to NAME, which then has the width).
func (m *Model) hiddenSort() string {
	if m.rankActive() {
		return ""
	}
	l := layoutFor(m.width, m.sortBy)
	name := ""
	switch {
	case m.sortBy == byModified && l.mod == 0:
		name = "modified"
	case m.sortBy == byCreated && l.create == 0:
		name = "created"
	default:
		return ""
	}
	if m.sortDesc {
		return "sorted by " + name + " " + glyphDesc
	}
	return "sorted by " + name + " " + glyphAsc
}

// chrome is the lines between the title and the table: why the last
// listing failed, the filter, and why the filter text does not parse.
// Each says its piece on its own lines, so nothing important is cut at 80
// columns.
func (m *Model) chrome() []string {
	var out []string
	out = append(out, m.failLines()...)
	if m.filterLine() {
		out = append(out, m.viewFilterLine())
	}
	if m.qErr != nil {
		st := &m.c.Styles
		msg := ui.Sanitize(m.qErr.Error())
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, "tag selector: "), "tag selector ")
		for _, l := range wrapLines(glyphError+" invalid selector: "+msg, m.width, 2) {
			out = append(out, st.Error.Render(l))
		}
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
	switch n := len(m.all); {
	case f.refresh:
		parts = append(parts, "showing the rows listed before")
	case n > 0 && f.total > n:
		parts = append(parts, "showing the "+commas(n)+" of "+commas(f.total)+" listed before it stopped")
	case n > 0:
		parts = append(parts, "showing the "+commas(n)+" listed before it stopped")
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
		line = fit(indent+p, m.width)
	}
	return append(out, st.Subtle.Render(line))
}

// wrapLines wraps plain text to w cells in at most n lines (continuations
// indented by two spaces); what does not fit ends the last line with "…".
func wrapLines(s string, w, n int) []string {
	if w < 8 || ansi.StringWidth(s) <= w {
		return []string{fit(s, max(1, w))}
	}
	first := strings.Split(ansi.Wrap(s, w, ""), "\n")
	out := []string{strings.TrimRight(first[0], " ")}
	rest := strings.TrimLeft(strings.Join(first[1:], " "), " ")
	for rest != "" && len(out) < n {
		lines := strings.Split(ansi.Wrap(rest, w-2, ""), "\n")
		if len(out) == n-1 {
			out = append(out, fit("  "+rest, w))
			break
		}
		out = append(out, "  "+strings.TrimRight(lines[0], " "))
		rest = strings.TrimLeft(strings.Join(lines[1:], " "), " ")
	}
	return out
}

// viewFilterLine renders the input while typing, or the applied filter
// (a parse error has its own line, see chrome).
func (m *Model) viewFilterLine() string {
	st := &m.c.Styles
	if m.typing {
		return fitStyled(m.input.View(), m.width)
	}
	var b strings.Builder
	if m.applied != "" {
		b.WriteString(st.Bold.Render("/" + ui.Sanitize(m.applied)))
		switch {
		case m.qErr != nil:
		case m.q.Kind == selector.Fuzzy && m.rankActive():
			b.WriteString(st.Subtle.Render(" · fuzzy, best match first (N/M/C sort) · esc clears"))
		case m.q.Kind == selector.Fuzzy:
			b.WriteString(st.Subtle.Render(" · fuzzy · esc clears"))
		case m.q.Kind == selector.Substring:
			b.WriteString(st.Subtle.Render(" · exact substring · esc clears"))
		case m.q.Kind == selector.Inverse:
			b.WriteString(st.Subtle.Render(" · names not matching · esc clears"))
		default:
			b.WriteString(st.Subtle.Render(" · tags · esc clears"))
		}
	}
	if !m.server.IsEmpty() {
		b.WriteString(st.Subtle.Render(" · listed by the API with tags " + ui.Sanitize(m.server.String())))
	}
	return fitStyled(b.String(), m.width)
}

// viewHeader renders the column headings with the sort glyph.
func (m *Model) viewHeader(l layout) string {
	glyph := func(k sortKey) string {
		if m.sortBy != k || m.rankActive() {
			return ""
		}
		if m.sortDesc {
			return " " + glyphDesc
		}
		return " " + glyphAsc
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", prefixWidth))
	gap := strings.Repeat(" ", l.gap)
	cell := func(text string, w int, first bool) {
		if w <= 0 {
			return
		}
		if !first {
			b.WriteString(gap)
		}
		b.WriteString(pad(fit(text, w), w))
	}
	name := "NAME" + glyph(byName)
	if s := m.hiddenSort(); s != "" {
		name += " · " + s // the sort's column does not fit
	}
	cell(name, l.name, true)
	cell("TIER", l.tier, false)
	cell("TAGS", l.tags, false)
	cell("MODIFIED"+glyph(byModified), l.mod, false)
	cell("CREATED"+glyph(byCreated), l.create, false)
	return m.c.Styles.TableHeader.Render(fit(b.String(), m.width))
}

// rowStyles are the styles of one render, resolved once.
type rowStyles struct {
	plain, cursor, marked          lipgloss.Style
	plainHL, cursorHL, markedHL    lipgloss.Style
	plainZero                      bool
	highlight                      bool
	hlMatches                      selector.Matches
	hlMember                       []int32
	gap                            string
	cursorGlyph, markGlyph, blank1 string
}

func (m *Model) rowStyles() rowStyles {
	st := &m.c.Styles
	rs := rowStyles{
		cursor:      st.Cursor,
		marked:      st.Marked,
		plainZero:   true,
		cursorGlyph: glyphCursor,
		markGlyph:   glyphMark,
		blank1:      " ",
	}
	// Matched characters are underlined (and coloured when colour is on),
	// so the highlight survives NO_COLOR.
	hl := lipgloss.NewStyle().Underline(true)
	if !st.NoColor && st.Accent != nil {
		rs.plainHL = hl.Foreground(st.Accent)
	} else {
		rs.plainHL = hl
	}
	rs.cursorHL = st.Cursor.Underline(true)
	rs.markedHL = st.Marked.Underline(true)
	if res := m.result; res != nil && (res.q.Kind == selector.Fuzzy || res.q.Kind == selector.Substring) && res.epoch == m.epoch {
		rs.highlight, rs.hlMatches, rs.hlMember = true, res.matches, res.member
	}
	rs.gap = strings.Repeat(" ", layoutFor(m.width, m.sortBy).gap)
	return rs
}

// viewRow renders shown row i.
func (m *Model) viewRow(b *strings.Builder, i int, l layout, rs *rowStyles) {
	p := m.shown[i]
	s := &m.all[p]
	base, hl, zero := rs.plain, rs.plainHL, rs.plainZero
	if m.marked[p] {
		base, hl, zero = rs.marked, rs.markedHL, false
	}
	if i == m.cursor {
		base, hl, zero = rs.cursor, rs.cursorHL, false
	}
	write := func(text string, st lipgloss.Style, plain bool) {
		if plain {
			b.WriteString(text)
		} else {
			b.WriteString(st.Render(text))
		}
	}

	// Prefix: cursor and mark glyphs.
	var pre strings.Builder
	if i == m.cursor {
		pre.WriteString(rs.cursorGlyph)
	} else {
		pre.WriteString(rs.blank1)
	}
	if m.marked[p] {
		pre.WriteString(rs.markGlyph)
	} else {
		pre.WriteString(rs.blank1)
	}
	pre.WriteByte(' ')
	write(pre.String(), base, zero)

	// Name, with the fuzzy or substring matches highlighted.
	var matched []int
	if rs.highlight && int(p) < len(rs.hlMember) {
		if j := rs.hlMember[p]; j > 0 && int(j) <= len(rs.hlMatches) {
			matched = rs.hlMatches[j-1].MatchedIndexes
		}
	}
	used := 0
	for _, seg := range nameSegments(s.Name, matched, l.name) {
		used += ansi.StringWidth(seg.Text)
		if seg.Matched {
			write(seg.Text, hl, false)
		} else {
			write(seg.Text, base, zero)
		}
	}

	// The other cells, as one run.
	var rest strings.Builder
	rest.WriteString(strings.Repeat(" ", max(0, l.name-used)))
	cell := func(text string, w int) {
		if w <= 0 {
			return
		}
		rest.WriteString(rs.gap)
		rest.WriteString(pad(fit(text, w), w))
	}
	if l.tier > 0 {
		cell(m.tierText(s), l.tier)
	}
	if l.tags > 0 {
		cell(m.tagsText(s, l.tags), l.tags)
	}
	if l.mod > 0 {
		cell(dateText(s.ModifiedOn, l.longDates), l.mod)
	}
	if l.create > 0 {
		cell(dateText(s.CreatedOn, false), l.create)
	}
	line := rest.String()
	if over := prefixWidth + used + ansi.StringWidth(line) - m.width; over > 0 {
		line = ansi.Truncate(line, ansi.StringWidth(line)-over, "")
	}
	write(line, base, zero)
}

// nameSegments splits a name into sanitized runs (matched or not) that fit
// w cells, the last one ending in "…" when the name is cut.
func nameSegments(name string, matched []int, w int) []selector.Segment {
	var segs []selector.Segment
	if len(matched) == 0 {
		segs = []selector.Segment{{Text: name}}
	} else {
		segs = selector.Segments(name, matched)
	}
	total := 0
	for i := range segs {
		segs[i].Text = ui.Sanitize(segs[i].Text)
		total += ansi.StringWidth(segs[i].Text)
	}
	if total <= w {
		return segs
	}
	// Cut to w-1 cells and add the ellipsis.
	room := max(0, w-1)
	for i := range segs {
		sw := ansi.StringWidth(segs[i].Text)
		if sw <= room {
			room -= sw
			continue
		}
		segs[i].Text = ansi.Truncate(segs[i].Text, room, "")
		segs = segs[:i+1]
		break
	}
	if w > 0 {
		segs = append(segs, selector.Segment{Text: "…"})
	}
	return segs
}

// tierText is the tier column: the tier the tags name, "?" when they name
// several, "-" when none.
func (m *Model) tierText(s *cfclient.Script) string {
	tier, ambiguous := m.src.TierOf(s.Tags)
	switch {
	case tier == "":
		return "-"
	case ambiguous:
		return ui.Sanitize(tier) + "?"
	}
	return ui.Sanitize(tier)
}

// tagsText is the tags column: the tags but the tier tag (it has its own
// column), the informative ones first (environment-, project-, customer-,
// then the rest, each group in listing order), comma-joined and cut at the
// end with "…" to w cells.
func (m *Model) tagsText(s *cfclient.Script, w int) string {
	var buf [16]string
	tags := buf[:0]
	for i := range s.Tags {
		if tier, _ := m.src.TierOf(s.Tags[i : i+1]); tier != "" {
			continue
		}
		tags = append(tags, s.Tags[i])
	}
	if len(tags) == 0 {
		return "-"
	}
	slices.SortStableFunc(tags, func(a, b string) int { return tagRank(a) - tagRank(b) })
	var b strings.Builder
	for _, t := range tags {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(ui.Sanitize(t))
		if b.Len() > 4*w {
			break // enough to fill the column
		}
	}
	return fit(b.String(), w)
}

// tagRank orders tags in the compact column: the ones that tell scripts
// apart at a glance first.
func tagRank(tag string) int {
	for i, p := range []string{"environment-", "project-", "customer-"} {
		if strings.HasPrefix(tag, p) {
			return i
		}
	}
	return 3
}
