package change

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/testenv"
)

// TestMain keeps a developer's real credentials out of the tests.
func TestMain(m *testing.M) { testenv.Main(m) }

// env is a seeded sandbox on a counting loopback server, a writable client,
// the audit log it writes, a planner and an applier.
type env struct {
	sb      *sandbox.Server
	srv     *testenv.Server
	c       *cfclient.Client
	log     *audit.Log
	planner *Planner
	applier *Applier
	clock   *testClock
}

// testClock is the sandbox's clock (KV staleness windows).
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newEnv(t *testing.T, faults sandbox.Faults, onAttempt func(throttle.Attempt)) *env {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	sb, err := sandbox.New(sandbox.Options{Seed: 1, Scripts: 50, RateLimit: sandbox.RateLimit{Off: true},
		Faults: faults, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := testenv.Serve(t, sb)
	log := audit.New(filepath.Join(t.TempDir(), "audit.jsonl"))
	c, err := cfclient.New(cfclient.Options{
		BaseURL: srv.URL, AccountID: sb.AccountID(), Token: sb.Token(), Profile: "test",
		Actor: "tester@host", Audit: log,
		Throttle: throttle.New(throttle.Options{OnAttempt: onAttempt}, throttle.NewTransport(0)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{sb: sb, srv: srv, c: c, log: log, planner: NewPlanner(c), applier: NewApplier(c, log, "test"), clock: clock}
}

func ctxFor(t *testing.T, actor cfclient.Actor) context.Context {
	ctx, cancel := context.WithTimeout(cfclient.WithActor(context.Background(), actor), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var ana = cfclient.Actor{Name: "ana@host"}

// aScript is a production script of the seeded world with a tier tag.
func (e *env) aScript(t *testing.T, ctx context.Context) string {
	t.Helper()
	var name string
	err := e.c.ListScripts(ctx, "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		for _, s := range p {
			if t, _ := platform.DefaultSchema().TierOf(s.Tags); t != "" && name == "" && !strings.ContainsAny(strings.Join(s.Tags, ""), "\x1b") {
				name = s.Name
			}
		}
		return nil
	})
	if err != nil || name == "" {
		t.Fatalf("no tiered script: %v", err)
	}
	return name
}

// applyCounted applies plan and returns the result and the requests sent.
func (e *env) applyCounted(ctx context.Context, plan *Plan) (Result, int64) {
	before := e.srv.Requests.Load()
	res := e.applier.Apply(ctx, plan)
	return res, e.srv.Requests.Load() - before
}

// undoLast plans the undo of the newest audit entry and applies it.
func (e *env) undoLast(t *testing.T, ctx context.Context) Result {
	t.Helper()
	recs, bad, err := audit.Read(e.log.Path())
	if err != nil || bad != 0 {
		t.Fatalf("audit.Read: %v (%d bad lines)", err, bad)
	}
	entries := Entries(recs)
	if len(entries) == 0 {
		t.Fatal("no audit entry to undo")
	}
	plan, err := Undo(PlanEntries(entries, entries[0].PlanID), ana.Name, e.clock.Now())
	if err != nil {
		t.Fatalf("Undo: %v", err)
	}
	return e.applier.Apply(ctx, plan)
}

// Each kind: plan, apply (the requests it said it costs, an audit line
// with the plan id and the inverse), then undo from the audit log, which
// restores the state the op found.
func TestEveryKindAppliesAuditsAndUndoes(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	tiers, err := e.c.ReadTiers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	routingNS, err := e.c.RoutingNamespace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	table, err := e.c.ReadRouting(ctx)
	if err != nil || len(table.Routes) == 0 {
		t.Fatalf("routing table: %v", err)
	}
	route := table.Routes[0]
	cases := []struct {
		name string
		plan func() (Op, error)
	}{
		{"route.delete", func() (Op, error) { return e.planner.DeleteRoute(ctx, route.Kind, route.Key) }},
		{"route.put repoint", func() (Op, error) { return e.planner.PutRoute(ctx, "production", route.Kind, route.Key, script) }},
		{"tags.set", func() (Op, error) {
			return e.planner.SetTags(ctx, "production", script, []string{"tier-pro", "customer-9", "new-tag"})
		}},
		{"limits.set", func() (Op, error) {
			return e.planner.SetLimits(ctx, "production", script, platform.Limits{CPUMs: intp(25)})
		}},
		{"tier.set", func() (Op, error) { return e.planner.SetTier(ctx, "production", script, "enterprise", tiers) }},
		{"route.put new", func() (Op, error) {
			return e.planner.PutRoute(ctx, "production", platform.RouteHostname, "new.example.com", script)
		}},
		{"tiers.define", func() (Op, error) {
			return e.planner.DefineTiers(ctx, append(tiers, platform.Tier{Name: "gold", CPUMs: 100, SubRequests: 200}), nil)
		}},
		{"kv.put", func() (Op, error) { return e.planner.PutKV(ctx, routingNS, "note:x", []byte("hello")) }},
		{"namespace.create", func() (Op, error) { return e.planner.CreateNamespace(ctx, "fresh-ns") }},
		{"namespace.rename", func() (Op, error) { return e.planner.RenameNamespace(ctx, "testing", "testing-2") }},
	}
	for _, tc := range cases {
		op, err := tc.plan()
		if err != nil {
			t.Fatalf("%s: plan: %v", tc.name, err)
		}
		before, err := e.planner.read(ctx, op.Kind, op.Target)
		if err != nil {
			t.Fatal(err)
		}
		res, sent := e.applyCounted(ctx, NewPlan(ana.Name, e.clock.Now(), op))
		if res.Err != nil || res.Applied != 1 {
			t.Fatalf("%s: apply: %+v", tc.name, res)
		}
		if int(sent) != op.Requests {
			t.Errorf("%s: sent %d requests, the plan said %d", tc.name, sent, op.Requests)
		}
		after, err := e.planner.read(ctx, op.Kind, afterTarget(op))
		if err != nil || !Same(op.Kind, after, op.After) {
			t.Fatalf("%s: after apply the state is %s, want %s (%v)", tc.name, Describe(op.Kind, after), Describe(op.Kind, op.After), err)
		}
		recs, _, _ := audit.Read(e.log.Path())
		last := recs[len(recs)-1]
		if last.PlanID == "" || last.Change != string(op.Kind) || len(last.Inverse) == 0 || last.Actor != ana.Name || !last.OK() {
			t.Fatalf("%s: audit line %+v", tc.name, last)
		}
		if res := e.undoLast(t, ctx); res.Err != nil {
			t.Fatalf("%s: undo: %+v", tc.name, res)
		}
		restored, err := e.planner.read(ctx, op.Kind, op.Target)
		if err != nil {
			t.Fatal(err)
		}
		want := before
		if op.Kind == LimitsSet || op.Kind == TierSet {
			want = unsetAsMax(before) // the API cannot remove a script's own limit
		}
		if !Same(op.Kind, restored, want) {
			t.Fatalf("%s: after undo the state is %s, want %s", tc.name, Describe(op.Kind, restored), Describe(op.Kind, want))
		}
	}
}

// afterTarget is where an op's after state is read (a renamed namespace
// is found under its new name).
func afterTarget(op Op) Target {
	if op.Kind == NamespaceRename {
		return Target{Namespace: op.After.Name}
	}
	return op.Target
}

// A read-only actor's plan is refused before a single request is sent,
// and the refusal is audited under their name.
func TestReadOnlyRefusesWithZeroRequests(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	op, err := e.planner.SetTags(ctx, "production", script, []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	viewer := ctxFor(t, cfclient.Actor{Name: "vera@support", ReadOnly: true})
	res, sent := e.applyCounted(viewer, NewPlan("vera@support", e.clock.Now(), op))
	if !errors.Is(res.Err, cfclient.ErrReadOnly) || res.Applied != 0 {
		t.Fatalf("viewer's apply: %+v", res)
	}
	if sent != 0 {
		t.Fatalf("a read-only apply sent %d requests, want 0", sent)
	}
	recs, _, _ := audit.Read(e.log.Path())
	if len(recs) != 1 || recs[0].Actor != "vera@support" || !strings.HasPrefix(recs[0].Result, "refused:") {
		t.Fatalf("audit %+v, want the viewer's refusal", recs)
	}
}

// A value changed behind wfp's back between plan and apply is refused with
// both values, and nothing is written.
func TestChangedSincePlanIsRefusedAndNothingWritten(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	op, err := e.planner.SetTags(ctx, "production", script, []string{"planned"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.ReplaceTags(ctx, "production", script, []string{"someone-else"}); err != nil {
		t.Fatal(err)
	}
	res := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op))
	var ce *ConflictError
	if !errors.As(res.Err, &ce) || !strings.Contains(res.Err.Error(), "someone-else") {
		t.Fatalf("apply after a change behind its back: %+v", res)
	}
	tags, _ := e.c.GetTags(ctx, "production", script)
	if strings.Join(tags, ",") != "someone-else" {
		t.Fatalf("tags %v: the plan wrote over the other change", tags)
	}
}

// Workers KV is eventually consistent: right after a write, a read may
// still see the old value. Undoing a route change at once is then refused
// as a conflict (it cannot tell the lag from another writer), and works
// once the write has propagated. The message says why.
func TestStaleKVReadsAreRefusedNotOverwritten(t *testing.T) {
	e := newEnv(t, sandbox.Faults{KVStale: 30 * time.Second}, nil)
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	op, err := e.planner.PutRoute(ctx, "production", platform.RouteSubdomain, "stale-test", script)
	if err != nil {
		t.Fatal(err)
	}
	if res := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op)); res.Err != nil {
		t.Fatal(res.Err)
	}
	res := e.undoLast(t, ctx)
	if !errors.Is(res.Err, ErrConflict) {
		t.Fatalf("undo inside the staleness window: %+v, want a conflict", res)
	}
	if _, hint := res.Err.(*ConflictError).Explain(); !strings.Contains(hint, "compare-and-swap") {
		t.Errorf("hint %q does not say why", hint)
	}
	e.clock.Add(31 * time.Second)
	if res := e.undoLast(t, ctx); res.Err != nil {
		t.Fatalf("undo after propagation: %+v", res)
	}
	e.clock.Add(31 * time.Second) // the delete propagates too
	if v, err := e.planner.read(ctx, RoutePut, op.Target); err != nil || v != nil {
		t.Fatalf("after undo the route is %v (%v), want it gone", v, err)
	}
}

// A tier change is two writes: when the second (the limits) fails, the
// first (the tags) is put back, and every write is audited.
func TestTierChangeWhoseSecondWriteFailsIsRolledBack(t *testing.T) {
	var mu sync.Mutex
	var sb *sandbox.Server
	state := 0
	onAttempt := func(a throttle.Attempt) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case state == 1 && a.Method == "PUT" && a.Status == 200: // the tags are written
			state = 2
		case state == 2 && a.Method == "GET" && a.Status == 200: // the gate reads the settings
			sb.SetFaults(sandbox.Faults{ErrorRate: 1}) // the PATCH will fail
			state = 3
		case state == 3 && a.Status >= 500:
			sb.SetFaults(sandbox.Faults{})
			state = 4
		}
	}
	e := newEnv(t, sandbox.Faults{}, onAttempt)
	sb = e.sb
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	// Own limits stricter than any tier's, so the move must raise them.
	if _, err := e.c.PatchSettings(ctx, "production", script, cfclient.SettingsPatch{Limits: &platform.Limits{CPUMs: intp(10), Subrequests: intp(5)}}); err != nil {
		t.Fatal(err)
	}
	tiers, _ := e.c.ReadTiers(ctx)
	op, err := e.planner.SetTier(ctx, "production", script, "enterprise", tiers)
	if err != nil {
		t.Fatal(err)
	}
	if sameLimits(op.Before.Limits, op.After.Limits) {
		t.Fatal("the plan does not raise the limits")
	}
	mu.Lock()
	state = 1
	mu.Unlock()
	res := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op))
	if res.Err == nil || !res.RolledBack {
		t.Fatalf("apply with a failing second write: %+v", res)
	}
	now, err := e.planner.read(ctx, TierSet, op.Target)
	if err != nil || !Same(TierSet, now, op.Before) {
		t.Fatalf("after the rollback the script is %s, want %s (%v)", Describe(TierSet, now), Describe(TierSet, op.Before), err)
	}
	recs, _, _ := audit.Read(e.log.Path())
	var lines []string
	for _, r := range recs {
		if r.PlanID != "" {
			lines = append(lines, r.Op+" "+strings.SplitN(r.Result, ":", 2)[0])
		}
	}
	if got := strings.Join(lines, "; "); got != "script.tags.replace ok; script.settings.patch error; script.tags.replace ok" {
		t.Fatalf("audited writes: %s", got)
	}
	if last := recs[len(recs)-1]; last.Change != "tier.set.rollback" || len(last.Inverse) != 0 {
		t.Fatalf("the rollback's audit line: %+v", last)
	}
	if entries := Entries(recs); len(entries) != 0 {
		t.Fatalf("a rolled-back op is offered for undo: %+v", entries)
	}
}

