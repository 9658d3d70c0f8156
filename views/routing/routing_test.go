package routing

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/screentest"
	"github.com/wfpconsole/wfp/ui"
)

// The whole table loads with the namespace routed into in the title, a
// row per route, and each route's status checked against production's
// scripts: dangling routes say so, the hostile value is escaped.
func TestLoadShowsEveryRouteAndItsStatus(t *testing.T) {
	w := newWorld(t, 0)
	d := w.open(w.common(false), "", 120, 400)
	v := d.View()
	check := w.table.Check(w.prod)
	if len(check.Dangling) == 0 || len(check.Unreadable) == 0 {
		t.Fatalf("the seeded world should have dangling and unreadable routes: %+v", check)
	}
	title := fmt.Sprintf("Routes → production · %d routes · %d shown · 0 marked\n", len(w.table.Routes), len(w.table.Routes))
	state := fmt.Sprintf("%d dangling · %d unreadable · %d unrouted (U) · %s", len(check.Dangling), len(check.Unreadable), len(check.Unrouted), kvNote)
	for _, want := range []string{title, state, "KIND", "KEY", "TARGET", "STATUS"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b") {
		t.Error("a route's escape sequence reached the screen")
	}
	for _, r := range check.Dangling {
		if row := rowOf(v, r); !strings.HasSuffix(strings.TrimSpace(row), "dangling") {
			t.Errorf("dangling route %s: row %q", r.KVKey, row)
		}
	}
	ok := w.route("routes to a script of production", func(r platform.Route) bool { return w.exists(r.Target) })
	if row := rowOf(v, ok); !strings.HasSuffix(strings.TrimSpace(row), "ok") || !strings.Contains(row, string(ok.Kind)) {
		t.Errorf("route %s to an existing script: row %q", ok.KVKey, row)
	}
	if d.S.Title() != "routes" || !model(d).DataAge().Equal(now) {
		t.Errorf("title %q, data age %v", d.S.Title(), model(d).DataAge())
	}
	// 80 columns: every line fits.
	d80 := w.open(w.common(false), "", 80, 24)
	checkWidth(t, d80.View(), 80)
}

// Hostnames (and subdomain labels) differing only in letter case are
// duplicates: the dispatcher looks up the lower-case host, so only one of
// them can serve; the detail says which.
func TestDuplicatesDifferOnlyInCase(t *testing.T) {
	w := newWorld(t, 0)
	ctx := context.Background()
	id, _ := w.client.RoutingNamespace(ctx)
	target := w.route("routes to a script of production", func(r platform.Route) bool { return w.exists(r.Target) }).Target
	for _, k := range []string{"hostname:Shop.Dup-Test.com", "hostname:shop.dup-test.com", "subdomain:Only-Upper"} {
		if err := w.client.PutValue(ctx, id, k, []byte(target)); err != nil {
			t.Fatal(err)
		}
	}
	w.reread()
	d := w.open(w.common(false), "", 120, 400)
	v := d.View()
	for _, key := range []string{"Shop.Dup-Test.com", "shop.dup-test.com"} {
		r := platform.Route{Key: key, Target: target}
		if row := rowOf(v, r); !strings.HasSuffix(strings.TrimSpace(row), "duplicate") {
			t.Errorf("%s: row %q, want duplicate", key, row)
		}
	}
	if row := rowOf(v, platform.Route{Key: "Only-Upper", Target: target}); !strings.HasSuffix(strings.TrimSpace(row), "ok") {
		t.Errorf("a key alone in its case group is no duplicate: %q", row)
	}
	if !strings.Contains(v, "· 2 duplicate") {
		t.Errorf("title does not count the duplicates:\n%s", v)
	}
	d.Press("/")
	d.TypeText("=Shop.Dup")
	d.Press("enter")
	d.Press("y")
	v = d.View()
	if !strings.Contains(v, "hostname:shop.dup-test.com") || !strings.Contains(v, "never serves") {
		t.Errorf("the detail of the upper-case duplicate:\n%s", v)
	}
}

