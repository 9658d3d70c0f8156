package ui

import "slices"

// Marks of a Table: kept by row key, so they survive SetRows; a marked row
// that a filter hides is still marked when it comes back.

// Mark marks the row under the cursor.
func (t *Table[T]) Mark() {
	if row, ok := t.Current(); ok {
		k := t.key(row)
		if _, ok := t.marks[k]; !ok {
			t.marks[k] = struct{}{}
			t.markedShown++
		}
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
	_, ok := t.marks[t.key(row)]
	return ok
}

// MarkAll marks every row (the rows shown: a filter's result).
func (t *Table[T]) MarkAll() {
	for i := range t.rows {
		t.marks[t.key(t.rows[i])] = struct{}{}
	}
	t.markedShown = len(t.rows)
}

// ClearMarks forgets every mark, shown or not.
func (t *Table[T]) ClearMarks() {
	clear(t.marks)
	t.markedShown = 0
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
	// In place: copies of the table (Update returns one) share the map.
	for k := range t.marks {
		if _, ok := keep[k]; !ok {
			delete(t.marks, k)
		}
	}
}

// SelectedOrCurrent returns what an action applies to: the marked rows
// among the rows, in row order, or else the row under the cursor (nil when
// there is none). Marks of rows not among the rows are left out.
func (t Table[T]) SelectedOrCurrent() []T {
	if t.markedShown > 0 {
		out := make([]T, 0, t.markedShown)
		for i := range t.rows {
			if _, ok := t.marks[t.key(t.rows[i])]; ok {
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
