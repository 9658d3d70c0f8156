package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/jobs"
)

// TestScreensFollowAJobsChanges: a bulk job started elsewhere (another
// session, the headless CLI in this process) deletes scripts; a session
// browsing the namespace sees them go — the namespaces screen's count,
// the scripts screen's rows — without a refresh and without a request of
// its own.
func TestScreensFollowAJobsChanges(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "bob@bastion"}, w, h)
	scr.waitFor(t, "namespaces", "3 namespaces", "200")
	tm.Send(key("enter"))
	scr.waitFor(t, "production", "200 scripts · 200 shown")

	// Three scripts of production, deleted by a job another operator runs.
	var victims []cfclient.Script
	ctx := cfclient.WithActor(context.Background(), cfclient.Actor{Name: "ana@bastion"})
	rt.Client.ListScripts(ctx, "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		for _, s := range p {
			if len(victims) < 3 {
				victims = append(victims, s)
			}
		}
		return nil
	})
	plan, err := rt.Planner.PlanBulk(change.BulkRequest{Action: change.ActionDelete, Namespace: "production", Scripts: victims}, "ana@bastion", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id, err := rt.Jobs.Start(plan, cfclient.Actor{Name: "ana@bastion"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(raceSlowdown * 20 * time.Second)
	for {
		s, _, _, err := rt.Jobs.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if s.State == jobs.Done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	used := rt.Client.Stats().Used
	scr.waitFor(t, "the rows after the job", "197 scripts · 197 shown")
	if txt := scr.text(); strings.Contains(txt, victims[0].Name+" ") {
		t.Errorf("a deleted script is still shown:\n%s", txt)
	}
	tm.Send(key("esc"))
	scr.waitFor(t, "the count after the job", "3 namespaces", "197")
	if d := rt.Client.Stats().Used - used; d != 0 {
		t.Errorf("the screens sent %d requests to learn of the job's deletes", d)
	}
	tm.Send(key("ctrl+c"))
	tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second))
}
