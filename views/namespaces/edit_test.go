package namespaces

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/ui"
)

// startEditing runs a small seeded sandbox and a namespaces screen with the
// change pipeline, on c (a fresh Common when nil), loaded.
func startEditing(t *testing.T, c *ui.Common) (*sandboxtest.Env, *driver) {
	t.Helper()
	e := sandboxtest.Start(t, sandbox.Options{Seed: 1, Scripts: 40, Now: clock}, nil)
	if c == nil {
		c = ui.NewCommon(t.Context(), clock, nil)
	}
	ch := Changes{
		Planner: change.NewPlanner(e.Client),
		Applier: change.NewApplier(e.Client, audit.New(e.AuditPath()), "test"),
	}
	s, err := Factory(e.Client, ch)(c, ui.Route{Kind: ui.KindNamespaces})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, s, 80, 20)
	d.Run(d.S.Init())
	return e, d
}

// confirmOf returns the review the screen asked for last.
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

// appliedOK fails unless the last plan applied was applied whole.
func appliedOK(t *testing.T, d *driver) {
	t.Helper()
	for i := len(d.Seen) - 1; i >= 0; i-- {
		if a, ok := d.Seen[i].(review.AppliedMsg); ok {
			if a.Result.Err != nil || a.Result.Applied != 1 {
				t.Fatalf("apply: %+v", a.Result)
			}
			return
		}
	}
	t.Fatal("no plan was applied")
}

// lastAudit is the audit log's last record.
func lastAudit(t *testing.T, e *sandboxtest.Env) audit.Record {
	t.Helper()
	recs, _, err := audit.Read(e.AuditPath())
	if err != nil || len(recs) == 0 {
		t.Fatalf("audit log: %d records, %v", len(recs), err)
	}
	return recs[len(recs)-1]
}

// planned reports whether a plan was made (successfully) among msgs.
func planned(d *driver) bool {
	for _, m := range d.Seen {
		if p, ok := m.(review.PlannedMsg); ok && p.Err == nil {
			return true
		}
	}
	return false
}

// cursorOn is the namespace under the cursor.
func cursorOn(d *driver) string {
	ns, _ := d.S.(*Model).table.Current()
	return ns.Name
}

func TestCreateANamespace(t *testing.T) {
	e, d := startEditing(t, nil)
	d.Press("n")
	if !d.S.Capturing() || !strings.Contains(d.View(), "New dispatch namespace") {
		t.Fatalf("n should open the name form with the keyboard:\n%s", d.View())
	}
	d.TypeText("Tenant Beta")
	if v := d.View(); !strings.Contains(v, "✗ namespace: must match") {
		t.Errorf("a bad name is not named live:\n%s", v)
	}
	d.Press("ctrl+u")
	d.TypeText("staging")
	if v := d.View(); !strings.Contains(v, `✗ namespace "staging": is another namespace's`) {
		t.Errorf("a taken name is not named live:\n%s", v)
	}
	d.Press("enter")
	if planned(d) {
		t.Fatal("a taken name was planned")
	}
	d.Press("ctrl+u")
	d.TypeText("tenant-beta")
	if v := d.View(); !strings.Contains(v, "✓ tenant-beta is free") {
		t.Errorf("a good name should say so:\n%s", v)
	}
	d.Press("enter")
	req := confirmOf(t, d)
	if req.Title != "Create namespace tenant-beta?" || !strings.Contains(req.Body, "+ tenant-beta") || req.Phrase != "" || req.ReadOnly {
		t.Fatalf("review of creating a namespace: %+v", req)
	}
	d.Send(req.OnYes)
	appliedOK(t, d)
	if _, err := e.Client.GetNamespace(context.Background(), "tenant-beta"); err != nil {
		t.Fatalf("tenant-beta at the API: %v", err)
	}
	if rec := lastAudit(t, e); rec.Change != "namespace.create" || rec.Target != "tenant-beta" || !rec.OK() {
		t.Errorf("audit: %+v", rec)
	}
	if v := d.View(); !strings.Contains(v, "4 namespaces") || cursorOn(d) != "tenant-beta" || d.S.Capturing() {
		t.Errorf("the list should be read again with the cursor on tenant-beta (on %q):\n%s", cursorOn(d), v)
	}
}