// The filter speaks the scripts screen's grammar over key and target: the
// fuzzy set is sahilm/fuzzy's over "key target", = is an exact substring,
// ! the inverse, -t is refused; esc clears.
func TestFilterGrammar(t *testing.T) {
	w := newWorld(t, 0)
	d := w.open(w.common(false), "", 120, 400)
	texts := make([]string, len(w.table.Routes))
	for i := range w.table.Routes {
		texts[i] = filterText(&w.table.Routes[i])
	}
	shown := func() int { return model(d).table.Len() }
	for _, q := range []string{"t", "tnt", "prod", "api-p", "zzzz"} {
		d.Press("/")
		d.Press("ctrl+u")
		d.TypeText(q)
		if got, want := shown(), len(fuzzy.Find(q, texts)); got != want {
			t.Errorf("/%s shows %d routes, want %d (fuzzy.Find over key and target)", q, got, want)
		}
		d.Press("enter")
	}
	sub := w.table.Routes[0].Key[:3]
	d.Press("/", "ctrl+u")
	d.TypeText("=" + sub)
	want := 0
	for _, s := range texts {
		if strings.Contains(strings.ToLower(s), strings.ToLower(sub)) {
			want++
		}
	}
	if shown() != want {
		t.Errorf("/=%s shows %d, want %d", sub, shown(), want)
	}
	d.Press("ctrl+u")
	d.TypeText("!prod")
	if got, want := shown(), len(texts)-len(fuzzy.Find("prod", texts)); got != want {
		t.Errorf("/!prod shows %d, want %d", got, want)
	}
	d.Press("ctrl+u")
	d.TypeText("-t tier-pro")
	if v := d.View(); !strings.Contains(v, "routes have none") {
		t.Errorf("a tag selector is not refused:\n%s", v)
	}
	d.Press("ctrl+u", "enter", "esc")
	if shown() != len(texts) || model(d).filter.applied != "" {
		t.Errorf("esc did not clear the filter: %d shown", shown())
	}
	// :routes <filter> opens filtered.
	r := w.table.Routes[len(w.table.Routes)/2]
	d2 := w.open(w.common(false), "/="+r.Key, 120, 400)
	if v := d2.View(); !strings.Contains(v, "/="+r.Key+" · substring") || rowOf(v, r) == "" {
		t.Errorf(":routes =%s:\n%s", r.Key, v)
	}
}

// U lists the tenants no route reaches (RoutingTable.Check's Unrouted);
// a adds a route to the one under the cursor.
func TestUnroutedTenants(t *testing.T) {
	w := newWorld(t, 0)
	d := w.open(w.common(false), "", 120, 400)
	unrouted := w.table.Check(w.prod).Unrouted
	if len(unrouted) == 0 {
		t.Fatal("the seeded world should have unrouted tenants")
	}
	d.Press("U")
	v := d.View()
	if !strings.Contains(v, fmt.Sprintf("Unrouted → production · %s with no route", ui.Plural(len(unrouted), "script", "scripts"))) {
		t.Errorf("unrouted title:\n%s", v)
	}
	for _, s := range unrouted {
		if !strings.Contains(v, s) {
			t.Errorf("unrouted %s missing:\n%s", s, v)
		}
	}
	d.Press("a")
	m := model(d)
	if !m.form.open() || m.form.targetName() != unrouted[0] || m.form.routeKey() != subdomainLabel(unrouted[0]) {
		t.Errorf("a on an unrouted script: form %v, target %q, key %q", m.form.open(), m.form.targetName(), m.form.routeKey())
	}
	if v := d.View(); !strings.Contains(v, "✓ "+unrouted[0]+" is a script of production") {
		t.Errorf("the form does not confirm the target:\n%s", v)
	}
	d.Press("esc", "esc")
	if m.unrouted {
		t.Error("esc did not go back to the routes")
	}
}

