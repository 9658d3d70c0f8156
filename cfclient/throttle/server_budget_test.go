package throttle

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// shortWindowRun is what shortWindowWait measured.
type shortWindowRun struct {
	Wait      time.Duration // longest queue wait of a request (grant - enqueue)
	Sent      int           // requests answered before the context ended
	Server    int           // requests the server saw
	Server429 int           // of which 429
	Stats     Stats         // after the first answer
	Err       error         // the first caller error (the context's, when it ended)
}

// shortWindowWait drives a console's throttle (default options: 1200 per
// 5 minutes) against a sandbox that allows 60 requests per 10 s, sending n
// requests one after the other, and reports the longest wait in the queue.
// The server's rule lets the 55th request go about 10 s after the first.
func shortWindowWait(tb testing.TB, n int, limit time.Duration) shortWindowRun {
	tb.Helper()
	s := startThrServer(tb, sandbox.Options{RateLimit: sandbox.RateLimit{Requests: 60, Window: 10 * time.Second}})
	var log attemptLog
	th := New(Options{OnAttempt: log.add, SafetyMargin: 0.1, InteractiveReserve: 0.2}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var run shortWindowRun
	for i := range n {
		code, err := s.do(ctx, th, "GET", s.listURL(), nil)
		if err != nil {
			run.Err = err
			break
		}
		if code == http.StatusOK {
			run.Sent++
		}
		if i == 0 {
			run.Stats = th.Stats(s.auth())
		}
	}
	for _, a := range log.all() {
		run.Wait = max(run.Wait, a.Granted.Sub(a.Enqueued))
	}
	if run.Err != nil {
		// The request that never got through waited until the context ended.
		run.Wait = max(run.Wait, limit)
	}
	hits := s.log()
	run.Server = len(hits)
	for _, h := range hits {
		if h.status == http.StatusTooManyRequests {
			run.Server429++
		}
	}
	return run
}

// TestThrottleLearnsAShortServerWindow: against `wfp sandbox --rate-limit
// 60/10s` a console configured for Cloudflare's 1200 per 5 minutes adopted
// the server's 60 but kept its own 5-minute window, so the 55th request
// waited minutes for what the server frees every 10 s. The window (and the
// limit) come from the server's Ratelimit-Policy.
func TestThrottleLearnsAShortServerWindow(t *testing.T) {
	run := shortWindowWait(t, 70, 30*time.Second)
	t.Logf("60/10s server, 70 requests: longest queue wait %s (sent %d, server saw %d, %d of them 429)",
		run.Wait.Round(10*time.Millisecond), run.Sent, run.Server, run.Server429)
	if run.Stats.Window != 10*time.Second || run.Stats.Limit != 54 {
		t.Errorf("after the first answer the budget is %d per %s, want the server's 60 (54 usable) per 10s", run.Stats.Limit, run.Stats.Window)
	}
	if run.Err != nil || run.Sent != 70 {
		t.Fatalf("sent %d of 70 within 30 s (%v): a queued request waited for the local window, not the server's", run.Sent, run.Err)
	}
	if run.Wait > 12*time.Second {
		t.Errorf("a queued request waited %s; the server frees its budget every 10 s", run.Wait)
	}
	if run.Server429 != 0 {
		t.Errorf("the server answered %d requests with 429", run.Server429)
	}
}

// restartRun is what restartStall measured.
type restartRun struct {
	Stall     time.Duration // from the second client's start to its last answer
	Freed     time.Duration // from that start to when the first client's sends left the server's window
	Done      int           // background requests of the second client answered
	Server429 int
	Err       error
}

// restartStall: a first console spends 50 of the token's 60 requests per
// 10 s and quits; 6 s later a second console (a fresh throttle, knowing the
// same rule) starts n background requests. The server frees the first
// console's requests about 4 s after the second one starts.
func restartStall(tb testing.TB, n int, limit time.Duration) restartRun {
	tb.Helper()
	const window = 10 * time.Second
	s := startThrServer(tb, sandbox.Options{RateLimit: sandbox.RateLimit{Requests: 60, Window: window}})
	first := New(Options{Requests: 60, Window: window}, nil)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.do(context.Background(), first, "GET", s.listURL(), nil)
		}()
	}
	wg.Wait()
	hits := s.log()
	last := hits[len(hits)-1].at
	time.Sleep(6 * time.Second)

	second := New(Options{Requests: 60, Window: window}, nil)
	ctx, cancel := context.WithTimeout(WithPriority(context.Background(), Background), limit)
	defer cancel()
	start := time.Now()
	var run restartRun
	run.Freed = last.Add(window).Sub(start)
	var mu sync.Mutex
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, err := s.do(ctx, second, "GET", s.listURL(), nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && run.Err == nil {
				run.Err = err
			}
			if err == nil && code == http.StatusOK {
				run.Done++
			}
		}()
	}
	wg.Wait()
	run.Stall = time.Since(start)
	for _, h := range s.log() {
		if h.status == http.StatusTooManyRequests {
			run.Server429++
		}
	}
	return run
}

