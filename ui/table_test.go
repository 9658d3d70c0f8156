package ui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// item is a table row of the tests.
type item struct {
	Name  string
	Count int
}

func itemKey(it item) string { return it.Name }

// items returns n rows named row-000000 … with counts.
func items(n int) []item {
	out := make([]item, n)
	for i := range out {
		out[i] = item{Name: fmt.Sprintf("row-%06d", i), Count: i * 1000}
	}
	return out
}

// newItemTable returns a w × h table of items with a name and a count
// column; the cursor row starts with "▸ " and marked rows with "● ".
func newItemTable(w, h int) *Table[item] {
	var t Table[item]
	render := func(it item, s RowState) string {
		glyph := "  "
		switch {
		case s.Cursor:
			glyph = "▸ "
		case s.Marked:
			glyph = "● "
		}
		return t.Line(glyph, it.Name, Commas(it.Count))
	}
	t = NewTable(itemKey, render, WithIndent(2), WithColumns(
		TableColumn{Title: "NAME", MinWidth: 8},
		TableColumn{Title: "COUNT", Width: 11, Right: true},
	))
	t.SetSize(w, h)
	return &t
}

func names(rows []item) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Name
	}
	return out
}

func current(t *Table[item]) string {
	it, ok := t.Current()
	if !ok {
		return ""
	}
	return it.Name
}

