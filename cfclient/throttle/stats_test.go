package throttle

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

func TestThrottleStats(t *testing.T) {
	// No rate-limit headers: the configured budget stands.
	s := startThrServer(t, sandbox.Options{RateLimit: sandbox.RateLimit{Off: true}, Faults: sandbox.Faults{Latency: 200 * time.Millisecond}})
	var shift atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	th := New(Options{Requests: 100, Window: time.Minute, Now: now, SafetyMargin: 0.1, InteractiveReserve: 0.2}, nil)
	if st := th.Stats(""); st.Limit != 90 || st.BackgroundLimit != 72 || st.Window != time.Minute || st.Used != 0 || st.Remaining != 90 {
		t.Fatalf("fresh stats %+v", st)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.do(context.Background(), th, "GET", s.listURL(), nil)
		}()
	}
	waitFor(t, "3 in flight", func() bool { return th.Stats(s.auth()).InFlight == 3 })
	if st := th.Stats(s.auth()); st.Used != 3 || st.Remaining != 87 {
		t.Fatalf("in-flight requests are not counted as used: %+v", st)
	}
	wg.Wait()
	st := th.Stats("")
	if st != th.Stats(s.auth()) {
		t.Fatalf(`Stats("") is not the last used token's`)
	}
	if st.Used != 3 || st.InFlight != 0 || st.LatencyP50 < 200*time.Millisecond || st.LatencyP99 < st.LatencyP50 {
		t.Fatalf("stats after the answers %+v", st)
	}
	if st.LastError != "" || !st.PausedUntil.IsZero() {
		t.Fatalf("no failure happened, stats say %+v", st)
	}
	shift.Store(int64(time.Minute))
	if st := th.Stats(s.auth()); st.Used != 0 || st.Remaining != 90 {
		t.Fatalf("a window later the sends still count: %+v", st)
	}
	if st := th.Stats("Bearer another-token"); st.Used != 0 || st.Limit != 90 {
		t.Fatalf("unknown token stats %+v", st)
	}
}

func TestThrottleKeepsOneBudgetPerToken(t *testing.T) {
	s := startThrServer(t, sandbox.Options{})
	th := New(Options{Requests: 4, Window: time.Minute}, nil)
	for range 3 {
		s.do(context.Background(), th, "GET", s.listURL(), nil)
	}
	// Another token (the sandbox refuses it, which still costs a request).
	req, _ := http.NewRequest("GET", s.listURL(), nil)
	req.Header.Set("Authorization", "Bearer other-token-1234")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := th.RoundTrip(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("the other token waited on the first one's budget: %v", err)
	}
	resp.Body.Close()
	if a, b := th.Stats(s.auth()).Used, th.Stats("Bearer other-token-1234").Used; a != 3 || b != 1 {
		t.Fatalf("used %d and %d, want 3 and 1", a, b)
	}
}

func TestThrottleCountsWhatTheServerSaysOthersUsed(t *testing.T) {
	s := startThrServer(t, sandbox.Options{RateLimit: sandbox.RateLimit{Requests: 20, Window: 10 * time.Second}})
	other := New(Options{SafetyMargin: 0.1, InteractiveReserve: 0.2}, nil) // another tool on the same token
	for range 10 {
		s.do(context.Background(), other, "GET", s.listURL(), nil)
	}
	th := New(Options{Requests: 20, Window: 10 * time.Second, SafetyMargin: 0.1, InteractiveReserve: 0.2}, nil)
	s.do(context.Background(), th, "GET", s.listURL(), nil)
	if st := th.Stats(s.auth()); st.Used != 11 || st.Remaining != 7 {
		t.Fatalf("stats %+v, want the 10 other requests counted (used 11 of 18)", st)
	}
	// A server limit lower than configured is adopted.
	low := New(Options{Requests: 1000, Window: time.Minute, SafetyMargin: 0.1}, nil)
	s.do(context.Background(), low, "GET", s.listURL(), nil)
	if st := low.Stats(s.auth()); st.Limit != 18 || st.Window != 10*time.Second {
		t.Fatalf("limit %d per %s, want the server's 20 less the margin per 10 s", st.Limit, st.Window)
	}
}

