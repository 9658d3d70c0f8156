package scripts

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
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
		if !strings.Contains(title, "loading… ") || !strings.Contains(title, " so far") {
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
	if len(calls) != 1 || calls[0].prio != cfclient.Interactive || !calls[0].filter.IsEmpty() {
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
	if len(calls) != 1 || calls[0].prio != cfclient.Background {
		t.Errorf("listings = %+v, want one background refresh", calls)
	}
	if h.title() != "1,200 scripts · 1,200 shown · 0 marked" {
		t.Errorf("title after refresh = %q", h.title())
	}
}

func TestFailedRefreshKeepsRowsAndSaysWhy(t *testing.T) {
	e := newEnv(t, 300)
	fast := e.NewClient(t, func(o *cfclient.Options) {
		o.Throttle = cfclient.NewThrottle(cfclient.ThrottleOptions{
			RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond,
		}, cfclient.NewTransport(0))
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
	if !strings.HasPrefix(title, "300 scripts · 300 shown") || !strings.Contains(title, "refresh failed:") {
		t.Errorf("title = %q, want the old rows and the failure", title)
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
	if !strings.Contains(title, status.Text[:min(20, len(status.Text))]) {
		t.Errorf("title %q does not carry the error's reason %q", title, status.Text)
	}

	// The next refresh works and clears the failure.
	h.settle(h.update(ui.RefreshMsg{}))
	if strings.Contains(h.title(), "failed") {
		t.Errorf("title still says failed: %q", h.title())
	}
}

func TestStaleLoadMessagesAreDropped(t *testing.T) {
	e := newEnv(t, 50)
	h := open(t, e, "production", "")
	n := len(h.m.all)
	bogus := []cfclient.Script{{Name: "zzz-not-in-the-listing"}}

	// A refresh is running: pages for an older token, or for another
	// screen, must not reach the rows.
	cmd := h.update(ui.RefreshMsg{})
	tok := h.m.ld.token
	h.send(pagesMsg{key: h.m.key, token: tok - 1, pages: [][]cfclient.Script{bogus}, done: true})
	h.send(pagesMsg{key: "another screen", token: tok, pages: [][]cfclient.Script{bogus}, done: true})
	h.send(cacheMsg{key: h.m.key, token: tok, scripts: bogus})
	if h.m.ld == nil || h.m.ld.token != tok || len(h.m.ld.buf) != 0 {
		t.Fatal("a stale message touched the running refresh")
	}
	h.settle(cmd)
	if len(h.m.all) != n || slices.Contains(h.shownNames(), bogus[0].Name) {
		t.Errorf("rows = %d (bogus row present: %v), want %d", len(h.m.all), slices.Contains(h.shownNames(), bogus[0].Name), n)
	}
	// A superseded load (ctrl+r twice) is dropped as a whole.
	first := h.update(ui.RefreshMsg{})
	second := h.update(ui.RefreshMsg{})
	h.settle(tea.Batch(first, second))
	if len(h.m.all) != n || h.m.ld != nil {
		t.Errorf("after two refreshes: %d rows, ld %v", len(h.m.all), h.m.ld)
	}
}
