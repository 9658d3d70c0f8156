package tail

import (
	"context"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
)

// storedIDs lists the invocations Workers Logs holds for the filters in
// the last hour, as the API answers (request id / script, as the poller
// keys them).
func storedIDs(t *testing.T, c *cfclient.Client, filters []cfclient.TelemetryFilter) map[string]bool {
	t.Helper()
	now := time.Now()
	out := map[string]bool{}
	offset := ""
	for {
		page, err := c.TelemetryEvents(context.Background(), cfclient.TelemetryQuery{
			From: now.Add(-time.Hour), To: now.Add(time.Minute), Filters: filters, Limit: 500, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			out["l"+e.RequestID+"/"+e.Script] = true
		}
		if len(page.Events) < 500 {
			return out
		}
		offset = page.Events[len(page.Events)-1].ID
	}
}

// collect reads items until want holds or the deadline passes.
func collect(t *testing.T, ch <-chan Item, got map[string]int, states *[]State, want func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !want() {
		select {
		case it, ok := <-ch:
			if !ok {
				t.Fatal("the stream ended early")
			}
			if it.State != nil {
				*states = append(*states, *it.State)
				continue
			}
			got[it.Event.ID]++
		case <-deadline:
			t.Fatalf("timed out: %d events", len(got))
		}
	}
}

// TestPollerReadsEveryStoredEventOnce polls a namespace with small pages
// (several per window, over several polls) and a long overlap (every
// window re-reads the previous one): each invocation Workers Logs holds
// arrives once, including those made while the poller runs.
func TestPollerReadsEveryStoredEventOnce(t *testing.T) {
	env := sandboxtest.Start(t, sandbox.Options{Scripts: 40}, nil)
	env.Sandbox.GenerateTraffic(60)
	filters := []cfclient.TelemetryFilter{{Key: cfclient.TelemetryKeyNamespace, Operation: "eq", Value: "production"}}
	want := storedIDs(t, env.Client, filters)
	if len(want) < 10 {
		t.Fatalf("the traffic stored only %d production events", len(want))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := NewGroup()
	ch := g.Poll(ctx, env.Client, PollOptions{Target: "production", Filters: filters, Interval: 20 * time.Millisecond,
		Backfill: 10 * time.Minute, Overlap: 10 * time.Minute, PageSize: 7, MaxPages: 2})
	got := map[string]int{}
	var states []State
	covered := func() bool {
		for id := range want {
			if got[id] == 0 {
				return false
			}
		}
		return true
	}
	collect(t, ch, got, &states, covered)
	env.Sandbox.GenerateTraffic(40)
	want = storedIDs(t, env.Client, filters)
	collect(t, ch, got, &states, covered)
	// A few more polls over the same (overlapping) windows.
	n := len(states)
	collect(t, ch, got, &states, func() bool { return len(states) > n+5 })
	for id, n := range got {
		if n > 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
		if !want[id] {
			t.Errorf("event %s is not one Workers Logs holds", id)
		}
	}
	last := states[len(states)-1]
	if last.Phase != Polling || last.Interval < 20*time.Millisecond || last.PerMinute == 0 || last.Origin != FromLogs {
		t.Errorf("poll state %+v: want polling, its interval and its cost", last)
	}
	cancel()
	for range ch {
	}
	if !g.Wait(5 * time.Second) {
		t.Error("the poller did not end")
	}
}

// TestPollerEventsAreWhole checks what one polled invocation carries: the
// user script's outcome, request, logs and tags, from Workers Logs.
func TestPollerEventsAreWhole(t *testing.T) {
	env := sandboxtest.Start(t, sandbox.Options{Scripts: 40}, nil)
	env.Sandbox.GenerateTraffic(80)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := NewGroup()
	ch := g.Poll(ctx, env.Client, PollOptions{Interval: 20 * time.Millisecond, Filters: []cfclient.TelemetryFilter{
		{Key: cfclient.TelemetryKeyNamespace, Operation: "eq", Value: "production"}}})
	var evs []*Event
	deadline := time.After(20 * time.Second)
	for len(evs) < 20 {
		select {
		case it := <-ch:
			if it.Event != nil {
				evs = append(evs, it.Event)
			}
		case <-deadline:
			t.Fatalf("only %d events", len(evs))
		}
	}
	var withLogs, errored, fetch int
	for _, ev := range evs {
		if ev.Origin != FromLogs || ev.Namespace != "production" || ev.Script == "" || ev.Time.IsZero() {
			t.Errorf("event %+v", ev)
		}
		if len(ev.Logs) > 0 {
			withLogs++
		}
		if ev.Errored() {
			errored++
		}
		if ev.Kind == "fetch" && ev.Method != "" && ev.URL != "" && ev.Status != 0 {
			fetch++
		}
		for _, h := range ev.Headers {
			if (h.Name == "authorization" || h.Name == "cookie") && h.Value != "REDACTED" {
				t.Errorf("header %s kept its value", h.Name)
			}
		}
	}
	if withLogs == 0 || fetch == 0 {
		t.Errorf("of %d events, %d have logs and %d a request: want some of each", len(evs), withLogs, fetch)
	}
	t.Logf("%d events, %d with logs, %d errored", len(evs), withLogs, errored)
}

// TestPollerSlowsAsTheBudgetRunsLow polls with a small API budget: the
// interval it reports grows as the throttle's background share runs low
// (read from the throttle's Stats), instead of spending the rest of it.
func TestPollerSlowsAsTheBudgetRunsLow(t *testing.T) {
	th := throttle.New(throttle.Options{Requests: 40, Window: time.Minute, SafetyMargin: 0.01}, throttle.NewTransport(10*time.Second))
	env := sandboxtest.Start(t, sandbox.Options{Scripts: 20}, func(o *cfclient.Options) { o.Throttle = th })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := NewGroup()
	base := 10 * time.Millisecond
	ch := g.Poll(ctx, env.Client, PollOptions{Interval: base})
	var intervals []time.Duration
	deadline := time.After(20 * time.Second)
	for len(intervals) < 40 {
		select {
		case it := <-ch:
			if it.State != nil && it.State.Phase == Polling {
				intervals = append(intervals, it.State.Interval)
				if it.State.Interval >= 4*base {
					cancel()
					for range ch {
					}
					t.Logf("intervals %v; budget %+v", intervals, env.Client.Stats())
					return
				}
			}
		case <-deadline:
			t.Fatalf("intervals %v", intervals)
		}
	}
	t.Fatalf("the interval never grew as the budget ran low: %v (stats %+v)", intervals, env.Client.Stats())
}