// Random sequences of edits, each undone newest first, leave every target
// as it was: undo restores exactly the before state.
func TestRandomEditSequencesUndoToTheStart(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	tiers, _ := e.c.ReadTiers(ctx)
	start, err := e.planner.read(ctx, TierSet, Target{Namespace: "production", Script: script})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	tagPool := []string{"a", "b", "c", "customer-1", "beta", "tier-pro"}
	var applied int
	for range 12 {
		var op Op
		var err error
		switch rng.IntN(3) {
		case 0:
			n := rng.IntN(4)
			tags := make([]string, 0, n)
			for _, i := range rng.Perm(len(tagPool))[:n] {
				tags = append(tags, tagPool[i])
			}
			op, err = e.planner.SetTags(ctx, "production", script, tags)
		case 1:
			op, err = e.planner.SetLimits(ctx, "production", script, platform.Limits{CPUMs: intp(10 + rng.IntN(500)), Subrequests: intp(5 + rng.IntN(900))})
		default:
			op, err = e.planner.SetTier(ctx, "production", script, tiers[rng.IntN(len(tiers))].Name, tiers)
		}
		if err != nil {
			t.Fatal(err)
		}
		if res := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op)); res.Err != nil {
			t.Fatal(res.Err)
		}
		applied++
	}
	recs, _, _ := audit.Read(e.log.Path())
	entries := Entries(recs)
	if len(entries) != applied {
		t.Fatalf("%d entries for %d applied ops", len(entries), applied)
	}
	plan, err := Undo(entries, ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res := e.applier.Apply(ctx, plan); res.Err != nil {
		t.Fatalf("undoing the sequence: %+v", res)
	}
	end, _ := e.planner.read(ctx, TierSet, Target{Namespace: "production", Script: script})
	if !sameTags(end.Tags, start.Tags) {
		t.Fatalf("tags after undoing everything %v, want %v", end.Tags, start.Tags)
	}
	if !sameLimits(end.Limits, unsetAsMax(start).Limits) && !sameLimits(end.Limits, start.Limits) {
		t.Fatalf("limits after undoing everything %s, want %s", describeLimits(end.Limits), describeLimits(start.Limits))
	}
}

