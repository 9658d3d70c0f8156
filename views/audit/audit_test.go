package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/screentest"
	"github.com/wfpconsole/wfp/ui"
)

func TestMain(m *testing.M) { screentest.Main(m) }

// A change made through the pipeline shows in :audit, newest first, with
// its detail; u plans its undo, which after review restores the script.
func TestAuditShowsChangesAndUndoesOne(t *testing.T) {
	e := sandboxtest.Start(t, sandbox.Options{Seed: 1}, nil)
	ctx := cfclient.WithActor(t.Context(), cfclient.Actor{Name: "ana@host"})
	planner := change.NewPlanner(e.Client)
	applier := change.NewApplier(e.Client, audit.New(e.AuditPath()), "test")
	var name string
	_ = e.Client.ListScripts(ctx, "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		if name == "" {
			name = p[0].Name
		}
		return nil
	})
	before, _ := e.Client.GetTags(ctx, "production", name)
	op, err := planner.SetTags(ctx, "production", name, []string{"audited-change"})
	if err != nil {
		t.Fatal(err)
	}
	if res := applier.Apply(ctx, change.NewPlan("ana@host", time.Now(), op)); res.Err != nil {
		t.Fatal(res.Err)
	}

	// A line of another account (profiles share the log): hidden, never
	// undone here.
	w, err := audit.New(e.AuditPath()).Open()
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Append(audit.Record{Time: time.Now(), Actor: "ana@host", Account: strings.Repeat("b", 32), Op: "script.tags.replace",
		Target: "production/" + name, Result: "ok", PlanID: "p-other", Change: "tags.set", Inverse: []byte(`{"kind":"tags.set"}`)})
	w.Close()

	c := ui.NewCommon(ctx, time.Now, nil)
	s, _ := Factory(Source{Log: e.AuditPath(), Account: e.Client.AccountID(), Planner: planner, Applier: applier})(c, ui.Route{Kind: Kind})
	d := screentest.NewDriver(t, s, 120, 30)
	d.Run(d.S.Init())
	v := d.View()
	for _, want := range []string{"1 audit line · 1 shown · 1 of other accounts hidden", "ana@host", "tags.set", "production/" + name, "ok"} {
		if !strings.Contains(v, want) {
			t.Fatalf("audit screen lacks %q:\n%s", want, v)
		}
	}
	d.Press("enter")
	if v := d.View(); !strings.Contains(v, "- before") || !strings.Contains(v, "audited-change") || !strings.Contains(v, "u undoes this change") {
		t.Fatalf("detail:\n%s", v)
	}
	d.Press("esc")
	d.Press("u")
	var req ui.ConfirmRequest
	for _, m := range d.Seen {
		if cm, ok := m.(ui.ConfirmMsg); ok {
			req = cm.Request
		}
	}
	if !strings.Contains(req.Body, "audited-change") || req.OnYes == nil {
		t.Fatalf("undo review: %+v", req)
	}
	d.Send(req.OnYes)
	now, _ := e.Client.GetTags(context.Background(), "production", name)
	if strings.Join(now, ",") != strings.Join(before, ",") {
		t.Fatalf("tags after undo %v, want %v", now, before)
	}
	if v := d.View(); !strings.Contains(v, "2 audit lines") {
		t.Fatalf("the undo is not in the log:\n%s", v)
	}
	// The filter narrows the lines.
	d.Press("/")
	d.TypeText("nobody")
	if v := d.View(); !strings.Contains(v, "0 shown") {
		t.Fatalf("filter:\n%s", v)
	}
}