// TestThrottleTrustsTheServerAfterARestart: right after another process
// used most of the token's budget, a new console froze its background
// requests for a whole window while the server said plenty remained. The
// server's remaining/reset win over the local ledger, both ways.
func TestThrottleTrustsTheServerAfterARestart(t *testing.T) {
	run := restartStall(t, 20, 9*time.Second)
	t.Logf("restart after 50 of 60/10s used: 20 background requests took %s (the server freed the budget after %s; %d done, %d server 429s)",
		run.Stall.Round(10*time.Millisecond), run.Freed.Round(10*time.Millisecond), run.Done, run.Server429)
	if run.Err != nil || run.Done != 20 {
		t.Fatalf("%d of 20 background requests answered within 9 s (%v): the console waited for its own ledger, not the server", run.Done, run.Err)
	}
	if run.Stall > run.Freed+3*time.Second {
		t.Errorf("background stalled %s; the server freed the budget after %s", run.Stall, run.Freed)
	}
	if run.Server429 != 0 {
		t.Errorf("the server answered %d requests with 429", run.Server429)
	}
}

// TestThrottleProbesSparinglyWhileOthersHoldTheBudget: another tool keeps
// 50 of the token's 60 requests per 5 s in use. Our background requests
// (43 usable) wait; a probe after each server reset learns whether the
// other use has gone, at most one per probe gap (5 s / 3), and never
// drives the server into a 429.
func TestThrottleProbesSparinglyWhileOthersHoldTheBudget(t *testing.T) {
	const window = 5 * time.Second
	s := startThrServer(t, sandbox.Options{RateLimit: sandbox.RateLimit{Requests: 60, Window: window}})
	other, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // another tool, unthrottled, 10 requests a second
		defer wg.Done()
		tick := time.NewTicker(window / 50)
		defer tick.Stop()
		for {
			select {
			case <-other.Done():
				return
			case <-tick.C:
				s.do(other, http.DefaultTransport, "GET", s.listURL(), nil)
			}
		}
	}()
	defer func() { stop(); wg.Wait() }()
	time.Sleep(window) // the other tool's use fills the window

	var log attemptLog
	th := New(Options{OnAttempt: log.add, SafetyMargin: 0.1, InteractiveReserve: 0.2}, nil)
	// Watched for almost two windows: the first probe waits for the
	// server's reset, which may be most of a window away, so one window
	// raced it; short of two, so a seventh probe (due at 2 windows at the
	// earliest) never lands on the edge.
	const watched = 2*window - window/10
	ctx, cancel := context.WithTimeout(WithPriority(context.Background(), Background), watched)
	defer cancel()
	var jobs sync.WaitGroup
	for range 20 { // more than the probes allowed may answer: overrunning shows

		jobs.Add(1)
		go func() {
			defer jobs.Done()
			s.do(ctx, th, "GET", s.listURL(), nil)
		}()
	}
	jobs.Wait()
	st := th.Stats(s.auth())
	attempts := len(log.all())
	t.Logf("others hold ~50 of 60 per 5s: %d attempts in %s (budget %d per %s, used %d)", attempts, watched, st.Limit, st.Window, st.Used)
	// Four go before any answer tells the throttle about the others; then
	// a probe at the first reset and at most one per gap of 5s/3: six in
	// the 9.5 s watched.
	if attempts < 5 || attempts > 4+6 {
		t.Errorf("%d attempts, want the first 4 and then between 1 and 6 probes", attempts)
	}
	for _, h := range s.log() {
		if h.status == http.StatusTooManyRequests {
			t.Fatalf("the server answered 429: the probes overran the budget")
		}
	}
}

// waitLog collects WaitFunc calls.
type waitLog struct {
	mu    sync.Mutex
	calls []time.Time
}

func (l *waitLog) told(until time.Time) {
	l.mu.Lock()
	l.calls = append(l.calls, until)
	l.mu.Unlock()
}

func (l *waitLog) all() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.calls...)
}

// A request waiting for budget tells its WaitFunc when it expects to go,
// then that the wait ended; one waiting only for a slot in flight says
// nothing.
func TestThrottleTellsABudgetWait(t *testing.T) {
	s := startThrServer(t, sandbox.Options{RateLimit: sandbox.RateLimit{Off: true}, Faults: sandbox.Faults{Latency: 300 * time.Millisecond}})
	th := New(Options{Requests: 4, Window: 2 * time.Second, MaxInFlight: 1}, nil)
	bg := WithPriority(context.Background(), Background)

	// A slot in flight is not budget: the second request waits ~300 ms
	// for the first one's answer and says nothing.
	var slot waitLog
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.do(bg, th, "GET", s.listURL(), nil)
	}()
	waitFor(t, "the first request in flight", func() bool { return th.Stats("").InFlight == 1 })
	if _, err := s.do(WithWaitFunc(bg, slot.told), th, "GET", s.listURL(), nil); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if calls := slot.all(); len(calls) != 0 {
		t.Errorf("a wait for a slot in flight was told as a budget wait: %v", calls)
	}

	// Two sends fill the background budget (4 less the margin is 3, of
	// which background may use 2): the third waits ~2 s for the window.
	var budget waitLog
	start := time.Now()
	if _, err := s.do(WithWaitFunc(bg, budget.told), th, "GET", s.listURL(), nil); err != nil {
		t.Fatal(err)
	}
	sent := time.Since(start)
	calls := budget.all()
	if len(calls) < 2 || calls[0].IsZero() || !calls[len(calls)-1].IsZero() {
		t.Fatalf("told %v, want the expected send time, then zero", calls)
	}
	if eta := calls[0].Sub(start); eta < time.Second || eta > 2500*time.Millisecond || sent < eta-100*time.Millisecond {
		t.Errorf("told it would go after %s; it went after %s", eta, sent)
	}
}