// Planning refuses what the platform's rules forbid, naming the field.
func TestPlanningValidatesWithThePlatformRules(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	tiers, _ := e.c.ReadTiers(ctx)
	cases := []struct {
		name  string
		plan  func() (Op, error)
		field string
	}{
		{"nine tags", func() (Op, error) {
			return e.planner.SetTags(ctx, "production", script, strings.Fields("a b c d e f g h i"))
		}, "tags"},
		{"comma tag", func() (Op, error) { return e.planner.SetTags(ctx, "production", script, []string{"a,b"}) }, `tags[0] "a,b"`},
		{"cpu too low", func() (Op, error) {
			return e.planner.SetLimits(ctx, "production", script, platform.Limits{CPUMs: intp(5)})
		}, "limits.cpu_ms"},
		{"unknown tier", func() (Op, error) { return e.planner.SetTier(ctx, "production", script, "platinum", tiers) }, `tier "platinum"`},
		{"bad route target", func() (Op, error) {
			return e.planner.PutRoute(ctx, "production", platform.RouteHostname, "x.com", "Bad Name")
		}, "target"},
		{"tier subrequests", func() (Op, error) {
			return e.planner.DefineTiers(ctx, []platform.Tier{{Name: "x", CPUMs: 10, SubRequests: 2000}}, nil)
		}, `tier "x" subRequests`},
		{"tier in use", func() (Op, error) { return e.planner.DefineTiers(ctx, tiers[1:], map[string]int{tiers[0].Name: 3}) }, tiers[0].Name},
		{"namespace name", func() (Op, error) { return e.planner.CreateNamespace(ctx, "Bad_NS") }, "namespace"},
		{"kv key", func() (Op, error) { return e.planner.PutKV(ctx, "id", strings.Repeat("k", 513), nil) }, "key"},
	}
	for _, tc := range cases {
		_, err := tc.plan()
		var re *platform.RuleError
		if !errors.As(err, &re) || !strings.Contains(re.Field, tc.field) {
			t.Errorf("%s: %v, want a rule error naming %q", tc.name, err, tc.field)
		}
	}
	// A route to a script that does not exist is a warning, not an error.
	op, err := e.planner.PutRoute(ctx, "production", platform.RouteHostname, "ghost.example.com", "no-such-script")
	if err != nil || len(op.Warnings) != 1 || !strings.Contains(op.Warnings[0], "does not exist") {
		t.Fatalf("route to a missing script: %+v, %v", op, err)
	}
}

