package ui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Table is a virtual table over a slice of rows that the caller owns (the
// shown rows, already filtered and sorted). Only the visible rows are
// rendered, by a RowFunc the caller supplies, so 100,000 rows cost what 40
// do. The table holds the cursor and the scroll offset and follows rows by
// key: the cursor stays on its row across SetRows, and marks are kept by
// key, so a row hidden by a filter is still marked when it comes back.
// Every action can then work on SelectedOrCurrent: the marked rows, or the
// one under the cursor.
type Table[T any] struct {
	// KeyMap holds the movement bindings (ui.DefaultMoveKeyMap).
	KeyMap MoveKeyMap

	key    func(T) string
	render RowFunc[T]
	styles TableStyles
	cols   []TableColumn
	gap    int // spaces between columns
	indent int // cells before the first column (cursor and mark glyphs)

	width, height int
	widths        []int  // the columns' widths at width
	header        string // the rendered heading line, rebuilt with widths
	noHeadings    bool   // WithoutHeadings: no headings line
	fitted        bool   // WithFittedRows: lines are not measured

	rows      []T
	cursor    int    // position in rows
	top       int    // first visible position
	cursorKey string // the key of the row the cursor is meant to be on

	marks       map[string]struct{} // marked keys, shown or not
	markedShown int                 // how many rows of rows are marked
	anchor      string              // the key of the row last marked (MarkRange)

	// Dense row ids (WithRowIDs): the cursor is followed, and marks are
	// looked up, by id rather than by key (see tablemarks.go).
	id       func(T) int
	idMarks  []int8 // by id: idUnknown, idUnmarked or idMarked
	cursorID int    // the id of the cursor's row (-1: unknown)
}

// TableColumn is one column of a Table.
type TableColumn struct {
	// Title is the column heading.
	Title string
	// Width is the column's width in cells. 0 makes the column flexible:
	// the flexible columns share what the fixed ones and the gaps leave.
	Width int
	// MinWidth is a flexible column's least width.
	MinWidth int
	// Right right-aligns the heading and the cells (counts, sizes).
	Right bool
}

// RowState is what a RowFunc knows about the row it renders.
type RowState struct {
	// Index is the row's position in the rows.
	Index int
	// Cursor is true for the row under the cursor; Marked for a marked row.
	Cursor, Marked bool
	// Width is the table's width in cells: the line is clipped to it.
	Width int
}

// RowFunc renders one row as one line. The caller decides glyphs, colours
// and highlight (Table.Line lays the cells out in the columns); tenant
// text must be sanitized here. A line wider than RowState.Width is clipped.
type RowFunc[T any] func(row T, s RowState) string

// TableStyles styles a Table.
type TableStyles struct {
	// Header styles the column headings line.
	Header lipgloss.Style
}

// TableOption configures a Table built by NewTable.
type TableOption func(*tableOptions)

type tableOptions struct {
	cols       []TableColumn
	gap        int
	indent     int
	styles     TableStyles
	keys       MoveKeyMap
	stylesSet  bool
	keysSet    bool
	noHeadings bool
	fitted     bool
	rowIDs     any // func(T) int of WithRowIDs
}

// WithColumns sets the columns.
func WithColumns(cols ...TableColumn) TableOption {
	return func(o *tableOptions) { o.cols = slices.Clone(cols) }
}

// WithGap sets the spaces between columns (2 by default).
func WithGap(n int) TableOption {
	return func(o *tableOptions) { o.gap = max(0, n) }
}

// WithIndent reserves n cells before the first column for the glyphs the
// RowFunc draws there (the cursor's "▸ "); the headings line leaves them
// blank.
func WithIndent(n int) TableOption {
	return func(o *tableOptions) { o.indent = max(0, n) }
}

// WithTableStyles sets the styles (Styles.Table by default).
func WithTableStyles(s TableStyles) TableOption {
	return func(o *tableOptions) { o.styles, o.stylesSet = s, true }
}

// WithTableKeyMap sets the movement bindings.
func WithTableKeyMap(k MoveKeyMap) TableOption {
	return func(o *tableOptions) { o.keys, o.keysSet = k, true }
}

// WithoutHeadings leaves out the headings line: every line of the height
// is a row (a list under a heading of the caller's own, like the tag
// facets).
func WithoutHeadings() TableOption {
	return func(o *tableOptions) { o.noHeadings = true }
}

// WithFittedRows says the RowFunc never returns a line wider than
// RowState.Width (it fits its cells itself), so View does not measure the
// lines: a styled line is longer in bytes than in cells, and measuring
// every row costs about a tenth of a frame.
func WithFittedRows() TableOption {
	return func(o *tableOptions) { o.fitted = true }
}

// WithRowIDs gives the rows dense ids: id(row) is a small non-negative int
// that names the row (its position in the caller's store of rows, say)
// until the caller calls ResetRowIDs. The table then follows the cursor by
// id and keeps a mark state per id beside the marks by key, so SetRows over
// 100,000 rows compares ints instead of looking 100,000 keys up. Keys stay
// the truth: marks and the cursor survive ResetRowIDs by key. NewTable
// panics when id is not a func of the table's row type.
func WithRowIDs[T any](id func(T) int) TableOption {
	return func(o *tableOptions) { o.rowIDs = id }
}

// NewTable returns an empty table whose rows are told apart by key and
// rendered by render.
func NewTable[T any](key func(T) string, render RowFunc[T], opts ...TableOption) Table[T] {
	o := tableOptions{gap: 2}
	for _, opt := range opts {
		opt(&o)
	}
	if !o.stylesSet {
		o.styles = DefaultStyles(true).Table
	}
	if !o.keysSet {
		o.keys = DefaultMoveKeyMap()
	}
	t := Table[T]{
		KeyMap:     o.keys,
		key:        key,
		render:     render,
		styles:     o.styles,
		cols:       o.cols,
		gap:        o.gap,
		indent:     o.indent,
		noHeadings: o.noHeadings,
		fitted:     o.fitted,
		marks:      map[string]struct{}{},
		cursorID:   -1,
	}
	if o.rowIDs != nil {
		id, ok := o.rowIDs.(func(T) int)
		if !ok {
			panic(fmt.Sprintf("ui.WithRowIDs: %T is not a func of the table's rows", o.rowIDs))
		}
		t.id = id
	}
	t.layout()
	return t
}

// Update

// Update moves the cursor on a movement key; other messages are ignored.
func (t Table[T]) Update(msg tea.Msg) (Table[T], tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if pos, ok := t.KeyMap.Move(k, t.cursor, len(t.rows), t.PageSize()); ok {
			t.SetCursor(pos)
		}
	}
	return t, nil
}

