package jobs

import (
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// waitDeletes waits until the sandbox has deleted at least n scripts.
func (e *env) waitDeletes(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(e.front.deleteCounts()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d deletes after 60 s", len(e.front.deleteCounts()))
		}
		time.Sleep(time.Millisecond)
	}
}

// checkOnce checks that every op of plan deleted its script exactly once
// at the sandbox and has exactly one ok audit line.
func (e *env) checkOnce(t *testing.T, plan *change.Plan) {
	t.Helper()
	counts := e.front.deleteCounts()
	if len(counts) != len(plan.Ops) {
		t.Errorf("%d scripts deleted at the sandbox, want %d", len(counts), len(plan.Ops))
	}
	for p, n := range counts {
		if n != 1 {
			t.Errorf("%s deleted %d times", p, n)
		}
	}
	lines := e.auditLines(t, plan.ID)
	if len(lines) != len(plan.Ops) {
		t.Errorf("ok audit lines cover %d ops, want %d", len(lines), len(plan.Ops))
	}
	for i, n := range lines {
		if n != 1 {
			t.Errorf("op %d has %d ok audit lines", i, n)
		}
	}
}

// The token revoked mid-job pauses it with a reason naming the token; once
// the token works again, resume finishes it and nothing is done twice.
func TestRevokedTokenPausesThenResumes(t *testing.T) {
	e := newEnv(t, envOptions{scripts: 1000, faults: sandbox.Faults{Latency: 2 * time.Millisecond}})
	plan := e.planDelete(t, "staging", 60)
	id, err := e.eng.Start(plan, ana)
	if err != nil {
		t.Fatal(err)
	}
	e.waitDeletes(t, 10)
	e.front.revoked.Store(true)
	s := e.wait(t, id)
	if s.State != Paused || !strings.Contains(s.Reason, "token") {
		t.Fatalf("after revoking: state %s, reason %q", s.State, s.Reason)
	}
	if s.Failed != 0 || s.Pending == 0 {
		t.Errorf("paused job: %+v (want its items pending, none failed)", s)
	}
	e.front.revoked.Store(false)
	if err := e.eng.Resume(id, ana); err != nil {
		t.Fatal(err)
	}
	if s = e.wait(t, id); s.State != Done {
		t.Fatalf("after resume: %+v", s)
	}
	e.checkOnce(t, plan)
}

// A server failing every request pauses the job after MaxFailuresInARow;
// retry runs the failed items once the server is back.
func TestServerDownPausesRetryFinishes(t *testing.T) {
	e := newEnv(t, envOptions{scripts: 1000, faults: sandbox.Faults{Latency: 2 * time.Millisecond}})
	plan := e.planDelete(t, "staging", 60)
	id, err := e.eng.Start(plan, ana)
	if err != nil {
		t.Fatal(err)
	}
	e.waitDeletes(t, 10)
	e.sb.SetFaults(sandbox.Faults{ErrorRate: 1})
	s := e.wait(t, id)
	if s.State != Paused || !strings.Contains(s.Reason, "in a row") {
		t.Fatalf("server down: state %s, reason %q", s.State, s.Reason)
	}
	e.sb.SetFaults(sandbox.Faults{})
	if err := e.eng.Retry(id, ana); err != nil {
		t.Fatal(err)
	}
	if s = e.wait(t, id); s.State != Done {
		t.Fatalf("after retry: %+v", s)
	}
	e.checkOnce(t, plan)
}

// 5xx bursts, dropped connections and a 429 storm are ridden out by the
// throttle's retries and pauses; an item that still fails is retried by
// Retry; in the end every target is deleted once.
func TestFlakyAPINothingLostOrRepeated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults sandbox.Faults
	}{
		{"5xx", sandbox.Faults{ErrorRate: 0.2}},
		{"drops", sandbox.Faults{DropRate: 0.15}},
		{"429 storm", sandbox.Faults{Burst429: 20, Burst429Retry: 20 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{scripts: 1000})
			plan := e.planDelete(t, "staging", 50)
			e.sb.SetFaults(tc.faults)
			id, err := e.eng.Start(plan, ana)
			if err != nil {
				t.Fatal(err)
			}
			s := e.wait(t, id)
			for tries := 0; s.State != Done && tries < 5; tries++ {
				t.Logf("%s: %s (%s), %d failed; retrying", tc.name, s.State, s.Reason, s.Failed)
				if err := e.eng.Retry(id, ana); err != nil {
					t.Fatal(err)
				}
				s = e.wait(t, id)
			}
			if s.State != Done {
				t.Fatalf("not done after retries: %+v", s)
			}
			e.sb.SetFaults(sandbox.Faults{})
			e.checkOnce(t, plan)
		})
	}
}
