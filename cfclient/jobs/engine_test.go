package jobs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// A delete job deletes each target once (counted at the sandbox), writes
// one audit line per target, keeps an undo kit per script, and undo from
// the audit log brings a script back with its code, tags and bindings.
func TestDeleteJobThenUndoOne(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := ctxFor(t)
	plan := e.planDelete(t, "staging", 12)
	victim := plan.Ops[3].Target.Script
	before, _, err := e.c.ScriptContent(ctx, "staging", victim)
	if err != nil {
		t.Fatal(err)
	}
	beforeSettings, err := e.c.GetSettings(ctx, "staging", victim)
	if err != nil {
		t.Fatal(err)
	}

	id, err := e.eng.Start(plan, ana)
	if err != nil {
		t.Fatal(err)
	}
	s := e.wait(t, id)
	if s.State != Done || s.Applied != 12 || s.Pending != 0 {
		t.Fatalf("snapshot = %+v, want done with 12 applied", s)
	}
	counts := e.front.deleteCounts()
	if len(counts) != 12 {
		t.Errorf("the sandbox deleted %d scripts, want 12: %v", len(counts), counts)
	}
	for p, n := range counts {
		if n != 1 {
			t.Errorf("%s deleted %d times", p, n)
		}
	}
	if lines := e.auditLines(t, id); len(lines) != 12 {
		t.Errorf("audit lines for %d ops, want 12: %v", len(lines), lines)
	}
	if _, err := e.c.GetScript(ctx, "staging", victim); !errors.Is(err, cfclient.ErrNotFound) {
		t.Fatalf("victim still there: %v", err)
	}
	_, items, _, _ := e.eng.Get(id)
	for _, it := range items {
		if it.Kit == "" || !e.eng.Kits().Exists(it.Kit) {
			t.Errorf("item %d has no kit on disk (%q)", it.Index, it.Kit)
		}
	}

	// Undo the victim's delete from the audit log, as :audit does.
	recs, _, err := audit.Read(e.log.Path())
	if err != nil {
		t.Fatal(err)
	}
	var entry *change.Entry
	for _, en := range change.Entries(recs) {
		if en.Target == "staging/"+victim {
			en := en
			entry = &en
		}
	}
	if entry == nil || entry.Inverse == nil || entry.Inverse.Kind != change.ScriptRestore {
		t.Fatalf("no restorable entry for %s: %+v", victim, entry)
	}
	undo, err := change.Undo([]change.Entry{*entry}, ana.Name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	op, err := e.planner.Replan(ctx, "", undo.Ops[0])
	if err != nil {
		t.Fatal(err)
	}
	undo.Ops[0] = op
	if res := e.applier.Apply(ctx, undo); res.Err != nil {
		t.Fatalf("restore: %v", res.Err)
	}
	after, _, err := e.c.ScriptContent(ctx, "staging", victim)
	if err != nil {
		t.Fatalf("restored script: %v", err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("restored content differs")
	}
	afterSettings, err := e.c.GetSettings(ctx, "staging", victim)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(afterSettings.Tags, ",") != strings.Join(beforeSettings.Tags, ",") {
		t.Errorf("tags %v, want %v", afterSettings.Tags, beforeSettings.Tags)
	}
	var want, got []string
	for _, b := range beforeSettings.Bindings {
		if !change.IsSecretBinding(b.Type) {
			want = append(want, b.Name+":"+b.Type)
		}
	}
	for _, b := range afterSettings.Bindings {
		got = append(got, b.Name+":"+b.Type)
	}
	if strings.Join(want, ",") != strings.Join(got, ",") {
		t.Errorf("bindings %v, want %v (secrets excepted)", got, want)
	}
}

// The journal is on disk: a new engine on the same directory lists the
// finished job with its counts.
func TestJobReloadsFromDisk(t *testing.T) {
	e := newEnv(t, envOptions{})
	id, err := e.eng.Start(e.planDelete(t, "staging", 5), ana)
	if err != nil {
		t.Fatal(err)
	}
	e.wait(t, id)
	e.eng.Close()
	if _, err := os.Stat(filepath.Join(e.dir, id, journalFile)); err != nil {
		t.Fatal(err)
	}
	eng, err := New(Options{Dir: e.dir, Applier: e.applier, Client: e.c, Audit: e.log})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s, _, _, err := eng.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != Done || s.Applied != 5 {
		t.Errorf("reloaded = %+v", s)
	}
	if len(eng.Recoverable()) != 0 {
		t.Errorf("a finished job is offered for resume")
	}
	if _, err := eng.Start(e.planDelete(t, "staging", 1), ana); err != nil {
		t.Fatal(err)
	}
}

// Pause cuts off the items in flight (left started) and leaves the rest
// pending; resume finishes the job, each target deleted once; cancel gives
// up a paused one for good.
func TestPauseResumeCancel(t *testing.T) {
	e := newEnv(t, envOptions{scripts: 1000, faults: sandbox.Faults{Latency: 3 * time.Millisecond}})
	plan := e.planDelete(t, "staging", 40)
	id, err := e.eng.Start(plan, ana)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Start(plan, ana); err == nil {
		t.Error("the same plan started twice")
	}
	e.waitDeletes(t, 5)
	if err := e.eng.Pause(id); err != nil {
		t.Fatal(err)
	}
	s, items, _, _ := e.eng.Get(id)
	if s.State != Paused || s.Pending == 0 || s.Reason == "" {
		t.Fatalf("paused: %+v", s)
	}
	started := 0
	for _, it := range items {
		if it.State == ItemStarted {
			started++ // cut off in flight: read again on resume
		}
	}
	if started > 4 {
		t.Errorf("%d items started, more than the 4 workers", started)
	}
	deleted := len(e.front.deleteCounts())
	time.Sleep(50 * time.Millisecond)
	if now := len(e.front.deleteCounts()); now != deleted {
		t.Errorf("%d deletes after the pause", now-deleted)
	}
	if got := e.eng.Recoverable(); len(got) != 1 || got[0].ID != id {
		t.Errorf("recoverable = %+v", got)
	}
	if err := e.eng.Resume(id, ana); err != nil {
		t.Fatal(err)
	}
	if s = e.wait(t, id); s.State != Done {
		t.Fatalf("resumed: %+v", s)
	}
	e.checkOnce(t, plan)

	p2 := e.planDelete(t, "staging", 20)
	id2, err := e.eng.Start(p2, ana)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.eng.Pause(id2); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.Cancel(id2); err != nil {
		t.Fatal(err)
	}
	if s, _, _, _ = e.eng.Get(id2); s.State != Cancelled {
		t.Errorf("cancelled: %+v", s)
	}
	if err := e.eng.Resume(id2, ana); err == nil {
		t.Error("a cancelled job resumed")
	}
	if err := e.eng.Resume(id2, cfclient.Actor{Name: "viewer", ReadOnly: true}); !errors.Is(err, cfclient.ErrReadOnly) {
		t.Errorf("a read-only resume: %v", err)
	}
}

// A cleanup job deletes scripts with their routes and last-used keys;
// undoing its whole plan from the audit log brings all of it back.
func TestCleanupJobUndoneWhole(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := ctxFor(t)
	table, err := e.c.ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var picked []cfclient.Script
	for _, s := range e.list(t, "production") {
		if len(table.ByScript[s.Name]) > 0 && len(picked) < 3 {
			picked = append(picked, s)
		}
	}
	keys, err := e.c.ListKVKeys(ctx, table.NamespaceID, "last-used:")
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, k := range keys {
		present[k.Name] = true
	}
	plan, err := e.planner.PlanBulk(change.BulkRequest{Action: change.ActionCleanup, Namespace: "production",
		Scripts: picked, Routing: table, LastUsed: present}, ana.Name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.eng.Start(plan, ana)
	if err != nil {
		t.Fatal(err)
	}
	if s := e.wait(t, id); s.State != Done {
		t.Fatalf("cleanup: %+v", s)
	}
	for _, s := range picked {
		if _, err := e.c.GetScript(ctx, "production", s.Name); !errors.Is(err, cfclient.ErrNotFound) {
			t.Errorf("%s still there: %v", s.Name, err)
		}
	}
	recs, _, _ := audit.Read(e.log.Path())
	undo, err := change.Undo(change.PlanEntries(change.Entries(recs), id), ana.Name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range undo.Ops {
		if undo.Ops[i], err = e.planner.Replan(ctx, "production", op); err != nil {
			t.Fatalf("replan %s %s: %v", op.Kind, op.Target, err)
		}
	}
	if r := e.applier.Apply(ctx, undo); r.Err != nil {
		t.Fatalf("undo: %d applied, then %v", r.Applied, r.Err)
	}
	after, err := e.c.ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range picked {
		if _, err := e.c.GetScript(ctx, "production", s.Name); err != nil {
			t.Errorf("%s not restored: %v", s.Name, err)
		}
		if len(after.ByScript[s.Name]) != len(table.ByScript[s.Name]) {
			t.Errorf("%s: %d routes after undo, want %d", s.Name, len(after.ByScript[s.Name]), len(table.ByScript[s.Name]))
		}
		if present["last-used:"+s.Name] {
			if _, err := e.c.GetValue(ctx, table.NamespaceID, "last-used:"+s.Name); err != nil {
				t.Errorf("%s: last-used key not restored: %v", s.Name, err)
			}
		}
	}
}
