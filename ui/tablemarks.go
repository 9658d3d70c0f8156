package ui

import "slices"

// Marks of a Table: kept by row key, so they survive SetRows; a marked row
// that a filter hides is still marked when it comes back. With WithRowIDs
// the table also remembers, per id, whether the row is marked once it has
// looked the key up, so later passes over the same rows (every keystroke of
// a filter) compare no keys.

// Mark states by row id (WithRowIDs).
const (
	idUnknown  int8 = iota // not looked up since the ids were (re)set
	idUnmarked             // looked up: not marked
	idMarked               // looked up, or marked here: marked
)

// Mark marks the row under the cursor; it becomes the anchor of the next
// MarkRange.
func (t *Table[T]) Mark() {
	if row, ok := t.Current(); ok {
		k := t.key(row)
		t.anchor = k
		if _, ok := t.marks[k]; !ok {
			t.marks[k] = struct{}{}
			t.markedShown++
		}
		t.setIDMark(row, true)
	}
}

// Unmark unmarks the row under the cursor.
func (t *Table[T]) Unmark() {
	if row, ok := t.Current(); ok {
		k := t.key(row)
		if _, ok := t.marks[k]; ok {
			delete(t.marks, k)
			t.markedShown--
		}
		t.setIDMark(row, false)
	}
}

// Toggle marks the row under the cursor, or unmarks it when it is marked.
func (t *Table[T]) Toggle() {
	if row, ok := t.Current(); ok && t.IsMarked(row) {
		t.Unmark()
	} else {
		t.Mark()
	}
}

// IsMarked reports whether row is marked.
func (t Table[T]) IsMarked(row T) bool {
	if t.id != nil {
		if i := t.id(row); i >= 0 && i < len(t.idMarks) && t.idMarks[i] != idUnknown {
			return t.idMarks[i] == idMarked
		}
	}
	_, ok := t.marks[t.key(row)]
	return ok
}

// MarkRange marks the rows from the last row marked (the anchor) to the
// cursor, both included, as k9s's ctrl+space does: the rows between them
// in the rows shown. Without an anchor among the rows it marks the
// cursor's row. It returns how many rows it newly marked.
func (t *Table[T]) MarkRange() int {
	cur, ok := t.Current()
	if !ok {
		return 0
	}
	from := t.cursor
	if t.anchor != "" {
		for i := range t.rows {
			if t.key(t.rows[i]) == t.anchor {
				from = i
				break
			}
		}
	}
	lo, hi := min(from, t.cursor), max(from, t.cursor)
	n := 0
	for i := lo; i <= hi; i++ {
		row := t.rows[i]
		if t.IsMarked(row) {
			continue
		}
		t.marks[t.key(row)] = struct{}{}
		t.markedShown++
		t.setIDMark(row, true)
		n++
	}
	t.anchor = t.key(cur)
	return n
}

// MarkAll marks every row (the rows shown: a filter's result).
func (t *Table[T]) MarkAll() {
	if len(t.marks) == 0 && len(t.rows) > 0 {
		// Sized at once rather than grown (and rehashed) row by row. In
		// place otherwise, like PruneMarks.
		t.marks = make(map[string]struct{}, len(t.rows))
	}
	for _, row := range t.rows {
		if t.id != nil {
			if i := t.id(row); i >= 0 && i < len(t.idMarks) && t.idMarks[i] == idMarked {
				continue
			}
		}
		t.marks[t.key(row)] = struct{}{}
		t.setIDMark(row, true)
	}
	t.markedShown = len(t.rows)
}

// ClearMarks forgets every mark, shown or not.
func (t *Table[T]) ClearMarks() {
	clear(t.marks)
	t.anchor = ""
	t.markedShown = 0
	clear(t.idMarks[:cap(t.idMarks)])
}

// Marked is the number of marks, including those of rows not among the
// rows (hidden by a filter, not loaded yet).
func (t Table[T]) Marked() int { return len(t.marks) }

// MarkedShown is the number of marked rows among the rows.
func (t Table[T]) MarkedShown() int { return t.markedShown }

