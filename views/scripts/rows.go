package scripts

import (
	"slices"
	"strings"

	"github.com/wfpconsole/wfp/internal/selector"
)

// Sorting

func compareStrings(a, b string) int { return strings.Compare(a, b) }

// cmpName orders positions by script name.
func (m *Model) cmpName(a, b int32) int {
	return strings.Compare(m.all[a].Name, m.all[b].Name)
}

// cmpOrder is the comparison of the current sort: a date column ties by
// name, so the order is total and stable across reloads.
func (m *Model) cmpOrder() func(a, b int32) int {
	all := m.all
	desc := m.sortDesc
	switch m.sortBy {
	case byModified, byCreated:
		created := m.sortBy == byCreated
		return func(a, b int32) int {
			ta, tb := all[a].ModifiedOn, all[b].ModifiedOn
			if created {
				ta, tb = all[a].CreatedOn, all[b].CreatedOn
			}
			c := ta.Compare(tb)
			if desc {
				c = -c
			}
			if c == 0 {
				c = strings.Compare(all[a].Name, all[b].Name)
			}
			return c
		}
	}
	return func(a, b int32) int {
		c := strings.Compare(all[a].Name, all[b].Name)
		if desc {
			c = -c
		}
		return c
	}
}

// resort rebuilds order from byName for the current sort, then shown.
func (m *Model) resort() {
	switch {
	case m.sortBy == byName && !m.sortDesc:
		m.order = m.byName
	case m.sortBy == byName:
		m.order = make([]int32, len(m.byName))
		for i, p := range m.byName {
			m.order[len(m.byName)-1-i] = p
		}
	default:
		m.order = slices.Clone(m.byName)
		slices.SortStableFunc(m.order, m.cmpOrder())
	}
	m.rebuildShown()
}

// setSort is N, M or C: a new column sorts in its natural direction (names
// A→Z, dates newest first); the same column again reverses. It also leaves
// the fuzzy rank order. The cursor goes to the first row.
func (m *Model) setSort(k sortKey) {
	m.toTop = true
	switch {
	case m.sortBy == k && !m.rankActive():
		m.sortDesc = !m.sortDesc
	case m.sortBy != k:
		m.sortBy = k
		m.sortDesc = k != byName
	}
	m.ranked = false
	m.resort()
}

// mergeSorted merges two sorted position lists into a new one.
func mergeSorted(a, b []int32, cmp func(x, y int32) int) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if cmp(b[j], a[i]) < 0 {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// Shown rows

// rankActive reports that rows are in fuzzy rank order.
func (m *Model) rankActive() bool {
	return m.ranked && m.result != nil && m.result.q.Kind == selector.Fuzzy
}

// rebuildShown applies the filter result to the sort order, then puts the
// cursor back on its script, or on the first row after the operator's new
// filter or sort (toTop), and recounts the marked rows shown.
//
// toTop holds the cursor on the first row until the rows shown are the new
// filter's (its result may still be computing, or a listing with a new
// server-side tag filter still coming), then is cleared and the first row
// becomes the cursor's script; pages appended later keep it there by name.
func (m *Model) rebuildShown() {
	res := m.result
	if res != nil && res.epoch != m.epoch {
		res, m.result = nil, nil
	}
	switch {
	case res == nil && m.wantFilter:
		m.shown = nil // the first result for this filter is on its way
	case res == nil:
		m.shown = m.order
	case m.rankActive():
		m.shown = res.ranked
	default:
		shown := make([]int32, 0, min(len(m.order), res.count))
		for _, p := range m.order {
			if int(p) < len(res.member) && res.member[p] != 0 {
				shown = append(shown, p)
			}
		}
		m.shown = shown
	}
	m.markedShown = 0
	pos := -1
	for i, p := range m.shown {
		if m.marked[p] {
			m.markedShown++
		}
		if p == m.cursorIdx {
			pos = i
		}
	}
	if m.toTop {
		pos = 0
	}
	if pos >= 0 {
		m.cursor = pos
	}
	m.clampCursor()
	if m.toTop && m.filterSettled() {
		m.toTop = false
		m.cursorName, m.cursorIdx = "", -1
		if s, ok := m.current(); ok {
			m.cursorName, m.cursorIdx = s.Name, m.shown[m.cursor]
		}
	}
}

// Cursor

// rowsHeight is how many table rows fit.
func (m *Model) rowsHeight() int {
	h := m.height - 2 - len(m.chrome()) // title, notices and column headings
	return max(1, h)
}

// clampCursor keeps the cursor on a row and in view.
func (m *Model) clampCursor() {
	n := len(m.shown)
	m.cursor = max(0, min(m.cursor, n-1))
	h := m.rowsHeight()
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+h {
		m.top = m.cursor - h + 1
	}
	m.top = max(0, min(m.top, n-h))
}

// moveTo puts the cursor on position i and remembers its script by name.
// The operator's move also cancels a pending move to the first row.
func (m *Model) moveTo(i int) {
	m.toTop = false
	m.cursor = i
	m.clampCursor()
	if s, ok := m.current(); ok {
		m.cursorName = s.Name
		m.cursorIdx = m.shown[m.cursor]
	}
}

// Marks

// toggleMark marks or unmarks the current row.
func (m *Model) toggleMark() {
	s, ok := m.current()
	if !ok {
		return
	}
	p := m.shown[m.cursor]
	if m.marked[p] {
		delete(m.marks, s.Name)
		m.marked[p] = false
		m.markedShown--
	} else {
		m.marks[s.Name] = struct{}{}
		m.marked[p] = true
		m.markedShown++
	}
}

// markShown marks every row shown.
func (m *Model) markShown() {
	for _, p := range m.shown {
		if !m.marked[p] {
			m.marked[p] = true
			m.marks[m.all[p].Name] = struct{}{}
			m.markedShown++
		}
	}
}

// clearMarks forgets every mark.
func (m *Model) clearMarks() {
	clear(m.marks)
	clear(m.marked)
	m.markedShown = 0
}

// markedNames returns the marked names, sorted.
func (m *Model) markedNames() []string {
	names := make([]string, 0, len(m.marks))
	for name := range m.marks {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
