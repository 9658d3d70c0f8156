package scripts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/ui"
)

func TestColdLoadStreamsPagesThenCompletes(t *testing.T) {
	e := newEnv(t, 2500) // three pages of 1000
	h := newHarness(t, e, e.Client, "production", "")
	var partial []string
	h.after = func(msg tea.Msg) {
		if pm, ok := msg.(pagesMsg); ok && !pm.done {
			partial = append(partial, h.title())
		}
	}
	h.settle(h.m.Init())

	want := listAll(t, e.Client, "production", cfclient.TagFilter{})
	if len(want) != 2500 {
		t.Fatalf("sandbox has %d production scripts, want 2500", len(want))
	}
	if len(partial) == 0 {
		t.Fatal("no page batch arrived before the listing completed")
	}
	for _, title := range partial {
		if !strings.Contains(title, "loading… ") || !strings.Contains(title, " so far") && !strings.Contains(title, " of 2,500") {
			t.Errorf("title while loading = %q, want a loading count", title)
		}
	}
	if got := h.title(); got != "2,500 scripts · 2,500 shown · 0 marked" {
		t.Errorf("title = %q", got)
	}
	if !h.m.complete || h.m.ld != nil {
		t.Errorf("complete=%v ld=%v after the listing", h.m.complete, h.m.ld)
	}
	names := h.shownNames()
	if !slices.IsSorted(names) {
		t.Error("rows are not sorted by name")
	}
	if names[0] != want[0].Name {
		t.Errorf("first row %q, want %q", names[0], want[0].Name)
	}
	calls := h.src.calls()
	if len(calls) != 1 || calls[0].prio != throttle.Interactive || !calls[0].filter.IsEmpty() {
		t.Errorf("listings = %+v, want one unfiltered interactive", calls)
	}
	if h.m.DataAge() != h.now {
		t.Errorf("DataAge = %v, want the clock's %v", h.m.DataAge(), h.now)
	}
}

func TestCachedNamespaceOpensAtOnceThenRefreshesInBackground(t *testing.T) {
	e := newEnv(t, 1200)
	open(t, e, "production", "") // fills the listing cache

	h := newHarness(t, e, e.Client, "production", "")
	l, err := e.Store(e.Client).Scripts("production")
	saved := l.Saved
	if err != nil {
		t.Fatal(err)
	}
	h.now = saved.Add(cache.FreshFor + time.Second) // old enough to refresh
	var atCache string
	var refreshing bool
	h.after = func(msg tea.Msg) {
		if _, ok := msg.(cacheMsg); ok {
			atCache = h.title()
			refreshing = h.m.ld != nil && h.m.ld.swap
		}
	}
	h.settle(h.m.Init())
	if !strings.HasPrefix(atCache, "1,200 scripts · 1,200 shown") {
		t.Errorf("title right after the cache read = %q, want every row", atCache)
	}
	if !strings.Contains(atCache, "refreshing…") || !refreshing {
		t.Errorf("no background refresh after the cache read (title %q)", atCache)
	}
	calls := h.src.calls()
	if len(calls) != 1 || calls[0].prio != throttle.Background {
		t.Errorf("listings = %+v, want one background refresh", calls)
	}
	if h.title() != "1,200 scripts · 1,200 shown · 0 marked" {
		t.Errorf("title after refresh = %q", h.title())
	}
}

