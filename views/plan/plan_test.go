package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/jobs"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/bulk"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/screentest"
	"github.com/wfpconsole/wfp/ui"
)

func TestMain(m *testing.M) { screentest.Main(m) }

// world is a sandbox, the runtime's pieces the plan screen uses, and a
// listing of production.
type world struct {
	e       *sandboxtest.Env
	deps    Deps
	scripts []cfclient.Script
	engine  *jobs.Engine
}

func newWorld(t *testing.T, n int) *world {
	t.Helper()
	e := sandboxtest.Start(t, sandbox.Options{Seed: 2, Scripts: n}, nil)
	w := &world{e: e}
	e.Client.ListScripts(t.Context(), "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		w.scripts = append(w.scripts, p...)
		return nil
	})
	applier := change.NewApplier(e.Client, audit.New(filepath.Join(e.Dir, "audit.jsonl")), "test")
	eng, err := jobs.New(jobs.Options{Dir: filepath.Join(e.Dir, "jobs"), Applier: applier, Client: e.Client,
		Audit: audit.New(filepath.Join(e.Dir, "audit.jsonl"))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	w.engine = eng
	store := e.Store(e.Client)
	rc := cache.NewRoutingCache(e.Client, store)
	t.Cleanup(rc.Close)
	dir := t.TempDir()
	w.deps = Deps{Planner: change.NewPlanner(e.Client), Routing: rc, LastUse: cache.NewLastUsedCache(e.Client),
		Listings: store, Jobs: eng, Stats: e.Client.Stats, Actor: e.Client.Actor, DeleteByTags: e.Client.DeleteAllByTags,
		Save: func(p *change.Plan) (string, error) {
			path := filepath.Join(dir, p.ID+".json")
			b, err := json.Marshal(p)
			if err != nil {
				return "", err
			}
			return path, os.WriteFile(path, b, 0o600)
		}}
	return w
}

// open builds a plan screen and hands it a selection.
func (w *world) open(t *testing.T, readOnly bool, req change.BulkRequest) *screentest.Driver {
	t.Helper()
	c := ui.NewCommon(t.Context(), time.Now, nil)
	c.Width, c.Height, c.ReadOnly = 100, 30, readOnly
	r := ui.Route{Kind: Kind, Namespace: req.Namespace, Arg: "t"}
	s, err := Factory(w.deps)(c, r)
	if err != nil {
		t.Fatal(err)
	}
	d := screentest.NewDriver(t, s, 100, 30)
	d.Send(bulk.PlanMsg{Route: r, Req: req, Selector: "-t ephemeral", Source: "filtered"})
	return d
}

func (w *world) tagged(tag string) []cfclient.Script {
	var out []cfclient.Script
	for _, s := range w.scripts {
		if s.HasTag(tag) {
			out = append(out, s)
		}
	}
	return out
}

func TestPlanDeleteShowsCountsCostAndTheServerSideAlternative(t *testing.T) {
	w := newWorld(t, 300)
	sel := w.tagged("ephemeral")
	if len(sel) < 2 {
		t.Fatalf("%d ephemeral scripts", len(sel))
	}
	d := w.open(t, false, change.BulkRequest{Action: change.ActionDelete, Namespace: "production", Scripts: sel, Hidden: 2,
		TagSet: &cfclient.TagFilter{Has: []string{"ephemeral"}}})
	v := d.View()
	m := d.S.(*Model)
	for _, want := range []string{
		"delete " + ui.Plural(len(sel), "script", "scripts") + " in production",
		ui.Plural(m.plan.Requests(), "request", "requests") + " ≈ ",
		"tenants: ", "tiers: ",
		"2 more marked but hidden by the filter",
		"cannot be undone: 0 ops · secret values of deleted scripts cannot be restored",
		"server-side DELETE …/scripts?tags=ephemeral:yes: 1 request",
		"→ absent",
		"no undo kit",
		`enter starts it (type "delete ` + ui.Commas(len(sel)) + ` in production")`,
		"script.delete", "production/" + sel[0].Name,
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// p: a dry run saved as JSON, path in the footer and on screen.
	d.Press("p")
	if m.savedTo == "" || !strings.Contains(d.View(), "saved (dry run): ") {
		t.Fatalf("saved %q:\n%s", m.savedTo, d.View())
	}
	var saved change.Plan
	if b, err := os.ReadFile(m.savedTo); err != nil || json.Unmarshal(b, &saved) != nil || len(saved.Ops) != len(sel) {
		t.Fatalf("saved plan: %v, %d ops", err, len(saved.Ops))
	}
	// enter asks for the typed phrase; the confirmation starts the job.
	d.Press("enter")
	var ask ui.ConfirmRequest
	for _, msg := range d.TakeSeen() {
		if a, ok := msg.(ui.ConfirmMsg); ok {
			ask = a.Request
		}
	}
	if ask.Phrase != "delete "+ui.Commas(len(sel))+" in production" || ask.ReadOnly {
		t.Fatalf("confirmation %+v", ask)
	}
	d.Send(ask.OnYes)
	if m.phase != started || m.jobID == "" {
		t.Fatalf("after yes: phase %d, job %q", m.phase, m.jobID)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, _, _, err := w.engine.Get(m.jobID)
		if err != nil {
			t.Fatal(err)
		}
		if s.State == jobs.Done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %+v", m.jobID, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := w.e.Client.GetScript(t.Context(), "production", sel[0].Name); err == nil {
		t.Errorf("%s still exists after the job", sel[0].Name)
	}
}

func TestPlanReadOnlySeesThePlanButCannotStart(t *testing.T) {
	w := newWorld(t, 100)
	d := w.open(t, true, change.BulkRequest{Action: change.ActionDelete, Namespace: "production", Scripts: w.scripts[:3]})
	if v := d.View(); !strings.Contains(v, "read-only: the plan is shown, it cannot be started") || !strings.Contains(v, "script.delete") {
		t.Fatalf("view:\n%s", v)
	}
	d.Press("enter")
	for _, msg := range d.TakeSeen() {
		if a, ok := msg.(ui.ConfirmMsg); ok && (!a.Request.ReadOnly || a.Request.Phrase != "") {
			t.Fatalf("read-only confirmation %+v", a.Request)
		}
	}
	// A yes that comes anyway starts nothing.
	d.Send(confirmedMsg{key: d.S.(*Model).key})
	if len(w.engine.List()) != 0 {
		t.Fatal("a read-only session started a job")
	}
}

func TestPlanAsksForTheParameterWithRules(t *testing.T) {
	w := newWorld(t, 100)
	d := w.open(t, false, change.BulkRequest{Action: change.ActionLimits, Namespace: "production", Scripts: w.scripts[:4]})
	if v := d.View(); !strings.Contains(v, "limits to set, as cpu_ms=50,subrequests=20") {
		t.Fatalf("view:\n%s", v)
	}
	d.TypeText("cpu_ms=5")
	d.Press("enter")
	if v := d.View(); !strings.Contains(v, "✗ limits.cpu_ms:") {
		t.Fatalf("bad cpu_ms not refused with its rule:\n%s", v)
	}
	for range 8 {
		d.Send(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	d.TypeText("cpu_ms=50")
	d.Press("enter")
	if v := d.View(); !strings.Contains(v, "limits 4 scripts in production") || !strings.Contains(v, "script.limits") && !strings.Contains(v, "limits.set") {
		t.Fatalf("limits plan:\n%s", v)
	}
}

func TestParseLimits(t *testing.T) {
	if l, err := ParseLimits("cpu_ms=50, subrequests=20"); err != nil || *l.CPUMs != 50 || *l.Subrequests != 20 {
		t.Fatalf("%v %v", l, err)
	}
	for in, want := range map[string]string{"": "give cpu_ms", "cpu=5": "not cpu_ms or subrequests", "cpu_ms=x": "not name=whole number", "subrequests=1": "limits.subrequests"} {
		if _, err := ParseLimits(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestPlanDanglingRoutesOnlyWhereTheTableRoutes(t *testing.T) {
	w := newWorld(t, 200)
	w.deps.Namespaces = w.e.Client.ListNamespaces
	// Another namespace's scripts would make every route look dangling.
	d := w.open(t, false, change.BulkRequest{Action: change.ActionRoutes, Namespace: "staging"})
	if v := d.View(); !strings.Contains(v, "routes into production, not staging") {
		t.Fatalf("staging:\n%s", v)
	}
	// production without its listing cached: refused, not guessed.
	d = w.open(t, false, change.BulkRequest{Action: change.ActionRoutes, Namespace: "production"})
	if v := d.View(); !strings.Contains(v, "the whole listing of production is needed") {
		t.Fatalf("uncached:\n%s", v)
	}
	if err := w.e.Store(w.e.Client).SaveScripts("production", [][]cfclient.Script{w.scripts}); err != nil {
		t.Fatal(err)
	}
	d = w.open(t, false, change.BulkRequest{Action: change.ActionRoutes, Namespace: "production"})
	m := d.S.(*Model)
	if m.plan == nil || m.plan.Bulk.Routes < 3 {
		t.Fatalf("dangling routes plan: %v %+v", m.err, m.plan)
	}
	names := map[string]bool{}
	for _, s := range w.scripts {
		names[s.Name] = true
	}
	table, _, err := w.deps.Routing.Table(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range m.plan.Ops {
		for _, r := range table.Routes {
			if r.KVKey == op.Target.Key && names[r.Target] {
				t.Errorf("%s routes to %s, which exists", r.KVKey, r.Target)
			}
		}
	}
	if v := d.View(); !strings.Contains(v, "delete "+ui.Plural(m.plan.Bulk.Routes, "dangling route", "dangling routes")) {
		t.Errorf("view:\n%s", v)
	}
}

func TestPlanCountsTheSecretsADeleteLoses(t *testing.T) {
	w := newWorld(t, 150)
	w.deps.Secrets = w.e.Client.Secrets
	sel := w.scripts[:40]
	want, values := 0, 0
	for _, s := range sel {
		sec, err := w.e.Client.Secrets(t.Context(), "production", s.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(sec) > 0 {
			want++
			values += len(sec)
		}
	}
	if want == 0 {
		t.Fatal("the seeded scripts have no secrets")
	}
	d := w.open(t, false, change.BulkRequest{Action: change.ActionDelete, Namespace: "production", Scripts: sel})
	if v := d.View(); !strings.Contains(v, "S counts the") {
		t.Fatalf("view:\n%s", v)
	}
	d.Press("S") // 40 requests: at once
	line := fmt.Sprintf("%d of 40 deleted scripts have secrets (%s)", want, ui.Plural(values, "value", "values"))
	if v := d.View(); !strings.Contains(v, line) {
		t.Fatalf("want %q in:\n%s", line, v)
	}
	if d.S.(*Model).plan.Bulk.WithSecrets != want {
		t.Error("the plan's count was not recorded")
	}
}

// TestPlanServerSideDelete: x on a plan whose selection is exactly a tag
// set asks for its own phrase (the job's phrase does not confirm it) and
// deletes every tagged script in one request, counted at the sandbox; a
// read-only session is shown why not and sends nothing.
func TestPlanServerSideDelete(t *testing.T) {
	w := newWorld(t, 300)
	sel := w.tagged("ephemeral")
	req := change.BulkRequest{Action: change.ActionDelete, Namespace: "production", Scripts: sel,
		TagSet: &cfclient.TagFilter{Has: []string{"ephemeral"}}}

	ro := w.open(t, true, req)
	ro.Press("x")
	var ask ui.ConfirmRequest
	for _, msg := range ro.TakeSeen() {
		if a, ok := msg.(ui.ConfirmMsg); ok {
			ask = a.Request
		}
	}
	if !ask.ReadOnly || ask.Phrase != "" || !strings.Contains(ask.Body, "read-only") {
		t.Fatalf("read-only x: %+v", ask)
	}
	before := w.e.Client.Stats().Used
	ro.Send(ask.OnYes)
	if n := w.e.Client.Stats().Used - before; n != 0 {
		t.Errorf("a read-only session sent %d requests", n)
	}

	d := w.open(t, false, req)
	if !strings.Contains(d.View(), "x instead: the server-side DELETE") {
		t.Errorf("the footer should offer x:\n%s", d.View())
	}
	d.Press("x")
	for _, msg := range d.TakeSeen() {
		if a, ok := msg.(ui.ConfirmMsg); ok {
			ask = a.Request
		}
	}
	want := "delete " + ui.Commas(len(sel)) + " in production server-side"
	if ask.Phrase != want || !strings.Contains(ask.Body, "no undo kit") {
		t.Fatalf("confirmation %+v, want the phrase %q and the trade-off", ask, want)
	}
	before = w.e.Client.Stats().Used
	d.Send(ask.OnYes)
	if n := w.e.Client.Stats().Used - before; n != 1 {
		t.Errorf("the server-side delete sent %d requests, want 1", n)
	}
	left := 0
	w.e.Client.ListScripts(t.Context(), "production", cfclient.TagFilter{Has: []string{"ephemeral"}}, func(p []cfclient.Script) error {
		left += len(p)
		return nil
	})
	if left != 0 {
		t.Errorf("%d ephemeral scripts left after the server-side delete", left)
	}
	if m := d.S.(*Model); m.phase != started || m.err != nil {
		t.Errorf("after the delete: phase %d, err %v", m.phase, m.err)
	}
}