// a, e and d each plan through the change pipeline, are reviewed with the
// confirmation the rules ask for, are applied and audited, and show in the
// table at once, patched into the cache without reading the table again.
func TestAddRepointDeleteThroughReview(t *testing.T) {
	w := newWorld(t, 0)
	d := w.open(w.common(false), "", 120, 400)
	unrouted := w.table.Check(w.prod).Unrouted[0]

	// Add: the picker completes the target from a prefix.
	d.Press("a")
	d.TypeText("brand-new-tenant")
	d.Press("tab")
	d.TypeText(unrouted[:len(unrouted)-2])
	if v := d.View(); !strings.Contains(v, glyphCursor+" "+unrouted) {
		t.Fatalf("the picker does not offer %s:\n%s", unrouted, v)
	}
	d.Press("tab") // takes the pick
	if got := model(d).form.targetName(); got != unrouted {
		t.Fatalf("tab took %q, want %q", got, unrouted)
	}
	d.Press("enter")
	req := confirmOf(t, d)
	if req.Phrase != "" || req.ReadOnly || !strings.Contains(req.Body, "subdomain:brand-new-tenant") ||
		!strings.Contains(req.Body, "+ "+unrouted) || !strings.Contains(req.Body, "60 s") {
		t.Fatalf("review of one new route: %+v", req)
	}
	sent := w.srv.Requests.Load()
	d.Send(req.OnYes)
	// Applying costs its 3 requests (precondition, gate read, write); the
	// table is patched, not read again.
	if got := w.srv.Requests.Load() - sent; got != 3 {
		t.Errorf("apply and reload sent %d requests, want 3", got)
	}
	applied(t, d)
	if v, ok := w.value("subdomain:brand-new-tenant"); !ok || v != unrouted {
		t.Fatalf("the route at the API: %q, %v", v, ok)
	}
	if row := rowOf(d.View(), platform.Route{Key: "brand-new-tenant", Target: unrouted}); !strings.HasSuffix(strings.TrimSpace(row), "ok") {
		t.Errorf("the new route is not shown as ok: %q\n%s", row, d.View())
	}
	if recs, _, _ := audit.Read(w.auditPath()); len(recs) == 0 || recs[len(recs)-1].Change != "route.put" || recs[len(recs)-1].Actor != "ana@host" {
		t.Errorf("audit: %+v", recs)
	}

	// Repoint a JSON route: its other fields stay.
	js := w.route("has a JSON value", func(r platform.Route) bool { return strings.HasPrefix(r.Raw, "{") && r.Target != "" })
	d.Press("/", "ctrl+u")
	d.TypeText("=" + js.Key)
	d.Press("enter")
	d.Press("e")
	d.TypeText(unrouted)
	d.Press("enter")
	req = confirmOf(t, d)
	if req.Phrase != "" || !strings.Contains(req.Body, `"worker":"`+unrouted+`"`) {
		t.Fatalf("repoint review: %+v", req)
	}
	d.Send(req.OnYes)
	applied(t, d)
	v, _ := w.value(js.KVKey)
	if got, _ := platform.RouteTarget(v); got != unrouted || !strings.Contains(v, `"tier"`) {
		t.Errorf("repointed value %q: want worker %s and the tier kept", v, unrouted)
	}
	if row := rowOf(d.View(), platform.Route{Key: js.Key, Target: unrouted}); row == "" {
		t.Errorf("the repointed route is not shown:\n%s", d.View())
	}

	// Delete: a typed phrase naming the route.
	d.Press("d")
	req = confirmOf(t, d)
	if req.Phrase != "delete "+js.KVKey {
		t.Fatalf("delete asks for %q, want %q", req.Phrase, "delete "+js.KVKey)
	}
	d.Send(req.OnYes)
	applied(t, d)
	if _, ok := w.value(js.KVKey); ok {
		t.Error("the route still exists at the API")
	}
	if strings.Contains(d.View(), " "+js.Key+" ") || model(d).data.t.ByScript[unrouted] == nil {
		t.Errorf("after the delete:\n%s", d.View())
	}
	// The script screens share the patched table.
	routes, _, _ := w.rc.RoutesTo(context.Background(), unrouted)
	if len(routes) != 1 || routes[0].KVKey != "subdomain:brand-new-tenant" {
		t.Errorf("the routing cache's routes to %s: %+v", unrouted, routes)
	}
}

// Marked dangling routes are deleted in one plan, confirmed by typing the
// count.
func TestDeleteMarkedRoutes(t *testing.T) {
	w := newWorld(t, 0)
	d := w.open(w.common(false), "", 120, 400)
	dangling := w.table.Check(w.prod).Dangling
	if len(dangling) < 2 {
		t.Fatal("the seeded world needs two dangling routes")
	}
	for _, r := range dangling[:2] {
		d.Press("/", "ctrl+u")
		d.TypeText("=" + r.Key)
		d.Press("enter", "space")
	}
	d.Press("esc")
	if v := d.View(); !strings.Contains(v, "2 marked") {
		t.Fatalf("marks:\n%s", v)
	}
	d.Press("d")
	req := confirmOf(t, d)
	if req.Phrase != "delete 2 routes" || !strings.Contains(req.Body, dangling[0].KVKey) || !strings.Contains(req.Body, dangling[1].KVKey) {
		t.Fatalf("bulk delete review: %+v", req)
	}
	d.Send(req.OnYes)
	applied(t, d)
	for _, r := range dangling[:2] {
		if _, ok := w.value(r.KVKey); ok {
			t.Errorf("%s still exists", r.KVKey)
		}
	}
	if v := d.View(); !strings.Contains(v, "0 marked") {
		t.Errorf("marks of deleted routes stay:\n%s", v)
	}
}

