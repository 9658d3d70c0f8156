package tail

import (
	"context"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
)

// waitConnected reads ch until a Connected state.
func waitConnected(t *testing.T, who string, ch <-chan Item) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case it, ok := <-ch:
			if !ok {
				t.Fatalf("%s: the stream ended", who)
			}
			if it.State != nil && it.State.Phase == Connected {
				return
			}
			if it.State != nil && it.State.Phase == Failed {
				t.Fatalf("%s: failed: %s", who, it.State.Err)
			}
		case <-deadline:
			t.Fatalf("%s: not connected", who)
		}
	}
}

func TestSharedLiveOpensOneTailPerScript(t *testing.T) {
	env := sandboxtest.Start(t, sandbox.Options{Scripts: 20}, nil)
	g := NewGroup()
	s := NewShared(g)
	ctxA, cancelA := context.WithCancel(context.Background())
	ctxB, cancelB := context.WithCancel(context.Background())
	a := s.Live(ctxA, env.Client, "dispatcher", LiveOptions{})
	waitConnected(t, "a", a)
	b := s.Live(ctxB, env.Client, "dispatcher", LiveOptions{})
	waitConnected(t, "b", b) // the shared tail's last state, at once
	if n := env.Sandbox.OpenTails("dispatcher"); n != 1 {
		t.Fatalf("two subscribers opened %d tails, want 1", n)
	}
	// Both see the script's traffic.
	env.Sandbox.GenerateTraffic(3)
	for name, ch := range map[string]<-chan Item{"a": a, "b": b} {
		deadline := time.After(10 * time.Second)
	events:
		for {
			select {
			case it := <-ch:
				if it.Event != nil {
					break events
				}
			case <-deadline:
				t.Fatalf("%s saw no event", name)
			}
		}
	}
	cancelA()
	for range a {
	}
	if n := env.Sandbox.OpenTails("dispatcher"); n != 1 {
		t.Fatalf("after one left: %d tails, want 1 (the other still watches)", n)
	}
	cancelB()
	for range b {
	}
	if !g.Wait(10 * time.Second) {
		t.Fatal("the shared tail's stream did not end")
	}
	if n := env.Sandbox.OpenTails("dispatcher"); n != 0 {
		t.Fatalf("after both left: %d tails open, want 0", n)
	}
}