// Deleting a namespace is irreversible: the plan says so, and undo refuses
// to plan it rather than plan half.
func TestNamespaceDeleteIsIrreversible(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	op, err := e.planner.DeleteNamespace(ctx, "testing")
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(ana.Name, e.clock.Now(), op)
	if plan.Irreversible() != 1 || op.Before.Scripts == 0 || !strings.Contains(op.Irreversible, "cannot be restored") {
		t.Fatalf("plan %+v", plan)
	}
	if res := e.applier.Apply(ctx, plan); res.Err != nil {
		t.Fatal(res.Err)
	}
	if _, err := e.c.GetNamespace(ctx, "testing"); !errors.Is(err, cfclient.ErrNotFound) {
		t.Fatalf("namespace still there: %v", err)
	}
	recs, _, _ := audit.Read(e.log.Path())
	if _, err := Undo(Entries(recs), ana.Name, e.clock.Now()); err == nil || !strings.Contains(err.Error(), "cannot be undone") {
		t.Fatalf("Undo of a namespace delete: %v", err)
	}
}

// A stored tier table that breaks a rule still protects its tiers in use:
// rewriting it cannot drop a tier scripts are on.
func TestBrokenTierTableStillProtectsTiersInUse(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	id, _ := e.c.RoutingNamespace(ctx)
	if err := e.c.PutValue(ctx, id, "tiers", []byte(`{"free":{"cpuMs":1,"subRequests":5},"pro":{"cpuMs":50,"subRequests":50}}`)); err != nil {
		t.Fatal(err)
	}
	_, err := e.planner.DefineTiers(ctx, []platform.Tier{{Name: "pro", CPUMs: 50, SubRequests: 50}}, map[string]int{"free": 4})
	var re *platform.RuleError
	if !errors.As(err, &re) || !strings.Contains(re.Error(), "4 scripts") {
		t.Fatalf("removing a used tier from a broken table: %v", err)
	}
}

