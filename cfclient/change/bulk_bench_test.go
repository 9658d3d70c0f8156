package change

import (
	"fmt"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
)

// BenchmarkPlanBulkFromCache plans deleting (and tagging) every script of
// a 100,000-script namespace from the listing cache: the cache file is
// read and decoded, then PlanBulk runs; no request is sent. The target is
// at most 1 s an iteration.
func BenchmarkPlanBulkFromCache(b *testing.B) {
	const n = 100_000
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	c, err := cfclient.New(cfclient.Options{BaseURL: "http://127.0.0.1:1/client/v4", AccountID: "0123456789abcdef0123456789abcdef",
		Token: "bench-token-not-used-0000000000000000", Profile: "bench", ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	store := cache.New(b.TempDir(), c.BaseURL(), c.AccountID(), func() time.Time { return now })
	page := make([]cfclient.Script, n)
	tiers := []string{"tier-free", "tier-pro", "tier-enterprise"}
	for i := range page {
		page[i] = cfclient.Script{
			Name: fmt.Sprintf("tenant-%06d-api", i), ETag: fmt.Sprintf("%064x", i),
			Tags:      []string{fmt.Sprintf("customer-%d", i%5000), tiers[i%3], "ephemeral"},
			CreatedOn: now.Add(-time.Duration(i) * time.Minute), ModifiedOn: now.Add(-time.Duration(i) * time.Second),
			UsageModel: "standard", HasModules: true,
		}
	}
	if err := store.SaveScripts("big", [][]cfclient.Script{page}); err != nil {
		b.Fatal(err)
	}
	p := NewPlanner(c)
	for _, action := range []Action{ActionDelete, ActionTagAdd} {
		b.Run(string(action), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l, err := store.Scripts("big")
				if err != nil {
					b.Fatal(err)
				}
				plan, err := p.PlanBulk(BulkRequest{Action: action, Namespace: "big", Scripts: l.Scripts(), Tag: "stale"}, "bench", now)
				if err != nil || len(plan.Ops) != n || plan.Bulk.Scripts != n {
					b.Fatalf("plan: %v", err)
				}
			}
		})
	}
}
