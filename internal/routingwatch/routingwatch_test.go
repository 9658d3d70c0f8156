package routingwatch

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/testenv"
)

// TestMain keeps a developer's real credentials out of the tests.
func TestMain(m *testing.M) { testenv.Main(m) }

// newCache is the real routing cache on a sandbox.
func newCache(t *testing.T) *cache.RoutingCache {
	e := sandboxtest.Start(t, sandbox.Options{Seed: 1}, nil)
	rc := cache.NewRoutingCache(e.Client, nil)
	t.Cleanup(rc.Close)
	return rc
}

// A watch reads snapshots while its screen is busy, ignores another
// screen's and an older watch's, and stops when the screen is idle.
func TestWatchFollowsWhileBusyAndIgnoresStrangers(t *testing.T) {
	rc := newCache(t)
	notices := 0
	w := New("k", 7, rc, func() string { notices++; return "" })
	started := w.Start()().(StartedMsg)
	if w.Start() != nil {
		t.Fatal("a second Start started a second watch")
	}
	cmd, _, handled := w.Update(started, true, true)
	if !handled || cmd == nil || !w.Running() {
		t.Fatal("a started watch is not read while busy")
	}
	msg := cmd().(ProgressMsg) // the cache's snapshot of now
	if _, _, handled := w.Update(ProgressMsg{id: 8, gen: w.gen}, true, true); !handled {
		t.Fatal("another screen's snapshot was not recognised")
	}
	if old, _, _ := w.Update(ProgressMsg{id: 7, gen: w.gen - 1, progress: cache.RoutingProgress{Read: 1}}, true, true); old != nil || w.Progress.Read != 0 {
		t.Fatal("an old watch's snapshot was taken")
	}
	msg.progress.Read = 100 // what the cache pushed, made recognisable
	next, _, _ := w.Update(msg, true, true)
	if next == nil || w.Progress.Read != 100 || notices != 1 {
		t.Fatalf("snapshot %+v (notices %d), re-armed %v", w.Progress, notices, next != nil)
	}
	w.EndIfIdle(false)
	woke := make(chan tea.Msg, 1)
	go func() { woke <- next() }()
	select {
	case m := <-woke:
		if !m.(ProgressMsg).closed {
			t.Fatal("the reader woke with a snapshot after the watch ended")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ending the watch did not wake its reader")
	}
	if w.Running() {
		t.Fatal("the watch runs on after the screen went idle")
	}
}

// A watch started for a screen that is no longer busy, or closed, stops at
// once.
func TestWatchNotWantedStops(t *testing.T) {
	rc := newCache(t)
	for _, tc := range []struct{ busy, alive bool }{{false, true}, {true, false}} {
		w := New("k", 1, rc, nil)
		started := w.Start()().(StartedMsg)
		if cmd, _, _ := w.Update(started, tc.busy, tc.alive); cmd != nil {
			t.Fatalf("busy %v alive %v: the watch is read", tc.busy, tc.alive)
		}
		// Stopped: its channel closes (after the snapshot of the start).
		deadline := time.After(5 * time.Second)
		for open := true; open; {
			select {
			case _, open = <-started.ch:
			case <-deadline:
				t.Fatalf("busy %v alive %v: the watch was not stopped", tc.busy, tc.alive)
			}
		}
	}
	var w Watch
	if _, _, handled := w.Update(tea.KeyPressMsg{}, true, true); handled {
		t.Fatal("a key was taken for the watch's")
	}
}

func TestProgressLine(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p := cache.RoutingProgress{Phase: cache.RoutingReading, Read: 1200, Routes: 5000, Listed: 9000, StartedAt: now.Add(-30 * time.Second)}
	got := ProgressLine(p, now, " · tail")
	if got != "reading routing table · 1,200 of 5,000 routes (9,000 keys) · started 30s ago · tail" {
		t.Fatalf("ProgressLine = %q", got)
	}
	if ProgressLine(cache.RoutingProgress{Phase: cache.RoutingSizing}, now, "") != "" || !strings.HasPrefix(
		ProgressLine(cache.RoutingProgress{Phase: cache.RoutingListing, Listed: 5}, now, ""), "reading routing table · listing keys · 5 so far") {
		t.Fatal("sizing with nothing listed, or listing, is said wrong")
	}
}
