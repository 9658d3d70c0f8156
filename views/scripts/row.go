package scripts

import (
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// rowStyles are the styles and layout of one frame's rows, resolved once
// per View (the styles may have been replaced, the filter result changed).
type rowStyles struct {
	plain, cursor, marked          lipgloss.Style
	plainHL, cursorHL, markedHL    lipgloss.Style
	plainZero                      bool
	highlight                      bool
	hl                             *selector.Matcher // the fuzzy or substring text matched
	lay                            layout
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
		rs.highlight, rs.hl = true, selector.NewMatcher(res.q.Text)
	}
	rs.lay = layoutFor(m.width, m.sortBy)
	rs.gap = strings.Repeat(" ", rs.lay.gap)
	return rs
}

// renderRow renders the script at position p of all (the table's
// RowFunc), with the styles View resolved for the frame.
func (m *Model) renderRow(p int32, r ui.RowState) string {
	rs := &m.frame
	l := rs.lay
	name, tags := m.all.Name(int(p)), m.all.Tags(int(p))
	var b strings.Builder
	b.Grow(m.width * 2)
	base, hl, zero := rs.plain, rs.plainHL, rs.plainZero
	if r.Marked {
		base, hl, zero = rs.marked, rs.markedHL, false
	}
	if r.Cursor {
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
	if r.Cursor {
		pre.WriteString(rs.cursorGlyph)
	} else {
		pre.WriteString(rs.blank1)
	}
	if r.Marked {
		pre.WriteString(rs.markGlyph)
	} else {
		pre.WriteString(rs.blank1)
	}
	pre.WriteByte(' ')
	write(pre.String(), base, zero)

	// Name, with the fuzzy or substring matches highlighted: the offsets
	// Find gives the name (for a name holding the text as a substring, the
	// occurrence the substring filter found too), found for the rows drawn
	// only.
	var matched []int
	if rs.highlight {
		if mt, ok := rs.hl.Match(name); ok {
			matched = mt.MatchedIndexes
		}
	}
	used := 0
	for _, seg := range nameSegments(name, matched, l.name) {
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
		rest.WriteString(ui.PadRight(ui.Truncate(text, w), w))
	}
	if l.tier > 0 {
		cell(m.tierText(tags), l.tier)
	}
	if l.cust > 0 {
		cell(m.customerText(tags), l.cust)
	}
	if l.tags > 0 {
		cell(m.tagsText(tags, l.tags), l.tags)
	}
	if l.mod > 0 {
		cell(dateText(m.all.Modified(int(p)), l.longDates), l.mod)
	}
	if l.create > 0 {
		cell(ui.Date(m.all.Created(int(p))), l.create)
	}
	line := rest.String()
	if over := prefixWidth + used + ansi.StringWidth(line) - m.width; over > 0 {
		line = ansi.Truncate(line, ansi.StringWidth(line)-over, "")
	}
	write(line, base, zero)
	return b.String()
}

// dateText is a date cell: to the minute on wide terminals, else the day.
func dateText(t time.Time, long bool) string {
	if long {
		return ui.DateTime(t)
	}
	return ui.Date(t)
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
func (m *Model) tierText(tags []string) string {
	tier, ambiguous := m.src.TierOf(tags)
	switch {
	case tier == "":
		return "-"
	case ambiguous:
		return ui.Sanitize(tier) + "?"
	}
	return ui.Sanitize(tier)
}

// customerText is the customer column: the customer the tags name (the
// profile's customers.tag_prefix), "?" after it when they name several,
// "-" when none.
func (m *Model) customerText(tags []string) string {
	cust, ambiguous := m.schema.CustomerOf(tags)
	switch {
	case cust == "":
		return "-"
	case ambiguous:
		return ui.Sanitize(cust) + "?"
	}
	return ui.Sanitize(cust)
}

// tagsText is the tags column: the tags but the tier tag, and the customer
// tag when the customer column is shown (they have their own columns), the
// informative ones first (environment-, project-, customer-, then the rest,
// each group in listing order), comma-joined and cut at the end with "…" to
// w cells.
func (m *Model) tagsText(all []string, w int) string {
	var buf [16]string
	tags := buf[:0]
	withCust := m.frame.lay.cust > 0
	for i := range all {
		if tier, _ := m.src.TierOf(all[i : i+1]); tier != "" {
			continue
		}
		if cust, _ := m.schema.CustomerOf(all[i : i+1]); withCust && cust != "" {
			continue
		}
		tags = append(tags, all[i])
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
	return ui.Truncate(b.String(), w)
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
