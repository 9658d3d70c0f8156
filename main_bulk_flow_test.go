package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
)

// TestBulkFlow is an engineer cleaning up at 80×24: select the ephemeral
// scripts idle for 30 days (a tag and an age term), plan their delete,
// confirm with the typed phrase, watch the job finish in :jobs, and undo
// one item (the script comes back from its undo kit). The final view is a
// golden.
func TestBulkFlow(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "ana@bastion"}, w, h)

	scr.waitFor(t, "namespaces", "3 namespaces")
	tm.Send(key("enter"))
	scr.waitFor(t, "production", "200 scripts · 200 shown")
	tm.Type("/")
	tm.Type("-t ephemeral idle>30d")
	tm.Send(key("enter"))
	scr.waitFor(t, "selected", "/-t ephemeral idle>30d · tags", "3 shown")
	tm.Type("D")
	scr.waitFor(t, "plan", "delete", "scripts in production", "enter starts it")
	tm.Send(key("enter"))
	scr.waitFor(t, "review", "Start a job of")
	tm.Type(phraseOf(t, scr))
	tm.Send(key("enter"))
	scr.waitFor(t, "job done", "job ", "· done", "applied")
	tm.Type("u")
	scr.waitFor(t, "undo review", "Restore script", "[ No ]")
	tm.Type("y")
	scr.waitFor(t, "undone", "applied 1 change")
	tm.Send(key("ctrl+c"))

	final := tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second)).(*ui.App)
	view := planID.ReplaceAllString(stable(final.View().Content), "YYYYMMDDThhmmssZ-xxxxxx")
	golden.RequireEqual(t, []byte(view))

	// At the API: the first item's script is back, the others are gone;
	// each was deleted once.
	list := rt.Jobs.List()
	if len(list) != 1 || list[0].Applied != list[0].Total || list[0].Total < 2 {
		t.Fatalf("jobs: %+v", list)
	}
	_, items, _, err := rt.Jobs.Get(list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		_, err := rt.Client.GetScript(t.Context(), "production", scriptOf(it.Target))
		if back := err == nil; back != (i == 0) {
			t.Errorf("item %d %s: present %v (err %v), want only the first back", i+1, it.Target, back, err)
		}
	}
}

// planID is a plan's id (its time and random hex).
var planID = regexp.MustCompile(`\d{8}T\d{6}Z-[0-9a-f]{6}`)

// scriptOf is the script of a target "ns/script".
func scriptOf(target string) string {
	_, s, _ := strings.Cut(target, "/")
	return s
}

// phraseOf is the typed phrase the review on screen asks for.
func phraseOf(t *testing.T, scr *screen) string {
	t.Helper()
	p := regexp.MustCompile(`delete \d+ in production`).FindString(scr.text())
	if p == "" {
		t.Fatalf("no phrase on screen:\n%s", scr.text())
	}
	return p
}
