package scripts

import (
	"slices"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// names returns the scripts' names.
func names(ss []cfclient.Script) []string {
	out := make([]string, len(ss))
	for i := range ss {
		out[i] = ss[i].Name
	}
	return out
}

func TestFuzzyFilterRanksLikeFindOnEveryKeystroke(t *testing.T) {
	e := newEnv(t, 400)
	h := open(t, e, "production", "")
	all := names(h.m.all.All())
	ix := selector.NewIndex(all)

	h.press("/")
	if !h.m.Capturing() {
		t.Fatal("the filter input does not capture keys")
	}
	for i, r := range "prod" {
		h.typeText(string(r))
		q := "prod"[:i+1]
		var want []string
		for _, mt := range ix.Find(q) {
			want = append(want, all[mt.Index])
		}
		if got := h.shownNames(); !slices.Equal(got, want) {
			t.Fatalf("after typing %q: %d rows, want %d (Index.Find order)", q, len(got), len(want))
		}
	}
	if len(h.m.shown) == 0 || len(h.m.shown) == len(all) {
		t.Fatalf("filter prod shows %d of %d rows; pick a query that narrows", len(h.m.shown), len(all))
	}
	h.press("enter")
	if h.m.Capturing() || h.m.filter.Applied() != "prod" {
		t.Errorf("enter: capturing %v, applied %q", h.m.Capturing(), h.m.filter.Applied())
	}
	if !strings.Contains(h.lines()[1], "/prod") {
		t.Errorf("filter line = %q", h.lines()[1])
	}
	if !h.m.WantsEsc() {
		t.Error("an applied filter does not want esc")
	}
	// esc clears the filter, then no longer wants esc (it means back).
	h.press("esc")
	if len(h.m.shown) != len(all) || h.m.WantsEsc() {
		t.Errorf("after esc: %d rows shown, WantsEsc %v", len(h.m.shown), h.m.WantsEsc())
	}
}

func TestEscWhileTypingRestoresThePreviousFilter(t *testing.T) {
	e := newEnv(t, 200)
	h := open(t, e, "production", "api")
	withAPI := len(h.m.shown)
	if withAPI == 0 || withAPI == h.m.all.Len() {
		t.Fatalf("route filter api shows %d of %d", withAPI, h.m.all.Len())
	}
	h.press("/")
	h.typeText("zz")
	if len(h.m.shown) == withAPI {
		t.Fatal("typing did not filter live")
	}
	h.press("esc")
	if h.m.Capturing() || h.m.filter.Applied() != "api" || len(h.m.shown) != withAPI {
		t.Errorf("esc while typing: capturing %v, applied %q, %d rows (want %d)", h.m.Capturing(), h.m.filter.Applied(), len(h.m.shown), withAPI)
	}
}

func TestInverseFilter(t *testing.T) {
	e := newEnv(t, 300)
	h := open(t, e, "production", "")
	all := names(h.m.all.All())
	h.press("/")
	h.typeText("!prod")
	h.press("enter")
	inv := selector.NewIndex(all).FindInverse("prod")
	var want []string
	for _, i := range inv {
		want = append(want, all[i])
	}
	if got := h.shownNames(); !slices.Equal(got, want) || len(got) == 0 || len(got) == len(all) {
		t.Errorf("inverse: %d rows, want %d of %d", len(got), len(want), len(all))
	}
}

func TestTagSelectorFiltersLoadedRowsLocally(t *testing.T) {
	e := newEnv(t, 300)
	h := open(t, e, "production", "")
	h.press("/")
	h.typeText("-t tier-pro,!environment-prod")
	h.press("enter")
	var want []string
	for _, s := range h.m.all.All() {
		if s.HasTag("tier-pro") && !s.HasTag("environment-prod") {
			want = append(want, s.Name)
		}
	}
	if got := h.shownNames(); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("tag selector: %d rows, want %d", len(got), len(want))
	}
	if calls := h.src.calls(); len(calls) != 1 {
		t.Errorf("the full listing is loaded, yet %d listings ran (want the first only)", len(calls))
	}
}