func TestThrottleOptionsValidate(t *testing.T) {
	bad := []Options{
		{Requests: -1}, {Window: -time.Second}, {SafetyMargin: 1}, {InteractiveReserve: -0.1},
		{MaxInFlight: -2}, {MaxRetries: -1}, {DefaultPause: -time.Second},
	}
	for _, o := range bad {
		if o.Validate() == nil {
			t.Errorf("%+v: no error", o)
		}
		// Invalid values still give a working throttle with the defaults.
		if st := New(o, nil).Stats(""); st.Limit < 1 || st.Window <= 0 {
			t.Errorf("%+v: stats %+v", o, st)
		}
	}
	if err := (Options{}).Validate(); err != nil {
		t.Fatalf("zero options: %v", err)
	}
	if st := New(Options{}, nil).Stats(""); st.Limit != 1140 || st.BackgroundLimit != 1083 || st.Window != 300*time.Second {
		t.Fatalf("defaults %+v, want 1140 usable of 1200 (1083 for background) per 300 s", st)
	}
}

func TestThrottleHeaderParsing(t *testing.T) {
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	if _, ok := pauseAfter429(h, now); ok {
		t.Fatal("empty headers gave a pause")
	}
	h.Set("Ratelimit", `"default";r=0;t=42`)
	if d, _ := pauseAfter429(h, now); d != 42*time.Second {
		t.Fatalf("Ratelimit t=: %s", d)
	}
	h.Set("X-RateLimit-Reset", now.Add(90*time.Second).Format(http.TimeFormat))
	if d, _ := pauseAfter429(h, now); d != 90*time.Second {
		t.Fatalf("X-RateLimit-Reset: %s", d)
	}
	h.Set("Retry-After", "7")
	if d, _ := pauseAfter429(h, now); d != 7*time.Second {
		t.Fatalf("Retry-After seconds: %s", d)
	}
	h.Set("Retry-After", now.Add(time.Minute).Format(http.TimeFormat))
	if d, _ := retryAfterHeader(h, now); d != time.Minute {
		t.Fatalf("Retry-After date: %s", d)
	}
	h.Set("Retry-After", "soon")
	if _, ok := retryAfterHeader(h, now); ok {
		t.Fatal("unreadable Retry-After accepted")
	}

	b := http.Header{}
	b.Set("Ratelimit", `"default";r=50;t=30`)
	b.Set("Ratelimit-Policy", `"burst";q=1200;w=300`)
	if l, r, ok := serverBudget(b); !ok || l != 1200 || r != 50 || serverWindow(b) != 300*time.Second {
		t.Fatalf("IETF style: %d %d %v %s", l, r, ok, serverWindow(b))
	}
	b.Set("X-RateLimit-Limit", "60")
	b.Set("X-RateLimit-Remaining", "12")
	if l, r, ok := serverBudget(b); !ok || l != 60 || r != 12 {
		t.Fatalf("X- style: %d %d %v", l, r, ok)
	}
	b.Set("X-RateLimit-Remaining", "-3")
	if _, _, ok := serverBudget(b); ok {
		t.Fatal("negative remaining accepted")
	}

	// The reset: Ratelimit t= first, else X-RateLimit-Reset; none is zero.
	r := http.Header{}
	if !serverReset(r, now).IsZero() {
		t.Fatal("no header gave a reset")
	}
	r.Set("X-RateLimit-Reset", now.Add(40*time.Second).Format(http.TimeFormat))
	if got := serverReset(r, now); !got.Equal(now.Add(40 * time.Second)) {
		t.Fatalf("X-RateLimit-Reset: %v", got)
	}
	r.Set("X-RateLimit-Reset", now.Add(-time.Minute).Format(http.TimeFormat))
	if got := serverReset(r, now); !got.Equal(now) {
		t.Fatalf("a reset in the past: %v, want now", got)
	}
	r.Set("Ratelimit", `"default";r=3;t=7`)
	if got := serverReset(r, now); !got.Equal(now.Add(7 * time.Second)) {
		t.Fatalf("Ratelimit t=: %v", got)
	}
}

func TestThrottleFailureLineNeverHoldsTheToken(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://x/client/v4/accounts/a/scripts/evil%1b%5B31m", nil)
	req.Header.Set("Authorization", "Bearer sekrit-token-value")
	line := describeFailure(req, nil, errors.New("dial: sekrit-token-value\nsecond line \x1b[31m"))
	if strings.Contains(line, "sekrit") || strings.ContainsAny(line, "\n\x1b") {
		t.Fatalf("failure line %q", line)
	}
}