func TestFailedRefreshKeepsRowsAndSaysWhy(t *testing.T) {
	e := newEnv(t, 300)
	fast := e.NewClient(t, func(o *cfclient.Options) {
		o.Throttle = throttle.New(throttle.Options{
			RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond,
		}, closingTransport(t))
	})
	h := newHarness(t, e, fast, "production", "")
	h.settle(h.m.Init())
	before := h.shownNames()

	e.Sandbox.SetFaults(sandbox.Faults{ErrorRate: 1})
	h.settle(h.update(ui.RefreshMsg{}))
	e.Sandbox.SetFaults(sandbox.Faults{})

	if !slices.Equal(h.shownNames(), before) {
		t.Error("rows changed after a failed refresh")
	}
	title := h.title()
	if title != "300 scripts · 300 shown · 0 marked" {
		t.Errorf("title = %q, want the old rows, complete", title)
	}
	fail := h.lines()[1]
	if !strings.HasPrefix(fail, "✗ refresh failed: ") {
		t.Errorf("line under the title = %q, want the failure", fail)
	}
	var status *ui.StatusMsg
	for _, msg := range h.seen {
		if st, ok := msg.(ui.StatusMsg); ok {
			status = &st
		}
	}
	if status == nil || status.Level != ui.LevelError || status.Text == "" {
		t.Fatalf("no error status in the footer: %+v", status)
	}
	if !strings.Contains(fail, status.Text[:min(20, len(status.Text))]) {
		t.Errorf("failure line %q does not carry the error's reason %q", fail, status.Text)
	}
	// At 80 columns the note and the hint are readable on their own line.
	h.m.SetSize(80, 24)
	lines := h.lines()
	checkFits(t, lines, 80, 24)
	if !strings.HasPrefix(lines[1], "✗ refresh failed: ") || !containsLine(lines, "showing the rows listed before") ||
		!containsLine(lines, "ctrl+r tries again") {
		t.Errorf("at 80 columns:\n%s", strings.Join(lines, "\n"))
	}
	if h.m.rowsHeight()+2+len(h.m.chrome()) != 24 {
		t.Errorf("rows height %d does not leave room for %d notice lines", h.m.rowsHeight(), len(h.m.chrome()))
	}

	// The next refresh works and clears the failure.
	h.settle(h.update(ui.RefreshMsg{}))
	if strings.Contains(h.view(), "failed") {
		t.Errorf("the view still says failed:\n%s", h.view())
	}
}

func TestStaleLoadMessagesAreDropped(t *testing.T) {
	e := newEnv(t, 50)
	h := open(t, e, "production", "")
	n := h.m.all.Len()
	bogus := []cfclient.Script{{Name: "zzz-not-in-the-listing"}}

	// A refresh is running: pages for an older token, or for another
	// screen, must not reach the rows.
	cmd := h.update(ui.RefreshMsg{})
	tok := h.m.ld.token
	h.send(pagesMsg{key: h.m.key, token: tok - 1, pages: [][]cfclient.Script{bogus}, done: true})
	h.send(pagesMsg{key: "another screen", token: tok, pages: [][]cfclient.Script{bogus}, done: true})
	h.send(cacheMsg{key: h.m.key, token: tok, rows: *asRows(bogus)})
	if h.m.ld == nil || h.m.ld.token != tok || (h.m.ld.buf != nil && h.m.ld.buf.Len() != 0) {
		t.Fatal("a stale message touched the running refresh")
	}
	h.settle(cmd)
	if h.m.all.Len() != n || slices.Contains(h.shownNames(), bogus[0].Name) {
		t.Errorf("rows = %d (bogus row present: %v), want %d", h.m.all.Len(), slices.Contains(h.shownNames(), bogus[0].Name), n)
	}
	// A superseded load (a new server filter while a listing runs) is
	// dropped as a whole.
	first := h.update(ui.RefreshMsg{})
	second := h.m.startLoad(true, cfclient.TagFilter{}, throttle.Interactive)
	h.settle(tea.Batch(first, second))
	if h.m.all.Len() != n || h.m.ld != nil {
		t.Errorf("after two refreshes: %d rows, ld %v", h.m.all.Len(), h.m.ld)
	}
}

// fastClient is a client of e that gives up on 5xx after quick retries.
func fastClient(t *testing.T, e *sandboxtest.Env) *cfclient.Client {
	return e.NewClient(t, func(o *cfclient.Options) {
		o.Throttle = throttle.New(throttle.Options{
			MaxRetries: 1, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond,
		}, closingTransport(t))
	})
}