// A route's whole value can be written: any JSON naming a worker, its
// other fields as typed; a value naming no script is refused.
func TestPutRouteValue(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	raw := `{"worker":"` + script + `","mode":"canary","weight":5}`
	op, err := e.planner.PutRouteValue(ctx, "production", platform.RouteHostname, "json.example.com", raw)
	if err != nil {
		t.Fatal(err)
	}
	if res := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op)); res.Err != nil {
		t.Fatal(res.Err)
	}
	if v, err := e.planner.read(ctx, RoutePut, op.Target); err != nil || v == nil || *v.Value != raw {
		t.Fatalf("stored %v, %v", v, err)
	}
	_, err = e.planner.PutRouteValue(ctx, "production", platform.RouteHostname, "json.example.com", `{"mode":"canary"}`)
	var re *platform.RuleError
	if !errors.As(err, &re) || re.Field != "value" || !strings.Contains(re.Rule, "worker") {
		t.Fatalf("a value naming no script: %v", err)
	}
}

// undoReplanned plans the undo of the newest entry through Replan, as the
// audit screen does, and applies it.
func (e *env) undoReplanned(t *testing.T, ctx context.Context) (*Plan, Result, error) {
	t.Helper()
	recs, _, _ := audit.Read(e.log.Path())
	entries := Entries(recs)
	plan, err := Undo(PlanEntries(entries, entries[0].PlanID), ana.Name, e.clock.Now())
	if err != nil {
		return nil, Result{}, err
	}
	for i, op := range plan.Ops {
		fresh, err := e.planner.Replan(ctx, "production", op)
		if err != nil {
			return nil, Result{}, err
		}
		plan.Ops[i] = fresh
	}
	before := e.srv.Requests.Load()
	res := e.applier.Apply(ctx, plan)
	if sent := e.srv.Requests.Load() - before; int(sent) != plan.Requests() && res.Err == nil {
		t.Errorf("the undo sent %d requests, its plan said %d", sent, plan.Requests())
	}
	return plan, res, nil
}

