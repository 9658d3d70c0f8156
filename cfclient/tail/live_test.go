package tail

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
)

// clock is a manual clock shared by the sandbox and the tail.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tailRun is a live tail under test and what it delivered.
type tailRun struct {
	t      *testing.T
	ch     <-chan Item
	got    map[string]int
	states []State
}

// until reads items until cond holds.
func (r *tailRun) until(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.After(15 * time.Second)
	for !cond() {
		select {
		case it, ok := <-r.ch:
			if !ok {
				r.t.Fatalf("%s: the stream ended", what)
			}
			if it.State != nil {
				r.states = append(r.states, *it.State)
			} else {
				r.got[it.Event.ID]++
			}
		case <-deadline:
			r.t.Fatalf("%s: timed out; states %+v", what, r.states)
		}
	}
}

// phase is the last state's phase.
func (r *tailRun) phase() Phase {
	if len(r.states) == 0 {
		return 0
	}
	return r.states[len(r.states)-1].Phase
}

// traffic makes n requests a second apart on the sandbox clock (under
// the tail's 100 events/s sampling) and returns how many events they made.
func traffic(sb *sandbox.Server, clk *clock, n int) int {
	total := 0
	for range n {
		clk.Advance(time.Second)
		total += sb.GenerateTraffic(1)
	}
	return total
}

// TestLiveTailSurvivesDropsAndExpiry tails the dispatcher: events arrive
// once each; a dropped socket is dialled again (same tail, no new one) and
// the events made after it arrive; near expiry the tail is replaced by a
// new one before the old is deleted; on exit the tail is deleted, even
// though the stream's context was cancelled.
func TestLiveTailSurvivesDropsAndExpiry(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)}
	env := sandboxtest.Start(t, sandbox.Options{Scripts: 40, Now: clk.Now}, nil)
	sb := env.Sandbox
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := NewGroup()
	r := &tailRun{t: t, got: map[string]int{}, ch: g.Live(ctx, env.Client, "dispatcher", LiveOptions{
		Now: clk.Now, PingEvery: 200 * time.Millisecond, CheckEvery: 20 * time.Millisecond, Backoff: 10 * time.Millisecond})}
	r.until("connected", func() bool { return r.phase() == Connected })
	if n := sb.OpenTails("dispatcher"); n != 1 {
		t.Fatalf("%d open tails, want 1", n)
	}
	total := 0
	received := func() bool {
		n := 0
		for _, c := range r.got {
			n += c
		}
		return n >= total
	}

	total += traffic(sb, clk, 10)
	r.until("first events", received)

	// A dropped socket: the same tail is dialled again.
	deletes := sb.TailDeletes()
	if sb.DropTailSockets() != 1 {
		t.Fatal("no socket to drop")
	}
	r.until("reconnected", func() bool {
		return len(r.states) >= 2 && r.states[len(r.states)-2].Phase == Reconnecting && r.phase() == Connected
	})
	if sb.OpenTails("dispatcher") != 1 || sb.TailDeletes() != deletes {
		t.Errorf("after a drop: %d open tails, %d deletes; want the same tail dialled again", sb.OpenTails("dispatcher"), sb.TailDeletes()-deletes)
	}
	deadline := time.Now().Add(5 * time.Second)
	for sb.TailSockets() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	total += traffic(sb, clk, 10)
	r.until("events after the drop", received)

	// Expiry: 20 s before it, the tail is replaced (new first, old deleted).
	states := len(r.states)
	clk.Advance(6*time.Hour - 20*time.Second - 20*time.Second)
	r.until("renewed", func() bool { return len(r.states) > states && sb.TailDeletes() == deletes+1 })
	if sb.OpenTails("dispatcher") != 1 {
		t.Errorf("after renewal: %d open tails, want 1", sb.OpenTails("dispatcher"))
	}
	for deadline := time.Now().Add(5 * time.Second); sb.TailSockets() != 1 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	total += traffic(sb, clk, 10)
	r.until("events after renewal", received)
	// Past the old tail's expiry, the new one still delivers.
	total += traffic(sb, clk, 30)
	r.until("events past the old expiry", received)

	for id, n := range r.got {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	if len(r.got) != total {
		t.Errorf("%d distinct events, the sandbox made %d", len(r.got), total)
	}

	cancel()
	for range r.ch {
	}
	if !g.Wait(5 * time.Second) {
		t.Fatal("the stream did not end")
	}
	if n := sb.OpenTails("dispatcher"); n != 0 {
		t.Errorf("%d tails left open after exit, want 0", n)
	}
}

// TestLiveTailNeverLeaks opens and closes a tail twelve times: with one
// leaked per run, Cloudflare's 10-tail cap would refuse the eleventh.
func TestLiveTailNeverLeaks(t *testing.T) {
	env := sandboxtest.Start(t, sandbox.Options{Scripts: 20}, nil)
	g := NewGroup()
	for i := range 12 {
		ctx, cancel := context.WithCancel(context.Background())
		ch := g.Live(ctx, env.Client, "dispatcher", LiveOptions{})
		for it := range ch {
			if it.State != nil && it.State.Phase == Connected {
				break
			}
			if it.State != nil && it.State.Phase == Failed {
				t.Fatalf("run %d failed: %s", i, it.State.Err)
			}
		}
		cancel()
		for range ch {
		}
		if n := env.Sandbox.OpenTails("dispatcher"); n != 0 {
			t.Fatalf("run %d left %d tails open", i, n)
		}
	}
	if !g.Wait(5 * time.Second) {
		t.Error("streams still running")
	}
}

// TestLiveTailOfAMissingScriptFails ends with a Failed state naming why,
// without retrying forever.
func TestLiveTailOfAMissingScriptFails(t *testing.T) {
	env := sandboxtest.Start(t, sandbox.Options{Scripts: 5}, nil)
	g := NewGroup()
	ch := g.Live(context.Background(), env.Client, "no-such-script", LiveOptions{})
	var last State
	for it := range ch {
		if it.State != nil {
			last = *it.State
		}
	}
	if last.Phase != Failed || last.Err == "" {
		t.Errorf("last state %+v, want failed with a reason", last)
	}
	if _, err := env.Client.CreateTail(context.Background(), "dispatcher", cfclient.TailFilters{SamplingRate: 2}); err == nil {
		t.Error("a sampling rate of 2 should be refused before any request")
	}
}

// TestLiveTailReportsSampling: above ~100 events a second the tail samples
// and says so; the stream shows the notice as an event and its state says
// "sampling" until the tail says it stopped.
func TestLiveTailReportsSampling(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)}
	env := sandboxtest.Start(t, sandbox.Options{Scripts: 40, Now: clk.Now}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := NewGroup()
	r := &tailRun{t: t, got: map[string]int{}, ch: g.Live(ctx, env.Client, "dispatcher", LiveOptions{Now: clk.Now})}
	r.until("connected", func() bool { return r.phase() == Connected })
	for env.Sandbox.TailSockets() != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	env.Sandbox.GenerateTraffic(150) // 300 events in one second
	sampling := func(on bool) func() bool {
		return func() bool { return len(r.states) > 0 && r.states[len(r.states)-1].Sampling == on }
	}
	r.until("sampling", sampling(true))
	if !strings.Contains(r.states[len(r.states)-1].Describe(clk.Now()), "sampling") {
		t.Errorf("state %q should say sampling", r.states[len(r.states)-1].Describe(clk.Now()))
	}
	clk.Advance(2 * time.Second)
	traffic(env.Sandbox, clk, 2)
	r.until("sampling stopped", sampling(false))
	cancel()
	for range r.ch {
	}
}
