package cache

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// A read of the routing table that fails part way (the API fails every
// request from some point on, past the throttle's retries) is resumed by
// the next load: the listing from its cursor, the values from the first
// unread batch. Only the requests not made yet are sent again.
func TestRoutingCacheResumesAFailedRead(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1, Scripts: 2000}, nil)
	ctx := testCtx(t)
	// A whole read, namespace lookup included, on a fresh client.
	before := e.requests.Load()
	want, err := e.client(t, nil).ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	whole := e.requests.Load() - before
	bulk := int64((len(want.Routes) + 99) / 100)
	if pages := whole - 1 - bulk; pages < 2 || bulk < 20 {
		t.Fatalf("%d list pages and %d bulk reads; the test needs a table of several of each", pages, bulk)
	}

	for _, tc := range []struct {
		name string
		ok   int64 // attempts that succeed before the API fails
	}{
		{"while listing", 2},                 // the namespace lookup and one page
		{"while reading values", whole - 10}, // 10 bulk reads left
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.sb.SetFaults(sandbox.Faults{})
			var attempts atomic.Int64
			th := throttle.New(throttle.Options{MaxRetries: 1, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond,
				OnAttempt: func(throttle.Attempt) {
					if attempts.Add(1) == tc.ok {
						e.sb.SetFaults(sandbox.Faults{ErrorRate: 1})
					}
				}}, throttle.NewTransport(0))
			c := e.client(t, func(o *cfclient.Options) { o.Throttle = th })
			rc := NewRoutingCache(c, nil)
			defer rc.Close()
			if err := rc.Read(ctx); err == nil {
				t.Fatal("the read succeeded although the API failed part way")
			}
			if p := rc.Progress(); p.Phase != RoutingFailed {
				t.Fatalf("progress after the failure: %+v", p)
			}
			e.sb.SetFaults(sandbox.Faults{})
			before := e.requests.Load()
			if err := rc.Read(ctx); err != nil {
				t.Fatal(err)
			}
			// The client knows the routing namespace already: the resumed
			// read sends exactly what the failed one had not sent.
			if got, left := e.requests.Load()-before, whole-tc.ok; got != left {
				t.Errorf("the resumed read sent %d requests, want the %d left (a whole read is %d)", got, left, whole)
			}
			got, _, err := rc.Table(ctx)
			if err != nil || len(got.Routes) != len(want.Routes) {
				t.Fatalf("resumed table: %d routes, %v; want %d", len(got.Routes), err, len(want.Routes))
			}
			for i := range got.Routes {
				if got.Routes[i] != want.Routes[i] {
					t.Fatalf("route %d: %+v, want %+v", i, got.Routes[i], want.Routes[i])
				}
			}
		})
	}
}

// While the read's request waits for API budget, the progress snapshots
// say until when; once it is sent, they stop saying so.
func TestRoutingProgressSaysWhenTheReadWaitsForBudget(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	// No rate-limit headers (the sandbox's limit is off): the configured 10
	// per 3 s stand, 9 usable, 7 of them for background.
	th := throttle.New(throttle.Options{Requests: 10, Window: 3 * time.Second}, throttle.NewTransport(0))
	c := e.client(t, func(o *cfclient.Options) { o.Throttle = th })
	rc := NewRoutingCache(c, nil)
	defer rc.Close()
	spent := time.Now()
	for range 7 {
		if _, err := c.ListNamespaces(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ch, stop := rc.Watch()
	defer stop()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- rc.Read(ctx) }()
	var waited RoutingProgress
	for p := range ch {
		if !p.WaitingUntil.IsZero() {
			waited = p
			break
		}
	}
	// Until the first of the 7 sends leaves the 3 s window.
	const slack = 200 * time.Millisecond
	if u := waited.WaitingUntil; u.Before(spent.Add(3*time.Second-slack)) || u.After(start.Add(3*time.Second+slack)) {
		t.Errorf("the read waits until %s after the first send, want the first send's answer plus the 3 s window (%s after it at most)",
			u.Sub(spent), start.Sub(spent)+3*time.Second)
	}
	if waited.Phase == RoutingReady || waited.Phase == RoutingFailed {
		t.Errorf("a waiting snapshot in phase %v", waited.Phase)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if p := rc.Progress(); !p.WaitingUntil.IsZero() || p.Phase != RoutingReady {
		t.Errorf("after the read: %+v", p)
	}
}