// checkFits fails when the view is wider than w or taller than h.
func checkFits(t *testing.T, lines []string, w, h int) {
	t.Helper()
	if len(lines) > h {
		t.Errorf("%d lines, want ≤ %d", len(lines), h)
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("line %d is %d wide (> %d): %q", i, ansi.StringWidth(l), w, l)
		}
	}
}

// containsLine reports whether a line contains s whole (not cut).
func containsLine(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func TestFailedFirstLoadSaysIncompleteAndRetryKeepsTheRows(t *testing.T) {
	e := newEnv(t, 5000)
	h := newHarness(t, e, fastClient(t, e), "production", "")
	// The first listing fails after two pages (2,000 scripts): every
	// request after them gets a 500 from the sandbox.
	// The re-list after it fails after three pages.
	h.src.onPage = func(call, page int) {
		if call == 0 && page == 2 || call == 1 && page == 3 {
			e.Sandbox.SetFaults(sandbox.Faults{ErrorRate: 1})
		}
	}
	h.m.SetSize(80, 24)
	h.settle(h.m.Init())
	e.Sandbox.SetFaults(sandbox.Faults{})

	if got := h.title(); got != "2,000 scripts (incomplete) · 2,000 shown · 0 marked" {
		t.Errorf("title = %q, want the listing called incomplete", got)
	}
	lines := h.lines()
	checkFits(t, lines, 80, 24)
	if !strings.HasPrefix(lines[1], "✗ load failed: scripts.list production") {
		t.Errorf("line under the title = %q, want the failure and its reason", lines[1])
	}
	if !containsLine(lines, "ctrl+r tries again") || !containsLine(lines, "listed before it stopped") {
		t.Errorf("the hint is not readable at 80 columns:\n%s", strings.Join(lines, "\n"))
	}
	if len(h.m.shown) != 2000 {
		t.Errorf("%d rows shown, want the 2,000 listed", len(h.m.shown))
	}

	// ctrl+r keeps the 2,000 rows on screen while the re-list runs...
	h.exec(h.update(ui.RefreshMsg{}))
	if h.m.all.Len() != 2000 || h.m.ld == nil || !h.m.ld.swap {
		t.Fatalf("ctrl+r: %d rows, load %+v; want the rows kept while it lists", h.m.all.Len(), h.m.ld)
	}
	if got := h.title(); !strings.HasPrefix(got, "2,000 scripts (incomplete) · 2,000 shown") || !strings.Contains(got, "refreshing…") {
		t.Errorf("title while re-listing = %q", got)
	}
	if strings.Contains(h.view(), "load failed") {
		t.Error("the old failure is still shown while the re-list runs")
	}
	// A re-list that fails too, but further, shows the most it listed.
	h.settle(nil)
	e.Sandbox.SetFaults(sandbox.Faults{})
	if got := h.title(); got != "3,000 scripts (incomplete) · 3,000 shown · 0 marked" {
		t.Errorf("title after a failed re-list = %q", got)
	}
	if !strings.HasPrefix(h.lines()[1], "✗ load failed: ") || !h.m.DataAge().IsZero() {
		t.Errorf("after a failed re-list: line %q, data age %v", h.lines()[1], h.m.DataAge())
	}
	// ...and a re-list that completes replaces them.
	h.settle(h.update(ui.RefreshMsg{}))
	if got := h.title(); got != "5,000 scripts · 5,000 shown · 0 marked" {
		t.Errorf("title after the re-list = %q", got)
	}
	if !h.m.complete || h.m.fail != nil || len(h.lines()) != 24 {
		t.Errorf("complete %v, failure %+v, %d lines", h.m.complete, h.m.fail, len(h.lines()))
	}
	if calls := h.src.calls(); len(calls) != 3 {
		t.Errorf("%d listings, want 3", len(calls))
	}
}

func TestRefreshWhileLoadingIsCoalesced(t *testing.T) {
	e := newEnv(t, 3000)
	h := newHarness(t, e, e.Client, "production", "")
	h.exec(h.m.Init())
	for h.m.ld == nil || h.m.ld.cache {
		msg := <-h.out
		h.running--
		h.dispatch(msg)
	}
	// A cold load runs: ctrl+r three times starts nothing and says so.
	for range 3 {
		cmd := h.update(ui.RefreshMsg{})
		if cmd == nil {
			t.Fatal("ctrl+r during a load said nothing")
		}
		st, ok := cmd().(ui.StatusMsg)
		if !ok || !strings.HasPrefix(st.Text, "already loading") {
			t.Errorf("ctrl+r during a load: %#v", st)
		}
	}
	h.settle(nil)
	if calls := h.src.calls(); len(calls) != 1 || h.m.all.Len() != 3000 {
		t.Errorf("%d listings, %d rows; want one listing of 3,000", len(calls), h.m.all.Len())
	}
	// A refresh runs: the same.
	first := h.update(ui.RefreshMsg{})
	st, ok := h.update(ui.RefreshMsg{})().(ui.StatusMsg)
	if !ok || !strings.HasPrefix(st.Text, "already refreshing") {
		t.Errorf("ctrl+r during a refresh: %#v", st)
	}
	h.settle(first)
	if calls := h.src.calls(); len(calls) != 2 || h.m.ld != nil {
		t.Errorf("%d listings, want 2 (one per idle ctrl+r)", len(calls))
	}
}

func TestFreshCacheOpensWithoutRefreshing(t *testing.T) {
	e := newEnv(t, 1200)
	open(t, e, "production", "") // lists and fills the cache
	l, err := e.Store(e.Client).Scripts("production")
	saved := l.Saved
	if err != nil {
		t.Fatal(err)
	}

	// Reopened 10 s later: the cached rows, no listing, honest data age.
	h := newHarness(t, e, e.Client, "production", "")
	h.now = saved.Add(10 * time.Second)
	h.settle(h.m.Init())
	if got := h.title(); got != "1,200 scripts · 1,200 shown · 0 marked" {
		t.Errorf("title = %q", got)
	}
	if calls := h.src.calls(); len(calls) != 0 {
		t.Errorf("%d listings for a cache 10 s old, want none", len(calls))
	}
	if !h.m.DataAge().Equal(saved) {
		t.Errorf("DataAge = %v, want the cache's %v", h.m.DataAge(), saved)
	}
	// ctrl+r still lists, at once.
	h.settle(h.update(ui.RefreshMsg{}))
	if calls := h.src.calls(); len(calls) != 1 || calls[0].prio != throttle.Interactive {
		t.Errorf("ctrl+r: listings %+v, want one interactive", calls)
	}
	if !h.m.DataAge().Equal(h.now) {
		t.Errorf("DataAge after ctrl+r = %v, want now", h.m.DataAge())
	}

	// Reopened after the freshness window: a background refresh.
	h2 := newHarness(t, e, e.Client, "production", "")
	saved = cachedAt(t, e)
	h2.now = saved.Add(cache.FreshFor)
	h2.settle(h2.m.Init())
	if calls := h2.src.calls(); len(calls) != 1 || calls[0].prio != throttle.Background {
		t.Errorf("cache %v old: listings %+v, want one background refresh", cache.FreshFor, calls)
	}
	// A cache from the future (clock skew) is not trusted as fresh.
	h3 := newHarness(t, e, e.Client, "production", "")
	saved = cachedAt(t, e)
	h3.now = saved.Add(-time.Minute)
	h3.settle(h3.m.Init())
	if calls := h3.src.calls(); len(calls) != 1 {
		t.Errorf("cache from the future: %d listings, want a refresh", len(calls))
	}
}

func TestProgressSaysHowManyOfHowMany(t *testing.T) {
	e := newEnv(t, 2500)
	// The count command asks the sandbox.
	msg := countScripts(t.Context(), e.Client, "k", 7, "production")()
	if tm, ok := msg.(totalMsg); !ok || tm.total != 2500 || tm.key != "k" || tm.token != 7 {
		t.Fatalf("countScripts = %#v, want 2,500", msg)
	}
	h := newHarness(t, e, e.Client, "production", "")
	h.exec(h.m.Init())
	for h.m.all.Len() == 0 {
		msg := <-h.out
		h.running--
		h.dispatch(msg)
	}
	if h.m.complete {
		t.Skip("the listing completed before its first page was seen")
	}
	h.send(totalMsg{key: h.m.key, token: h.m.ld.token, total: 2500})
	if got := h.title(); !strings.Contains(got, "loading… "+ui.Commas(h.m.all.Len())+" of 2,500") {
		t.Errorf("title = %q, want how many of how many", got)
	}
	// Narrower, the numbers stay readable: "1,000/2,500".
	h.m.SetSize(ansi.StringWidth(h.title())-2, 24)
	if got := h.title(); !strings.HasSuffix(got, "loading… "+ui.Commas(h.m.all.Len())+"/2,500") {
		t.Errorf("narrow title = %q", got)
	}
	h.m.SetSize(120, 40)
	// Another listing's total is ignored.
	h.send(totalMsg{key: h.m.key, token: h.m.ld.token - 1, total: 9})
	if h.m.ld.total != 2500 {
		t.Errorf("a stale total replaced the current one: %d", h.m.ld.total)
	}
	h.settle(nil)
	// A refresh of the complete listing expects about as many.
	cmd := h.update(ui.RefreshMsg{})
	if got := h.title(); !strings.Contains(got, "refreshing… 0 of ~2,500") {
		t.Errorf("title while refreshing = %q", got)
	}
	h.settle(cmd)
}

// A cache younger than the freshness window whose length disagrees with
// the namespace's script_count (scripts were added since, or the cache is
// another run's) is refreshed at once instead of being trusted.
func TestFreshCacheOfTheWrongSizeRefreshesAtOnce(t *testing.T) {
	e := newEnv(t, 1200)
	open(t, e, "production", "") // lists and fills the cache
	st := e.Store(e.Client)
	l, err := st.Scripts("production")
	if err != nil {
		t.Fatal(err)
	}
	// The cache now holds 100 scripts of the 1,200.
	if err := st.SaveScripts("production", [][]cfclient.Script{l.Scripts()[:100]}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, e, e.Client, "production", "")
	h.now = cachedAt(t, e).Add(5 * time.Second)
	h.settle(h.m.Init())
	calls := h.src.calls()
	if len(calls) != 1 || calls[0].prio != throttle.Background {
		t.Fatalf("listings %+v, want one background refresh of the short cache", calls)
	}
	if got := h.title(); got != "1,200 scripts · 1,200 shown · 0 marked" {
		t.Errorf("title after the refresh = %q", got)
	}
	// The refreshed listing replaced the short cache.
	if l, err := st.Scripts("production"); err != nil || l.Rows.Len() != 1200 {
		t.Errorf("cache after the refresh: %d scripts, %v", l.Rows.Len(), err)
	}
}

// Listing a namespace with a tag filter never replaces its cache.
func TestFilteredListingDoesNotReplaceTheCache(t *testing.T) {
	e := newEnv(t, 300)
	h := newHarness(t, e, e.Client, "production", "-t tier-pro")
	h.settle(h.m.Init())
	if calls := h.src.calls(); len(calls) != 1 || calls[0].filter.IsEmpty() {
		t.Fatalf("listings %+v, want one filtered by the tag selector", calls)
	}
	if _, err := e.Store(e.Client).Scripts("production"); err == nil {
		t.Fatal("a filtered listing was saved as the namespace's cache")
	}
}

// unreadableNote is the footer status of a cache that could not be used.
const unreadableNote = "the cached listing was unreadable and is being rebuilt"

// cacheFile returns the path of the production listing in e's cache.
func cacheFile(t *testing.T, e *sandboxtest.Env) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(e.CacheDir(), "*", "*", "production.gob"))
	if err != nil || len(files) != 1 {
		t.Fatalf("cache files %v, %v", files, err)
	}
	return files[0]
}

