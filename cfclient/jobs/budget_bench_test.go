package jobs

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// BenchmarkJobBudget runs a 2,000-op job (a tag added to 2,000 scripts, 3
// requests an op) against a sandbox limited to 300 requests per window
// while an operator reads a script every 500 ms, and measures over three
// windows after the first: the requests the sandbox answered against its
// limit (%server), the job's against the throttle's background share
// (%background: the limit less the safety margin and the interactive
// reserve), the 429s (must be 0), and how long interactive requests waited
// for their turn (p99) against one slot (the p50 time a request takes).
//
// The window is 300 requests per 6 s, Cloudflare's 300 per 60 s scaled
// down ten times so that a run takes ~25 s: the same code (throttle,
// engine, sandbox limiter) at ten times the pace. Two throttle settings:
// the console's defaults (5 % margin, 5 % interactive reserve: the
// background may fill 90 % of the limit) and the earlier 10 % / 20 % (72 %).
// Use
// -benchtime=1x.
func BenchmarkJobBudget(b *testing.B) {
	const window, limit = 6 * time.Second, 300
	for _, c := range []struct {
		name            string
		margin, reserve float64
	}{
		{"defaults", 0, 0},                 // 5 % margin, 5 % reserve: background may fill 90 % of the limit
		{"margin10-reserve20", 0.10, 0.20}, // the defaults before: 72 %
	} {
		b.Run(c.name, func(b *testing.B) {
			var server, share, job, p99, slot float64
			var n429 int
			for b.Loop() {
				r := budgetRun(b, limit, window, c.margin, c.reserve)
				server += r.server
				share += r.share
				job += r.job
				p99 += r.p99.Seconds() * 1000
				slot += r.slot.Seconds() * 1000
				n429 += r.n429
			}
			n := float64(b.N)
			b.ReportMetric(100*server/n, "%limit")
			b.ReportMetric(100*share/n, "%bg-share")
			b.ReportMetric(100*job/n, "%job-of-share")
			b.ReportMetric(float64(n429), "429s")
			b.ReportMetric(p99/n, "int-wait-p99-ms")
			b.ReportMetric(slot/n, "slot-ms")
		})
	}
}

type budgetResult struct {
	server, share, job float64
	n429               int
	p99, slot          time.Duration
}

func budgetRun(b *testing.B, limit int, window time.Duration, margin, reserve float64) budgetResult {
	var mu sync.Mutex
	var waits, lat []time.Duration
	bgSends := 0
	var from, to time.Time
	to0 := throttle.Options{Requests: limit, Window: window, SafetyMargin: margin, InteractiveReserve: reserve, OnAttempt: func(a throttle.Attempt) {
		mu.Lock()
		defer mu.Unlock()
		lat = append(lat, a.Latency)
		if a.Priority == throttle.Interactive {
			waits = append(waits, a.Granted.Sub(a.Enqueued))
		} else if !from.IsZero() && a.Granted.After(from) && a.Granted.Before(to) {
			bgSends++
		}
	}}
	e := newEnv(b, envOptions{scripts: 2000, limit: sandbox.RateLimit{Requests: limit, Window: window},
		faults: sandbox.Faults{Latency: 10 * time.Millisecond}, throttle: to0})
	scripts := e.list(b, "production")
	if len(scripts) < 2000 {
		b.Fatalf("%d scripts", len(scripts))
	}
	plan, err := e.planner.PlanBulk(change.BulkRequest{Action: change.ActionTagAdd, Tag: "bench-budget",
		Namespace: "production", Scripts: scripts[:2000]}, ana.Name, time.Now())
	if err != nil || len(plan.Ops) != 2000 {
		b.Fatalf("plan: %v", err)
	}
	start := time.Now()
	mu.Lock()
	from, to = start.Add(window), start.Add(4*window)
	mu.Unlock()
	id, err := e.eng.Start(plan, ana)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(ctxFor(b), to)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ctx.Err() == nil; i++ {
		select {
		case <-tick.C:
			_, _ = e.c.GetScript(ctx, "production", scripts[i%len(scripts)].Name)
		case <-ctx.Done():
		}
	}
	_ = e.eng.Cancel(id)
	st := e.c.Stats()
	n, n429 := e.front.hitsBetween(from, to)
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(waits)
	slices.Sort(lat)
	r := budgetResult{
		server: float64(n) / float64(3*limit),
		share:  float64(n) / float64(3*st.BackgroundLimit),
		job:    float64(bgSends) / float64(3*st.BackgroundLimit),
		n429:   n429,
		p99:    pct(waits, 99),
		slot:   pct(lat, 50),
	}
	b.Logf("%d requests in 3 windows of %s (limit %d, background share %d): %.1f%% of the limit, %.1f%% of the share (the job's own %.1f%%), %d 429s; interactive wait p99 %s, slot %s (%d interactive)",
		n, window, limit, st.BackgroundLimit, 100*r.server, 100*r.share, 100*r.job, n429, r.p99, r.slot, len(waits))
	return r
}

func pct(s []time.Duration, p int) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, len(s)*p/100)]
}
