package scripts

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/ui"
)

// The table of scripts: its columns for the width and the sort, and the
// keys it handles. Rows are rendered by renderRow (row.go).

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
	gap                                 int
	name, tier, cust, tags, mod, create int
	longDates                           bool
}

// layoutFor fits the columns into w cells. Wide terminals get every column
// and times; at 80 columns created goes (it takes modified's place while
// rows are sorted by it, so the sort glyph stays visible), dates lose the
// time and the name keeps at least 28 cells before tags get the rest (tags
// go when fewer than 16 cells are left: the customer column says more);
// below ~70 the customer and tags go too; the name always keeps the rest.
func layoutFor(w int, by sortKey) layout {
	const tier, cust, date, stamp, minTags = 10, 12, 10, 16, 16
	var l layout
	withTags := true
	minName := 28
	switch {
	case w >= 100:
		l = layout{gap: 2, tier: tier, cust: cust, mod: stamp, create: date, longDates: true}
	case w >= 72:
		l = layout{gap: 1, tier: tier, cust: cust, mod: date}
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
	for _, c := range []int{l.tier, l.cust, l.mod, l.create} {
		if c > 0 {
			rest -= c + l.gap
		}
	}
	if withTags && rest-l.gap >= 32 {
		rest -= l.gap
		l.name = max(minName, min(64, rest*55/100))
		l.tags = rest - l.name
		if l.tags < minTags {
			l.name, l.tags = rest+l.gap, 0
		}
	} else {
		l.name = max(1, rest)
	}
	return l
}

// columnsKey is what the table's columns depend on: the width and the sort
// (its glyph is in the headings).
type columnsKey struct {
	width      int
	by         sortKey
	desc, rank bool
}

// syncColumns lays the table's columns out again when the width or the
// sort changed.
func (m *Model) syncColumns() {
	k := columnsKey{width: m.width, by: m.sortBy, desc: m.sortDesc, rank: m.rankActive()}
	if k == m.cols {
		return
	}
	m.cols = k
	l := layoutFor(m.width, m.sortBy)
	glyph := func(k sortKey) string {
		if m.sortBy != k || m.rankActive() {
			return ""
		}
		if m.sortDesc {
			return " " + glyphDesc
		}
		return " " + glyphAsc
	}
	name := "NAME" + glyph(byName)
	if s := m.hiddenSort(); s != "" {
		name += " · " + s // the sort's column does not fit
	}
	cols := []ui.TableColumn{{Title: name, Width: l.name}}
	for _, c := range []ui.TableColumn{
		{Title: "TIER", Width: l.tier},
		{Title: "CUSTOMER", Width: l.cust},
		{Title: "TAGS", Width: l.tags},
		{Title: "MODIFIED" + glyph(byModified), Width: l.mod},
		{Title: "CREATED" + glyph(byCreated), Width: l.create},
	} {
		if c.Width > 0 {
			cols = append(cols, c)
		}
	}
	m.table.SetGap(l.gap)
	m.table.SetColumns(cols...)
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

// handleKey handles a key on the table.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	t := &m.table
	if pos, ok := t.KeyMap.Move(k, t.Cursor(), t.Len(), t.PageSize()); ok {
		m.moveTo(pos)
		return nil
	}
	keys := &m.Keys
	if action, ok := m.bulkAction(k); ok {
		return m.openPlan(action)
	}
	switch {
	case key.Matches(k, keys.Open):
		if s, ok := m.current(); ok {
			return ui.Navigate(ui.Route{Kind: ui.KindScript, Namespace: m.ns, Script: s.Name})
		}
	case key.Matches(k, keys.Filter):
		m.filter.Focus()
	case key.Matches(k, keys.ClearFilter):
		if m.filter.Applied() != "" || !m.server.IsEmpty() {
			return m.clearFilter()
		}
	case key.Matches(k, keys.Tags):
		return m.openFacets()
	case key.Matches(k, keys.Mark):
		t.Toggle()
		if t.Cursor()+1 < t.Len() {
			m.moveTo(t.Cursor() + 1) // like k9s: mark and step down
		}
	case key.Matches(k, keys.MarkRange):
		t.MarkRange()
	case key.Matches(k, keys.ReadLastUse):
		return m.readUnread()
	case key.Matches(k, keys.MarkAll):
		t.MarkAll()
	case key.Matches(k, keys.ClearMarks):
		t.ClearMarks()
	case key.Matches(k, keys.SortName):
		m.setSort(byName)
	case key.Matches(k, keys.SortMod):
		m.setSort(byModified)
	case key.Matches(k, keys.SortCreated):
		m.setSort(byCreated)
	case key.Matches(k, keys.Raw):
		m.openRaw()
	case key.Matches(k, keys.Copy):
		return m.copyNames()
	}
	return nil
}

// copyNames copies the marked names (shown or not), or the current one,
// one per line.
func (m *Model) copyNames() tea.Cmd {
	var names []string
	if m.table.Marked() > 0 {
		names = m.table.MarkedKeys()
	} else if s, ok := m.current(); ok {
		names = []string{s.Name}
	}
	if len(names) == 0 {
		return nil
	}
	// One name a line, each escaped as the screen shows it (ui.CopyCmd):
	// a pasted name carries no control character.
	return ui.CopyCmd(names...)
}