// countStatus counts the status messages saying text.
func countStatus(h *harness, text string) int {
	n := 0
	for _, st := range statuses(h) {
		if st == text {
			n++
		}
	}
	return n
}

func TestUnreadableCacheSaysSoOnce(t *testing.T) {
	e := newEnv(t, 300)
	// Not cached yet: a plain miss says nothing.
	h := open(t, e, "production", "")
	if n := countStatus(h, unreadableNote); n != 0 || h.m.all.Len() != 300 {
		t.Fatalf("first open: %d notes, %d rows", n, h.m.all.Len())
	}
	// A corrupt file: said once, and the namespace is listed again (and
	// cached again).
	path := cacheFile(t, e)
	if err := os.WriteFile(path, []byte("not a listing"), 0o600); err != nil {
		t.Fatal(err)
	}
	h = open(t, e, "production", "")
	if n := countStatus(h, unreadableNote); n != 1 {
		t.Errorf("corrupt cache: %d notes, want 1 (statuses %q)", n, statuses(h))
	}
	if h.m.all.Len() != 300 || len(h.src.calls()) != 1 {
		t.Errorf("corrupt cache: %d rows, %d listings", h.m.all.Len(), len(h.src.calls()))
	}
	if l, err := e.Store(e.Client).Scripts("production"); err != nil || l.Rows.Len() != 300 {
		t.Errorf("the cache was not rebuilt: %d scripts, %v", l.Rows.Len(), err)
	}
	// A cache directory that cannot be read ("cache unreadable"): said too.
	dir := filepath.Dir(path)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := e.Store(e.Client).Scripts("production")
	if !strings.HasPrefix(fmt.Sprint(err), "cache unreadable") {
		t.Fatalf("store read = %v, want a cache unreadable miss", err)
	}
	h = open(t, e, "production", "")
	if n := countStatus(h, unreadableNote); n != 1 || h.m.all.Len() != 300 {
		t.Errorf("unreadable cache: %d notes, %d rows", n, h.m.all.Len())
	}
}

