package scripts

import (
	"strings"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/internal/selector"
)

// Sorting

// cmpName orders positions by script name.
func (m *Model) cmpName(a, b int32) int {
	return strings.Compare(m.all.Name(int(a)), m.all.Name(int(b)))
}

// cmpOrder is the comparison of the current sort: a date column ties by
// name, so the order is total and stable across reloads.
func (m *Model) cmpOrder() func(a, b int32) int {
	all := &m.all
	desc := m.sortDesc
	switch m.sortBy {
	case byModified, byCreated:
		by := all.CompareModified
		if m.sortBy == byCreated {
			by = all.CompareCreated
		}
		return func(a, b int32) int {
			c := by(int(a), int(b))
			if desc {
				c = -c
			}
			if c == 0 {
				c = strings.Compare(all.Name(int(a)), all.Name(int(b)))
			}
			return c
		}
	}
	return func(a, b int32) int {
		c := strings.Compare(all.Name(int(a)), all.Name(int(b)))
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
		m.order = m.sortByTime(m.sortBy == byCreated, m.sortDesc)
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
	return m.ranked && m.result != nil && m.result.q.Kind == selector.Fuzzy && m.result.q.Text != ""
}

// rebuildShown applies the filter result to the sort order and hands the
// rows to the table, which keeps the cursor on its script (or at its
// position when the script is not shown) and counts the marked rows shown.
// After the operator's new filter or sort (toTop) the cursor goes to the
// first row instead.
//
// toTop holds the cursor on the first row until the rows shown are the new
// filter's (its result may still be computing, or a listing with a new
// server-side tag filter still coming), then is cleared and the first row
// is the cursor's script; pages appended later (by a refresh) keep it there
// by name.
func (m *Model) rebuildShown() {
	res := m.result
	if res != nil && res.epoch != m.epoch {
		res, m.result = nil, nil
	}
	switch {
	case res == nil && m.wantFilter:
		// The first result for this filter is on its way: the rows (and
		// the count) stay as they were, unless they are positions of rows
		// replaced since.
		if m.shownEpoch != m.epoch {
			m.shown = nil
		}
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
	m.shownEpoch = m.epoch
	m.table.SetRows(m.shown)
	if m.toTop {
		m.table.GotoTop()
		m.settleTop()
	}
}

// settleTop ends the hold of the cursor on the first row once the rows
// shown are the filter's and no cold listing is still bringing pages: the
// table then follows the first row's script.
func (m *Model) settleTop() {
	if m.toTop && m.filterSettled() && (m.ld == nil || m.ld.cache || m.ld.swap) {
		m.toTop = false
	}
}

// Cursor

// rowsHeight is how many table rows fit.
func (m *Model) rowsHeight() int {
	h := m.height - 2 - len(m.chrome()) // title, notices and column headings
	return max(1, h)
}

// moveTo puts the cursor on position i; the table remembers its script.
// The operator's move also cancels a pending move to the first row.
func (m *Model) moveTo(i int) {
	m.toTop = false
	m.table.SetCursor(i)
}

// current returns the script under the cursor.
func (m *Model) current() (cfclient.Script, bool) {
	p, ok := m.table.Current()
	if !ok {
		return cfclient.Script{}, false
	}
	return m.all.At(int(p)), true
}

// rowName is the table's row key: script names are unique in a namespace.
func (m *Model) rowName(p int32) string { return m.all.Name(int(p)) }

// rowID is the table's row id: the script's position in all, which names
// the same script until the rows are replaced (replaceRows resets the ids).
func rowID(p int32) int { return int(p) }
