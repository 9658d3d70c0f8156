package tiers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/ui"
)

// now is the clock of the sandbox, the client and the screen.
var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// world is a seeded sandbox (300 production scripts, 30 staging, a few
// testing) with the runtime pieces the screen uses.
type world struct {
	t     *testing.T
	e     *sandboxtest.Env
	store *cache.Store
	rc    *cache.RoutingCache
}

func newWorld(t *testing.T) *world {
	t.Helper()
	e := sandboxtest.Start(t, sandbox.Options{Seed: 1, Scripts: 300, Now: clock}, func(o *cfclient.Options) { o.Now = clock })
	w := &world{t: t, e: e, store: e.Store(e.Client)}
	w.rc = cache.NewRoutingCache(e.Client, w.store)
	t.Cleanup(w.rc.Close)
	return w
}

// source is the screen's Source on the world, acting through client c.
func (w *world) source() Source {
	return Source{
		Client:   w.e.Client,
		Tiers:    w.rc,
		Listings: w.store,
		Planner:  change.NewPlanner(w.e.Client),
		Applier:  change.NewApplier(w.e.Client, audit.New(w.e.AuditPath()), "test"),
	}
}

// open builds the screen on c (a fresh Common when nil) and loads it.
func (w *world) open(c *ui.Common) *driver {
	w.t.Helper()
	if c == nil {
		c = ui.NewCommon(w.t.Context(), clock, nil)
	}
	s, err := Factory(w.source())(c, ui.Route{Kind: Kind})
	if err != nil {
		w.t.Fatal(err)
	}
	d := newDriver(w.t, s, 80, 30)
	d.Run(d.S.Init())
	return d
}