func TestCacheUnreadable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("cache ignored: bad magic"), false}, // not a miss
		{fmt.Errorf("cache ignored: bad magic: %w", cache.ErrMiss), true},
		{fmt.Errorf("cache unreadable: permission denied: %w", cache.ErrMiss), true},
		{cache.ErrMiss, false},
		{fmt.Errorf("not cached yet: %w", cache.ErrMiss), false},
	} {
		if got := cacheUnreadable(tc.err); got != tc.want {
			t.Errorf("cacheUnreadable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// A tag the API's tag filter cannot carry (":" separates tag and yes/no
// there) is left out of the server-side filter: the listing is wider and
// the rows are narrowed here, instead of the listing failing.
func TestUnfilterableTagIsFilteredHere(t *testing.T) {
	e := newEnv(t, 300)
	h := newHarness(t, e, e.Client, "production", `-t "owner:ops"`)
	h.settle(h.m.Init())
	calls := h.src.calls()
	if len(calls) != 1 || slices.Contains(calls[0].filter.Has, "owner:ops") {
		t.Fatalf("listings %+v, want one without the unfilterable tag", calls)
	}
	if h.m.fail != nil {
		t.Fatalf("the listing failed: %+v", h.m.fail)
	}
	if got := h.title(); !strings.HasPrefix(got, "300 scripts · 0 shown") {
		t.Errorf("title = %q, want every script listed and none shown", got)
	}
}