// MarkedKeys returns the marked keys, sorted, shown or not.
func (t Table[T]) MarkedKeys() []string {
	keys := make([]string, 0, len(t.marks))
	for k := range t.marks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// PruneMarks forgets the marks of rows not among the rows: after a
// complete, unfiltered listing, those rows are gone.
func (t *Table[T]) PruneMarks() {
	if len(t.marks) == 0 {
		return
	}
	keep := make(map[string]struct{}, t.markedShown)
	for i := range t.rows {
		k := t.key(t.rows[i])
		if _, ok := t.marks[k]; ok {
			keep[k] = struct{}{}
		}
	}
	t.PruneMarksFunc(func(k string) bool {
		_, ok := keep[k]
		return ok
	})
}

// PruneMarksFunc forgets the marks whose key keep rejects: the caller
// knows which rows still exist when the rows shown are a filter's (a
// complete listing narrowed by a filter still has the hidden rows).
func (t *Table[T]) PruneMarksFunc(keep func(key string) bool) {
	pruned := false
	// In place: copies of the table (Update returns one) share the map.
	for k := range t.marks {
		if !keep(k) {
			delete(t.marks, k)
			pruned = true
		}
	}
	if !pruned {
		return
	}
	// A pruned key may have had an id: look every row up again.
	clear(t.idMarks[:cap(t.idMarks)])
	t.markedShown = 0
	if len(t.marks) > 0 {
		for i := range t.rows {
			if t.lookupMark(t.rows[i]) {
				t.markedShown++
			}
		}
	}
}

// ResetRowIDs says the ids of WithRowIDs now name other rows (the caller's
// store of rows was replaced): marks and the cursor are found by key again,
// once, on the next SetRows. Call it before that SetRows.
func (t *Table[T]) ResetRowIDs() {
	clear(t.idMarks[:cap(t.idMarks)])
	t.cursorID = -1
}

// SelectedOrCurrent returns what an action applies to: the marked rows
// among the rows, in row order, or else the row under the cursor (nil when
// there is none). Marks of rows not among the rows are left out.
func (t Table[T]) SelectedOrCurrent() []T {
	if t.markedShown > 0 {
		out := make([]T, 0, t.markedShown)
		for i := range t.rows {
			if t.IsMarked(t.rows[i]) {
				out = append(out, t.rows[i])
			}
		}
		return out
	}
	if row, ok := t.Current(); ok {
		return []T{row}
	}
	return nil
}

// lookupMark reports whether row is marked, remembering the answer by id
// (WithRowIDs) so the next pass over the row costs no key lookup.
func (t *Table[T]) lookupMark(row T) bool {
	if t.id == nil {
		_, ok := t.marks[t.key(row)]
		return ok
	}
	i := t.id(row)
	if i < 0 {
		_, ok := t.marks[t.key(row)]
		return ok
	}
	t.growIDs(i + 1)
	switch t.idMarks[i] {
	case idMarked:
		return true
	case idUnmarked:
		return false
	}
	_, ok := t.marks[t.key(row)]
	t.idMarks[i] = idUnmarked
	if ok {
		t.idMarks[i] = idMarked
	}
	return ok
}

// setIDMark records row's mark by id (WithRowIDs).
func (t *Table[T]) setIDMark(row T, marked bool) {
	if t.id == nil {
		return
	}
	i := t.id(row)
	if i < 0 {
		return
	}
	t.growIDs(i + 1)
	t.idMarks[i] = idUnmarked
	if marked {
		t.idMarks[i] = idMarked
	}
}

// growIDs makes room for n ids. The slice is never shortened and is
// cleared up to its capacity, so what growing uncovers is idUnknown.
func (t *Table[T]) growIDs(n int) {
	if n <= len(t.idMarks) {
		return
	}
	if n <= cap(t.idMarks) {
		t.idMarks = t.idMarks[:n]
		return
	}
	grown := make([]int8, n, max(n, 2*cap(t.idMarks), 1024))
	copy(grown, t.idMarks)
	t.idMarks = grown
}
