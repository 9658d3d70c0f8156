package throttle

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

func TestThrottle429PausesEveryRequestAndResumes(t *testing.T) {
	s := startThrServer(t, sandbox.Options{Faults: sandbox.Faults{Burst429: 5, Burst429Retry: time.Second}})
	th := New(Options{}, nil)
	start := time.Now()
	var wg sync.WaitGroup
	var paused atomic.Bool
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if i%2 == 1 {
				ctx = WithPriority(ctx, Background)
			}
			code, err := s.do(ctx, th, "GET", s.listURL(), nil)
			if err != nil || code == http.StatusTooManyRequests {
				t.Errorf("caller saw %d %v, want a wait and then the answer", code, err)
			}
		}()
	}
	go func() {
		for time.Since(start) < 1500*time.Millisecond {
			if st := th.Stats(s.auth()); !st.PausedUntil.IsZero() && strings.Contains(st.LastError, "429") {
				paused.Store(true)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	wg.Wait()
	if d := time.Since(start); d < 2*time.Second {
		// Four 429s in the first burst pause 1 s, the fifth pauses another.
		t.Fatalf("all done in %s, want at least two Retry-After pauses of 1 s", d)
	}
	if !paused.Load() {
		t.Errorf("Stats never showed the pause and the 429")
	}
	hits := s.log()
	var n429 int
	for _, h := range hits {
		if h.status != http.StatusTooManyRequests {
			continue
		}
		n429++
		// No request may reach the server during a pause, except those
		// already on their way when the 429 was sent.
		for _, o := range hits {
			if o.at.After(h.at.Add(100*time.Millisecond)) && o.at.Before(h.at.Add(900*time.Millisecond)) {
				t.Errorf("a request arrived %s after a 429 with Retry-After 1 s", o.at.Sub(h.at))
			}
		}
	}
	if n429 != 5 || len(hits) != 13 {
		t.Fatalf("server saw %d requests, %d of them 429; want 13 and 5", len(hits), n429)
	}
	if st := th.Stats(s.auth()); strings.Contains(st.LastError, s.sb.Token()) {
		t.Fatalf("LastError holds the token")
	}
}

func TestThrottleResendsAPOSTAfter429(t *testing.T) {
	s := startThrServer(t, sandbox.Options{Faults: sandbox.Faults{Burst429: 1, Burst429Retry: time.Second}})
	th := New(Options{}, nil)
	code, err := s.do(context.Background(), th, "POST", s.listURL(), strings.NewReader(`{"name":"after-429"}`))
	if err != nil || code == http.StatusTooManyRequests {
		t.Fatalf("POST got %d %v, want a wait and the answer", code, err)
	}
	hits := s.log()
	if len(hits) != 2 || hits[0].status != 429 || hits[1].body != `{"name":"after-429"}` {
		t.Fatalf("server saw %+v, want the 429 then the same POST again", hits)
	}
	if gap := hits[1].at.Sub(hits[0].at); gap < time.Second {
		t.Fatalf("re-sent after %s, before Retry-After", gap)
	}
}

func TestThrottleReturns429WhenTheContextWouldEndFirst(t *testing.T) {
	s := startThrServer(t, sandbox.Options{Faults: sandbox.Faults{Burst429: 1, Burst429Retry: 3 * time.Second}})
	th := New(Options{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	code, err := s.do(ctx, th, "GET", s.listURL(), nil)
	if err != nil || code != http.StatusTooManyRequests {
		t.Fatalf("got %d %v, want the 429 itself", code, err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("took %s: waited for a pause the context cannot outlive", d)
	}
	// Others on the token still wait: the pause holds.
	if st := th.Stats(s.auth()); st.PausedUntil.Before(start.Add(2 * time.Second)) {
		t.Fatalf("PausedUntil %v, want about 3 s after the 429", st.PausedUntil)
	}
}

func TestThrottleRetriesOnlyIdempotentRequests(t *testing.T) {
	s := startThrServer(t, sandbox.Options{Faults: sandbox.Faults{ErrorRate: 1}})
	var log attemptLog
	th := New(Options{MaxRetries: 2, RetryBaseDelay: 10 * time.Millisecond, OnAttempt: log.add}, nil)
	ctx := context.Background()
	body := `{"value":"x"}`
	read := WithRetryable(ctx) // a read sent as POST (KV bulk get)
	cases := []struct {
		ctx    context.Context
		method string
		body   func() io.Reader
		want   int
	}{
		{ctx, "GET", func() io.Reader { return nil }, 3},
		{ctx, "DELETE", func() io.Reader { return nil }, 3},
		{ctx, "PUT", func() io.Reader { return strings.NewReader(body) }, 3},
		// No GetBody: the body cannot be rewound, so no retry.
		{ctx, "PUT", func() io.Reader { return io.MultiReader(strings.NewReader(body)) }, 1},
		{ctx, "POST", func() io.Reader { return strings.NewReader(body) }, 1},
		{read, "POST", func() io.Reader { return strings.NewReader(body) }, 3},
		{read, "POST", func() io.Reader { return io.MultiReader(strings.NewReader(body)) }, 1},
		{ctx, "PATCH", func() io.Reader { return strings.NewReader(body) }, 1},
	}
	for _, c := range cases {
		before := len(s.log())
		code, err := s.do(c.ctx, th, c.method, s.listURL(), c.body())
		if err != nil || code != http.StatusInternalServerError {
			t.Fatalf("%s: got %d %v, want the final 500", c.method, code, err)
		}
		hits := s.log()[before:]
		if len(hits) != c.want {
			t.Fatalf("%s: server saw %d attempts, want %d", c.method, len(hits), c.want)
		}
		for _, h := range hits {
			if h.method != c.method || (c.method != "GET" && c.method != "DELETE" && h.body != body) {
				t.Fatalf("%s: attempt %+v lost its body", c.method, h)
			}
		}
	}
	// Every attempt counts against the budget.
	if st := th.Stats(s.auth()); st.Used != 16 || !strings.HasPrefix(st.LastError, "PATCH /client/v4/accounts/") {
		t.Fatalf("stats %+v, want 16 used and the last 500 as LastError", st)
	}
	if n := len(log.all()); n != 16 {
		t.Fatalf("OnAttempt saw %d attempts, want 16", n)
	}
}

func TestThrottleRetriesNetworkErrorsForIdempotentOnly(t *testing.T) {
	s := startThrServer(t, sandbox.Options{Faults: sandbox.Faults{DropRate: 1}})
	// No keep-alive: Go's transport would otherwise re-send a GET on a
	// reused connection by itself, and the count would not be ours.
	base := &http.Transport{DisableKeepAlives: true}
	th := New(Options{MaxRetries: 3, RetryBaseDelay: 5 * time.Millisecond}, base)
	if _, err := s.do(context.Background(), th, "GET", s.listURL(), nil); err == nil {
		t.Fatal("GET on a dropping server succeeded")
	}
	if n := len(s.log()); n != 4 {
		t.Fatalf("GET: server saw %d attempts, want 1 + 3 retries", n)
	}
	if _, err := s.do(context.Background(), th, "POST", s.listURL(), strings.NewReader(`{}`)); err == nil {
		t.Fatal("POST on a dropping server succeeded")
	}
	if n := len(s.log()); n != 5 {
		t.Fatalf("POST was sent %d times, want once", n-4)
	}
	// A read sent as POST is retried like the GET, its body rewound.
	if _, err := s.do(WithRetryable(context.Background()), th, "POST", s.listURL(), strings.NewReader(`{"keys":["a"]}`)); err == nil {
		t.Fatal("POST on a dropping server succeeded")
	}
	hits := s.log()[5:]
	if len(hits) != 4 {
		t.Fatalf("a retryable POST was sent %d times, want 1 + 3 retries", len(hits))
	}
	for _, h := range hits {
		if h.method != "POST" || h.body != `{"keys":["a"]}` {
			t.Fatalf("retry %+v lost its method or body", h)
		}
	}
	st := th.Stats(s.auth())
	if st.LastError == "" || strings.Contains(st.LastError, s.sb.Token()) || strings.ContainsAny(st.LastError, "\r\n") {
		t.Fatalf("LastError %q: want one line without the token", st.LastError)
	}
}

func TestThrottleContextEndingDuringBackoffKeepsTheLastResponse(t *testing.T) {
	s := startThrServer(t, sandbox.Options{Faults: sandbox.Faults{ErrorRate: 1}})
	th := New(Options{RetryBaseDelay: 5 * time.Second}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	code, err := s.do(ctx, th, "GET", s.listURL(), nil)
	if err != nil || code != http.StatusInternalServerError {
		t.Fatalf("got %d %v, want the 500 the server sent", code, err)
	}
}
