package main

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/views/health"
)

// shownCount reads "N events · M shown" off the logs screen.
var shownCount = regexp.MustCompile(`(\d+) events · (\d+) shown`)

// TestClosedLoopRaiseCPULimit is the on-call loop: :health production
// shows a tenant failing with exceededCpu; enter opens its logs (every
// event a CPU-limit failure); the operator raises its CPU limit through the
// change pipeline from the screens (s on an event opens its script, T
// moves it to the top tier, which also lifts any lower limit of its own:
// the stricter of tier and script limit binds); the
// tenant's new events come back ok in the same logs screen, and no new
// exceededCpu appears.
func TestClosedLoopRaiseCPULimit(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	rt.Sandbox.GenerateTraffic(400)
	ctx := cfclient.WithActor(context.Background(), cfclient.Actor{Name: "ana@bastion"})

	// What :health will show, read the same way; the tenant to fix is
	// the busiest one failing with exceededCpu below the top tier.
	rows, err := health.Load(ctx, rt.Client, "production", flowClock())
	if err != nil {
		t.Fatal(err)
	}
	tiers, err := rt.Routing.Tiers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	top := slices.MaxFunc(tiers, func(a, b platform.Tier) int { return a.CPUMs - b.CPUMs })
	pick := -1
	for i, r := range rows {
		if r.TopError != "exceededCpu" {
			continue
		}
		d, err := rt.Client.GetScript(ctx, "production", r.Script)
		if err != nil {
			t.Fatal(err)
		}
		tier := ""
		for _, tag := range d.Tags {
			if name, ok := strings.CutPrefix(tag, "tier-"); ok {
				tier = name
			}
		}
		if f := platform.FindTier(tiers, tier); f != nil && f.CPUMs < top.CPUMs && (pick < 0 || r.Requests > rows[pick].Requests) {
			pick = i
		}
	}
	if pick < 0 {
		t.Fatalf("no tenant fails with exceededCpu below the top tier: %+v", rows)
	}
	script := rows[pick].Script

	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "ana@bastion"}, w, h)
	scr.waitFor(t, "namespaces", "3 namespaces")
	tm.Type(":health production")
	tm.Send(key("enter"))
	scr.waitFor(t, "health", "health of production", "⏱ cpu limit", script)
	for range pick {
		tm.Type("j")
	}
	tm.Send(key("enter"))
	scr.waitFor(t, "the tenant's logs", "logs of "+script, "cpu limit")
	tm.Type("/outcome:cpu")
	tm.Send(key("enter"))
	before := counts(t, scr, "cpu failures before", func(total, shown int) bool { return total > 0 && shown == total })

	// Raise the CPU limit the way an operator does: s opens the script
	// of the event under the cursor, T moves it to the top tier (the
	// change pipeline: plan, review, y), esc goes back to its logs.
	tm.Type("s")
	scr.waitFor(t, "the tenant's script", "LIMITS", "tier-")
	tm.Type("T")
	scr.waitFor(t, "tier picker", "Tier of", "(current)")
	tm.Type("G")
	tm.Send(key("enter"))
	scr.waitFor(t, "tier review", "Change the tier of", top.Name, "[ No ]")
	tm.Type("y")
	scr.waitFor(t, "tier applied", "applied 1 change", "tier           "+top.Name)
	tm.Send(key("esc"))
	scr.waitFor(t, "back to the logs", "logs of "+script, "/outcome:cpu")

	// New traffic: the tenant's new events are ok; no new CPU failure.
	deadline := time.Now().Add(raceSlowdown * 30 * time.Second)
	var after [2]int
	for {
		rt.Sandbox.GenerateTraffic(200)
		after = counts(t, scr, "new events", func(total, shown int) bool { return true })
		if after[0] > before[0] || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	after = counts(t, scr, "new events in", func(total, shown int) bool { return total > before[0] })
	if after[1] != before[1] {
		t.Errorf("exceededCpu events went from %d to %d after the limit was raised", before[1], after[1])
	}
	tm.Send(key("esc")) // clear the filter
	tm.Type("/outcome:ok")
	tm.Send(key("enter"))
	ok := counts(t, scr, "ok events", func(total, shown int) bool { return strings.Contains(scr.text(), "/outcome:ok") && shown > 0 })
	// Before the change every event failed: the ok ones are new ones.
	if ok[1] < 1 || ok[1] > after[0]-before[0] {
		t.Errorf("%d new events, %d ok", after[0]-before[0], ok[1])
	}
	t.Logf("%s: %d events with exceededCpu before the change; %d new events after it, %d ok", script, before[1], after[0]-before[0], ok[1])
	tm.Send(key("ctrl+c"))
	tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*15*time.Second))
}

// counts waits until the logs screen's "N events · M shown" satisfies ok,
// and returns N and M.
func counts(t *testing.T, scr *screen, what string, ok func(total, shown int) bool) [2]int {
	t.Helper()
	deadline := time.Now().Add(raceSlowdown * 20 * time.Second)
	for {
		if m := shownCount.FindStringSubmatch(scr.text()); m != nil {
			total, _ := strconv.Atoi(m[1])
			shown, _ := strconv.Atoi(m[2])
			if ok(total, shown) {
				return [2]int{total, shown}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out; the screen:\n%s", what, scr.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cut is the first n characters of s (a table cell shows no more).
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
