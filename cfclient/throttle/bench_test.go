package throttle

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// BenchmarkThrottleBudget runs the background job of
// TestThrottleBackgroundJobUsesTheBudgetAndInteractiveJumpsIt once per
// iteration (use -benchtime=1x: one iteration takes about 15 s) and reports
// the share of the background budget used while the job ran (all sends
// over 21 per 1 s window, so interactive sends on top of the job can lift
// it past 100 %), the job's own rate (the background budget is 21 req/s)
// and the interactive queue waits.
func BenchmarkThrottleBudget(b *testing.B) {
	j := budgetJob{Requests: 30, Window: time.Second, Jobs: 300, Workers: 8,
		Interactive: 400 * time.Millisecond, Latency: 20 * time.Millisecond}
	var share, rate float64
	var waits []time.Duration
	for b.Loop() {
		r := j.run(b)
		if len(r.Problems) > 0 || r.Server429 > 0 || r.Callers429 > 0 {
			b.Fatalf("broken run: %v, %d server 429s, %d caller 429s", r.Problems, r.Server429, r.Callers429)
		}
		share += r.Share
		rate += float64(r.BackgroundSends) / r.Duration.Seconds()
		waits = append(waits, r.InteractiveWaits...)
	}
	sortDurations(waits)
	b.ReportMetric(100*share/float64(b.N), "%budget")
	b.ReportMetric(rate/float64(b.N), "bg-req/s")
	b.ReportMetric(float64(percentile(waits, 50))/1e6, "int-p50-ms")
	b.ReportMetric(float64(percentile(waits, 99))/1e6, "int-p99-ms")
}

// BenchmarkThrottleOverhead is the cost of one GET through a throttle that
// never has to wait, against the same GET without it.
func BenchmarkThrottleOverhead(b *testing.B) {
	s := startThrServer(b, sandbox.Options{RateLimit: sandbox.RateLimit{Off: true}})
	base := NewTransport(0)
	for _, c := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"direct", base},
		{"throttled", New(Options{Requests: 1 << 30, Window: time.Second, MaxInFlight: 64}, base)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.do(context.Background(), c.rt, "GET", s.listURL(), nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkThrottleSchedule is the scheduler alone: queue, grant and
// release of one send, with goroutines contending for four slots.
func BenchmarkThrottleSchedule(b *testing.B) {
	tb := newTokenBudget(Options{Requests: 1 << 30, Window: time.Second}.withDefaults())
	req, _ := http.NewRequest("GET", "http://127.0.0.1/", nil)
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			tk, err := tb.acquire(ctx, Background)
			if err != nil {
				b.Error(err)
				return
			}
			tb.release(tk, req, resp, nil, time.Millisecond)
		}
	})
}

// BenchmarkThrottleShortServerWindow is the longest queue wait of a
// request from a default-configured console against a sandbox allowing 60
// requests per 10 s (see TestThrottleLearnsAShortServerWindow), 70
// requests one after another. Use -benchtime=1x.
func BenchmarkThrottleShortServerWindow(b *testing.B) {
	var wait float64
	for b.Loop() {
		run := shortWindowWait(b, 70, 6*time.Minute)
		if run.Err != nil || run.Server429 > 0 {
			b.Fatalf("broken run: %v, %d server 429s", run.Err, run.Server429)
		}
		b.Logf("60/10s server: longest queue wait %s, budget %d per %s after the first answer",
			run.Wait.Round(10*time.Millisecond), run.Stats.Limit, run.Stats.Window)
		wait += run.Wait.Seconds()
	}
	b.ReportMetric(wait/float64(b.N), "wait-s")
}

// BenchmarkThrottleRestartStall is how long a new console's 20 background
// requests take when another process has just used 50 of the token's 60
// requests per 10 s (see TestThrottleTrustsTheServerAfterARestart), against
// when the server freed that budget. Use -benchtime=1x.
func BenchmarkThrottleRestartStall(b *testing.B) {
	var stall, freed float64
	for b.Loop() {
		run := restartStall(b, 20, 2*time.Minute)
		if run.Err != nil || run.Server429 > 0 {
			b.Fatalf("broken run: %v, %d server 429s", run.Err, run.Server429)
		}
		b.Logf("restart: background stalled %s; the server freed the budget after %s",
			run.Stall.Round(10*time.Millisecond), run.Freed.Round(10*time.Millisecond))
		stall += run.Stall.Seconds()
		freed += run.Freed.Seconds()
	}
	b.ReportMetric(stall/float64(b.N), "stall-s")
	b.ReportMetric(freed/float64(b.N), "freed-s")
}