func TestTagSelectorGoesToTheServerWhileLoading(t *testing.T) {
	e := newEnv(t, 3000)
	h := newHarness(t, e, e.Client, "production", "")
	// Start the cold load but commit the selector before it is complete.
	h.exec(h.m.Init())
	for h.m.all.Len() == 0 {
		msg := <-h.out
		h.running--
		h.dispatch(msg)
	}
	if h.m.complete {
		t.Fatal("the listing completed before the selector was typed")
	}
	h.update(keyMsg("/"))
	for _, r := range "-t tier-enterprise" {
		h.exec(h.update(keyMsgRune(r)))
	}
	h.exec(h.update(keyMsg("enter")))
	h.settle(nil)

	want := listAll(t, e.Client, "production", cfclient.TagFilter{Has: []string{"tier-enterprise"}})
	if !slices.Equal(names(h.m.all.All()), names(want)) || len(want) == 0 {
		t.Errorf("rows = %d, want the %d the API selects", h.m.all.Len(), len(want))
	}
	calls := h.src.calls()
	if len(calls) != 2 || !calls[0].filter.IsEmpty() || !slices.Equal(calls[1].filter.Has, []string{"tier-enterprise"}) {
		t.Errorf("listings = %+v, want the cold one then one with Has tier-enterprise", calls)
	}
	if !strings.Contains(h.lines()[1], "listed by the API") {
		t.Errorf("filter line does not say the API filtered: %q", h.lines()[1])
	}
	if d := cursorOnTop(h); d != "" {
		t.Errorf("after the listing the selector asked for: %s", d)
	}
	// Clearing the selector lists the whole namespace again, the cursor
	// on its first row (not on the script first in the selection: by
	// modification date that is not the namespace's first).
	h.press("M", "j", "j", "j")
	h.press("esc")
	if h.m.all.Len() != 3000 || !h.m.server.IsEmpty() {
		t.Errorf("after esc: %d rows, server filter %+v", h.m.all.Len(), h.m.server)
	}
	if d := cursorOnTop(h); d != "" {
		t.Errorf("after clearing the selector: %s", d)
	}
}

func keyMsgRune(r rune) any { return keyMsg(string(r)) }

func TestParseErrorsAreShownInlineAndKeepRows(t *testing.T) {
	e := newEnv(t, 100)
	h := open(t, e, "production", "")
	h.press("/")
	h.typeText("-t tier-pro")
	good := h.shownNames()
	if len(good) == 0 || len(good) == 100 {
		t.Fatalf("-t tier-pro shows %d of 100", len(good))
	}
	h.typeText("&x")
	if line := h.lines()[1]; !strings.HasPrefix(line, "/-t tier-pro&x") || strings.Contains(line, "✗") {
		t.Errorf("filter line = %q, want the input alone", line)
	}
	line := h.lines()[2]
	if !strings.Contains(line, "✗ invalid selector") || !strings.Contains(line, "term 1") || !strings.Contains(line, `must not contain "&"`) {
		t.Errorf("error line = %q, want the term and the rule", line)
	}
	h.press("enter")
	if !h.m.Capturing() {
		t.Error("enter closed the input despite the error")
	}
	if !slices.Equal(h.shownNames(), good) {
		t.Errorf("rows shown with an invalid filter = %d, want the last good result (%d)", len(h.m.shown), len(good))
	}
	// Fixing the term filters again.
	for range "&x" {
		h.press("backspace")
	}
	h.typeText(",environment-prod")
	if h.m.qErr != nil || slices.Equal(h.shownNames(), good) {
		t.Errorf("after fixing: err %v, %d rows", h.m.qErr, len(h.m.shown))
	}
}