// A script with no limits of its own gets limits; undoing that leaves the
// tier in force (both limits at the largest allowed) instead of failing.
func TestUndoLimitsOfAScriptThatHadNone(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	// A script just deployed has no limits of its own.
	name := "fresh-unlimited"
	if err := deployScript(e, "production", name); err != nil {
		t.Fatal(err)
	}
	if st, err := e.c.GetSettings(ctx, "production", name); err != nil || st.Limits.CPUMs != nil || st.Limits.Subrequests != nil {
		t.Fatalf("a fresh script's limits: %+v, %v", st.Limits, err)
	}
	op, err := e.planner.SetLimits(ctx, "production", name, platform.Limits{CPUMs: intp(25)})
	if err != nil {
		t.Fatal(err)
	}
	if res := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op)); res.Err != nil {
		t.Fatal(res.Err)
	}
	if _, res, err := e.undoReplanned(t, ctx); err != nil || res.Err != nil {
		t.Fatalf("undo: %v %+v", err, res)
	}
	st, _ := e.c.GetSettings(ctx, "production", name)
	if st.Limits.CPUMs == nil || *st.Limits.CPUMs != platform.MaxCPUMs {
		t.Fatalf("limits after undo %s, want the largest allowed", describeLimits(&st.Limits))
	}
}

// A tier change that left the limits alone is undone without touching
// them, at the cost it declares.
func TestUndoTierChangeLeavesUntouchedLimits(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	// Only subrequests set, and loose: moving to free changes no limit.
	if _, err := e.c.PatchSettings(ctx, "production", script, cfclient.SettingsPatch{Limits: &platform.Limits{Subrequests: intp(1000)}}); err != nil {
		t.Fatal(err)
	}
	before, _ := e.c.GetSettings(ctx, "production", script)
	tiers, _ := e.c.ReadTiers(ctx)
	op, err := e.planner.SetTier(ctx, "production", script, "free", tiers)
	if err != nil {
		t.Fatal(err)
	}
	if res := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op)); res.Err != nil {
		t.Fatal(res.Err)
	}
	plan, res, err := e.undoReplanned(t, ctx)
	if err != nil || res.Err != nil {
		t.Fatalf("undo: %v %+v", err, res)
	}
	if plan.Requests() != 3 {
		t.Errorf("the undo declares %d requests, want 3 (tags only)", plan.Requests())
	}
	after, _ := e.c.GetSettings(ctx, "production", script)
	if !sameLimits(&after.Limits, &before.Limits) || !sameTags(after.Tags, before.Tags) {
		t.Fatalf("after undo %v %s, want %v %s", after.Tags, describeLimits(&after.Limits), before.Tags, describeLimits(&before.Limits))
	}
}