func TestTableCursorStaysOnItsKeyAcrossSetRows(t *testing.T) {
	tb := newItemTable(40, 6)
	rows := items(10)
	tb.SetRows(rows)
	tb.SetCursor(4)
	// Rows inserted above and the order reversed: the cursor follows row 4.
	moved := append([]item{{Name: "aaa"}, {Name: "bbb"}}, rows...)
	if !tb.SetRows(moved) || current(tb) != "row-000004" || tb.Cursor() != 6 {
		t.Errorf("after an insert above: cursor %d on %q, want 6 on row-000004", tb.Cursor(), current(tb))
	}
	rev := append([]item(nil), rows...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	if !tb.SetRows(rev) || current(tb) != "row-000004" || tb.Cursor() != 5 {
		t.Errorf("after a reverse: cursor %d on %q, want 5 on row-000004", tb.Cursor(), current(tb))
	}
	// Filtered out: the cursor keeps its position and returns to its row
	// when a later SetRows brings it back.
	var odd []item
	for _, r := range rows {
		if r.Count%2000 != 0 {
			odd = append(odd, r)
		}
	}
	if tb.SetRows(odd) {
		t.Error("SetRows reported the cursor's row among rows that lack it")
	}
	if tb.Cursor() != 4 && tb.Cursor() != len(odd)-1 {
		t.Errorf("cursor %d after its row went, want it kept in place", tb.Cursor())
	}
	if !tb.SetRows(rows) || current(tb) != "row-000004" {
		t.Errorf("the cursor did not return to row-000004: %q", current(tb))
	}
	// A row gone for good, then the user moves: the new row is followed.
	tb.SetRows(rows[:3])
	if tb.Cursor() != 2 {
		t.Errorf("cursor %d, want clamped to 2", tb.Cursor())
	}
	tb.GotoTop()
	tb.SetRows(rows)
	if current(tb) != "row-000000" {
		t.Errorf("after GotoTop the cursor follows the first row, got %q", current(tb))
	}
	// No rows: nothing under the cursor, nothing selected.
	tb.SetCursor(5)
	tb.SetRows(nil)
	if _, ok := tb.Current(); ok || tb.SelectedOrCurrent() != nil {
		t.Error("an empty table has a current row")
	}
	// GotoTop with no rows (a new filter whose rows are still coming): the
	// cursor is on the first row that comes, not on the row before.
	tb.GotoTop()
	tb.SetRows(rows)
	if current(tb) != "row-000000" {
		t.Errorf("after GotoTop on no rows the cursor went back to %q", current(tb))
	}
}

func TestTableMovementAndScroll(t *testing.T) {
	tb := newItemTable(40, 6) // headings + 5 rows
	tb.SetRows(items(100))
	press := func(keys ...string) {
		for _, k := range keys {
			*tb, _ = tb.Update(keyMsg(k))
		}
	}
	press("j", "j")
	if tb.Cursor() != 2 || tb.Top() != 0 {
		t.Errorf("j j: cursor %d top %d", tb.Cursor(), tb.Top())
	}
	press("G")
	if tb.Cursor() != 99 || tb.Top() != 95 {
		t.Errorf("G: cursor %d top %d, want 99 95", tb.Cursor(), tb.Top())
	}
	press("pgup")
	if tb.Cursor() != 94 || tb.Top() != 94 {
		t.Errorf("pgup: cursor %d top %d, want 94 94", tb.Cursor(), tb.Top())
	}
	press("g", "k")
	if tb.Cursor() != 0 || tb.Top() != 0 {
		t.Errorf("g k: cursor %d top %d", tb.Cursor(), tb.Top())
	}
	press("ctrl+d")
	if tb.Cursor() != 2 {
		t.Errorf("ctrl+d: cursor %d, want half a page (2)", tb.Cursor())
	}
	// Shrinking keeps the cursor in view.
	tb.SetCursor(4)
	tb.SetSize(40, 3)
	if tb.Top() > 4 || tb.Top()+tb.PageSize() <= 4 {
		t.Errorf("after a resize the cursor (4) is out of view: top %d, page %d", tb.Top(), tb.PageSize())
	}
}

func TestTableMarksSurviveSetRows(t *testing.T) {
	tb := newItemTable(40, 6)
	rows := items(10)
	tb.SetRows(rows)
	tb.SetCursor(1)
	tb.Toggle()
	tb.SetCursor(3)
	tb.Mark()
	tb.Mark() // twice is once
	tb.SetCursor(5)
	tb.Toggle()
	tb.Toggle() // and off again
	if tb.Marked() != 2 || tb.MarkedShown() != 2 {
		t.Fatalf("marked %d (%d shown), want 2 (2)", tb.Marked(), tb.MarkedShown())
	}
	if got := names(tb.SelectedOrCurrent()); !reflect.DeepEqual(got, []string{"row-000001", "row-000003"}) {
		t.Errorf("SelectedOrCurrent = %v", got)
	}
	// A filter hides row 1: the mark stays, but no action reaches row 1.
	tb.SetRows(rows[2:])
	if tb.Marked() != 2 || tb.MarkedShown() != 1 {
		t.Errorf("after hiding row 1: marked %d (%d shown), want 2 (1)", tb.Marked(), tb.MarkedShown())
	}
	if got := names(tb.SelectedOrCurrent()); !reflect.DeepEqual(got, []string{"row-000003"}) {
		t.Errorf("SelectedOrCurrent = %v, want the marked row still shown only", got)
	}
	if !strings.Contains(ansi.Strip(tb.View()), "● row-000003") {
		t.Errorf("the RowFunc was not told row 3 is marked:\n%s", tb.View())
	}
	// No marked row shown: the action takes the row under the cursor.
	tb.SetRows(rows[6:])
	if got := names(tb.SelectedOrCurrent()); !reflect.DeepEqual(got, []string{current(tb)}) || tb.Marked() != 2 {
		t.Errorf("with every marked row hidden SelectedOrCurrent = %v, want the cursor row %q", got, current(tb))
	}
	// Back: both marks are there again.
	tb.SetRows(rows)
	if tb.MarkedShown() != 2 || !reflect.DeepEqual(tb.MarkedKeys(), []string{"row-000001", "row-000003"}) {
		t.Errorf("marks after the filter cleared: %v (%d shown)", tb.MarkedKeys(), tb.MarkedShown())
	}
	// Row 1 deleted: a complete listing prunes its mark.
	gone := append(append([]item(nil), rows[:1]...), rows[2:]...)
	tb.SetRows(gone)
	tb.PruneMarks()
	if !reflect.DeepEqual(tb.MarkedKeys(), []string{"row-000003"}) || tb.MarkedShown() != 1 {
		t.Errorf("after pruning: %v (%d shown)", tb.MarkedKeys(), tb.MarkedShown())
	}
	tb.SetRows(rows[:4])
	tb.MarkAll()
	if tb.Marked() != 4 || tb.MarkedShown() != 4 || len(tb.SelectedOrCurrent()) != 4 {
		t.Errorf("MarkAll: marked %d (%d shown)", tb.Marked(), tb.MarkedShown())
	}
	tb.SetCursor(0)
	tb.Unmark()
	if tb.IsMarked(rows[0]) || tb.MarkedShown() != 3 {
		t.Errorf("Unmark: row 0 marked %v, %d shown", tb.IsMarked(rows[0]), tb.MarkedShown())
	}
	tb.ClearMarks()
	if tb.Marked() != 0 || tb.MarkedShown() != 0 || len(tb.SelectedOrCurrent()) != 1 {
		t.Errorf("ClearMarks left %d marks", tb.Marked())
	}
}

func TestTableRendersOnlyVisibleRows(t *testing.T) {
	const n = 100_000
	rows := items(n)
	calls := 0
	var tb Table[item]
	tb = NewTable(itemKey, func(it item, s RowState) string {
		calls++
		return tb.Line("", it.Name, Commas(it.Count))
	}, WithColumns(TableColumn{Title: "NAME"}, TableColumn{Title: "COUNT", Width: 12, Right: true}))
	tb.SetSize(120, 40)
	tb.SetRows(rows)
	tb.SetCursor(n / 2)
	v := tb.View()
	if calls != 39 {
		t.Errorf("rendered %d rows for a page of 39", calls)
	}
	lines := strings.Split(v, "\n")
	if len(lines) != 40 || !strings.Contains(v, rows[n/2].Name) {
		t.Errorf("%d lines, cursor row shown %v", len(lines), strings.Contains(v, rows[n/2].Name))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 120 {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
	// A frame of 100,000 rows allocates what a frame of 100 does.
	small := NewTable(itemKey, tb.render, WithColumns(TableColumn{Title: "NAME"}, TableColumn{Title: "COUNT", Width: 12, Right: true}))
	small.SetSize(120, 40)
	small.SetRows(rows[:100])
	small.SetCursor(50)
	big := testing.AllocsPerRun(20, func() { _ = tb.View() })
	little := testing.AllocsPerRun(20, func() { _ = small.View() })
	if big > little {
		t.Errorf("a 100,000-row frame allocates %.0f times, a 100-row frame %.0f", big, little)
	}
	// Keeping the cursor across SetRows allocates nothing per row.
	if a := testing.AllocsPerRun(5, func() { tb.SetRows(rows) }); a > 0 {
		t.Errorf("SetRows of 100,000 rows allocates %.0f times", a)
	}
}

func TestTableLayout(t *testing.T) {
	tb := newItemTable(30, 4)
	tb.SetRows([]item{
		{Name: "short", Count: 1234},
		{Name: "a-name-much-longer-than-the-column", Count: 7},
		{Name: "日本語の名前がとても長い", Count: 1234567},
	})
	// 30 cells: indent 2, name 15, gap 2, count 11.
	if tb.ColumnWidth(0) != 15 || tb.ColumnWidth(1) != 11 {
		t.Fatalf("widths %d %d", tb.ColumnWidth(0), tb.ColumnWidth(1))
	}
	want := []string{
		"  NAME                   COUNT",
		"▸ short                  1,234",
		"  a-name-much-lo…            7",
		"  日本語の名前が…    1,234,567",
	}
	got := strings.Split(ansi.Strip(tb.View()), "\n")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("view:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range got {
		if w := ansi.StringWidth(l); w != 30 {
			t.Errorf("%q is %d cells, want 30", l, w)
		}
	}
	// Too narrow: the name keeps its minimum and the line is clipped.
	tb.SetSize(12, 4)
	for _, l := range strings.Split(tb.View(), "\n") {
		if w := ansi.StringWidth(l); w > 12 {
			t.Errorf("%q is %d cells at width 12", l, w)
		}
	}
	// WithFittedRows trusts the RowFunc: its lines are not clipped.
	fitted := NewTable(itemKey, func(it item, s RowState) string { return it.Name }, WithFittedRows())
	fitted.SetSize(4, 2)
	fitted.SetRows(items(1))
	if got := strings.Split(fitted.View(), "\n")[1]; got != "row-000000" {
		t.Errorf("a fitted row was measured: %q", got)
	}
	// Two flexible columns share the rest.
	two := NewTable(itemKey, nil, WithGap(1), WithColumns(TableColumn{Title: "A"}, TableColumn{Title: "B"}, TableColumn{Title: "C", Width: 4}))
	two.SetSize(25, 3)
	if two.ColumnWidth(0)+two.ColumnWidth(1) != 19 || two.ColumnWidth(0) != 9 {
		t.Errorf("flexible widths %d + %d, want 9 + 10", two.ColumnWidth(0), two.ColumnWidth(1))
	}
}

// BenchmarkTableView100k renders one frame of a 100,000-row table at
// 120×40: the headings and 39 rows of four columns.
func BenchmarkTableView100k(b *testing.B) {
	rows := items(100_000)
	var tb Table[item]
	tb = NewTable(itemKey, func(it item, s RowState) string {
		glyph := "  "
		if s.Cursor {
			glyph = "▸ "
		}
		return tb.Line(glyph, it.Name, Commas(it.Count), "tier-pro", "2025-03-01 12:00")
	}, WithIndent(2), WithColumns(
		TableColumn{Title: "NAME", MinWidth: 20},
		TableColumn{Title: "COUNT", Width: 12, Right: true},
		TableColumn{Title: "TIER", Width: 10},
		TableColumn{Title: "MODIFIED", Width: 16},
	))
	tb.SetSize(120, 40)
	tb.SetRows(rows)
	tb.SetCursor(50_000)
	b.ReportAllocs()
	for b.Loop() {
		_ = tb.View()
	}
}

// store is a caller's store of rows that tables address by position, with
// the position as the row id (WithRowIDs).
type store struct{ rows []item }

func (s *store) table(w, h int) *Table[int32] {
	var t Table[int32]
	t = NewTable(func(p int32) string { return s.rows[p].Name }, func(p int32, st RowState) string {
		glyph := "  "
		switch {
		case st.Cursor:
			glyph = "▸ "
		case st.Marked:
			glyph = "● "
		}
		return t.Line(glyph, s.rows[p].Name)
	}, WithIndent(2), WithColumns(TableColumn{Title: "NAME"}),
		WithRowIDs(func(p int32) int { return int(p) }))
	t.SetSize(w, h)
	return &t
}

// positions returns the positions 0 … n-1, every step-th.
func positions(n, step int) []int32 {
	var out []int32
	for i := 0; i < n; i += step {
		out = append(out, int32(i))
	}
	return out
}

func TestTableRowIDsFollowCursorAndMarks(t *testing.T) {
	s := &store{rows: items(10)}
	tb := s.table(40, 6)
	all := positions(10, 1)
	tb.SetRows(all)
	tb.SetCursor(3)
	tb.Mark()
	tb.SetCursor(4)
	tb.Toggle()
	// A filter (every other row) keeps the marks by id and the cursor in
	// place; bringing row 4 back finds the cursor's row by id.
	tb.SetRows(positions(10, 2))
	if tb.Marked() != 2 || tb.MarkedShown() != 1 || !tb.IsMarked(4) || tb.IsMarked(2) {
		t.Errorf("filtered: %d marks, %d shown", tb.Marked(), tb.MarkedShown())
	}
	tb.SetRows(all)
	if tb.Cursor() != 4 || tb.MarkedShown() != 2 {
		t.Errorf("back: cursor %d, %d marks shown", tb.Cursor(), tb.MarkedShown())
	}
	// Rows appended to the store get ids never looked up: a key marked
	// before they arrived (a "not loaded" mark) is found.
	s.rows = append(s.rows, item{Name: "row-late"})
	tb.marks["row-late"] = struct{}{} // as if marked before its row was loaded
	tb.SetRows(positions(11, 1))
	if !tb.IsMarked(10) || tb.MarkedShown() != 3 {
		t.Errorf("an appended row's mark: marked %v, %d shown", tb.IsMarked(10), tb.MarkedShown())
	}
	// The store is replaced (a refresh): positions mean other rows. After
	// ResetRowIDs the marks and the cursor are found by key.
	tb.SetCursor(4)
	s.rows = append([]item{{Name: "aaa"}}, s.rows...)
	tb.ResetRowIDs()
	tb.SetRows(positions(12, 1))
	if cur, _ := tb.Current(); s.rows[cur].Name != "row-000004" || tb.Cursor() != 5 {
		t.Errorf("after ResetRowIDs the cursor is on %q", s.rows[cur].Name)
	}
	if tb.MarkedShown() != 3 || !tb.IsMarked(4) || !tb.IsMarked(5) || tb.IsMarked(3) {
		t.Errorf("after ResetRowIDs: %d marks shown, marked 4 %v 5 %v 3 %v", tb.MarkedShown(), tb.IsMarked(4), tb.IsMarked(5), tb.IsMarked(3))
	}
	if got := tb.SelectedOrCurrent(); !reflect.DeepEqual(got, []int32{4, 5, 11}) {
		t.Errorf("SelectedOrCurrent = %v", got)
	}
	if v := ansi.Strip(tb.View()); !strings.Contains(v, "● row-000003") || strings.Contains(v, "● row-000002") {
		t.Errorf("view:\n%s", v)
	}
	// MarkAll, Unmark, ClearMarks keep the id states in step.
	tb.SetRows(positions(12, 2))
	tb.MarkAll()
	tb.SetRows(positions(12, 1))
	if tb.Marked() != 8 || tb.MarkedShown() != 8 || !tb.IsMarked(0) || tb.IsMarked(1) {
		t.Errorf("MarkAll of the even rows: %d marks, %d shown", tb.Marked(), tb.MarkedShown())
	}
	tb.SetCursor(0)
	tb.Unmark()
	tb.SetRows(positions(12, 1))
	if tb.IsMarked(0) || tb.MarkedShown() != 7 {
		t.Errorf("Unmark: %d shown", tb.MarkedShown())
	}
	// PruneMarksFunc: the store knows which rows exist, whatever is shown.
	tb.SetRows(positions(12, 3))
	tb.PruneMarksFunc(func(k string) bool { return k != "row-000003" })
	tb.SetRows(positions(12, 1))
	if tb.Marked() != 6 || tb.IsMarked(4) || tb.MarkedShown() != 6 {
		t.Errorf("PruneMarksFunc: %d marks (%v), %d shown", tb.Marked(), tb.MarkedKeys(), tb.MarkedShown())
	}
	tb.ClearMarks()
	tb.SetRows(positions(12, 1))
	if tb.Marked() != 0 || tb.MarkedShown() != 0 || tb.IsMarked(2) {
		t.Error("ClearMarks left marks")
	}
}

func TestTableRowIDsOfAnotherTypePanic(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewTable took ids of another row type")
		}
	}()
	NewTable(itemKey, nil, WithRowIDs(func(p int32) int { return int(p) }))
}

func TestTableWithoutHeadingsAndGap(t *testing.T) {
	var tb Table[item]
	tb = NewTable(itemKey, func(it item, s RowState) string {
		return tb.Line("", it.Name, Commas(it.Count))
	}, WithoutHeadings(), WithColumns(TableColumn{Title: "NAME"}, TableColumn{Title: "COUNT", Width: 5, Right: true}))
	tb.SetSize(20, 3)
	tb.SetRows(items(10))
	if tb.PageSize() != 3 {
		t.Errorf("page %d, want every line a row", tb.PageSize())
	}
	want := []string{"row-000000         0", "row-000001     1,000", "row-000002     2,000"}
	if got := strings.Split(ansi.Strip(tb.View()), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("view %q, want %q", got, want)
	}
	tb, _ = tb.Update(keyMsg("ctrl+f"))
	if tb.Cursor() != 3 || tb.Top() != 1 {
		t.Errorf("a page down: cursor %d top %d, want 3 1", tb.Cursor(), tb.Top())
	}
	tb.SetGap(6)
	tb.GotoTop()
	if got := strings.Split(ansi.Strip(tb.View()), "\n")[1]; got != "row-0000…      1,000" || tb.ColumnWidth(0) != 9 {
		t.Errorf("gap 6: %q, name %d wide", got, tb.ColumnWidth(0))
	}
}

// BenchmarkTableSetRows100k is SetRows of 100,000 rows with every other
// row marked and the cursor's row moved (a filter's result over rows with
// marks), by key and with row ids.
func BenchmarkTableSetRows100k(b *testing.B) {
	s := &store{rows: items(100_000)}
	all, rev := positions(100_000, 1), positions(100_000, 1)
	slices.Reverse(rev)
	for _, ids := range []bool{false, true} {
		b.Run(fmt.Sprintf("ids=%v", ids), func(b *testing.B) {
			tb := s.table(120, 40)
			if !ids {
				tb.id = nil
			}
			tb.SetRows(positions(100_000, 2))
			tb.MarkAll()
			tb.SetCursor(100)
			b.ReportAllocs()
			for b.Loop() {
				tb.SetRows(rev)
				tb.SetRows(all)
			}
			b.ReportMetric(float64(tb.MarkedShown()), "marked")
		})
	}
}

func TestTableMarkRangeFromLastMark(t *testing.T) {
	rows := []string{"a", "b", "c", "d", "e", "f"}
	tb := NewTable(func(s string) string { return s }, func(s string, _ RowState) string { return s })
	tb.SetSize(20, 10)
	tb.SetRows(rows)
	// No mark yet: the cursor's row only.
	if n := tb.MarkRange(); n != 1 || !tb.IsMarked("a") {
		t.Fatalf("first range marked %d", n)
	}
	tb.SetCursor(1)
	tb.Mark() // b is the anchor
	tb.SetCursor(4)
	if n := tb.MarkRange(); n != 3 {
		t.Fatalf("b..e marked %d new rows, want 3 (c, d, e)", n)
	}
	for _, r := range rows {
		want := r != "f"
		if tb.IsMarked(r) != want {
			t.Errorf("%s marked %v, want %v", r, tb.IsMarked(r), want)
		}
	}
	if tb.MarkedShown() != 5 || tb.Marked() != 5 {
		t.Errorf("marked %d shown %d, want 5", tb.Marked(), tb.MarkedShown())
	}
	// Upwards from the new anchor (e), after clearing: the anchor is gone.
	tb.ClearMarks()
	tb.SetCursor(2)
	tb.Mark()
	tb.SetCursor(0)
	if n := tb.MarkRange(); n != 2 || tb.IsMarked("d") || !tb.IsMarked("a") {
		t.Errorf("c..a marked %d (d marked %v)", n, tb.IsMarked("d"))
	}
}
