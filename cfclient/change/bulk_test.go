package change

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// listNS lists a namespace's scripts.
func (e *env) listNS(t *testing.T, ctx context.Context, ns string) []cfclient.Script {
	t.Helper()
	var out []cfclient.Script
	if err := e.c.ListScripts(ctx, ns, cfclient.TagFilter{}, func(p []cfclient.Script) error {
		out = append(out, p...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// applyAll applies each op of plan as a job does, and fails on anything
// but Applied.
func (e *env) applyAll(t *testing.T, ctx context.Context, plan *Plan) {
	t.Helper()
	for i := range plan.Ops {
		if r := e.applier.ApplyOp(ctx, plan, i, true); r.Outcome != Applied {
			t.Fatalf("op %d (%s %s): %s: %v", i, plan.Ops[i].Kind, plan.Ops[i].Target, r.Outcome, r.Err)
		}
	}
}

func TestBulkTagAddRemove(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	scripts := e.listNS(t, ctx, "production")[:5]
	plan, err := e.planner.PlanBulk(BulkRequest{Action: ActionTagAdd, Namespace: "production", Scripts: scripts, Tag: "bulk-x"},
		ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	b := plan.Bulk
	if len(plan.Ops) != 5 || b.Scripts != 5 || b.ByNamespace["production"] != 5 || plan.Requests() != 15 {
		t.Fatalf("plan: %d ops, bulk %+v, %d requests", len(plan.Ops), b, plan.Requests())
	}
	sum := 0
	for _, n := range b.ByTenant {
		sum += n
	}
	if sum != 5 {
		t.Errorf("tenant counts %v do not add up to 5", b.ByTenant)
	}
	if got := b.Phrase(func(s string) string { return s }); got != "tag-add 5 in production" {
		t.Errorf("phrase %q", got)
	}
	e.applyAll(t, ctx, plan)
	for _, s := range scripts {
		tags, err := e.c.GetTags(ctx, "production", s.Name)
		if err != nil || !slices.Contains(tags, "bulk-x") {
			t.Errorf("%s tags %v (%v)", s.Name, tags, err)
		}
	}
	// Planned again from the stale listing: the tag is there now, so
	// applying finds every op done, without a write.
	for i := range plan.Ops {
		if r := e.applier.ApplyOp(ctx, plan, i, true); r.Outcome != AlreadyDone {
			t.Errorf("op %d again: %s %v", i, r.Outcome, r.Err)
		}
	}
	fresh := e.listNS(t, ctx, "production")[:6]
	rm, err := e.planner.PlanBulk(BulkRequest{Action: ActionTagRemove, Namespace: "production", Scripts: fresh, Tag: "bulk-x"},
		ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rm.Ops) != 5 {
		t.Errorf("remove plans %d ops, want 5 (the sixth script has no such tag)", len(rm.Ops))
	}
	e.applyAll(t, ctx, rm)

	// A script that would get a ninth tag is left out, and said.
	full := fresh[0]
	full.Tags = []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}
	p9, err := e.planner.PlanBulk(BulkRequest{Action: ActionTagAdd, Namespace: "production",
		Scripts: []cfclient.Script{full, fresh[1]}, Tag: "ninth"}, ana.Name, e.clock.Now())
	if err != nil || len(p9.Ops) != 1 || len(p9.Bulk.Skipped) != 1 || p9.Bulk.Skipped[0].Script != full.Name ||
		!strings.Contains(p9.Bulk.Skipped[0].Reason, "at most 8") {
		t.Errorf("ninth tag: %v %+v", err, p9)
	}
}

// A bulk tier change is planned from tags alone; the read right before the
// write completes it: a script's own limits stricter than the tier's are
// raised, and its undo puts them back.
func TestBulkTierCompletesLimitsAtApply(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	tiers, err := e.c.ReadTiers(ctx)
	if err != nil || len(tiers) < 2 {
		t.Fatalf("tiers %v: %v", tiers, err)
	}
	top := tiers[0]
	for _, ti := range tiers {
		if ti.CPUMs > top.CPUMs {
			top = ti
		}
	}
	var s cfclient.Script
	for _, x := range e.listNS(t, ctx, "production") {
		if tier, _ := platform.DefaultSchema().TierOf(x.Tags); tier != "" && tier != top.Name {
			s = x
			break
		}
	}
	if s.Name == "" {
		t.Fatal("no script off the top tier")
	}
	low := platform.Limits{CPUMs: intp(10)}
	op, err := e.planner.SetLimits(ctx, "production", s.Name, low)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.applier.Apply(ctx, NewPlan(ana.Name, e.clock.Now(), op)); r.Err != nil {
		t.Fatal(r.Err)
	}
	plan, err := e.planner.PlanBulk(BulkRequest{Action: ActionTier, Namespace: "production", Scripts: []cfclient.Script{s},
		Tier: top.Name, Tiers: tiers}, ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := e.applier.ApplyOp(ctx, plan, 0, true)
	if r.Outcome != Applied {
		t.Fatalf("%s: %v", r.Outcome, r.Err)
	}
	if r.Op.Partial || r.Op.After.Limits == nil || *r.Op.After.Limits.CPUMs != top.CPUMs {
		t.Fatalf("completed op %+v", r.Op)
	}
	st, err := e.c.GetSettings(ctx, "production", s.Name)
	if err != nil || st.Limits.CPUMs == nil || *st.Limits.CPUMs != top.CPUMs || !slices.Contains(st.Tags, "tier-"+top.Name) {
		t.Fatalf("settings after: %+v (%v)", st, err)
	}
	if res := e.undoLast(t, ctx); res.Err != nil {
		t.Fatal(res.Err)
	}
	st, _ = e.c.GetSettings(ctx, "production", s.Name)
	if st.Limits.CPUMs == nil || *st.Limits.CPUMs != 10 || !sameTags(st.Tags, s.Tags) {
		t.Errorf("after undo: limits %v tags %v, want cpu 10 and %v", st.Limits.CPUMs, st.Tags, s.Tags)
	}
}

// A script retagged or redeployed since the plan is not deleted.
func TestBulkDeleteRefusesAChangedScript(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	s := e.listNS(t, ctx, "production")[0]
	plan, err := e.planner.PlanBulk(BulkRequest{Action: ActionDelete, Namespace: "production", Scripts: []cfclient.Script{s}},
		ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.ReplaceTags(ctx, "production", s.Name, append(slices.Clone(s.Tags), "keep-me")); err != nil {
		t.Fatal(err)
	}
	r := e.applier.ApplyOp(ctx, plan, 0, true)
	if r.Outcome != Conflicted || !errors.Is(r.Err, ErrConflict) {
		t.Fatalf("%s: %v", r.Outcome, r.Err)
	}
	if _, err := e.c.GetScript(ctx, "production", s.Name); err != nil {
		t.Fatalf("the script is gone: %v", err)
	}
}

// Cleanup deletes a script's routes, the script, and its last-used key;
// the routes action finds routes left pointing at scripts that are gone.
func TestBulkCleanupAndDanglingRoutes(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	table, err := e.c.ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scripts := e.listNS(t, ctx, "production")
	var routed []cfclient.Script
	for _, s := range scripts {
		if len(table.ByScript[s.Name]) > 0 && len(routed) < 2 {
			routed = append(routed, s)
		}
	}
	if len(routed) < 2 {
		t.Fatal("fewer than 2 routed scripts")
	}
	victim, other := routed[0], routed[1]
	plan, err := e.planner.PlanBulk(BulkRequest{Action: ActionCleanup, Namespace: "production",
		Scripts: []cfclient.Script{victim}, Routing: table}, ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	nRoutes := len(table.ByScript[victim.Name])
	if plan.Bulk.Routes != nRoutes || plan.Bulk.Keys != 1 || len(plan.Ops) != nRoutes+2 {
		t.Fatalf("cleanup plan: %d ops, bulk %+v (want %d routes, 1 key)", len(plan.Ops), plan.Bulk, nRoutes)
	}
	if !plan.Bulk.SecretsUnknown {
		t.Error("a delete plan claims to know the secrets")
	}
	e.applyAll(t, ctx, plan)
	if _, err := e.c.GetScript(ctx, "production", victim.Name); !errors.Is(err, cfclient.ErrNotFound) {
		t.Errorf("script still there: %v", err)
	}
	if _, err := e.c.GetValue(ctx, table.NamespaceID, "last-used:"+victim.Name); !errors.Is(err, cfclient.ErrNotFound) {
		t.Errorf("last-used key still there: %v", err)
	}
	for _, r := range table.ByScript[victim.Name] {
		if _, err := e.c.GetValue(ctx, table.NamespaceID, r.KVKey); !errors.Is(err, cfclient.ErrNotFound) {
			t.Errorf("route %s still there: %v", r.KVKey, err)
		}
	}

	// The other script goes without its routes: they dangle, and the
	// routes action plans their deletes (and only routes to missing
	// scripts).
	if err := e.c.DeleteScript(ctx, "production", other.Name, false); err != nil {
		t.Fatal(err)
	}
	table, err = e.c.ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exists := map[string]bool{}
	for _, s := range e.listNS(t, ctx, "production") {
		exists[s.Name] = true
	}
	rp, err := e.planner.PlanBulk(BulkRequest{Action: ActionRoutes, Namespace: "production", Routing: table,
		Existing: func(n string) bool { return exists[n] }}, ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, op := range rp.Ops {
		keys[op.Target.Key] = true
		if r := table.ByScript; op.Kind != RouteDelete || r == nil {
			t.Fatalf("op %+v", op)
		}
	}
	for _, r := range table.ByScript[other.Name] {
		if !keys[r.KVKey] {
			t.Errorf("dangling route %s not planned", r.KVKey)
		}
	}
	for _, r := range table.Routes {
		if keys[r.KVKey] && exists[r.Target] {
			t.Errorf("route %s to existing %s planned", r.KVKey, r.Target)
		}
	}
	if !strings.HasPrefix(rp.Bulk.Phrase(func(s string) string { return s }), "delete ") {
		t.Errorf("phrase %q", rp.Bulk.Phrase(func(s string) string { return s }))
	}
}

// Planning refuses what cannot be planned, naming the field.
func TestBulkPlanRefusals(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	s := e.listNS(t, ctx, "production")[:2]
	for _, tc := range []struct {
		req  BulkRequest
		want string
	}{
		{BulkRequest{Action: ActionDelete, Namespace: "production"}, "nothing to do"},
		{BulkRequest{Action: "explode", Namespace: "production", Scripts: s}, "is not one of"},
		{BulkRequest{Action: ActionTagAdd, Namespace: "production", Scripts: s, Tag: "a&b"}, "tag"},
		{BulkRequest{Action: ActionTier, Namespace: "production", Scripts: s, Tier: "nope"}, "not in the tier table"},
		{BulkRequest{Action: ActionLimits, Namespace: "production", Scripts: s}, "limits"},
		{BulkRequest{Action: ActionRoutes, Namespace: "production"}, "routing table"},
		{BulkRequest{Action: ActionDelete, Scripts: s}, "namespace"},
	} {
		if _, err := e.planner.PlanBulk(tc.req, ana.Name, e.clock.Now()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.req.Action, err, tc.want)
		}
	}
	f := cfclient.TagFilter{Has: []string{"ephemeral"}}
	p, err := e.planner.PlanBulk(BulkRequest{Action: ActionDelete, Namespace: "production", Scripts: s, TagSet: &f}, ana.Name, e.clock.Now())
	if err != nil || p.Bulk.ServerSide == nil || p.Bulk.ServerSide.Requests != 1 || !strings.Contains(p.Bulk.ServerSide.TradeOff, "no undo kit") {
		t.Errorf("server-side alternative: %+v (%v)", p.Bulk, err)
	}
}

// CountSecrets reads each deleted script's settings and says which lose
// secret values; their undo still restores the rest.
func TestBulkCountSecrets(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	scripts := e.listNS(t, ctx, "production")[:20]
	plan, err := e.planner.PlanBulk(BulkRequest{Action: ActionDelete, Namespace: "production", Scripts: scripts}, ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, s := range scripts {
		st, err := e.c.GetSettings(ctx, "production", s.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range st.Bindings {
			if IsSecretBinding(b.Type) {
				want++
				break
			}
		}
	}
	if want == 0 || want == len(scripts) {
		t.Fatalf("%d of %d seeded scripts have secrets: the test needs some of each", want, len(scripts))
	}
	before := e.srv.Requests.Load()
	calls := 0
	if err := e.planner.CountSecrets(ctx, plan, func(done, total int) { calls++ }); err != nil {
		t.Fatal(err)
	}
	if sent := e.srv.Requests.Load() - before; sent != int64(len(scripts)) {
		t.Errorf("%d requests, want one per script (%d)", sent, len(scripts))
	}
	if plan.Bulk.SecretsUnknown || plan.Bulk.WithSecrets != want || plan.Irreversible() != want || calls != len(scripts) {
		t.Errorf("with secrets %d (unknown %v), irreversible %d, %d progress calls; want %d", plan.Bulk.WithSecrets,
			plan.Bulk.SecretsUnknown, plan.Irreversible(), calls, want)
	}
	for _, op := range plan.Ops {
		if op.Loses != "" && op.Irreversible != "" {
			t.Errorf("%s: a delete losing secrets is still undoable: %+v", op.Target, op)
		}
	}
}

// A bulk limits change sets the limits it names whatever the scripts had
// (the listing does not say), and its undo puts back what the read right
// before the write found.
func TestBulkLimits(t *testing.T) {
	e := newEnv(t, sandbox.Faults{}, nil)
	ctx := ctxFor(t, ana)
	scripts := e.listNS(t, ctx, "production")[:3]
	old := make([]platform.Limits, len(scripts))
	for i, s := range scripts {
		st, err := e.c.GetSettings(ctx, "production", s.Name)
		if err != nil {
			t.Fatal(err)
		}
		old[i] = st.Limits
	}
	plan, err := e.planner.PlanBulk(BulkRequest{Action: ActionLimits, Namespace: "production", Scripts: scripts,
		Limits: platform.Limits{Subrequests: intp(7)}}, ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.applyAll(t, ctx, plan)
	for i, s := range scripts {
		st, _ := e.c.GetSettings(ctx, "production", s.Name)
		if st.Limits.Subrequests == nil || *st.Limits.Subrequests != 7 || !sameInt(st.Limits.CPUMs, old[i].CPUMs) {
			t.Errorf("%s limits %+v, want subrequests 7 and cpu as before", s.Name, st.Limits)
		}
	}
	if r := e.applier.ApplyOp(ctx, plan, 0, true); r.Outcome != AlreadyDone {
		t.Errorf("again: %s %v", r.Outcome, r.Err)
	}
	recs, _, _ := audit.Read(e.log.Path())
	undo, err := Undo(PlanEntries(Entries(recs), plan.ID), ana.Name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := e.applier.Apply(ctx, undo); r.Err != nil {
		t.Fatal(r.Err)
	}
	for i, s := range scripts {
		st, _ := e.c.GetSettings(ctx, "production", s.Name)
		if !sameInt(st.Limits.Subrequests, old[i].Subrequests) {
			t.Errorf("%s after undo: subrequests %v, want %v", s.Name, st.Limits.Subrequests, old[i].Subrequests)
		}
	}
}