// Undo is planned like any change: removing a tier scripts moved onto
// since is refused with the count.
func TestUndoRefusesToRemoveATierInUse(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	script := e.aScript(t, ctx)
	tiers, _ := e.c.ReadTiers(ctx)
	op, err := e.planner.DefineTiers(ctx, append(tiers, platform.Tier{Name: "gold", CPUMs: 100, SubRequests: 100}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op)); res.Err != nil {
		t.Fatal(res.Err)
	}
	tags, _ := e.c.GetTags(ctx, "production", script)
	if _, err := e.c.ReplaceTags(ctx, "production", script, append(tags, "tier-gold")); err != nil {
		t.Fatal(err)
	}
	// The tag write was made outside a plan: the newest entry is still
	// the tier table's.
	_, _, err = e.undoReplanned(t, ctx)
	var re *platform.RuleError
	if !errors.As(err, &re) || !strings.Contains(re.Error(), `tier "gold"`) || !strings.Contains(re.Error(), "1 scripts") {
		t.Fatalf("undoing the tier's creation while a script is on it: %v", err)
	}
}

// Deleting a namespace deletes the scripts it was confirmed for: one
// deployed after the plan is a conflict, and nothing is deleted.
func TestNamespaceDeleteRefusesScriptsDeployedSinceThePlan(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	op, err := e.planner.DeleteNamespace(ctx, "testing")
	if err != nil {
		t.Fatal(err)
	}
	n := op.Before.Scripts
	// Someone else deploys into it: planning again sees n+1.
	if err := deployScript(e, "testing", "late-tenant"); err != nil {
		t.Fatal(err)
	}
	res := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op))
	if !errors.Is(res.Err, ErrConflict) {
		t.Fatalf("delete after a deploy: %+v", res)
	}
	if ns, err := e.c.GetNamespace(ctx, "testing"); err != nil || ns.ScriptCount != n+1 {
		t.Fatalf("the namespace after the refused delete: %+v, %v", ns, err)
	}
}

// A read-only actor without a name is still read-only.
func TestNamelessReadOnlyActorCannotWrite(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := cfclient.WithActor(t.Context(), cfclient.Actor{ReadOnly: true})
	if err := e.c.MayWrite(ctx); !errors.Is(err, cfclient.ErrReadOnly) {
		t.Fatalf("MayWrite: %v", err)
	}
	if _, err := e.c.CreateNamespace(ctx, "nameless"); !errors.Is(err, cfclient.ErrReadOnly) {
		t.Fatalf("CreateNamespace: %v", err)
	}
}

// deployScript uploads a one-module script to ns, as wrangler would.
func deployScript(e *env, ns, name string) error {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	meta, _ := w.CreateFormField("metadata")
	meta.Write([]byte(`{"main_module":"index.js"}`))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="index.js"; filename="index.js"`)
	h.Set("Content-Type", "application/javascript+module")
	part, _ := w.CreatePart(h)
	part.Write([]byte(`export default { fetch() { return new Response("ok") } }`))
	w.Close()
	req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/accounts/"+e.sb.AccountID()+"/workers/dispatch/namespaces/"+ns+"/scripts/"+name, &body)
	req.Header.Set("Authorization", "Bearer "+e.sb.Token())
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("deploy %s: %s %s", name, resp.Status, b)
	}
	return nil
}
