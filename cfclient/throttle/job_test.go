package throttle

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// budgetJob is a background bulk job with an operator clicking around
// while it runs, against a sandbox whose rate limit equals the throttle's.
type budgetJob struct {
	Requests    int           // server limit and throttle Requests
	Window      time.Duration // server and throttle window
	Jobs        int           // background requests in the job
	Workers     int           // goroutines running the job
	Interactive time.Duration // one interactive request every this long
	Latency     time.Duration // added by the sandbox to every answer
}

// budgetReport is what a budgetJob measured.
type budgetReport struct {
	Limit, BackgroundLimit int
	Duration               time.Duration // first grant to last answer of the job
	Windows                int           // ceil(Duration / Window)
	BackgroundSends        int
	InteractiveSends       int
	// Share is every send during the job over the background budget of
	// the windows it spanned (BackgroundLimit × Windows).
	Share float64
	// Callers429 and CallerErrors are what reached the callers; Server429
	// is what the server answered (the throttle must never provoke one).
	Callers429, CallerErrors, Server429 int
	// InteractiveWaits are the queue waits of the interactive attempts.
	InteractiveWaits []time.Duration
	MaxLatency       time.Duration // slowest attempt of the run
	// Problems are broken invariants, one line each.
	Problems []string
}

// run performs the job and checks, from the throttle's own timing hook,
// that no background grant happened while an interactive request waited,
// that no rolling window saw more grants than the usable limit, and none
// with a background grant more than the background limit.
func (j budgetJob) run(tb testing.TB) budgetReport {
	tb.Helper()
	s := startThrServer(tb, sandbox.Options{
		RateLimit: sandbox.RateLimit{Requests: j.Requests, Window: j.Window},
		Faults:    sandbox.Faults{Latency: j.Latency},
	})
	var log attemptLog
	th := New(Options{Requests: j.Requests, Window: j.Window, OnAttempt: log.add}, nil)
	st := th.Stats("")
	rep := budgetReport{Limit: st.Limit, BackgroundLimit: st.BackgroundLimit}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var callers429, callerErrors atomic.Int32
	call := func(c context.Context) {
		code, err := s.do(c, th, "GET", s.listURL(), nil)
		switch {
		case err != nil:
			callerErrors.Add(1)
		case code == http.StatusTooManyRequests:
			callers429.Add(1)
		}
	}
	next := make(chan struct{})
	var jobWG sync.WaitGroup
	for range j.Workers {
		jobWG.Add(1)
		go func() {
			defer jobWG.Done()
			for range next {
				call(WithPriority(ctx, Background))
			}
		}()
	}
	jobDone := make(chan struct{})
	var opWG sync.WaitGroup
	opWG.Add(1)
	go func() { // the operator
		defer opWG.Done()
		tick := time.NewTicker(j.Interactive)
		defer tick.Stop()
		for {
			select {
			case <-jobDone:
				return
			case <-tick.C:
				call(ctx)
			}
		}
	}()
	for range j.Jobs {
		next <- struct{}{}
	}
	close(next)
	jobWG.Wait()
	close(jobDone)
	opWG.Wait()

	rep.Callers429, rep.CallerErrors = int(callers429.Load()), int(callerErrors.Load())
	for _, h := range s.log() {
		if h.status == http.StatusTooManyRequests {
			rep.Server429++
		}
	}
	rep.analyse(log.all(), j.Window)
	return rep
}