// applied fails unless the last plan was applied in full.
func applied(t *testing.T, d *driver) {
	t.Helper()
	for i := len(d.Seen) - 1; i >= 0; i-- {
		if a, ok := d.Seen[i].(review.AppliedMsg); ok {
			if a.Result.Err != nil || a.Result.Applied != len(a.Plan.Ops) {
				t.Fatalf("apply: %+v", a.Result)
			}
			return
		}
	}
	t.Fatal("the plan was not applied")
}

// A read-only session opens the forms and sees the plan and why it cannot
// be applied; a yes that reached the screen anyway changes nothing.
func TestReadOnlySessionSeesThePlanOnly(t *testing.T) {
	w := newWorld(t, 0)
	d := w.open(w.common(true), "", 120, 400)
	d.Press("a")
	d.TypeText("read-only-try")
	d.Press("tab")
	d.TypeText(w.prod[0])
	d.Press("enter")
	req := confirmOf(t, d)
	if !req.ReadOnly || !strings.Contains(req.Body, "read-only") || !strings.Contains(req.Body, "subdomain:read-only-try") {
		t.Fatalf("read-only review: %+v", req)
	}
	d.Send(req.OnYes)
	if _, ok := w.value("subdomain:read-only-try"); ok {
		t.Fatal("a read-only session wrote a route")
	}
	for _, m := range d.Seen {
		if _, ok := m.(review.AppliedMsg); ok {
			t.Fatal("a read-only session applied a plan")
		}
	}
}

// A table too costly to read by itself shows its cost and waits for R;
// the add form still works without it.
func TestCostlyTableWaitsForR(t *testing.T) {
	w := newWorld(t, 1)
	d := w.open(w.common(false), "", 80, 24)
	v := d.View()
	if !strings.Contains(v, "reading it costs") || !strings.Contains(v, "press R to read it") {
		t.Fatalf("the cost is not asked:\n%s", v)
	}
	checkWidth(t, v, 80)
	if p := w.rc.Progress(); p.Phase != cache.RoutingNeedsRead {
		t.Errorf("cache phase %v, want NeedsRead", p.Phase)
	}
	d.Send(ui.RefreshMsg{})
	if strings.Contains(d.View(), "Routes → production · ") {
		t.Fatal("ctrl+r read the table")
	}
	d.Press("R")
	v = d.View()
	if !strings.Contains(v, fmt.Sprintf("%d routes", len(w.table.Routes))) || model(d).watch.Running() {
		t.Errorf("after R (watching %v):\n%s", model(d).watch.Running(), v)
	}
}

// A script screen's "add route" opens the form on its script; a script of
// another namespace is flagged.
func TestOpenedToAddARouteToAScript(t *testing.T) {
	w := newWorld(t, 0)
	d := w.open(w.common(false), "add=staging/some-staging-script", 120, 40)
	m := model(d)
	if !m.form.open() || m.form.targetName() != "some-staging-script" || m.form.routeKey() != "some-staging-script" {
		t.Fatalf("form %+v", m.form)
	}
	v := d.View()
	for _, want := range []string{"Add a route → production", "the script is in staging; the routing table routes into production",
		"is not a script of production: the route will dangle"} {
		if !strings.Contains(v, want) {
			t.Errorf("form lacks %q:\n%s", want, v)
		}
	}
}

