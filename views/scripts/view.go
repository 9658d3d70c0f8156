package scripts

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
	"github.com/wfpconsole/wfp/views/scripts/match"
)

// Glyphs: states are never shown by colour alone.
const (
	glyphCursor = "›"
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
// and times; at 80 columns created goes and dates lose the time; below ~70
// tags go too; the name always keeps the rest.
func layoutFor(w int) layout {
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
	if m.filterLine() {
		b.WriteByte('\n')
		b.WriteString(m.viewFilterLine())
	}
	b.WriteByte('\n')
	h := m.rowsHeight()
	if m.facets.open {
		m.viewFacets(&b, h)
		return b.String()
	}
	lay := layoutFor(m.width)
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
	case m.wantFilter && m.result == nil:
		return "filtering…"
	case len(m.all) > 0:
		return "no script matches the filter"
	case m.loadErr != "":
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

// viewTitle renders the counts and what the data is doing.
func (m *Model) viewTitle() string {
	st := &m.c.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render(m.titleText()))
	note := ""
	if busy, count := m.loading(); busy {
		verb := "loading… "
		if m.ld.swap {
			verb = "refreshing… "
		}
		note = verb + commas(count) + " so far"
	} else if m.ld != nil && m.ld.cache {
		note = "reading cache…"
	}
	if note != "" {
		b.WriteString(st.Subtle.Render(" · " + note))
	}
	if m.loadErr != "" {
		b.WriteString(st.Error.Render(" · " + glyphError + " " + ui.Sanitize(m.loadErr)))
		if len(m.all) > 0 && m.complete {
			b.WriteString(st.Subtle.Render(" (showing the rows listed before)"))
		}
	}
	return fitStyled(b.String(), m.width)
}

// viewFilterLine renders the input while typing, or the applied filter,
// with a parse error inline.
func (m *Model) viewFilterLine() string {
	st := &m.c.Styles
	var errText string
	if m.qErr != nil {
		errText = st.Error.Render(glyphError + " " + ui.Sanitize(m.qErr.Error()))
	}
	if m.typing {
		line := m.input.View()
		if errText != "" {
			line = fitStyled(line, max(10, m.width/2)) + "  " + errText
		}
		return fitStyled(line, m.width)
	}
	var b strings.Builder
	if m.applied != "" {
		b.WriteString(st.Bold.Render("/" + ui.Sanitize(m.applied)))
		switch {
		case m.qErr != nil:
		case m.q.Kind == match.Fuzzy && m.rankActive():
			b.WriteString(st.Subtle.Render(" · fuzzy, best match first (N/M/C sort) · esc clears"))
		case m.q.Kind == match.Fuzzy:
			b.WriteString(st.Subtle.Render(" · fuzzy · esc clears"))
		case m.q.Kind == match.Inverse:
			b.WriteString(st.Subtle.Render(" · names not matching · esc clears"))
		default:
			b.WriteString(st.Subtle.Render(" · tags · esc clears"))
		}
	}
	if !m.server.IsEmpty() {
		b.WriteString(st.Subtle.Render(" · listed by the API with tags " + ui.Sanitize(m.server.String())))
	}
	if errText != "" {
		b.WriteString("  " + errText)
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
	cell("NAME"+glyph(byName), l.name, true)
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
	hlMatches                      match.Matches
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
	if res := m.result; res != nil && res.q.Kind == match.Fuzzy && res.epoch == m.epoch {
		rs.highlight, rs.hlMatches, rs.hlMember = true, res.matches, res.member
	}
	rs.gap = strings.Repeat(" ", layoutFor(m.width).gap)
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

	// Name, with the fuzzy matches highlighted.
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
func nameSegments(name string, matched []int, w int) []match.Segment {
	var segs []match.Segment
	if len(matched) == 0 {
		segs = []match.Segment{{Text: name}}
	} else {
		segs = match.Segments(name, matched)
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
		segs = append(segs, match.Segment{Text: "…"})
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

// tagsText is the tags column: the tags but the tier tag, comma-joined and
// cut to w cells.
func (m *Model) tagsText(s *cfclient.Script, w int) string {
	var b strings.Builder
	for i := range s.Tags {
		if tier, _ := m.src.TierOf(s.Tags[i : i+1]); tier != "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(ui.Sanitize(s.Tags[i]))
		if b.Len() > 4*w {
			break // enough to fill the column
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return fit(b.String(), w)
}