func TestStaleFilterResultIsDropped(t *testing.T) {
	e := newEnv(t, 200)
	h := open(t, e, "production", "")
	h.press("/")
	h.typeText("api")
	good := h.shownNames()
	// A result computed for an older query (or older rows) arrives late.
	snap := h.m.all
	old := runFilter(&engine{}, h.m.key, snap, h.m.epoch, "ap", mustParse(t, "ap"), attrsEval{}, h.m.luGen, true)()
	h.send(old)
	if !slices.Equal(h.shownNames(), good) {
		t.Fatal("a result for an older query was applied")
	}
	oldEpoch := runFilter(&engine{}, h.m.key, snap, h.m.epoch-1, "api", mustParse(t, "api"), attrsEval{}, h.m.luGen, true)()
	h.send(oldEpoch)
	if !slices.Equal(h.shownNames(), good) {
		t.Fatal("a result for older rows was applied")
	}
	other := runFilter(&engine{}, "another screen", snap, h.m.epoch, "web", mustParse(t, "web"), attrsEval{}, h.m.luGen, true)()
	h.send(other)
	if !slices.Equal(h.shownNames(), good) {
		t.Fatal("another screen's result was applied")
	}
	// Sanity: the same message for the current query is applied.
	cur := runFilter(&engine{}, h.m.key, snap, h.m.epoch, "api", mustParse(t, "api"), attrsEval{}, h.m.luGen, true)()
	h.m.result = nil
	h.send(cur)
	if h.m.result == nil {
		t.Fatal("the current result was not applied")
	}
}

func mustParse(t *testing.T, s string) selector.Query {
	t.Helper()
	q, err := selector.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestHighlightUnderlinesMatchesWithoutColour(t *testing.T) {
	e := newEnv(t, 100)
	h := newHarness(t, e, e.Client, "production", "")
	h.c.Styles = ui.NoColorStyles()
	h.settle(h.m.Init())
	h.press("/")
	h.typeText("tnt")
	h.press("enter")
	if len(h.m.shown) < 2 {
		t.Fatalf("%d rows match tnt", len(h.m.shown))
	}
	// Row 2 (not under the cursor): its matched runs are underlined.
	p := h.m.shown[1]
	name := h.m.all.Name(int(p))
	want := h.m.eng.ix.Find("tnt")
	var mt selector.Match
	for _, w := range want {
		if int32(w.Index) == p {
			mt = w
		}
	}
	if mt.MatchedIndexes == nil {
		t.Fatalf("row %q is not among Find's matches", name)
	}
	raw := strings.Split(h.m.View(), "\n")[3+1]
	ul := lipgloss.NewStyle().Underline(true)
	for _, seg := range selector.Segments(name, mt.MatchedIndexes) {
		if seg.Matched && !strings.Contains(raw, ul.Render(seg.Text)) {
			t.Errorf("row %q: matched run %q not underlined in %q", name, seg.Text, raw)
		}
	}
	if _, ok := findColour(raw); ok {
		t.Errorf("NO_COLOR row has a colour: %q", raw)
	}
}

// findColour reports an SGR colour parameter (30–49, 90–107) in s.
func findColour(s string) (string, bool) {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return "", false
		}
		s = s[i+2:]
		j := strings.IndexByte(s, 'm')
		if j < 0 {
			return "", false
		}
		for _, p := range strings.Split(s[:j], ";") {
			var n int
			for _, c := range p {
				n = n*10 + int(c-'0')
			}
			if (n >= 30 && n <= 49) || (n >= 90 && n <= 107) {
				return s[:j], true
			}
		}
	}
}

func TestInvalidSelectorAt80Columns(t *testing.T) {
	e := newEnv(t, 100)
	h := open(t, e, "production", "")
	h.m.SetSize(80, 24)
	h.press("/")
	h.typeText("-t a") // valid, selects nothing
	if len(h.m.shown) != 0 || !strings.Contains(h.view(), "no script matches the filter") {
		t.Fatalf("-t a shows %d rows", len(h.m.shown))
	}
	h.typeText("&b")
	lines := h.lines()
	checkFits(t, lines, 80, 24)
	if !strings.HasPrefix(lines[2], "✗ invalid selector: term 1: tag must not contain \"&\"") {
		t.Errorf("error line = %q", lines[2])
	}
	if !strings.Contains(lines[2]+" "+strings.TrimSpace(lines[3]), "(Cloudflare rejects it in tags)") {
		t.Errorf("the rule is cut at 80 columns:\n%s", strings.Join(lines, "\n"))
	}
	if containsLine(lines, "no script matches") || !containsLine(lines, "invalid selector (see above)") {
		t.Errorf("the empty state does not say the selector is invalid:\n%s", strings.Join(lines, "\n"))
	}
	if h.m.rowsHeight()+2+len(h.m.chrome()) != 24 || len(h.m.chrome()) != 3 {
		t.Errorf("rows height %d does not leave room for the error (%d lines)", h.m.rowsHeight(), len(h.m.chrome()))
	}
	// An invalid selector typed over a filter with results keeps them.
	for range "-t a&b" {
		h.press("backspace")
	}
	h.typeText("-t tier-pro")
	good := h.shownNames()
	h.typeText(",")
	if !slices.Equal(h.shownNames(), good) || len(good) == 0 || !strings.Contains(h.lines()[2], "empty tag") {
		t.Errorf("a trailing comma: %d rows (want %d), error line %q", len(h.m.shown), len(good), h.lines()[2])
	}
	// An invalid selector as the screen's initial filter shows every row
	// and says why.
	h2 := open(t, e, "production", "-t a&b")
	if len(h2.m.shown) != 100 || !strings.Contains(h2.lines()[2], "✗ invalid selector") {
		t.Errorf("initial invalid filter: %d rows, line %q", len(h2.m.shown), h2.lines()[2])
	}
}

