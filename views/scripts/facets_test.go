package scripts

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// wantCounts counts the tags of the rows shown, the reference for the
// facets.
func wantCounts(h *harness) map[string]int {
	counts := map[string]int{}
	for _, p := range h.m.shown {
		for _, tag := range h.m.all.Tags(int(p)) {
			counts[tag]++
		}
	}
	return counts
}

// checkFacets compares the panel's counts with the rows shown.
func checkFacets(t *testing.T, h *harness, when string) {
	t.Helper()
	if !h.m.facets.Visible() || !h.m.facets.fresh() {
		t.Fatalf("%s: panel open %v, counted for the rows shown %v", when, h.m.facets.Visible(), h.m.facets.fresh())
	}
	want := wantCounts(h)
	got := h.m.facets.tags
	if len(got) != len(want) {
		t.Errorf("%s: %d facets, want the %d distinct tags of the %d rows shown", when, len(got), len(want), len(h.m.shown))
	}
	for _, f := range got {
		if want[f.tag] != f.count {
			t.Errorf("%s: facet %q = %d, want %d", when, f.tag, f.count, want[f.tag])
		}
	}
	if h.m.facets.counted != len(h.m.shown) {
		t.Errorf("%s: counted %d scripts, %d shown", when, h.m.facets.counted, len(h.m.shown))
	}
}

// statuses returns the texts of the status messages the screen sent.
func statuses(h *harness) []string {
	var out []string
	for _, msg := range h.seen {
		if st, ok := msg.(ui.StatusMsg); ok {
			out = append(out, st.Text)
		}
	}
	return out
}

// facetIndex returns the position of tag in the panel's list, or fails.
func facetIndex(t *testing.T, h *harness, tag string) int {
	t.Helper()
	for i := range h.m.facets.visible() {
		if h.m.facets.at(i).tag == tag {
			return i
		}
	}
	t.Fatalf("tag %q not in the panel", tag)
	return -1
}

// pickFacet puts the panel's cursor on tag.
func pickFacet(t *testing.T, h *harness, tag string) {
	t.Helper()
	h.m.facets.list.SetCursor(facetIndex(t, h, tag))
}

func TestTagFacetsCountFollowTheFilter(t *testing.T) {
	e := newEnv(t, 400)
	h := open(t, e, "production", "")
	h.press("t")
	checkFacets(t, h, "no filter")
	if head := h.lines()[1]; !strings.HasPrefix(head, "tags of 400 scripts · ") {
		t.Errorf("heading without a filter = %q", head)
	}
	h.press("esc")

	for _, filter := range []string{"-t tier-pro", "!a", "api"} {
		h.press("/")
		h.typeText(filter)
		h.press("enter")
		if len(h.m.shown) == 0 || len(h.m.shown) == h.m.all.Len() {
			t.Fatalf("%q shows %d of %d rows; pick a narrowing filter", filter, len(h.m.shown), h.m.all.Len())
		}
		h.press("t")
		checkFacets(t, h, filter)
		// The heading names the filtered set, after the filter line.
		want := fmt.Sprintf("tags of %s shown scripts · ", ui.Commas(len(h.m.shown)))
		if head := h.lines()[2]; !strings.HasPrefix(head, want) {
			t.Errorf("%q: heading = %q, want prefix %q", filter, head, want)
		}
		h.press("esc", "esc") // close the panel, clear the filter
		if h.m.filter.Applied() != "" || h.m.facets.Visible() {
			t.Fatalf("esc esc: applied %q, open %v", h.m.filter.Applied(), h.m.facets.Visible())
		}
	}

	// Counts follow the rows while the panel is open: a refresh brings a
	// retagged script, and the open panel recounts.
	h.press("/")
	h.typeText("-t tier-pro")
	h.press("enter", "t")
	name := h.shownNames()[0]
	if _, err := e.Client.ReplaceTags(t.Context(), "production", name, []string{"tier-pro", "fresh-tag"}); err != nil {
		t.Fatal(err)
	}
	h.settle(h.update(ui.RefreshMsg{}))
	checkFacets(t, h, "after a refresh with the panel open")
	if i := facetIndex(t, h, "fresh-tag"); h.m.facets.at(i).count != 1 {
		t.Errorf("fresh-tag counted %d times, want 1", h.m.facets.at(i).count)
	}

	// Moving in the panel starts no count.
	h.seen = nil
	h.press("j", "k", "G", "g")
	for _, msg := range h.seen {
		if _, ok := msg.(facetsMsg); ok {
			t.Error("a movement key recounted the tags")
		}
	}
}

