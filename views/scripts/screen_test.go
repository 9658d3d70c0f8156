package scripts

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
)

func TestTagFacetsCountAndApply(t *testing.T) {
	e := newEnv(t, 300)
	h := open(t, e, "production", "")
	h.press("t")
	if !h.m.facets.Visible() || !h.m.facets.valid {
		t.Fatalf("t: open %v, counted %v", h.m.facets.Visible(), h.m.facets.valid)
	}
	counts := map[string]int{}
	for _, s := range h.m.all.All() {
		for _, tag := range s.Tags {
			counts[tag]++
		}
	}
	tags := h.m.facets.tags
	if len(tags) != len(counts) {
		t.Fatalf("%d facets, want %d distinct tags", len(tags), len(counts))
	}
	for i, f := range tags {
		if counts[f.tag] != f.count {
			t.Errorf("facet %q = %d, want %d", f.tag, f.count, counts[f.tag])
		}
		if i > 0 && tags[i-1].count < f.count {
			t.Errorf("facets not by count desc at %d", i)
		}
	}
	if !strings.Contains(h.view(), fmt.Sprintf("%9s  %s", ui.Commas(tags[0].count), tags[0].tag)) {
		t.Errorf("panel does not show the top tag:\n%s", h.view())
	}
	if !h.m.WantsEsc() {
		t.Error("the open panel does not want esc")
	}
	h.press("j", "j")
	pick := tags[2]
	h.press("enter")
	if h.m.facets.Visible() || h.m.filter.Applied() != "-t "+pick.tag {
		t.Fatalf("enter: open %v, applied %q", h.m.facets.Visible(), h.m.filter.Applied())
	}
	if len(h.m.shown) != pick.count {
		t.Errorf("rows shown = %d, want the facet's %d", len(h.m.shown), pick.count)
	}
	// :tags reopens it; esc closes it without touching the filter.
	h.send(ShowTagsMsg{Route: h.m.route})
	if !h.m.facets.Visible() {
		t.Fatal("ShowTagsMsg did not open the panel")
	}
	h.press("esc")
	if h.m.facets.Visible() || h.m.filter.Applied() != "-t "+pick.tag {
		t.Errorf("esc: open %v, applied %q", h.m.facets.Visible(), h.m.filter.Applied())
	}
}

