package script

import (
	"slices"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/ui"
)

// confirmOf returns the review the screen asked for (the App would show
// it as the confirm dialog).
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

// editWorld opens a tiered production script with the change pipeline.
func editWorld(t *testing.T) (*world, *driver, string) {
	w := newWorld(t)
	name := w.find("has a tier", func(s cfclient.Script) bool {
		tier, _ := w.e.Client.TierOf(s.Tags)
		return tier != "" && !strings.Contains(strings.Join(s.Tags, ""), "\x1b")
	})
	return w, w.open("production", name), name
}

func TestEditTagsPlansReviewsAppliesAndAudits(t *testing.T) {
	w, d, name := editWorld(t)
	d.Press("e")
	if v := d.View(); !strings.Contains(v, "Tags of "+name) || !strings.Contains(v, "/8 tags · ok") {
		t.Fatalf("the tags form:\n%s", v)
	}
	d.TypeText(" reviewed-by-ops")
	d.Press("enter")
	req := confirmOf(t, d)
	if !strings.Contains(req.Body, "+ ") || !strings.Contains(req.Body, "reviewed-by-ops") || req.Phrase != "" || req.ReadOnly {
		t.Fatalf("review of one reversible change on a non-production profile: %+v", req)
	}
	d.Send(req.OnYes) // the operator says yes
	applied := false
	for _, m := range d.Seen {
		if a, ok := m.(review.AppliedMsg); ok && a.Result.Err == nil && a.Result.Applied == 1 {
			applied = true
		}
	}
	if !applied {
		t.Fatal("the plan was not applied")
	}
	tags, err := w.e.Client.GetTags(t.Context(), "production", name)
	if err != nil || !slices.Contains(tags, "reviewed-by-ops") {
		t.Fatalf("tags at the API: %v, %v", tags, err)
	}
	if v := d.View(); !strings.Contains(v, "reviewed-by-ops") {
		t.Errorf("the screen did not reload:\n%s", v)
	}
	recs, _, _ := audit.Read(w.e.AuditPath())
	if len(recs) == 0 || recs[len(recs)-1].Change != "tags.set" || recs[len(recs)-1].PlanID == "" {
		t.Fatalf("audit: %+v", recs)
	}
}

func TestEditTagsShowsTheRuleLiveAndRefusesToPlan(t *testing.T) {
	_, d, _ := editWorld(t)
	d.Press("e")
	d.TypeText(" a b c d e f g h")
	if v := d.View(); !strings.Contains(v, "at most 8 tags per script") {
		t.Fatalf("the 8-tag rule is not shown live:\n%s", v)
	}
	d.Press("enter")
	for _, m := range d.Seen {
		if _, ok := m.(review.PlannedMsg); ok {
			t.Fatal("a form breaking a rule was planned")
		}
	}
	d.Press("esc")
	if d.S.(*Model).editing() {
		t.Fatal("esc did not close the form")
	}
}

func TestChangeTierAndLimits(t *testing.T) {
	w, d, name := editWorld(t)
	before, _ := w.e.Client.TierOf(mustSettings(t, w, name).Tags)
	d.Press("T")
	if v := d.View(); !strings.Contains(v, "(current)") || !strings.Contains(v, "subrequests") {
		t.Fatalf("the tier picker:\n%s", v)
	}
	d.Press("g") // the first tier
	d.Press("enter")
	req := confirmOf(t, d)
	d.Send(req.OnYes)
	after, _ := w.e.Client.TierOf(mustSettings(t, w, name).Tags)
	if after == "" || (after == before && !strings.Contains(req.Body, before)) {
		t.Fatalf("tier %q → %q; review:\n%s", before, after, req.Body)
	}

	d.Press("L")
	d.TypeText("9") // appended to the current value or typed anew: a number
	d.Press("tab")
	d.Press("ctrl+u")
	d.TypeText("x")
	if v := d.View(); !strings.Contains(v, "limits.subrequests: must be a whole number") {
		t.Fatalf("a bad limit is not named:\n%s", v)
	}
	d.Press("backspace")
	d.TypeText("77")
	d.Press("enter")
	req = confirmOf(t, d)
	if !strings.Contains(req.Body, "subrequests 77") {
		t.Fatalf("limits review:\n%s", req.Body)
	}
	d.Send(req.OnYes)
	if l := mustSettings(t, w, name).Limits; l.Subrequests == nil || *l.Subrequests != 77 {
		t.Fatalf("limits at the API: %+v", l)
	}
}

// A read-only session opens the forms and sees the plan and why it cannot
// be applied; nothing offers to apply it.
func TestReadOnlySessionSeesThePlanOnly(t *testing.T) {
	w := newWorld(t)
	name := w.find("has a tier", func(s cfclient.Script) bool { tier, _ := w.e.Client.TierOf(s.Tags); return tier != "" })
	c := ui.NewCommon(t.Context(), clock, nil)
	c.ReadOnly = true
	s, err := Factory(w.e.Client, w.cache, w.changes())(c, ui.Route{Kind: ui.KindScript, Namespace: "production", Script: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.(ui.Closer).Close)
	d := newDriver(t, s, 80, 200)
	d.Run(d.S.Init())
	d.Press("e")
	d.TypeText(" x")
	d.Press("enter")
	req := confirmOf(t, d)
	if !req.ReadOnly || !strings.Contains(req.Body, "read-only") {
		t.Fatalf("read-only review: %+v", req)
	}
}

func mustSettings(t *testing.T, w *world, name string) cfclient.ScriptSettings {
	t.Helper()
	s, err := w.e.Client.GetSettings(t.Context(), "production", name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// a opens the routing screen's add form for this script: the two screens
// coordinate only through the route's argument (ui.KindRouting).
func TestAddRouteOpensTheRoutingScreen(t *testing.T) {
	_, d, name := editWorld(t)
	d.Press("a")
	want := ui.Route{Kind: ui.KindRouting, Arg: "add=production/" + name}
	for _, m := range d.Seen {
		if nav, ok := m.(ui.NavigateMsg); ok && nav.Route == want {
			return
		}
	}
	t.Fatalf("a did not navigate to %+v; seen %v", want, d.Seen)
}