// exact counts the scripts on tier name in every namespace with the API's
// tag filter: the truth the screen's counts are checked against.
func (w *world) exact(name string) int {
	w.t.Helper()
	ctx := context.Background()
	nss, err := w.e.Client.ListNamespaces(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, ns := range nss {
		err := w.e.Client.ListScripts(ctx, ns.Name, cfclient.TagFilter{Has: []string{"tier-" + name}}, func(p []cfclient.Script) error {
			n += len(p)
			return nil
		})
		if err != nil {
			w.t.Fatal(err)
		}
	}
	return n
}

// cacheListing saves ns's complete listing to the listing cache, as the
// scripts screen does after listing it.
func (w *world) cacheListing(ns string) []cfclient.Script {
	w.t.Helper()
	var all []cfclient.Script
	var pages [][]cfclient.Script
	err := w.e.Client.ListScripts(context.Background(), ns, cfclient.TagFilter{}, func(p []cfclient.Script) error {
		pages = append(pages, p)
		all = append(all, p...)
		return nil
	})
	if err == nil {
		err = w.store.SaveScripts(ns, pages)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return all
}

// stored is the tier table at the API.
func (w *world) stored() []platform.Tier {
	w.t.Helper()
	ts, err := w.e.Client.ReadTiers(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return ts
}

// confirmOf returns the review the screen asked for last.
func confirmOf(t *testing.T, d *driver) ui.ConfirmRequest {
	t.Helper()
	for i := len(d.Seen) - 1; i >= 0; i-- {
		if c, ok := d.Seen[i].(ui.ConfirmMsg); ok {
			return c.Request
		}
	}
	t.Fatalf("no review was asked for; the screen:\n%s", d.View())
	return ui.ConfirmRequest{}
}

// applied returns the result of the plan applied, failing when none was.
func applied(t *testing.T, d *driver) change.Result {
	t.Helper()
	for i := len(d.Seen) - 1; i >= 0; i-- {
		if a, ok := d.Seen[i].(review.AppliedMsg); ok {
			return a.Result
		}
	}
	t.Fatal("no plan was applied")
	return change.Result{}
}

// errorIn is the last error status among msgs (zero when none).
func errorIn(msgs []tea.Msg) ui.StatusMsg {
	var st ui.StatusMsg
	for _, m := range msgs {
		if s, ok := m.(ui.StatusMsg); ok && s.Level == ui.LevelError {
			st = s
		}
	}
	return st
}

// lastAudit is the audit log's last record.
func (w *world) lastAudit() audit.Record {
	w.t.Helper()
	recs, _, err := audit.Read(w.e.AuditPath())
	if err != nil || len(recs) == 0 {
		w.t.Fatalf("audit log: %d records, %v", len(recs), err)
	}
	return recs[len(recs)-1]
}

// rowLine is the view's line of tier name.
func rowLine(v, name string) string {
	for _, l := range strings.Split(v, "\n") {
		if f := strings.Fields(strings.TrimLeft(l, "▸ ")); len(f) > 0 && f[0] == name {
			return l
		}
	}
	return ""
}

func TestTheTableAndWhereItsCountsComeFrom(t *testing.T) {
	w := newWorld(t)
	d := w.open(nil)
	v := d.View()
	for _, want := range []string{"3 tiers", "NAME", "CPU MS", "SUBREQUESTS", "SCRIPTS",
		"cached listing (no API request)", "production", "not counted: not cached yet", "C lists every namespace"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if l := rowLine(v, "enterprise"); !strings.Contains(l, "300") || !strings.Contains(l, "1,000") || !strings.Contains(l, "~0") {
		t.Errorf("enterprise row %q: 300 ms, 1,000 subrequests, ~0 counted", l)
	}
	checkWidth(t, v, 80)

	// The scripts screen cached production: its tier tags are counted, and
	// the other namespaces still are not (so the counts stay marked ~).
	prod := w.cacheListing("production")
	want := 0
	for _, s := range prod {
		if tier, _ := w.e.Client.TierOf(s.Tags); tier == "pro" {
			want++
		}
	}
	d.Send(ui.RefreshMsg{})
	v = d.View()
	if l := rowLine(v, "pro"); !strings.Contains(l, fmt.Sprintf("~%s", ui.Commas(want))) {
		t.Errorf("pro row %q, want ~%d from production's cached listing:\n%s", l, want, v)
	}
	if !strings.Contains(v, "300 scripts listed just now") {
		t.Errorf("production's count should say how old its listing is:\n%s", v)
	}

	// C lists every namespace at the API: the counts are exact (no ~) and
	// every listing is now in the cache.
	d.Press("C")
	v = d.View()
	for _, name := range []string{"free", "pro", "enterprise"} {
		n := w.exact(name)
		if l := rowLine(v, name); !strings.HasSuffix(strings.TrimSpace(l), " "+ui.Commas(n)) || strings.Contains(l, "~") {
			t.Errorf("%s row %q, want exactly %d", name, l, n)
		}
	}
	if !strings.Contains(v, "listing at the API (C)") {
		t.Errorf("the counts should say they come from the API now:\n%s", v)
	}
	if _, err := w.store.Scripts("staging"); err != nil {
		t.Errorf("C did not cache staging's listing: %v", err)
	}
}

func TestAddATierValidatesLiveThenPlansReviewsAppliesAndRereads(t *testing.T) {
	w := newWorld(t)
	d := w.open(nil)
	d.Press("a")
	if !d.S.Capturing() || !strings.Contains(d.View(), "Add a tier") {
		t.Fatalf("a should open the add form with the keyboard:\n%s", d.View())
	}
	d.TypeText("Gold")
	if v := d.View(); !strings.Contains(v, "name: must use only lower-case letters") {
		t.Errorf("a bad name is not named live:\n%s", v)
	}
	d.Press("backspace", "backspace", "backspace", "backspace")
	d.TypeText("pro")
	if v := d.View(); !strings.Contains(v, `tier "pro": exists already`) {
		t.Errorf("a taken name is not named live:\n%s", v)
	}
	d.Press("backspace", "backspace", "backspace")
	d.TypeText("gold")
	d.Press("tab")
	d.TypeText("5")
	if v := d.View(); !strings.Contains(v, `tier "gold" cpuMs: must be between 10 and 300000 (got 5)`) {
		t.Errorf("the cpuMs range is not shown live:\n%s", v)
	}
	d.TypeText("00")
	d.Press("tab")
	d.TypeText("2000")
	if v := d.View(); !strings.Contains(v, `subRequests: must be between 5 and 1000 (got 2000)`) {
		t.Errorf("the subRequests range is not shown live:\n%s", v)
	}
	d.Press("enter") // refused: nothing is planned
	for _, m := range d.Seen {
		if _, ok := m.(review.PlannedMsg); ok {
			t.Fatal("a form breaking a rule was planned")
		}
	}
	d.Press("backspace", "backspace", "backspace")
	d.TypeText("00")
	if v := d.View(); !strings.Contains(v, "✓ gold: 500 ms cpu · 200 subrequests · the table will have 4 tiers") {
		t.Errorf("a valid form should say what it adds:\n%s", v)
	}
	d.Press("enter")
	req := confirmOf(t, d)
	if !strings.Contains(req.Body, "tiers.define tiers") || !strings.Contains(req.Body, `"gold":{"cpuMs":500,"subRequests":200}`) ||
		req.Phrase != "" || req.ReadOnly {
		t.Fatalf("review of one reversible table change:\n%+v", req)
	}
	d.Send(req.OnYes)
	if r := applied(t, d); r.Err != nil || r.Applied != 1 {
		t.Fatalf("apply: %+v", r)
	}
	if g := platform.FindTier(w.stored(), "gold"); g == nil || g.CPUMs != 500 || g.SubRequests != 200 {
		t.Fatalf("gold at the API: %+v", w.stored())
	}
	if rec := w.lastAudit(); rec.Change != "tiers.define" || rec.PlanID == "" || !rec.OK() {
		t.Errorf("audit: %+v", rec)
	}
	// Re-read (the routing cache forgot its copy): the new row is shown.
	if v := d.View(); !strings.Contains(v, "4 tiers") || !strings.Contains(rowLine(v, "gold"), "500") || d.S.Capturing() {
		t.Errorf("the screen did not re-read the table:\n%s", v)
	}
}

func TestEditATierKeepsItsName(t *testing.T) {
	w := newWorld(t)
	d := w.open(nil)
	d.Press("j") // pro
	d.Press("e")
	v := d.View()
	if !strings.Contains(v, "Edit tier pro") || strings.Contains(v, "name        >") {
		t.Fatalf("the edit form should name the tier and not offer the name:\n%s", v)
	}
	if !strings.Contains(v, `tier "pro": is unchanged`) {
		t.Errorf("an unchanged tier should say so:\n%s", v)
	}
	d.Press("ctrl+u")
	d.TypeText("75")
	if v := d.View(); !strings.Contains(v, "cpu 50 → 75 ms") {
		t.Errorf("the edit should say what changes:\n%s", v)
	}
	d.Press("enter")
	d.Send(confirmOf(t, d).OnYes)
	if p := platform.FindTier(w.stored(), "pro"); p == nil || p.CPUMs != 75 || p.SubRequests != 50 {
		t.Fatalf("pro at the API: %+v", w.stored())
	}
	if l := rowLine(d.View(), "pro"); !strings.Contains(l, "75") {
		t.Errorf("pro row after the edit: %q", l)
	}
}

// Removing a tier scripts use is refused with their number, counted at
// the API whatever the cache says; an unused tier is removed.
func TestRemovingATierInUseIsRefusedWithTheCount(t *testing.T) {
	w := newWorld(t)
	d := w.open(nil) // nothing cached: the screen's own counts are ~0
	d.Press("j")     // pro
	d.TakeSeen()
	d.Press("d")
	n := w.exact("pro")
	if n == 0 {
		t.Fatal("the seeded world has no pro scripts")
	}
	for _, m := range d.Seen {
		if p, isPlan := m.(review.PlannedMsg); isPlan && p.Err == nil {
			t.Fatal("removing a tier in use was planned")
		}
	}
	st := errorIn(d.Seen)
	want := fmt.Sprintf(`tier "pro": cannot be removed: %d scripts are on it`, n)
	if !strings.Contains(st.Text, want) {
		t.Fatalf("status %+v, want %q", st, want)
	}
	if platform.FindTier(w.stored(), "pro") == nil {
		t.Fatal("pro was removed")
	}

	// An unused tier goes.
	if err := w.e.Client.WriteTiers(context.Background(), append(w.stored(), platform.Tier{Name: "unused", CPUMs: 20, SubRequests: 20})); err != nil {
		t.Fatal(err)
	}
	d.Send(ui.RefreshMsg{})
	d.Press("g", "j") // the table is sorted by cpu: unused (20 ms) is second
	if cur, _ := d.S.(*Model).table.Current(); cur.tier.Name != "unused" {
		t.Fatalf("cursor on %q, want unused:\n%s", cur.tier.Name, d.View())
	}
	d.Press("d")
	req := confirmOf(t, d)
	if !strings.Contains(req.Body, "unused") {
		t.Errorf("review:\n%s", req.Body)
	}
	d.Send(req.OnYes)
	if r := applied(t, d); r.Err != nil {
		t.Fatal(r.Err)
	}
	if platform.FindTier(w.stored(), "unused") != nil || len(w.stored()) != 3 {
		t.Fatalf("table at the API: %+v", w.stored())
	}
	if v := d.View(); strings.Contains(v, "unused") || !strings.Contains(v, "3 tiers") {
		t.Errorf("the screen did not re-read:\n%s", v)
	}
}

func TestEditTheWholeTableAsJSON(t *testing.T) {
	w := newWorld(t)
	d := w.open(nil)
	d.Press("E")
	v := d.View()
	if !strings.Contains(v, `"enterprise": {"cpuMs": 300, "subRequests": 1000}`) || !strings.Contains(v, "✓ 3 tiers · no change") {
		t.Fatalf("the editor should open on the table:\n%s", v)
	}
	replace := func(text string) {
		d.Press("ctrl+g") // select all; a paste replaces the selection
		d.Send(tea.PasteMsg{Content: text})
	}
	replace(`{"free": {"cpuMs": 10, "subRequests": 5}, "free": {"cpuMs": 20, "subRequests": 5}}`)
	if v := d.View(); !strings.Contains(v, `✗ tier "free": appears twice`) {
		t.Errorf("a name given twice is not named:\n%s", v)
	}
	replace(`{"free": {"cpuMs": 1, "subRequests": 5}}`)
	if v := d.View(); !strings.Contains(v, `tier "free" cpuMs: must be between 10 and 300000 (got 1)`) {
		t.Errorf("a broken range is not named:\n%s", v)
	}
	d.Press("ctrl+s")
	for _, m := range d.Seen {
		if _, ok := m.(review.PlannedMsg); ok {
			t.Fatal("a table breaking a rule was planned")
		}
	}
	next := `{
  "free": {"cpuMs": 10, "subRequests": 5},
  "pro": {"cpuMs": 60, "subRequests": 50},
  "enterprise": {"cpuMs": 300, "subRequests": 1000},
  "gold": {"cpuMs": 1000, "subRequests": 500}
}`
	replace(next)
	if v := d.View(); !strings.Contains(v, "✓ 4 tiers · adds gold · changes pro") {
		t.Errorf("the editor should say what the table changes:\n%s", v)
	}
	d.Press("ctrl+s")
	d.Send(confirmOf(t, d).OnYes)
	got := w.stored()
	if g, p := platform.FindTier(got, "gold"), platform.FindTier(got, "pro"); len(got) != 4 || g == nil || g.CPUMs != 1000 || p == nil || p.CPUMs != 60 {
		t.Fatalf("table at the API: %+v", got)
	}
	if rec := w.lastAudit(); rec.Change != "tiers.define" {
		t.Errorf("audit: %+v", rec)
	}
	if v := d.View(); !strings.Contains(v, "4 tiers") || d.S.Capturing() {
		t.Errorf("the screen did not close the editor and re-read:\n%s", v)
	}
}

// A read-only session opens the forms and sees the plan; nothing offers
// to apply it, and a yes sent anyway is refused before the gate (which
// would refuse it too).
func TestReadOnlySessionSeesThePlanOnly(t *testing.T) {
	w := newWorld(t)
	c := ui.NewCommon(cfclient.WithActor(t.Context(), cfclient.Actor{Name: "viewer@test", ReadOnly: true}), clock, nil)
	c.ReadOnly = true
	d := w.open(c)
	d.Press("a")
	d.TypeText("gold")
	d.Press("tab")
	d.TypeText("100")
	d.Press("tab")
	d.TypeText("100")
	d.Press("enter")
	req := confirmOf(t, d)
	if !req.ReadOnly || !strings.Contains(req.Body, "read-only") || !strings.Contains(req.Body, "gold") {
		t.Fatalf("read-only review: %+v", req)
	}
	d.Send(req.OnYes)
	for _, m := range d.Seen {
		if a, ok := m.(review.AppliedMsg); ok {
			t.Fatalf("a read-only session applied a plan: %+v", a.Result)
		}
	}
	if platform.FindTier(w.stored(), "gold") != nil {
		t.Fatal("gold reached the API")
	}
}

// A stored table that breaks a rule is shown as an error, and E opens it as
// stored so it can be fixed and planned.
func TestABrokenStoredTableIsFixedInTheEditor(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	id, err := w.e.Client.RoutingNamespace(ctx)
	if err == nil {
		err = w.e.Client.PutValue(ctx, id, "tiers", []byte(`{"free":{"cpuMs":1,"subRequests":5}}`))
	}
	if err != nil {
		t.Fatal(err)
	}
	d := w.open(nil)
	if v := d.View(); !strings.Contains(v, "✗ error:") || !strings.Contains(v, "E edits the stored table as text") {
		t.Fatalf("a broken table should be an error with a way out:\n%s", v)
	}
	d.Press("E")
	v := d.View()
	if !strings.Contains(v, "as stored (it breaks a rule)") || !strings.Contains(v, `"cpuMs": 1`) {
		t.Fatalf("E should open the stored text:\n%s", v)
	}
	d.Press("ctrl+g")
	d.Send(tea.PasteMsg{Content: `{"free": {"cpuMs": 10, "subRequests": 5}}`})
	d.Press("ctrl+s")
	d.Send(confirmOf(t, d).OnYes)
	if got := w.stored(); len(got) != 1 || got[0].CPUMs != 10 {
		t.Fatalf("table at the API: %+v", got)
	}
	if v := d.View(); strings.Contains(v, "error") || !strings.Contains(v, "1 tier") {
		t.Errorf("the screen should show the fixed table:\n%s", v)
	}
}

// C asks first when listing every namespace costs more than askAbove
// requests, and says what it costs.
func TestCountingAtTheAPIAsksFirstWhenCostly(t *testing.T) {
	w := newWorld(t)
	d := w.open(nil)
	m := d.S.(*Model)
	m.usage.nss = []nsCount{{name: "big", scripts: 150_000}, {name: "small", scripts: 10}}
	d.TakeSeen()
	d.Press("C")
	req := confirmOf(t, d)
	if !strings.Contains(req.Body, "151 API requests") || req.OnYes != (countConfirmedMsg{key: m.key}) {
		t.Fatalf("the cost of C: %+v", req)
	}
	if m.counting {
		t.Error("C counted before the operator said yes")
	}
}

func TestNarrowWidthsFit(t *testing.T) {
	w := newWorld(t)
	for _, width := range []int{60, 80, 120} {
		d := w.open(nil)
		d.S.SetSize(width, 24)
		checkWidth(t, d.View(), width)
		d.Press("j", "e")
		checkWidth(t, d.View(), width)
		d.Press("esc", "E")
		checkWidth(t, d.View(), width)
		if n := strings.Count(d.View(), "\n") + 1; n > 24 {
			t.Errorf("width %d: the editor is %d lines tall in 24", width, n)
		}
	}
}

// A form changes one tier of the table as stored when it is planned: a
// tier another operator added since the screen read the table is kept, and
// editing a tier they removed is refused.
func TestAFormChangesTheTableAsStoredNow(t *testing.T) {
	w := newWorld(t)
	d := w.open(nil)
	ctx := context.Background()
	if err := w.e.Client.WriteTiers(ctx, append(w.stored(), platform.Tier{Name: "silver", CPUMs: 30, SubRequests: 30})); err != nil {
		t.Fatal(err)
	}
	d.Press("a")
	d.TypeText("gold")
	d.Press("tab")
	d.TypeText("500")
	d.Press("tab")
	d.TypeText("200")
	d.Press("enter")
	d.Send(confirmOf(t, d).OnYes)
	if got := w.stored(); len(got) != 5 || platform.FindTier(got, "silver") == nil || platform.FindTier(got, "gold") == nil {
		t.Fatalf("table at the API: %+v", got)
	}

	// Another operator removes pro while the screen still shows it.
	next := slices.DeleteFunc(w.stored(), func(x platform.Tier) bool { return x.Name == "pro" })
	if err := w.e.Client.WriteTiers(ctx, next); err != nil {
		t.Fatal(err)
	}
	for cur, _ := d.S.(*Model).table.Current(); cur.tier.Name != "pro"; cur, _ = d.S.(*Model).table.Current() {
		d.Press("j")
	}
	d.TakeSeen()
	d.Press("e")
	d.Press("ctrl+u")
	d.TypeText("70")
	d.Press("enter")
	st := errorIn(d.Seen)
	if !strings.Contains(st.Text, `tier "pro": is no longer in the stored table`) {
		t.Fatalf("status %+v; seen %v", st, d.Seen)
	}
	if platform.FindTier(w.stored(), "pro") != nil {
		t.Fatal("the edit put pro back")
	}
}
