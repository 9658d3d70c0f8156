package jobs

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/jobs"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/screentest"
	"github.com/wfpconsole/wfp/ui"
)

func TestMain(m *testing.M) { screentest.Main(m) }

// A slow job (the sandbox adds latency) is paused, resumed and watched to
// the end from :jobs; its items show their state, and u undoes one:
// the tag it added is removed again.
func TestJobsPauseResumeItemsAndUndo(t *testing.T) {
	e := sandboxtest.Start(t, sandbox.Options{Seed: 4, Scripts: 60}, nil)
	log := audit.New(e.AuditPath()) // the client audits its writes there
	applier := change.NewApplier(e.Client, log, "test")
	eng, err := jobs.New(jobs.Options{Dir: filepath.Join(e.Dir, "jobs"), Applier: applier, Client: e.Client, Audit: log, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	var scripts []cfclient.Script
	e.Client.ListScripts(t.Context(), "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		scripts = append(scripts, p...)
		return nil
	})
	planner := change.NewPlanner(e.Client)
	plan, err := planner.PlanBulk(change.BulkRequest{Action: change.ActionTagAdd, Namespace: "production", Scripts: scripts[:12], Tag: "reviewed"}, "t", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.Sandbox.SetFaults(sandbox.Faults{Latency: 30 * time.Millisecond})
	actor := e.Client.Actor(t.Context())
	if _, err := eng.Start(plan, actor); err != nil {
		t.Fatal(err)
	}

	c := ui.NewCommon(t.Context(), time.Now, nil)
	c.Width, c.Height = 100, 30
	s, _ := Factory(Deps{Engine: eng, Actor: e.Client.Actor, AuditLog: log.Path(), Planner: planner, Applier: applier})(c, ui.Route{Kind: Kind})
	m := s.(*Model)
	t.Cleanup(m.Close)
	d := screentest.NewDriver(t, s, 100, 30)
	// One snapshot at a time (the reader re-arms): feed the subscription.
	sub := d.Exec(s.Init())[0].(subscribedMsg)
	m.Update(sub)
	// The reader is re-armed by Update; here each read is one step, so
	// the test never waits on a snapshot that will not come.
	next := func() {
		t.Helper()
		for _, msg := range d.Exec(m.wait()) {
			m.Update(msg)
		}
	}
	next()
	if v := d.View(); !strings.Contains(v, "1 job · ") || !strings.Contains(v, "PROGRESS") {
		t.Fatalf("list:\n%s", v)
	}
	d.Press("p")
	waitState(t, eng, plan.ID, jobs.Paused)
	next()
	if v := d.View(); !strings.Contains(v, "paused") {
		t.Fatalf("after p:\n%s", v)
	}
	e.Sandbox.SetFaults(sandbox.Faults{})
	d.Press("r")
	waitState(t, eng, plan.ID, jobs.Done)
	next()
	d.Press("enter")
	v := d.View()
	if !strings.Contains(v, "12/12 · 12 applied") || !strings.Contains(v, "tags.set") || !strings.Contains(v, "applied") {
		t.Fatalf("items:\n%s", v)
	}
	// u: the undo of item 1 is planned from its audit line and reviewed.
	d.Press("u")
	var ask ui.ConfirmRequest
	seen := d.TakeSeen()
	for _, msg := range seen {
		if a, ok := msg.(ui.ConfirmMsg); ok {
			ask = a.Request
		}
	}
	if ask.OnYes == nil || !strings.Contains(ask.Title, "Change the tags of") {
		t.Fatalf("undo review %+v\n%s\n%+v", ask, d.View(), seen)
	}
	d.Send(ask.OnYes)
	var applied *review.AppliedMsg
	for _, msg := range d.TakeSeen() {
		if a, ok := msg.(review.AppliedMsg); ok {
			applied = &a
		}
	}
	if applied == nil || applied.Result.Err != nil {
		t.Fatalf("undo applied: %+v", applied)
	}
	tags, err := e.Client.GetTags(t.Context(), "production", plan.Ops[0].Target.Script)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags {
		if tag == "reviewed" {
			t.Errorf("%s still has the tag after undo: %v", plan.Ops[0].Target.Script, tags)
		}
	}
	d.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	if m.open != "" {
		t.Error("esc did not close the items")
	}
}

func waitState(t *testing.T, eng *jobs.Engine, id string, want jobs.State) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, _, _, err := eng.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if s.State == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s, want %s", id, s.State, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