// Why the table is patched, not read again, after a change: for up to
// 60 s Workers KV may still answer the value from before the write (the
// sandbox's kv-stale fault), so a re-read would show the old target. The
// screen shows what was written.
func TestAChangeShowsWhileKVStillAnswersTheOldValue(t *testing.T) {
	w := newWorld(t, 0)
	d := w.open(w.common(false), "", 120, 400)
	r := w.route("routes to a script of production", func(r platform.Route) bool { return r.Kind == platform.RouteSubdomain && w.exists(r.Target) })
	other := w.table.Check(w.prod).Unrouted[0]
	w.sb.SetFaults(sandbox.Faults{KVStale: time.Minute})
	d.Press("/")
	d.TypeText("=" + r.Key)
	d.Press("enter", "e")
	d.TypeText(other)
	d.Press("enter")
	d.Send(confirmOf(t, d).OnYes)
	applied(t, d)
	if row := rowOf(d.View(), platform.Route{Key: r.Key, Target: other}); !strings.HasSuffix(strings.TrimSpace(row), "ok") {
		t.Errorf("the repointed route does not show its new target:\n%s", d.View())
	}
	if v, _ := w.value(r.KVKey); v != r.Raw {
		t.Fatalf("KV answers %q; the test needs it to still answer the old value %q", v, r.Raw)
	}
}

// While R reads the table, the cache's watch pushes its progress to the
// state line (no polling); the watch ends with the read.
func TestReadShowsProgress(t *testing.T) {
	w := newWorld(t, 1)
	d := w.open(w.common(false), "", 120, 40)
	m := model(d)
	if m.watch.Running() {
		t.Fatal("a watch is left running while nothing loads")
	}
	w.sb.SetFaults(sandbox.Faults{Latency: 200 * time.Millisecond})
	_, cmd := m.Update(screentest.Key("R"))
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("R returned %T, want the read and the watch", cmd)
	}
	read := make(chan tea.Msg, 1)
	go func() { read <- batch[0]() }()
	next := d.Exec(batch[1])
	deadline := time.Now().Add(20 * time.Second)
	for m.watch.Progress.Phase != cache.RoutingReading {
		if time.Now().After(deadline) || len(next) != 1 {
			t.Fatalf("the read never reached the values: %+v (%d messages)", m.watch.Progress, len(next))
		}
		_, cmd := m.Update(next[0])
		next = d.Exec(cmd)
	}
	p := m.watch.Progress
	want := "reading routing table · " + ui.Commas(p.Read) + " of " + ui.Commas(p.Routes) + " routes (" + ui.Commas(p.Listed) + " keys)"
	if v := d.View(); !strings.Contains(v, want) || !strings.Contains(v, "background, waits for API budget") {
		t.Errorf("progress lacks %q:\n%s", want, v)
	}
	msg := <-read
	w.sb.SetFaults(sandbox.Faults{})
	d.Send(msg)
	if v := d.View(); !strings.Contains(v, fmt.Sprintf("%d routes", len(w.table.Routes))) || m.watch.Running() {
		t.Errorf("after the read (watching %v):\n%s", m.watch.Running(), v)
	}
}

// E edits a route's whole value: the JSON's other fields are written as
// typed, the value is checked as it is typed, and the change is reviewed
// and applied like any other.
func TestEditRouteValueAsJSON(t *testing.T) {
	w := newWorld(t, 0)
	d := w.open(w.common(false), "", 120, 60)
	m := d.S.(*Model)
	r, ok := m.table.Current()
	if !ok {
		t.Fatal("no route")
	}
	key := r.KVKey
	d.Press("E")
	if v := d.View(); !strings.Contains(v, "Value of") || !strings.Contains(v, "✓ routes to "+r.Target) {
		t.Fatalf("the editor:\n%s", v)
	}
	// Replace the text with a JSON value naming the same worker.
	d.Press("ctrl+a")
	for range 200 {
		d.Press("ctrl+k")
		d.Press("backspace")
	}
	d.S.Update(tea.PasteMsg{Content: `{"mode":"canary"}`})
	if v := d.View(); !strings.Contains(v, `JSON value has no "worker" field`) {
		t.Fatalf("a value naming no script is not flagged:\n%s", v)
	}
	d.Press("ctrl+s")
	for _, msg := range d.Seen {
		if _, ok := msg.(review.PlannedMsg); ok {
			t.Fatal("a broken value was planned")
		}
	}
	for range 40 {
		d.Press("backspace")
	}
	raw := `{"worker":"` + r.Target + `","mode":"canary"}`
	d.S.Update(tea.PasteMsg{Content: raw})
	d.Press("ctrl+s")
	req := confirmOf(t, d)
	if !strings.Contains(req.Body, `"mode":"canary"`) {
		t.Fatalf("review:\n%s", req.Body)
	}
	d.Send(req.OnYes)
	if v, ok := w.value(key); !ok || v != raw {
		t.Fatalf("stored %q (%v), want %q", v, ok, raw)
	}
}
