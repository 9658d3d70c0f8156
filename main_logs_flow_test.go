package main

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
)

// TestLogsFlow is an operator reading a namespace's logs at 80×24 from
// Workers Logs: :logs production streams the simulated traffic's events,
// / narrows them to server errors, enter shows one whole (its exception
// and its request headers, credentials redacted), esc returns to the list.
func TestLogsFlow(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	rt.Sandbox.GenerateTraffic(150)
	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "ana@bastion"}, w, h)

	scr.waitFor(t, "namespaces", "3 namespaces")
	tm.Type(":logs production")
	tm.Send(key("enter"))
	scr.waitFor(t, "logs", "logs of production", "events", "polling every 3 s", "ev/s")

	tm.Type("/outcome:exception")
	tm.Send(key("enter"))
	scr.waitFor(t, "filtered", "/outcome:exception", "shown", "✗ exception")
	tm.Send(key("enter"))
	scr.waitFor(t, "event", "exceptions (1)", "at handleOrder", "outcome    exception")
	tm.Send(key("esc"))
	scr.waitFor(t, "back to the list", "/outcome:exception", "shown")
	tm.Send(key("ctrl+c"))

	final := tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*15*time.Second)).(*ui.App)
	golden.RequireEqual(t, []byte(stable(final.View().Content)))
}

// TestHealthFlow is :health production at 80×24 after simulated traffic:
// the failing tenants first, with their main error outcome.
func TestHealthFlow(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	rt.Sandbox.GenerateTraffic(300)
	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "ana@bastion"}, w, h)

	scr.waitFor(t, "namespaces", "3 namespaces")
	tm.Type(":health production")
	tm.Send(key("enter"))
	scr.waitFor(t, "health", "health of production", "failing", "⏱ cpu limit")
	tm.Send(key("ctrl+c"))

	final := tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*15*time.Second)).(*ui.App)
	golden.RequireEqual(t, []byte(stable(final.View().Content)))
}

// TestTailFlow is :tail dispatcher at 80×24: the live tail connects, the
// dispatcher's events and its tenants' arrive, and quitting deletes the
// tail at the sandbox.
func TestTailFlow(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "ana@bastion"}, w, h)

	scr.waitFor(t, "namespaces", "3 namespaces")
	tm.Type(":tail dispatcher")
	tm.Send(key("enter"))
	scr.waitFor(t, "tail", "live tail of dispatcher", "connected")
	if n := rt.Sandbox.OpenTails("dispatcher"); n != 1 {
		t.Fatalf("%d tails open, want 1", n)
	}
	rt.Sandbox.GenerateTraffic(20)
	scr.waitFor(t, "events", "live tail of dispatcher · 40 events", "GET")
	tm.Send(key("ctrl+c"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*15*time.Second)).(*ui.App)
	if !rt.Tails.Wait(15 * time.Second) {
		t.Fatal("the tail stream did not end")
	}
	if n := rt.Sandbox.OpenTails("dispatcher"); n != 0 {
		t.Errorf("%d tails left open after quitting, want 0", n)
	}
	golden.RequireEqual(t, []byte(stable(final.View().Content)))
}

// TestScriptLogsKey opens a script's logs with l on the script screen.
func TestScriptLogsKey(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	rt.Sandbox.GenerateTraffic(150)
	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "ana@bastion"}, w, h)
	scr.waitFor(t, "namespaces", "3 namespaces")
	tm.Send(key("enter"))
	scr.waitFor(t, "production", "200 scripts · 200 shown")
	tm.Type("/=pr-14486-preview-edge")
	tm.Send(key("enter"))
	scr.waitFor(t, "filtered", "1 shown")
	tm.Send(key("enter"))
	scr.waitFor(t, "script", "LIMITS", "l logs")
	tm.Type("l")
	scr.waitFor(t, "its logs", "logs of pr-14486-preview-edge", "events", "polling every 3 s")
	if strings.Contains(scr.text(), "SCRIPT ") {
		t.Error("one script's logs need no SCRIPT column")
	}
	tm.Send(key("esc"))
	scr.waitFor(t, "back on the script", "LIMITS")
	tm.Send(key("ctrl+c"))
	tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*15*time.Second))
}