func TestSubstringFilter(t *testing.T) {
	e := newEnv(t, 300)
	h := newHarness(t, e, e.Client, "production", "")
	h.c.Styles = ui.NoColorStyles()
	h.settle(h.m.Init())
	all := names(h.m.all.All())
	h.press("/")
	h.typeText("=PROD")
	h.press("enter")
	// The names containing prod, in table order (the sort, not a rank).
	inOrder := func() []string {
		var out []string
		for _, p := range h.m.order {
			if strings.Contains(strings.ToLower(all[p]), "prod") {
				out = append(out, all[p])
			}
		}
		return out
	}
	want := inOrder()
	if got := h.shownNames(); !slices.Equal(got, want) || len(got) == 0 || len(got) == len(all) {
		t.Fatalf("=PROD: %d rows %q, want the %d names containing prod in table order", len(got), got, len(want))
	}
	if !strings.Contains(h.lines()[1], "/=PROD · exact substring") {
		t.Errorf("filter line = %q", h.lines()[1])
	}
	// The occurrence is highlighted as one underlined run (row 2: not
	// under the cursor).
	p := h.m.shown[1]
	name := h.m.all.Name(int(p))
	at := strings.Index(strings.ToLower(name), "prod")
	raw := strings.Split(h.m.View(), "\n")[3+1]
	if ul := lipgloss.NewStyle().Underline(true); !strings.Contains(raw, ul.Render(name[at:at+4])) {
		t.Errorf("row %q: %q not underlined in %q", name, name[at:at+4], raw)
	}
	// A sort keeps the substring filter and orders its rows.
	h.press("M")
	if got := h.shownNames(); !slices.Equal(got, inOrder()) || slices.Equal(got, want) {
		t.Errorf("after M: %d rows, want the %d in modification order", len(got), len(want))
	}
	// \= is the literal escape: a fuzzy search for "=prod", which no
	// name contains.
	h.press("/")
	for range "=PROD" {
		h.press("backspace")
	}
	h.typeText(`\=prod`)
	if len(h.m.shown) != 0 || h.m.q.Kind != selector.Fuzzy {
		t.Errorf(`\=prod: %d rows, kind %v`, len(h.m.shown), h.m.q.Kind)
	}
}

// An invalid selector typed over a valid one keeps the valid one's rows,
// but the title does not count them as the typed selector's.
func TestInvalidSelectorTitleSaysInvalid(t *testing.T) {
	e := newEnv(t, 100)
	h := open(t, e, "production", "")
	h.press("/")
	h.typeText("-t a") // valid, selects nothing
	if got := h.title(); got != "100 scripts · 0 shown · 0 marked" {
		t.Fatalf("title for -t a = %q", got)
	}
	for _, r := range ",,b" {
		h.typeText(string(r))
		if got := h.title(); got != "100 scripts · invalid selector · 0 marked" {
			t.Errorf("title for %q = %q, want it to say the selector is invalid", h.m.filter.Text(), got)
		}
	}
	for range ",,b" {
		h.press("backspace")
	}
	h.typeText(",tier-pro")
	if got, want := h.title(), "100 scripts · "+ui.Commas(len(h.m.shown))+" shown · 0 marked"; got != want || h.m.qErr != nil {
		t.Errorf("fixed: title %q, want %q", got, want)
	}
}