func TestMarksSurviveRefreshSortAndFilter(t *testing.T) {
	e := newEnv(t, 300)
	h := open(t, e, "production", "")
	all := h.shownNames()
	// Mark rows 0, 1 and 2 (space marks and steps down).
	h.press("space", "space", "space")
	marked := all[:3]
	if h.title() != "300 scripts · 300 shown · 3 marked" {
		t.Errorf("title = %q", h.title())
	}
	if !strings.Contains(h.lines()[3], glyphMark) {
		t.Errorf("a marked row has no glyph: %q", h.lines()[3])
	}

	// A filter that hides one mark.
	h.press("/")
	h.typeText("!" + marked[0])
	h.press("enter")
	want := fmt.Sprintf("300 scripts · %s shown · 3 marked (1 hidden by filter)", ui.Commas(len(h.m.shown)))
	if h.title() != want {
		t.Errorf("title = %q, want %q", h.title(), want)
	}

	// Delete one marked script, retag another, then ctrl+r.
	if err := e.Client.DeleteScript(t.Context(), "production", marked[1], true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.ReplaceTags(t.Context(), "production", marked[2], []string{"tier-pro", "retagged"}); err != nil {
		t.Fatal(err)
	}
	h.settle(h.update(ui.RefreshMsg{}))
	if h.m.all.Len() != 299 {
		t.Fatalf("after refresh: %d rows, want 299", h.m.all.Len())
	}
	if slices.Contains(h.m.table.MarkedKeys(), marked[1]) {
		t.Error("the deleted script is still marked")
	}
	for _, name := range []string{marked[0], marked[2]} {
		p := h.m.lookup(name)
		if p < 0 || !h.m.table.IsMarked(p) {
			t.Errorf("%s lost its mark across the refresh", name)
		}
	}
	p := h.m.lookup(marked[2])
	if !slices.Contains(h.m.all.Tags(int(p)), "retagged") {
		t.Error("the refresh did not bring the new tags")
	}
	want = fmt.Sprintf("299 scripts · %s shown · 2 marked (1 hidden by filter)", ui.Commas(len(h.m.shown)))
	if h.title() != want {
		t.Errorf("title = %q, want %q", h.title(), want)
	}

	// Sorting keeps them; * marks all shown; ctrl+\ clears.
	h.press("M")
	if p := h.m.lookup(marked[2]); !h.m.table.IsMarked(p) || h.m.table.Marked() != 2 {
		t.Error("sorting changed the marks")
	}
	h.press("*")
	if h.m.table.Marked() != 299 || h.m.table.MarkedShown() != len(h.m.shown) {
		t.Errorf("*: %d marks, %d of %d shown marked", h.m.table.Marked(), h.m.table.MarkedShown(), len(h.m.shown))
	}
	h.press("ctrl+\\")
	if h.m.table.Marked() != 0 || h.m.table.MarkedShown() != 0 || slices.ContainsFunc(h.m.byName, h.m.table.IsMarked) {
		t.Error("ctrl+\\ left marks")
	}
}

func TestSortAndReverseWithGlyph(t *testing.T) {
	e := newEnv(t, 200)
	h := open(t, e, "production", "")
	byMod := func(desc bool) []string {
		ss := h.m.all.All()
		slices.SortStableFunc(ss, func(a, b cfclient.Script) int {
			c := a.ModifiedOn.Compare(b.ModifiedOn)
			if desc {
				c = -c
			}
			if c == 0 {
				c = strings.Compare(a.Name, b.Name)
			}
			return c
		})
		return names(ss)
	}
	asc := slices.Sorted(slices.Values(h.shownNames()))
	if !slices.Equal(h.shownNames(), asc) || !strings.Contains(h.lines()[1], "NAME ▲") {
		t.Fatalf("default sort is not name ▲: %q", h.lines()[1])
	}
	desc := slices.Clone(asc)
	slices.Reverse(desc)
	h.press("N")
	if !slices.Equal(h.shownNames(), desc) || !strings.Contains(h.lines()[1], "NAME ▼") {
		t.Errorf("N again: not name ▼ (%q)", h.lines()[1])
	}
	h.press("M")
	if !slices.Equal(h.shownNames(), byMod(true)) || !strings.Contains(h.lines()[1], "MODIFIED ▼") {
		t.Errorf("M: not newest first (%q)", h.lines()[1])
	}
	h.press("M")
	if !slices.Equal(h.shownNames(), byMod(false)) || !strings.Contains(h.lines()[1], "MODIFIED ▲") {
		t.Errorf("M again: not oldest first (%q)", h.lines()[1])
	}
	h.press("C")
	if !strings.Contains(h.lines()[1], "CREATED ▼") || strings.Contains(h.lines()[1], "MODIFIED ▲") {
		t.Errorf("C: header %q", h.lines()[1])
	}
	for i := 1; i < len(h.m.shown); i++ {
		if h.m.all.Created(int(h.m.shown[i-1])).Before(h.m.all.Created(int(h.m.shown[i]))) {
			t.Fatalf("C: row %d is newer than row %d", i, i-1)
		}
	}
}

// cursorOn reports where the cursor is: "" when it is on the script
// called name, else what is wrong.
func cursorOn(h *harness, name string) string {
	s, ok := h.m.current()
	switch {
	case !ok:
		return fmt.Sprintf("no cursor row, want %q", name)
	case s.Name != name:
		return fmt.Sprintf("cursor on %q (row %d), want %q", s.Name, h.m.table.Cursor(), name)
	}
	return ""
}

// cursorOnTop reports "" when the cursor is on the first row shown (and the
// table scrolled to it), else what is wrong.
func cursorOnTop(h *harness) string {
	if len(h.m.shown) == 0 {
		return "no rows shown"
	}
	if h.m.table.Cursor() != 0 || h.m.table.Top() != 0 {
		return fmt.Sprintf("cursor on row %d (top %d), want row 0", h.m.table.Cursor(), h.m.table.Top())
	}
	return cursorOn(h, h.shownNames()[0])
}

func TestCursorKeptByNameAcrossRefresh(t *testing.T) {
	e := newEnv(t, 300)
	h := open(t, e, "production", "")
	h.press("j", "j", "j", "j", "j", "j", "j") // row 7
	name := h.shownNames()[7]
	h.settle(h.update(ui.RefreshMsg{}))
	if d := cursorOn(h, name); d != "" {
		t.Errorf("after refresh: %s", d)
	}
	// With a filter applied, a refresh recomputes it; the cursor stays.
	h.press("/")
	h.typeText("=e")
	h.press("enter", "j", "j", "j")
	name = h.shownNames()[3]
	h.settle(h.update(ui.RefreshMsg{}))
	if d := cursorOn(h, name); d != "" {
		t.Errorf("after refresh with a filter: %s", d)
	}
	// / then enter (or esc) without a change is not a new filter.
	h.press("/", "enter")
	if d := cursorOn(h, name); d != "" {
		t.Errorf("after / enter: %s", d)
	}
	h.press("/", "esc")
	if d := cursorOn(h, name); d != "" {
		t.Errorf("after / esc: %s", d)
	}
}

func TestNewFilterOrSortPutsCursorOnTop(t *testing.T) {
	e := newEnv(t, 300)
	h := open(t, e, "production", "")
	down := func() {
		t.Helper()
		h.press("j", "j", "j", "j", "j")
		if h.m.table.Cursor() != 5 {
			t.Fatalf("cursor on row %d after 5 × j", h.m.table.Cursor())
		}
	}
	check := func(when string) {
		t.Helper()
		if d := cursorOnTop(h); d != "" {
			t.Errorf("%s: %s", when, d)
		}
	}
	down()
	h.press("M")
	check("after sort by modified")
	down()
	h.press("M")
	check("after reversing the sort")
	down()
	h.press("N")
	check("after sort by name")
	// Every keystroke of a filter is a new filter, of every kind.
	down()
	h.press("/")
	for _, r := range "e-" {
		h.typeText(string(r))
		check(fmt.Sprintf("after typing %q", h.m.filter.input.Value()))
	}
	h.press("enter")
	check("after enter")
	for _, text := range []string{"=prod", "!prod", "-t tier-pro"} {
		down()
		h.press("/")
		for range h.m.filter.input.Value() {
			h.press("backspace")
		}
		h.typeText(text)
		h.press("enter")
		check("after /" + text)
	}
	// Sorting a filtered table, and clearing the filter.
	down()
	h.press("C")
	check("after sort by created with a filter")
	down()
	h.press("esc")
	check("after clearing the filter")
	// esc while typing restores the filter before: a change of the rows
	// too.
	down()
	h.press("/")
	h.typeText("zzz")
	h.press("esc")
	check("after esc while typing")
}

// Pages appended by a cold load keep the cursor on its script, also after
// a sort made while they were arriving: only the operator's change moves it
// to the top.
func TestAppendedPagesKeepTheCursorAfterASort(t *testing.T) {
	e := newEnv(t, 2500) // three pages of 1000
	h := newHarness(t, e, e.Client, "production", "")
	batches, name := 0, ""
	h.after = func(msg tea.Msg) {
		pm, ok := msg.(pagesMsg)
		if !ok || pm.done || len(pm.pages) == 0 {
			return
		}
		batches++
		if batches == 1 {
			// The oldest-first sort of the first page, then a move down.
			h.update(keyMsg("M"))
			h.update(keyMsg("M"))
			if d := cursorOnTop(h); d != "" {
				t.Errorf("after M M while loading: %s", d)
			}
			h.update(keyMsg("j"))
			h.update(keyMsg("j"))
			name = h.shownNames()[2]
		}
	}
	h.settle(h.m.Init())
	if batches < 2 {
		t.Skipf("the listing came in %d batch(es); need pages after the first", batches)
	}
	if h.m.all.Len() != 2500 {
		t.Fatalf("%d rows loaded", h.m.all.Len())
	}
	if d := cursorOn(h, name); d != "" {
		t.Errorf("after the remaining pages: %s", d)
	}
}

func TestCursorMovementKeys(t *testing.T) {
	e := newEnv(t, 300)
	h := open(t, e, "production", "")
	// Movement keys.
	h.press("G")
	if h.m.table.Cursor() != len(h.m.shown)-1 {
		t.Errorf("G: cursor %d", h.m.table.Cursor())
	}
	h.press("g")
	if h.m.table.Cursor() != 0 {
		t.Errorf("g: cursor %d", h.m.table.Cursor())
	}
	h.press("ctrl+f")
	if h.m.table.Cursor() != h.m.rowsHeight() {
		t.Errorf("ctrl+f: cursor %d, want %d", h.m.table.Cursor(), h.m.rowsHeight())
	}
	h.press("ctrl+u")
	if h.m.table.Cursor() != h.m.rowsHeight()-h.m.rowsHeight()/2 {
		t.Errorf("ctrl+u: cursor %d", h.m.table.Cursor())
	}
	h.press("ctrl+b", "down", "pgdown", "up", "end", "home")
	if h.m.table.Cursor() != 0 {
		t.Errorf("home: cursor %d", h.m.table.Cursor())
	}
}

func TestEnterOpensTheScript(t *testing.T) {
	e := newEnv(t, 50)
	h := open(t, e, "production", "")
	h.press("j", "enter")
	want := ui.Route{Kind: ui.KindScript, Namespace: "production", Script: h.shownNames()[1]}
	last := h.seen[len(h.seen)-1]
	if nav, ok := last.(ui.NavigateMsg); !ok || nav.Route != want {
		t.Errorf("enter sent %#v, want NavigateMsg %+v", last, want)
	}
}

func TestControlCharactersNeverReachTheTerminal(t *testing.T) {
	e := newEnv(t, 50)
	h := open(t, e, "testing", "")
	var hostile string
	for _, s := range h.m.all.All() {
		for _, tag := range s.Tags {
			if strings.ContainsRune(tag, 0x1b) {
				hostile = s.Name
			}
		}
	}
	if hostile == "" {
		t.Fatal("the testing namespace has no tag with an escape")
	}
	// Put the hostile row on screen under the cursor, then look at the
	// table, the facets and the JSON overlay.
	h.m.moveTo(slices.Index(h.shownNames(), hostile))
	for _, step := range []struct{ key, want string }{
		{"", `note-\x1b`},                // the table (tags column, cut)
		{"t", `note-\x1b[31mred\x1b[0m`}, // the facets panel
		{"esc", `note-\x1b`},
		{"y", `note-\u001b[31mred\u001b[0m`}, // JSON's own escape, inert
	} {
		if step.key != "" {
			h.press(step.key)
		}
		raw := h.m.View()
		if strings.Contains(raw, "\x1b[31m") || strings.Contains(raw, "\x1b[0m") {
			t.Errorf("%q: the tenant's escape sequence reached the view", step.key)
		}
		if !strings.Contains(ansi.Strip(raw), step.want) {
			t.Errorf("%q: the hostile tag is not shown escaped (%s):\n%s", step.key, step.want, ansi.Strip(raw))
		}
	}
	h.press("esc")
	if h.m.rawOpen {
		t.Error("esc did not close the JSON overlay")
	}
}

func TestRawJSONAndCopy(t *testing.T) {
	e := newEnv(t, 50)
	h := open(t, e, "production", "")
	cur := h.shownNames()[0]
	h.press("y")
	if !h.m.rawOpen || !h.m.WantsEsc() {
		t.Fatal("y did not open the overlay")
	}
	v := h.view()
	if !strings.Contains(v, `"id": "`+cur+`"`) || !strings.Contains(v, `"modified_on":`) {
		t.Errorf("overlay:\n%s", v)
	}
	h.press("j", "esc")
	if h.m.rawOpen {
		t.Fatal("esc did not close the overlay")
	}
	h.press("c")
	if got := fmt.Sprint(h.seen[len(h.seen)-1]); !strings.Contains(got, cur) {
		t.Errorf("c copied %q, want the current name", got)
	}
	h.press("space", "space")
	h.press("c")
	got := fmt.Sprint(h.seen[len(h.seen)-1])
	if !strings.Contains(got, h.shownNames()[0]+"\n"+h.shownNames()[1]) {
		t.Errorf("c copied %q, want the two marked names", got)
	}
}

func TestNarrowAndWideLayouts(t *testing.T) {
	e := newEnv(t, 100)
	h := open(t, e, "testing", "") // has a 63-character name
	for _, tc := range []struct {
		w       int
		has     []string
		hasNot  []string
		maxName int
	}{
		// At 80 the customer takes the tags' place (15 cells of tags show
		// one cut tag), and at 100 still; at 120 both are there.
		{80, []string{"NAME", "TIER", "CUSTOMER", "MODIFIED"}, []string{"TAGS", "CREATED"}, 0},
		{100, []string{"NAME", "TIER", "CUSTOMER", "MODIFIED", "CREATED"}, []string{"TAGS"}, 0},
		{120, []string{"NAME", "TIER", "CUSTOMER", "TAGS", "MODIFIED", "CREATED"}, nil, 0},
		{60, []string{"NAME", "TIER", "MODIFIED"}, []string{"CUSTOMER", "TAGS", "CREATED"}, 0},
	} {
		h.m.SetSize(tc.w, 24)
		lines := h.lines()
		if len(lines) > 24 {
			t.Errorf("%d cols: %d lines, want ≤ 24", tc.w, len(lines))
		}
		for i, l := range lines {
			if ansi.StringWidth(l) > tc.w {
				t.Errorf("%d cols: line %d is %d wide: %q", tc.w, i, ansi.StringWidth(l), l)
			}
		}
		for _, s := range tc.has {
			if !strings.Contains(lines[1], s) {
				t.Errorf("%d cols: header %q lacks %s", tc.w, lines[1], s)
			}
		}
		for _, s := range tc.hasNot {
			if strings.Contains(lines[1], s) {
				t.Errorf("%d cols: header %q has %s", tc.w, lines[1], s)
			}
		}
		if !strings.Contains(h.view(), "…") {
			t.Errorf("%d cols: the 63-character name is not cut with …", tc.w)
		}
	}
}

func TestHelpShowsLiveBindings(t *testing.T) {
	e := newEnv(t, 50)
	h := open(t, e, "production", "")
	enabled := func() []string {
		var out []string
		for _, g := range h.m.FullHelp() {
			for _, b := range g {
				if b.Enabled() {
					out = append(out, b.Help().Key)
				}
			}
		}
		return out
	}
	if slices.Contains(enabled(), "ctrl+\\") || slices.Contains(enabled(), "esc") {
		t.Errorf("without marks or filter: %v", enabled())
	}
	h.press("space")
	if !slices.Contains(enabled(), "ctrl+\\") {
		t.Errorf("with a mark: %v", enabled())
	}
	h.press("/")
	short := h.m.ShortHelp()
	if len(short) != 2 || !key.Matches(keyMsg("enter"), short[0]) {
		t.Errorf("typing: short help %v", short)
	}
}

func TestSortByCreatedStaysVisibleWhenNarrow(t *testing.T) {
	e := newEnv(t, 100)
	h := open(t, e, "production", "")
	h.m.SetSize(80, 24)
	h.press("C")
	lines := h.lines()
	if !strings.Contains(lines[1], "CREATED ▼") || strings.Contains(lines[1], "MODIFIED") {
		t.Errorf("80 cols sorted by created: header %q, want CREATED ▼ in MODIFIED's place", lines[1])
	}
	first := h.m.all.At(int(h.m.shown[0]))
	if !strings.Contains(lines[2], dateText(first.CreatedOn, false)) {
		t.Errorf("row %q does not show its created date %s", lines[2], dateText(first.CreatedOn, false))
	}
	if strings.Contains(lines[1], "sorted by") {
		t.Errorf("header %q names a sort whose column is shown", lines[1])
	}
	h.press("M")
	if lines := h.lines(); !strings.Contains(lines[1], "MODIFIED ▼") || strings.Contains(lines[1], "CREATED") {
		t.Errorf("80 cols sorted by modified: header %q", lines[1])
	}
	// Too narrow for any date column: the headings name the sort.
	h.m.SetSize(40, 24)
	if got := h.lines()[1]; !strings.Contains(got, "NAME · sorted by modified ▼") {
		t.Errorf("40 cols: header %q", got)
	}
	h.press("C", "C")
	if got := h.lines()[1]; !strings.Contains(got, "NAME · sorted by created ▲") {
		t.Errorf("40 cols: header %q", got)
	}
	h.press("N")
	if got := h.lines()[1]; strings.Contains(got, "sorted by") || !strings.Contains(got, "NAME ▲") {
		t.Errorf("40 cols by name: header %q", got)
	}
	checkFits(t, h.lines(), 40, 24)
}

func TestTagsColumnShowsInformativeTagsFirst(t *testing.T) {
	e := newEnv(t, 100)
	h := open(t, e, "production", "")
	var s *cfclient.Script
	all := h.m.all.All()
	for i := range all {
		tags := all[i].Tags
		if slices.ContainsFunc(tags, func(t string) bool { return strings.HasPrefix(t, "customer-") }) &&
			strings.HasPrefix(tags[0], "tier-") {
			s = &all[i]
			break
		}
	}
	if s == nil {
		t.Fatal("no script with a tier and a customer tag")
	}
	got := h.m.tagsText(s.Tags, 500)
	parts := strings.Split(got, ",")
	if len(parts) != len(s.Tags)-1 || slices.ContainsFunc(parts, func(t string) bool { return strings.HasPrefix(t, "tier-") }) {
		t.Errorf("tags %v shown as %q: want every tag but the tier", s.Tags, got)
	}
	rank := -1
	for _, p := range parts {
		if r := tagRank(p); r < rank {
			t.Errorf("%q: %s out of order (environment-, project-, customer-, others)", got, p)
		} else {
			rank = r
		}
	}
	if !strings.HasPrefix(got, "environment-") {
		t.Errorf("%q does not start with the environment", got)
	}
	// Cut at the end with …, at 80 columns too.
	if short := h.m.tagsText(s.Tags, 20); ansi.StringWidth(short) != 20 || !strings.HasSuffix(short, "…") || !strings.HasPrefix(got, strings.TrimSuffix(short, "…")) {
		t.Errorf("cut to 20: %q", short)
	}
	h.m.SetSize(80, 24)
	for _, l := range h.lines()[2:] {
		if strings.Contains(l, "customer-") && !strings.Contains(l, "environment-") {
			t.Errorf("row shows a customer tag before the environment: %q", l)
		}
	}
	// One cursor glyph on both screens: ▸, on the table and the facets.
	if !strings.HasPrefix(h.lines()[2], "▸") {
		t.Errorf("cursor row %q lacks ▸", h.lines()[2])
	}
	h.press("t")
	if !strings.Contains(h.view(), "\n▸ ") {
		t.Errorf("facets cursor lacks ▸:\n%s", h.view())
	}
}
