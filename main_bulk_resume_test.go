package main

import (
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/ui"
)

// A job left paused (or interrupted) is offered at the start of the next
// session: yes opens :jobs, where r resumes it.
func TestSessionOffersToResumeUnfinishedJobs(t *testing.T) {
	rt := testRuntime(t, 50)
	sess := testSession(t, rt, cfclient.Actor{Name: "ana@bastion"})
	if sess.resumeOffer() != nil {
		t.Fatal("an offer with no job")
	}
	var scripts []cfclient.Script
	rt.Client.ListScripts(t.Context(), "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		scripts = append(scripts, p...)
		return nil
	})
	plan, err := rt.Planner.PlanBulk(change.BulkRequest{Action: change.ActionTagAdd, Namespace: "production",
		Scripts: scripts[:20], Tag: "reviewed"}, "ana@bastion", flowClock())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Jobs.Start(plan, cfclient.Actor{Name: "ana@bastion"}); err != nil {
		t.Fatal(err)
	}
	rt.Jobs.Pause(plan.ID)
	if s, _, _, _ := rt.Jobs.Get(plan.ID); s.Pending == 0 {
		t.Skip("the job finished before the pause")
	}
	cmd := testSession(t, rt, cfclient.Actor{Name: "ana@bastion"}).resumeOffer()
	if cmd == nil {
		t.Fatal("no offer for a paused job")
	}
	msg, ok := cmd().(ui.ConfirmMsg)
	if !ok || !strings.Contains(msg.Request.Title, "1 job unfinished") || !strings.Contains(msg.Request.Body, plan.ID) ||
		msg.Request.OnYes != (ui.NavigateMsg{Route: ui.Route{Kind: "jobs"}}) {
		t.Fatalf("offer %+v", msg)
	}
}

// The plan screen's p writes what `wfp bulk apply` reads.
func TestSavedPlanIsWhatBulkApplyReads(t *testing.T) {
	rt := testRuntime(t, 50)
	var scripts []cfclient.Script
	rt.Client.ListScripts(t.Context(), "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		scripts = append(scripts, p...)
		return nil
	})
	plan, err := rt.Planner.PlanBulk(change.BulkRequest{Action: change.ActionDelete, Namespace: "production", Scripts: scripts[:5]},
		"ana@bastion", flowClock())
	if err != nil {
		t.Fatal(err)
	}
	path, err := rt.savePlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(path, "plans") || !strings.HasSuffix(path, "sandbox-"+plan.ID+".json") {
		t.Errorf("path %s", path)
	}
	back, err := readPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != plan.ID || len(back.Ops) != 5 || back.Bulk == nil || back.Bulk.Phrase(ui.Sanitize) != "delete 5 in production" {
		t.Fatalf("read back %+v", back)
	}
}