// BenchmarkTagCounts100k counts the tags of 100,000 listed scripts (the
// sandbox's: about 48,000 distinct tags), all of them and a filtered half,
// and searches the counted tags. The count runs when the panel opens or
// the rows shown change, on a command's goroutine, never per keystroke;
// the search runs per keystroke of the tag search.
func BenchmarkTagCounts100k(b *testing.B) {
	e := sandboxtest.Start(b, sandbox.Options{Seed: 1, Scripts: 100000}, nil)
	var all []cfclient.Script
	err := e.Client.ListScripts(b.Context(), "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		all = append(all, p...)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	allRows := asRows(all)
	half := make([]int32, 0, len(all)/2)
	for i := 0; i < len(all); i += 2 {
		half = append(half, int32(i))
	}
	for _, tc := range []struct {
		name string
		pos  []int32
	}{{"all", nil}, {"half", half}} {
		b.Run(tc.name, func(b *testing.B) {
			var tags []facet
			for b.Loop() {
				tags, _ = tagCounts(allRows, tc.pos)
			}
			b.ReportMetric(float64(len(tags)), "tags")
		})
	}
	// Few shared tag lists (36, interleaved), as benchScripts makes them.
	sharedRows := asRows(benchScripts(benchNames(b, 100000)))
	b.Run("shared-lists", func(b *testing.B) {
		var tags []facet
		for b.Loop() {
			tags, _ = tagCounts(sharedRows, nil)
		}
		b.ReportMetric(float64(len(tags)), "tags")
	})
	b.Run("search", func(b *testing.B) {
		var f facetsPanel
		f.tags, _ = tagCounts(allRows, nil)
		for b.Loop() {
			f.refilter("cust", true)
		}
		b.ReportMetric(float64(len(f.hits)), "hits")
	})
}

func TestTagFacetsAddAndExclude(t *testing.T) {
	e := newEnv(t, 400)
	h := open(t, e, "production", "")

	// Keys: the facet bindings are live only while the panel is open.
	if h.m.facets.KeyMap.AddTag.Enabled() || h.m.facets.KeyMap.ExcludeTag.Enabled() || h.m.facets.KeyMap.SearchTags.Enabled() {
		t.Error("+, - or / (tags) enabled with the panel closed")
	}
	for _, b := range h.m.ShortHelp() {
		if b.Help().Key == "+" {
			t.Error("+ in the table's footer")
		}
	}
	h.press("t")
	if !h.m.facets.KeyMap.AddTag.Enabled() || !h.m.facets.KeyMap.ExcludeTag.Enabled() || !h.m.facets.KeyMap.SearchTags.Enabled() {
		t.Error("+, - or / disabled with the panel open")
	}
	var keys []string
	for _, b := range h.m.ShortHelp() {
		keys = append(keys, b.Help().Key)
	}
	for _, k := range []string{"enter", "+", "-", "/", "esc"} {
		if !slices.Contains(keys, k) {
			t.Errorf("panel footer %v lacks %s", keys, k)
		}
	}
	if v := h.view(); !strings.Contains(v, "tags of 400 scripts") {
		t.Errorf("panel view:\n%s", v)
	}

	// No filter: + is enter, - applies !tag.
	pickFacet(t, h, "tier-pro")
	h.press("+")
	if h.m.facets.Visible() || h.m.filter.Applied() != "-t tier-pro" {
		t.Fatalf("+ with no filter: open %v, applied %q", h.m.facets.Visible(), h.m.filter.Applied())
	}
	// On a tag selector, + adds the tag and - adds it negated.
	h.press("t")
	checkFacets(t, h, "-t tier-pro")
	env := ""
	for _, f := range h.m.facets.tags {
		if strings.HasPrefix(f.tag, "environment-") && f.count < len(h.m.shown) {
			env = f.tag
			break
		}
	}
	pickFacet(t, h, env)
	h.press("+")
	if h.m.filter.Applied() != "-t tier-pro,"+env {
		t.Fatalf("+: applied %q", h.m.filter.Applied())
	}
	h.press("t")
	checkFacets(t, h, h.m.filter.Applied())
	other := ""
	for i := range h.m.facets.visible() {
		if tag := h.m.facets.at(i).tag; !strings.HasPrefix(tag, "tier-") && !strings.HasPrefix(tag, "environment-") {
			other = tag
			break
		}
	}
	pickFacet(t, h, other)
	h.press("-")
	want := "-t tier-pro," + env + ",!" + other
	if h.m.filter.Applied() != want {
		t.Fatalf("-: applied %q, want %q", h.m.filter.Applied(), want)
	}
	q, _ := selector.ParseQuery(want)
	for _, p := range h.m.shown {
		if !q.Selects(h.m.all.Tags(int(p))) {
			t.Fatalf("row %s does not satisfy %q", h.m.all.Name(int(p)), want)
		}
	}
	// enter still replaces the selector.
	h.press("t")
	pickFacet(t, h, "tier-pro")
	h.press("enter")
	if h.m.filter.Applied() != "-t tier-pro" {
		t.Fatalf("enter on a selector: applied %q", h.m.filter.Applied())
	}
	// + on a tag already there is refused; - flips it.
	h.seen = nil
	h.press("t")
	pickFacet(t, h, "tier-pro")
	h.press("+")
	if !h.m.facets.Visible() || h.m.filter.Applied() != "-t tier-pro" {
		t.Errorf("+ on a term already there: open %v, applied %q", h.m.facets.Visible(), h.m.filter.Applied())
	}
	if st := statuses(h); len(st) != 1 || !strings.Contains(st[0], "already") {
		t.Errorf("+ on a term already there: statuses %q", st)
	}
	h.press("-")
	if h.m.filter.Applied() != "-t !tier-pro" {
		t.Errorf("- on a plain term: applied %q, want it flipped", h.m.filter.Applied())
	}

	// A fuzzy or inverse filter: + is enter, - applies -t !tag.
	for _, filter := range []string{"api", "!api"} {
		h.press("esc") // clear the filter
		h.press("/")
		h.typeText(filter)
		h.press("enter", "t", "g")
		checkFacets(t, h, filter)
		tag := h.m.facets.at(0).tag
		h.press("-")
		if h.m.filter.Applied() != "-t !"+tag {
			t.Errorf("- on %q: applied %q, want %q", filter, h.m.filter.Applied(), "-t !"+tag)
		}
		h.press("esc", "/")
		h.typeText(filter)
		h.press("enter", "t", "g")
		tag = h.m.facets.at(0).tag
		h.press("+")
		if h.m.filter.Applied() != "-t "+tag {
			t.Errorf("+ on %q: applied %q, want %q", filter, h.m.filter.Applied(), "-t "+tag)
		}
	}

	// selector.MaxTagTerms: a ninth term is refused, naming the limit.
	h.press("esc", "/")
	full := "-t !x1,!x2,!x3,!x4,!x5,!x6,!x7,!x8"
	h.typeText(full)
	h.press("enter", "t")
	h.seen = nil
	h.press("+")
	if !h.m.facets.Visible() || h.m.filter.Applied() != full {
		t.Errorf("+ on 8 terms: open %v, applied %q", h.m.facets.Visible(), h.m.filter.Applied())
	}
	st := statuses(h)
	if len(st) != 1 || !strings.Contains(st[0], fmt.Sprintf("%d terms", selector.MaxTagTerms)) || !strings.Contains(st[0], "MaxTagTerms") {
		t.Errorf("+ on 8 terms: statuses %q", st)
	}
	h.press("-")
	if h.m.filter.Applied() != full {
		t.Errorf("- on 8 terms: applied %q", h.m.filter.Applied())
	}
	// enter still replaces.
	h.press("g")
	tag := h.m.facets.at(0).tag
	h.press("enter")
	if h.m.filter.Applied() != "-t "+tag {
		t.Errorf("enter on 8 terms: applied %q", h.m.filter.Applied())
	}
}

func TestFacetFilterText(t *testing.T) {
	for _, tc := range []struct {
		applied, tag string
		action       tagAction
		want, refuse string
	}{
		{"", "x", tagReplace, "-t x", ""},
		{"", "x", tagAdd, "-t x", ""},
		{"", "x", tagExclude, "-t !x", ""},
		{"api", "x", tagAdd, "-t x", ""},
		{"!api", "x", tagExclude, "-t !x", ""},
		{`\-t a`, "x", tagAdd, "-t x", ""},
		{"-t a,!b", "x", tagReplace, "-t x", ""},
		{"-t a,!b", "tag", tagAdd, "-t a,!b,tag", ""},
		{"-t a,!b", "tag", tagExclude, "-t a,!b,!tag", ""},
		{"-t  a , !b ", "tag", tagAdd, "-t a,!b,tag", ""},
		{"-t a,!b", "b", tagAdd, "-t a,b", ""},
		{"-t a,!b", "a", tagExclude, "-t !a,!b", ""},
		{"-t a,!b", "a", tagAdd, "", "a is in the tag selector already"},
		{"-t a,!b", "b", tagExclude, "", "!b is in the tag selector already"},
		{"-t a,,b", "x", tagAdd, "-t x", ""}, // an invalid selector is replaced
		{"-t 1,2,3,4,5,6,7", "x", tagAdd, "-t 1,2,3,4,5,6,7,x", ""},
		{"-t 1,2,3,4,5,6,7,8", "x", tagAdd, "", "cannot add x: the tag selector has 8 terms, the most allowed (selector.MaxTagTerms = 8); enter replaces it"},
		{"-t 1,2,3,4,5,6,7,8", "x", tagExclude, "", "cannot add !x: the tag selector has 8 terms, the most allowed (selector.MaxTagTerms = 8); enter replaces it"},
		{"-t 1,2,3,4,5,6,7,8", "8", tagExclude, "-t 1,2,3,4,5,6,7,!8", ""},
		{"-t 1,2,3,4,5,6,7,8", "x", tagReplace, "-t x", ""},
	} {
		got, refuse := facetFilter(tc.applied, tc.tag, tc.action)
		if got != tc.want || refuse != tc.refuse {
			t.Errorf("facetFilter(%q, %q, %d) = %q, %q; want %q, %q", tc.applied, tc.tag, tc.action, got, refuse, tc.want, tc.refuse)
		}
		if got != "" {
			if _, err := selector.ParseQuery(got); err != nil {
				t.Errorf("%q does not parse: %v", got, err)
			}
		}
	}
}

func TestTagFacetsSearch(t *testing.T) {
	e := newEnv(t, 400)
	h := open(t, e, "production", "")
	h.press("t")
	total := h.m.facets.visible()
	hits := func(q string) []string {
		var out []string
		for _, f := range h.m.facets.tags {
			if strings.Contains(strings.ToLower(f.tag), strings.ToLower(q)) {
				out = append(out, f.tag)
			}
		}
		return out
	}
	listed := func() []string {
		out := make([]string, h.m.facets.visible())
		for i := range out {
			out[i] = h.m.facets.at(i).tag
		}
		return out
	}
	h.press("/")
	if !h.m.facets.searching || !h.m.Capturing() {
		t.Fatal("/ in the panel did not start the tag search")
	}
	if keys := h.m.ShortHelp(); len(keys) != 2 || keys[0].Help().Desc != "keep search" {
		t.Errorf("footer while searching: %v", keys)
	}
	// Typing narrows (case-insensitive); t and j are text here.
	typed := ""
	for _, r := range "CUSTOMER-t" {
		typed += string(r)
		h.typeText(string(r))
		if got, want := listed(), hits(typed); !slices.Equal(got, want) {
			t.Fatalf("search %q lists %d tags, want %d", typed, len(got), len(want))
		}
	}
	if !h.m.facets.Visible() || !h.m.facets.searching {
		t.Fatal("typing t closed the panel or the search")
	}
	// Backspace widens again.
	h.press("backspace", "backspace")
	if got, want := listed(), hits("CUSTOMER"); !slices.Equal(got, want) || len(got) == 0 || len(got) == total {
		t.Fatalf("after backspace: %d tags listed, want %d of %d", len(got), len(want), total)
	}
	v := h.view()
	if !strings.Contains(v, "\n/CUSTOMER") || !strings.Contains(v, fmt.Sprintf("%s matching", ui.Commas(len(hits("customer"))))) {
		t.Errorf("search view:\n%s", v)
	}
	// A paste goes into the search too.
	h.settle(h.update(tea.PasteMsg{Content: "-zz-nothing"}))
	if h.m.facets.visible() != 0 || !strings.Contains(h.view(), "no tag contains") {
		t.Errorf("pasted search lists %d tags:\n%s", h.m.facets.visible(), h.view())
	}
	h.press("backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	// enter keeps the search and gives the keys back to the list.
	h.press("enter")
	if h.m.facets.searching || h.m.Capturing() || h.m.facets.query != "customer" {
		t.Fatalf("enter: searching %v, query %q", h.m.facets.searching, h.m.facets.query)
	}
	h.press("j")
	pick := h.m.facets.at(1)
	if cur, _ := h.m.facets.current(); cur != pick {
		t.Fatal("j does not move within the hits")
	}
	// esc clears the search first; the cursor stays on its tag.
	h.press("esc")
	if !h.m.facets.Visible() || h.m.facets.query != "" || h.m.facets.visible() != total {
		t.Fatalf("first esc: open %v, query %q, %d of %d tags", h.m.facets.Visible(), h.m.facets.query, h.m.facets.visible(), total)
	}
	if cur, _ := h.m.facets.current(); cur.tag != pick.tag {
		t.Errorf("after clearing the search the cursor is on %q, want %q", cur.tag, pick.tag)
	}
	if strings.Contains(h.view(), "\n/") {
		t.Errorf("the search line stays after esc:\n%s", h.view())
	}
	h.press("esc")
	if h.m.facets.Visible() {
		t.Fatal("second esc did not close the panel")
	}

	// esc while typing clears the search too; then enter applies a hit.
	h.press("t", "/")
	h.typeText("project-")
	h.press("esc")
	if !h.m.facets.Visible() || h.m.facets.searching || h.m.facets.query != "" {
		t.Fatalf("esc while typing: open %v, searching %v, query %q", h.m.facets.Visible(), h.m.facets.searching, h.m.facets.query)
	}
	h.press("/")
	h.typeText("project-")
	h.press("enter", "j")
	want := h.m.facets.at(1).tag
	h.press("enter")
	if h.m.facets.Visible() || h.m.filter.Applied() != "-t "+want {
		t.Fatalf("enter on a hit: open %v, applied %q, want -t %s", h.m.facets.Visible(), h.m.filter.Applied(), want)
	}
	// Reopened, the panel has no search.
	h.press("t")
	if h.m.facets.query != "" || h.m.facets.searching || h.m.facets.search.Value() != "" {
		t.Errorf("reopened with search %q", h.m.facets.search.Value())
	}
}

// TestTagCountsSharedLists checks the counts over rows whose tag lists are
// shared and interleaved (more lists than tagCounts remembers, too), all
// rows and a subset, against counting every row.
func TestTagCountsSharedLists(t *testing.T) {
	rows := benchScripts(benchNames(t, 5000))
	// 40 more shared lists, cycling: more than the 16 remembered.
	var lists [][]string
	for i := range 40 {
		lists = append(lists, []string{fmt.Sprintf("cycle-%d", i), "tier-pro"})
	}
	for i := range rows {
		if i%3 == 0 {
			rows[i].Tags = lists[i%40]
		}
		if i%7 == 0 {
			rows[i].Tags = nil
		}
	}
	var odd []int32
	for i := 1; i < len(rows); i += 2 {
		odd = append(odd, int32(i))
	}
	for _, pos := range [][]int32{nil, odd} {
		want := map[string]int{}
		n := 0
		for i := range rows {
			if pos != nil && i%2 == 0 {
				continue
			}
			n++
			for _, tag := range rows[i].Tags {
				want[tag]++
			}
		}
		got, counted := tagCounts(asRows(rows), pos)
		if counted != n || len(got) != len(want) {
			t.Fatalf("counted %d rows, %d tags; want %d, %d", counted, len(got), n, len(want))
		}
		for _, f := range got {
			if want[f.tag] != f.count {
				t.Errorf("%q = %d, want %d", f.tag, f.count, want[f.tag])
			}
		}
	}
}
