package main

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Two operators on one Runtime (what `wfp serve` will do): they share the
// API budget and the listing cache, but not screens, filters or marks, and
// each acts under their own name and role.
func TestTwoSessionsShareTheRuntimeNotTheScreens(t *testing.T) {
	rt := testRuntime(t, 2500)
	ana, err := NewSession(t.Context(), rt, sessionOptions{Actor: cfclient.Actor{Name: "ana@bastion"}})
	if err != nil {
		t.Fatal(err)
	}
	ben, err := NewSession(t.Context(), rt, sessionOptions{Actor: cfclient.Actor{Name: "ben@bastion", ReadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 120, 40
	tmA := teatest.NewTestModel(t, ana.App, teatest.WithInitialTermSize(w, h))
	tmB := teatest.NewTestModel(t, ben.App, teatest.WithInitialTermSize(w, h))
	scrA := newScreen(t, tmA.Output(), w, h)
	scrB := newScreen(t, tmB.Output(), w, h)

	// Ana lists production from the API: the first open of a namespace.
	scrA.waitFor(t, "ana: namespaces", "3 namespaces", "production")
	tmA.Send(key("enter"))
	scrA.waitFor(t, "ana: production", "2,500 scripts · 2,500 shown · 0 marked")
	used := settledUsed(t, rt)
	if used < 4 { // the namespaces, 3 pages of scripts
		t.Fatalf("ana's opening used %d requests, want at least 4", used)
	}

	// One budget: both sessions' headers read the same throttle.
	if a, b := ana.Common.Header().Budget, ben.Common.Header().Budget; a.Used != b.Used || a.Limit != b.Limit || a.Used != used {
		t.Errorf("budgets differ: ana %+v, ben %+v (throttle used %d)", a, b, used)
	}

	// Ben opens the same namespace: the rows come from the listing cache
	// Ana's listing filled, so only the namespace list and the script
	// count are requested, not the three pages again.
	scrB.waitFor(t, "ben: namespaces", "3 namespaces", "production")
	tmB.Send(key("enter"))
	scrB.waitFor(t, "ben: production", "2,500 scripts · 2,500 shown · 0 marked")
	if extra := settledUsed(t, rt) - used; extra > 2 {
		t.Errorf("ben's open of a cached namespace sent %d requests, want at most 2 (no listing)", extra)
	}

	// Screens and marks are each session's own.
	tmA.Type(" ")
	scrA.waitFor(t, "ana marks a script", "2,500 scripts · 2,500 shown · 1 marked")
	tmA.Type("/")
	tmA.Type("t42")
	tmA.Send(key("enter"))
	scrA.waitFor(t, "ana filters", "/t42 · fuzzy")
	time.Sleep(100 * time.Millisecond) // let a wrongly shared mark or filter show
	scrB.waitFor(t, "ben is untouched", "2,500 scripts · 2,500 shown · 0 marked")
	if txt := scrB.text(); strings.Contains(txt, "/t42") {
		t.Errorf("ana's filter shows in ben's session:\n%s", txt)
	}

	// Roles are the session's: the header says so, and the client's gate
	// refuses a viewer's change before any request (and audits it under
	// the viewer's name).
	if !ben.Common.Header().ReadOnly || ana.Common.Header().ReadOnly {
		t.Error("RO/RW badges do not follow the sessions' roles")
	}
	before := settledUsed(t, rt)
	err = rt.Client.DeleteNamespace(ben.Common.Context(), "testing")
	if !errors.Is(err, cfclient.ErrReadOnly) {
		t.Errorf("a viewer deleted a namespace: %v", err)
	}
	if settledUsed(t, rt) != before {
		t.Error("the refused change sent a request")
	}
	log, err := os.ReadFile(rt.Audit.Path())
	if err != nil {
		t.Fatalf("the refusal was not audited: %v", err)
	}
	var rec audit.Record
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil || rec.Actor != "ben@bastion" ||
		rec.Op != "namespace.delete" || !strings.HasPrefix(rec.Result, "refused:") {
		t.Errorf("audit line %+v (%v), want ben's refused namespace.delete", rec, err)
	}

	tmA.Send(key("ctrl+c"))
	tmB.Send(key("ctrl+c"))
	tmA.WaitFinished(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second))
	tmB.WaitFinished(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second))
}

// settledUsed waits until no request is queued or in flight and returns
// how many the throttle has counted in its window.
func settledUsed(t *testing.T, rt *Runtime) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := rt.Client.Stats()
		if st.InFlight == 0 && st.QueuedInteractive == 0 && st.QueuedBackground == 0 {
			time.Sleep(50 * time.Millisecond)
			if again := rt.Client.Stats(); again.Used == st.Used && again.InFlight == 0 {
				return st.Used
			}
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("requests never settled: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A session reaches the tiers screen with :tiers and the namespace forms
// from the root, and their changes go through the App's review dialog to
// the API and the audit log under the operator's name.
func TestSessionChangesTiersAndNamespaces(t *testing.T) {
	rt := testRuntime(t, 200)
	sess := testSession(t, rt, cfclient.Actor{Name: "ana@bastion"})
	const w, h = 100, 30
	tm := teatest.NewTestModel(t, sess.App, teatest.WithInitialTermSize(w, h))
	scr := newScreen(t, tm.Output(), w, h)
	scr.waitFor(t, "namespaces", "3 namespaces", "production")

	tm.Type(":tiers")
	tm.Send(key("enter"))
	scr.waitFor(t, "tiers", "3 tiers", "SUBREQUESTS", "enterprise", "cached listing")
	tm.Type("a")
	tm.Type("gold")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Type("500")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Type("200")
	tm.Send(key("enter"))
	scr.waitFor(t, "review", "Rewrite the tier table tiers?", "tiers.define")
	tm.Type("y")
	scr.waitFor(t, "re-read", "4 tiers", "gold")
	ts, err := rt.Client.ReadTiers(t.Context())
	if err != nil || len(ts) != 4 {
		t.Fatalf("tiers at the API: %+v, %v", ts, err)
	}

	tm.Send(key("esc"))
	scr.waitFor(t, "back to the namespaces", "3 namespaces")
	tm.Type("n")
	tm.Type("tenant-beta")
	tm.Send(key("enter"))
	scr.waitFor(t, "review", "Create namespace tenant-beta?")
	tm.Type("y")
	scr.waitFor(t, "listed again", "4 namespaces", "tenant-beta")

	recs, _, err := audit.Read(rt.Audit.Path())
	if err != nil || len(recs) < 2 {
		t.Fatalf("audit: %+v, %v", recs, err)
	}
	for i, want := range []string{"tiers.define", "namespace.create"} {
		r := recs[len(recs)-2+i]
		if r.Change != want || r.Actor != "ana@bastion" || !r.OK() {
			t.Errorf("audit line %+v, want ana's %s", r, want)
		}
	}
	tm.Send(key("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second))
}

// A change applied anywhere (here: an undo, as from :audit) keeps the
// runtime's routing cache in step, without re-reading the table.
func TestAppliedRouteChangesPatchTheRoutingCache(t *testing.T) {
	rt := testRuntime(t, 50)
	ctx := cfclient.WithActor(t.Context(), cfclient.Actor{Name: "ana@host"})
	table, _, err := rt.Routing.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	target := table.Routes[0].Target
	op, err := rt.Planner.PutRoute(ctx, "production", platform.RouteHostname, "patched.example.com", target)
	if err != nil {
		t.Fatal(err)
	}
	if res := rt.Changes.Apply(ctx, change.NewPlan("ana@host", time.Now(), op)); res.Err != nil {
		t.Fatal(res.Err)
	}
	routes, _, err := rt.Routing.RoutesTo(ctx, target)
	if err != nil || !slices.ContainsFunc(routes, func(r platform.Route) bool { return r.Key == "patched.example.com" }) {
		t.Fatalf("the cache does not have the new route: %+v, %v", routes, err)
	}
	inv, _ := op.Inverse()
	if res := rt.Changes.Apply(ctx, change.NewPlan("ana@host", time.Now(), inv)); res.Err != nil {
		t.Fatal(res.Err)
	}
	routes, _, _ = rt.Routing.RoutesTo(ctx, target)
	if slices.ContainsFunc(routes, func(r platform.Route) bool { return r.Key == "patched.example.com" }) {
		t.Fatalf("the undone route is still cached: %+v", routes)
	}
}