// analyse fills the figures and invariants from the attempts.
func (r *budgetReport) analyse(as []Attempt, window time.Duration) {
	slices.SortFunc(as, func(a, b Attempt) int { return a.Granted.Compare(b.Granted) })
	var first, last time.Time
	for _, a := range as {
		r.MaxLatency = max(r.MaxLatency, a.Latency)
		if a.Priority == Interactive {
			r.InteractiveSends++
			continue
		}
		r.BackgroundSends++
		if first.IsZero() {
			first = a.Granted
		}
		if end := a.Granted.Add(a.Latency); end.After(last) {
			last = end
		}
	}
	r.Duration = last.Sub(first)
	r.Windows = int((r.Duration + window - 1) / window)
	var during int
	for _, a := range as {
		if !a.Granted.Before(first) && !a.Granted.After(last) {
			during++
		}
	}
	r.Share = float64(during) / float64(r.BackgroundLimit*max(1, r.Windows))

	for i, a := range as {
		// Grants in (a.Granted-window, a.Granted], this one included.
		n := 0
		for k := i; k >= 0 && as[k].Granted.After(a.Granted.Add(-window)); k-- {
			n++
		}
		if n > r.Limit {
			r.Problems = append(r.Problems, fmt.Sprintf("%d grants in one window, over the usable %d", n, r.Limit))
		}
		if a.Priority == Background && n > r.BackgroundLimit {
			r.Problems = append(r.Problems, fmt.Sprintf("a background grant made %d in one window, over its %d", n, r.BackgroundLimit))
		}
		if a.Priority != Interactive {
			continue
		}
		r.InteractiveWaits = append(r.InteractiveWaits, a.Granted.Sub(a.Enqueued))
		for _, b := range as {
			if b.Priority == Background && b.Granted.After(a.Enqueued) && b.Granted.Before(a.Granted) {
				r.Problems = append(r.Problems, fmt.Sprintf("a background request was granted while an interactive one waited %s", a.Granted.Sub(a.Enqueued)))
				break
			}
		}
	}
	sortDurations(r.InteractiveWaits)
}

func sortDurations(d []time.Duration) { slices.Sort(d) }

// percentile of sorted durations (0 when empty).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100]
}

// TestThrottleBackgroundJobUsesTheBudgetAndInteractiveJumpsIt runs the
// issue's scenario on a smaller scale: instead of 600 requests at 60 per
// 10 s (about 100 s), a 300-request job at 30 per 1 s (usable 27, of which
// background 21), about 15 s, with an interactive request every 400 ms and
// 20 ms of server latency, so that the in-flight cap is often full.
func TestThrottleBackgroundJobUsesTheBudgetAndInteractiveJumpsIt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about 15 s of wall time")
	}
	j := budgetJob{Requests: 30, Window: time.Second, Jobs: 300, Workers: 8,
		Interactive: 400 * time.Millisecond, Latency: 20 * time.Millisecond}
	r := j.run(t)
	t.Logf("job: %d background + %d interactive sends in %s (%d windows of %s); share of the background budget %.1f%%",
		r.BackgroundSends, r.InteractiveSends, r.Duration.Round(time.Millisecond), r.Windows, j.Window, 100*r.Share)
	t.Logf("interactive queue wait: p50 %s, p99 %s, max %s; slowest attempt %s",
		percentile(r.InteractiveWaits, 50), percentile(r.InteractiveWaits, 99),
		percentile(r.InteractiveWaits, 100), r.MaxLatency)
	for _, p := range r.Problems {
		t.Error(p)
	}
	if r.Callers429 != 0 || r.Server429 != 0 || r.CallerErrors != 0 {
		t.Fatalf("429s reached %d callers, the server sent %d, %d callers failed", r.Callers429, r.Server429, r.CallerErrors)
	}
	if r.BackgroundSends != j.Jobs {
		t.Fatalf("%d background sends for %d jobs", r.BackgroundSends, j.Jobs)
	}
	if r.Share < 0.85 {
		t.Fatalf("the job used %.1f%% of the background budget, want at least 85%%", 100*r.Share)
	}
	if len(r.InteractiveWaits) < 10 {
		t.Fatalf("only %d interactive requests ran", len(r.InteractiveWaits))
	}
	// The reserve keeps budget for the operator, so an interactive request
	// waits at most for one request in flight to be answered.
	bound := r.MaxLatency + 100*time.Millisecond
	if w := percentile(r.InteractiveWaits, 100); w > bound {
		t.Fatalf("an interactive request waited %s in the queue, over %s (one answer in flight plus slack)", w, bound)
	}
}
