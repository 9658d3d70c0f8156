package ui

import (
	"fmt"
	"reflect"
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
	tb.SetRows(nil)
	if _, ok := tb.Current(); ok || tb.SelectedOrCurrent() != nil {
		t.Error("an empty table has a current row")
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