func TestRenameANamespace(t *testing.T) {
	e, d := startEditing(t, nil)
	d.Press("j") // staging
	d.Press("r")
	if v := d.View(); !strings.Contains(v, "Rename staging (its 4 scripts move with it)") || !strings.Contains(v, "name> staging") {
		t.Fatalf("the rename form:\n%s", v)
	}
	if v := d.View(); !strings.Contains(v, "✗ new name: is the current name") {
		t.Errorf("the unchanged name is not named:\n%s", v)
	}
	d.TypeText("-eu")
	d.Press("enter")
	req := confirmOf(t, d)
	if req.Title != "Rename namespace staging?" || !strings.Contains(req.Body, "- staging (4 scripts)") || !strings.Contains(req.Body, "+ staging-eu (4 scripts)") {
		t.Fatalf("review of a rename: %+v", req)
	}
	d.Send(req.OnYes)
	appliedOK(t, d)
	if _, err := e.Client.GetNamespace(context.Background(), "staging"); !errors.Is(err, cfclient.ErrNotFound) {
		t.Errorf("staging still exists: %v", err)
	}
	if ns, err := e.Client.GetNamespace(context.Background(), "staging-eu"); err != nil || ns.ScriptCount != 4 {
		t.Errorf("staging-eu at the API: %+v, %v", ns, err)
	}
	if rec := lastAudit(t, e); rec.Change != "namespace.rename" || !rec.OK() {
		t.Errorf("audit: %+v", rec)
	}
	if v := d.View(); strings.Contains(v, "staging ") || cursorOn(d) != "staging-eu" {
		t.Errorf("the list should show staging-eu under the cursor (on %q):\n%s", cursorOn(d), v)
	}
}

// Deleting a namespace deletes its scripts: the review asks to type the
// phrase naming it and their count, and the namespace is gone after.
func TestDeleteANamespaceAsksForTheTypedPhrase(t *testing.T) {
	e, d := startEditing(t, nil)
	d.Press("G") // testing
	if cursorOn(d) != "testing" {
		t.Fatalf("cursor on %q", cursorOn(d))
	}
	ns, err := e.Client.GetNamespace(context.Background(), "testing")
	if err != nil || ns.ScriptCount == 0 {
		t.Fatalf("testing: %+v, %v", ns, err)
	}
	d.Press("D")
	req := confirmOf(t, d)
	want := "delete testing (" + ui.Commas(ns.ScriptCount) + " scripts)"
	if req.Phrase != want || !strings.Contains(req.Body, "cannot be undone") {
		t.Fatalf("phrase %q, want %q; body:\n%s", req.Phrase, want, req.Body)
	}
	d.Send(req.OnYes) // the App sends it once the phrase is typed
	appliedOK(t, d)
	if _, err := e.Client.GetNamespace(context.Background(), "testing"); !errors.Is(err, cfclient.ErrNotFound) {
		t.Fatalf("testing still exists: %v", err)
	}
	if rec := lastAudit(t, e); rec.Change != "namespace.delete" || !rec.OK() {
		t.Errorf("audit: %+v", rec)
	}
	if v := d.View(); strings.Contains(v, "testing") || !strings.Contains(v, "2 namespaces") {
		t.Errorf("the list was not read again:\n%s", v)
	}
	// d is D's other key.
	d.TakeSeen()
	d.Press("d")
	if req := confirmOf(t, d); !strings.HasPrefix(req.Phrase, "delete ") {
		t.Errorf("d should plan a delete too: %+v", req)
	}
}

// A read-only session opens the forms and sees the plan; nothing offers to
// apply it, and a yes sent anyway is refused by the gate.
func TestReadOnlySessionSeesNamespacePlansOnly(t *testing.T) {
	c := ui.NewCommon(cfclient.WithActor(t.Context(), cfclient.Actor{Name: "viewer@test", ReadOnly: true}), clock, nil)
	c.ReadOnly = true
	e, d := startEditing(t, c)
	d.Press("D")
	req := confirmOf(t, d)
	if !req.ReadOnly || req.Phrase != "" || !strings.Contains(req.Body, "read-only") {
		t.Fatalf("read-only review: %+v", req)
	}
	d.Send(req.OnYes)
	for _, m := range d.Seen {
		if a, ok := m.(review.AppliedMsg); ok && a.Result.Err == nil {
			t.Fatal("a read-only session applied a plan")
		}
	}
	if _, err := e.Client.GetNamespace(context.Background(), "production"); err != nil {
		t.Fatalf("production is gone: %v", err)
	}
}

// On a production profile every change is typed: a rename too.
func TestProductionRenameIsTyped(t *testing.T) {
	c := ui.NewCommon(t.Context(), clock, nil)
	c.Production = true
	_, d := startEditing(t, c)
	d.Press("r")
	d.Press("ctrl+u")
	d.TypeText("prod")
	d.Press("enter")
	if req := confirmOf(t, d); req.Phrase != "apply production" {
		t.Fatalf("phrase %q", req.Phrase)
	}
}
