package plan

import (
	"fmt"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/bulk"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/screentest"
	"github.com/wfpconsole/wfp/ui"
)

// BenchmarkPlanScroll is one frame of scrolling a 100,000-script delete
// plan at 120×40: the cursor moves a page down and the screen renders.
// The target is ≤ 2 ms a frame.
func BenchmarkPlanScroll(b *testing.B) {
	e := sandboxtest.Start(b, sandbox.Options{Seed: 1, Scripts: 10}, nil)
	const n = 100_000
	scripts := make([]cfclient.Script, n)
	now := time.Now()
	for i := range scripts {
		scripts[i] = cfclient.Script{Name: fmt.Sprintf("tenant-%06d-api-prod", i), ETag: "e",
			Tags:      []string{"tier-free", fmt.Sprintf("customer-%d", i%700), "environment-prod", "ephemeral"},
			CreatedOn: now, ModifiedOn: now}
	}
	c := ui.NewCommon(b.Context(), time.Now, nil)
	c.Width, c.Height = 120, 40
	d := Deps{Planner: change.NewPlanner(e.Client), Actor: e.Client.Actor, Stats: e.Client.Stats}
	r := ui.Route{Kind: Kind, Namespace: "production", Arg: "bench"}
	s := New(c, d, r)
	dr := screentest.NewDriver(b, s, 120, 40)
	dr.Send(bulk.PlanMsg{Route: r, Req: change.BulkRequest{Action: change.ActionDelete, Namespace: "production", Scripts: scripts}})
	if s.plan == nil || len(s.plan.Ops) != n {
		b.Fatalf("plan: %v", s.err)
	}
	page := screentest.Key("pgdown")
	top := screentest.Key("g")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%2000 == 0 {
			s.Update(top)
		}
		s.Update(page)
		_ = s.View()
	}
}
