package scripts

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
)

// A sandbox whose clock is the harness's, so ages mean the same on both.
func newAgedEnv(t *testing.T, n int) *sandboxtest.Env {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return sandboxtest.Start(t, sandbox.Options{Seed: 1, Scripts: n, Now: func() time.Time { return now }}, func(o *cfclient.Options) {
		o.Throttle = throttle.New(throttle.Options{}, closingTransport(t))
	})
}

func TestIdleAndAgeTermsSelectByLastUse(t *testing.T) {
	e := newAgedEnv(t, 400)
	h := open(t, e, "production", "")
	// What the platform says, read independently (values too).
	lu, err := cache.NewLastUsedCache(e.Client).Load(t.Context(), cache.LastUsedLoad{ValueReads: 1000})
	if err != nil || !lu.Complete() {
		t.Fatalf("last use: %v", err)
	}
	h.press("/")
	h.typeText("tier:free idle>30d")
	h.press("enter")
	shown := h.shownNames()
	if len(shown) == 0 || len(shown) >= 400 {
		t.Fatalf("tier:free idle>30d shows %d of 400:\n%s", len(shown), h.view())
	}
	want := 0
	all := h.m.all.All()
	for i := range all {
		s := &all[i]
		tier, _ := e.Client.TierOf(s.Tags)
		at, state := lu.State(s.Name)
		idle := state == cache.Never || at.Before(h.now.Add(-30*24*time.Hour))
		if tier == "free" && idle {
			want++
		}
	}
	if len(shown) != want {
		t.Errorf("shown %d, the platform has %d free scripts idle for 30 days", len(shown), want)
	}
	for _, name := range shown {
		at, state := lu.State(name)
		if state == cache.Used && at.After(h.now.Add(-30*24*time.Hour)) {
			t.Errorf("%s was used %v, within 30 days", name, at)
		}
	}
	// The tag facet keeps the age terms: tag + age is one selection.
	if text, _ := facetFilter("tier:free idle>30d", "ephemeral", tagAdd); text != "-t ephemeral tier:free idle>30d" {
		t.Errorf("facet on an age selection = %q", text)
	}
	// A bad term names itself and the rule.
	h.press("/")
	h.typeText(" created>9x")
	if v := h.view(); !strings.Contains(v, `term "created>9x"`) || !strings.Contains(v, "unit must be h, d, w or y") {
		t.Errorf("bad term not explained:\n%s", v)
	}
}

func TestRangeMarksFromLastMark(t *testing.T) {
	e := newEnv(t, 50)
	h := open(t, e, "production", "")
	h.press("j", "space") // marks row 1, the cursor steps to row 2
	h.press("j", "j", "j")
	h.settle(h.update(tea.KeyPressMsg{Code: tea.KeySpace, Mod: tea.ModShift}))
	if got := h.m.table.Marked(); got != 5 {
		t.Errorf("shift+space from row 1 to row 5 marked %d, want 5", got)
	}
	h.press("j", "j")
	h.settle(h.update(tea.KeyPressMsg{Code: tea.KeySpace, Mod: tea.ModCtrl}))
	if got := h.m.table.Marked(); got != 7 {
		t.Errorf("ctrl+space extended the range to %d marks, want 7", got)
	}
	if !strings.Contains(h.title(), "7 marked") {
		t.Errorf("title %q", h.title())
	}
}

// Keys without metadata whose values would cost more than the cache reads
// by itself: the scripts are left out of idle terms and counted, the cost
// is stated, and R reads them.
func TestIdleLeavesOutUnreadLastUseUntilR(t *testing.T) {
	e := newAgedEnv(t, 400)
	h := newHarness(t, e, e.Client, "production", "")
	lc := cache.NewLastUsedCache(e.Client)
	lc.AutoReadMax = -1 // always ask, as above 100 requests
	h.m.lastUse = lc
	h.settle(h.m.Init())
	h.press("/")
	h.typeText("idle>30d")
	h.press("enter")
	before := len(h.shownNames())
	v := h.view()
	if h.m.result == nil || h.m.result.unknown == 0 || !strings.Contains(v, "left out, last use unread") ||
		!strings.Contains(v, "keys without metadata: 1 request)") || !strings.Contains(v, "R reads them") {
		t.Fatalf("no notice of the unread last use:\n%s", v)
	}
	left := h.m.result.unknown
	h.press("R")
	if h.m.lu == nil || !h.m.lu.Complete() {
		t.Fatal("R did not read the values")
	}
	if got := len(h.shownNames()); got < before || got > before+left {
		t.Errorf("after R: %d shown, was %d with %d left out", got, before, left)
	}
	if strings.Contains(h.view(), "left out") || h.m.result.unknown != 0 {
		t.Errorf("notice stays after R:\n%s", h.view())
	}
}