// View

// View renders the headings line (unless WithoutHeadings) and the visible
// rows, one line each, at most the table's width. Nothing is rendered for
// the rows out of view.
func (t Table[T]) View() string {
	if t.height <= 0 {
		return ""
	}
	end := min(len(t.rows), t.top+t.PageSize())
	var b strings.Builder
	// Cells are mostly one byte; styles and glyphs add a little.
	b.Grow(len(t.header) + (end-t.top)*(t.width+t.width/2+16))
	if !t.noHeadings {
		b.WriteString(t.header)
	}
	withMarks := len(t.marks) > 0
	for i := t.top; i < end; i++ {
		s := RowState{Index: i, Cursor: i == t.cursor, Width: t.width}
		if withMarks {
			s.Marked = t.IsMarked(t.rows[i])
		}
		line := t.render(t.rows[i], s)
		// A line never has more cells than bytes: short lines need no
		// measuring.
		if len(line) > t.width && !t.fitted {
			line = Clip(line, t.width)
		}
		if i > t.top || !t.noHeadings {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.String()
}

// Line lays a row out: lead in the indent (the cursor and mark glyphs,
// padded to the indent), then each cell cut to its column's width with "…"
// and padded (right-aligned where the column says so), the columns
// separated by the gap. It does not sanitize: tenant text must be. The
// result may be wider than the table when the columns are (View clips).
func (t Table[T]) Line(lead string, cells ...string) string {
	var b strings.Builder
	b.Grow(t.width + len(lead) + 8)
	b.WriteString(lead)
	writeSpaces(&b, t.indent-ansi.StringWidth(lead))
	for i, w := range t.widths {
		if i > 0 {
			writeSpaces(&b, t.gap)
		}
		s := ""
		if i < len(cells) {
			s = cells[i]
		}
		sw := ansi.StringWidth(s)
		if sw > w {
			s = Truncate(s, w)
			sw = ansi.StringWidth(s)
		}
		if t.cols[i].Right {
			writeSpaces(&b, w-sw)
			b.WriteString(s)
		} else {
			b.WriteString(s)
			writeSpaces(&b, w-sw)
		}
	}
	return b.String()
}

// spaces is written in slices, so padding allocates nothing.
const spaces = "                                                                "

func writeSpaces(b *strings.Builder, n int) {
	for n > 0 {
		k := min(n, len(spaces))
		b.WriteString(spaces[:k])
		n -= k
	}
}

// Size and layout

// SetSize sets the table's size: width cells, and height lines including
// the headings line (when there is one).
func (t *Table[T]) SetSize(width, height int) {
	if width == t.width && height == t.height {
		return
	}
	t.width, t.height = max(0, width), max(0, height)
	t.layout()
	t.clamp()
}

// Width returns the table's width in cells.
func (t Table[T]) Width() int { return t.width }

// Height returns the table's height in lines, the headings line included.
func (t Table[T]) Height() int { return t.height }

// PageSize is how many rows are visible under the headings.
func (t Table[T]) PageSize() int {
	if t.noHeadings {
		return t.height
	}
	return max(0, t.height-1)
}

// SetColumns replaces the columns.
func (t *Table[T]) SetColumns(cols ...TableColumn) {
	t.cols = slices.Clone(cols)
	t.layout()
}

// SetGap sets the spaces between columns (a layout that tightens at
// narrow widths).
func (t *Table[T]) SetGap(n int) {
	if n = max(0, n); n != t.gap {
		t.gap = n
		t.layout()
	}
}

// ColumnWidth returns the width of column i at the current size.
func (t Table[T]) ColumnWidth(i int) int { return t.widths[i] }

// SetStyles replaces the styles (after StylesChangedMsg).
func (t *Table[T]) SetStyles(s TableStyles) {
	t.styles = s
	t.layout()
}

// layout computes the column widths for the width and renders the
// headings line. Flexible columns share what is left, at least MinWidth.
func (t *Table[T]) layout() {
	t.widths = make([]int, len(t.cols))
	rest := t.width - t.indent - t.gap*max(0, len(t.cols)-1)
	flex := 0
	for i, c := range t.cols {
		if c.Width > 0 {
			t.widths[i] = c.Width
			rest -= c.Width
		} else {
			flex++
		}
	}
	for i, c := range t.cols {
		if c.Width > 0 {
			continue
		}
		share := max(0, rest) / flex
		if flex == 1 {
			share = max(0, rest) // the last flexible column takes the remainder
		}
		t.widths[i] = max(c.MinWidth, share)
		rest -= share
		flex--
	}
	titles := make([]string, len(t.cols))
	for i, c := range t.cols {
		titles[i] = c.Title
	}
	t.header = t.styles.Header.Render(Clip(t.Line("", titles...), t.width))
	if t.noHeadings {
		t.header = ""
	}
}

// Rows and cursor

// SetRows makes rows the table's rows; the table keeps the slice, which
// the caller must not change until the next SetRows. The cursor stays on
// the row it was on when that row is among rows (the result is then true);
// else it stays at its position (the screen may GotoTop), still meaning to
// return to its row when a later SetRows brings it back.
func (t *Table[T]) SetRows(rows []T) bool {
	t.rows = rows
	found := -1
	if t.cursor < len(rows) && t.isCursorRow(rows[t.cursor]) {
		found = t.cursor // the usual case: nothing moved
	}
	// One pass finds the cursor's row (when it moved) and counts the marked
	// rows; without marks and with the cursor in place there is none.
	t.markedShown = 0
	seek := found < 0 && t.cursorKey != ""
	withMarks := len(t.marks) > 0
	if seek || withMarks {
		for i := range rows {
			if seek && t.isCursorRow(rows[i]) {
				found, seek = i, false
			}
			if withMarks && t.lookupMark(rows[i]) {
				t.markedShown++
			}
		}
	}
	if found >= 0 {
		t.cursor = found
		if t.id != nil {
			t.cursorID = t.id(rows[found])
		}
	}
	t.clamp()
	if t.cursorKey == "" {
		t.remember()
	}
	return found >= 0
}

// isCursorRow reports whether row is the one the cursor follows: by id
// when ids are in use and the cursor's is known, else by key.
func (t *Table[T]) isCursorRow(row T) bool {
	if t.id != nil && t.cursorID >= 0 {
		return t.id(row) == t.cursorID
	}
	return t.cursorKey != "" && t.key(row) == t.cursorKey
}

// Rows returns the rows last given to SetRows.
func (t Table[T]) Rows() []T { return t.rows }

// Len is the number of rows.
func (t Table[T]) Len() int { return len(t.rows) }

// Cursor returns the cursor's position in the rows.
func (t Table[T]) Cursor() int { return t.cursor }

// Top returns the position of the first visible row.
func (t Table[T]) Top() int { return t.top }

// SetCursor puts the cursor on position i (clamped) and scrolls it into
// view.
func (t *Table[T]) SetCursor(i int) {
	t.cursor = i
	t.clamp()
	t.remember()
}

// GotoTop puts the cursor on the first row: a new filter or sort order
// starts at the top. With no rows, it will be on the first row the next
// SetRows brings, not on the row it followed before.
func (t *Table[T]) GotoTop() {
	t.top = 0
	if len(t.rows) == 0 {
		t.cursorKey, t.cursorID = "", -1
	}
	t.SetCursor(0)
}

// Current returns the row under the cursor; false when there are no rows.
func (t Table[T]) Current() (T, bool) {
	if t.cursor < 0 || t.cursor >= len(t.rows) {
		var zero T
		return zero, false
	}
	return t.rows[t.cursor], true
}

// clamp keeps the cursor on a row and the cursor's row in view.
func (t *Table[T]) clamp() {
	n := len(t.rows)
	t.cursor = max(0, min(t.cursor, n-1))
	page := max(1, t.PageSize())
	if t.cursor < t.top {
		t.top = t.cursor
	}
	if t.cursor >= t.top+page {
		t.top = t.cursor - page + 1
	}
	t.top = max(0, min(t.top, n-page))
}

// remember makes the row under the cursor the one to follow.
func (t *Table[T]) remember() {
	if row, ok := t.Current(); ok {
		t.cursorKey = t.key(row)
		if t.id != nil {
			t.cursorID = t.id(row)
		}
	}
}
