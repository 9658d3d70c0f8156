package main

import (
	"regexp"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
)

// TestEditFlow is an operator changing a tenant at 80×24: edit its tags,
// move it to another tier, then undo the tier change from :audit; every
// change is reviewed and confirmed first. The final view is a golden.
func TestEditFlow(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "ana@bastion"}, w, h)

	scr.waitFor(t, "namespaces", "3 namespaces")
	tm.Send(key("enter"))
	scr.waitFor(t, "production", "200 scripts · 200 shown")
	tm.Type("/")
	tm.Type("apiprod")
	tm.Send(key("enter"))
	scr.waitFor(t, "filtered", "/apiprod · fuzzy", "3 shown")
	tm.Send(key("enter"))
	scr.waitFor(t, "script", "LIMITS", "tier-")

	// Tags: the form, the review, yes.
	tm.Type("e")
	scr.waitFor(t, "tags form", "Tags of", "/8 tags · ok")
	tm.Type(" ops-reviewed")
	tm.Send(key("enter"))
	scr.waitFor(t, "tags review", "Change the tags of", "ops-reviewed", "[ No ]")
	tm.Type("y")
	scr.waitFor(t, "tags applied", "applied 1 change")

	// Tier: the picker, the review, yes.
	tm.Type("T")
	scr.waitFor(t, "tier picker", "Tier of", "(current)")
	tm.Type("g")
	tm.Send(key("enter"))
	scr.waitFor(t, "tier review", "Change the tier of", "tier-free")
	tm.Type("y")
	scr.waitFor(t, "tier applied", "applied 1 change", "tier           free")

	// Undo the tier change from :audit.
	tm.Type(":")
	tm.Type("audit")
	tm.Send(key("enter"))
	scr.waitFor(t, "audit", "2 audit lines", "tier.set", "tags.set")
	tm.Type("u")
	scr.waitFor(t, "undo review", "Change the tier of", "[ No ]")
	tm.Type("y")
	scr.waitFor(t, "undone", "applied 1 change", "3 audit lines")
	tm.Send(key("ctrl+c"))

	final := tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second)).(*ui.App)
	view := auditTime.ReplaceAllString(stable(final.View().Content), "MM-DD hh:mm:ss")
	golden.RequireEqual(t, []byte(view))
}

// auditTime and refreshed are the parts of the audit screen that depend on
// the wall clock (audit lines are stamped with the real time).
var (
	auditTime = regexp.MustCompile(`\d\d-\d\d \d\d:\d\d:\d\d`)
	refreshed = regexp.MustCompile(`refreshed (just now|\d+\w ago)`)
)

// TestRouteFlow repoints a route from the routing screen at 80×24: pick a
// script by fuzzy search, review, yes; the table shows the new target.
func TestRouteFlow(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "ana@bastion"}, w, h)

	scr.waitFor(t, "namespaces", "3 namespaces")
	tm.Type(":")
	tm.Type("routes")
	tm.Send(key("enter"))
	scr.waitFor(t, "routes", "Routes → production", "globex-corp-api-760546")
	tm.Type("e")
	scr.waitFor(t, "repoint form", "Repoint hostname api-760546.globex-corp.io")
	tm.Type("ads")
	scr.waitFor(t, "picker", "▸ ads-worker-qa-14")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Send(key("enter"))
	scr.waitFor(t, "review", "Point route hostname:api-760546.globex-corp.io?", "+ ads-worker-qa-14", "[ No ]")
	tm.Type("y")
	scr.waitFor(t, "applied", "applied 1 change", "ads-worker-qa-14            ok")
	tm.Send(key("ctrl+c"))

	final := tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second)).(*ui.App)
	view := stable(final.View().Content)
	golden.RequireEqual(t, []byte(view))
}
