package jobs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// The crash test's child is this test binary run again with crashEnv set
// to a JSON crashChild: it starts the plan as a job against the parent's
// sandbox and waits to be killed.
const crashEnv = "WFP_JOBS_CRASH_CHILD"

// crashChild is what the child is told.
type crashChild struct {
	URL, Account, Token string
	Dir, Audit, Plan    string
}

// childMain runs the crash test's child when crashEnv is set, and reports
// whether it did (it then never returns normally: it exits).
func childMain() bool {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		return false
	}
	if err := runChild(spec); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	os.Exit(0)
	return true
}

func runChild(spec string) error {
	var cc crashChild
	if err := json.Unmarshal([]byte(spec), &cc); err != nil {
		return err
	}
	b, err := os.ReadFile(cc.Plan)
	if err != nil {
		return err
	}
	var plan change.Plan
	if err := json.Unmarshal(b, &plan); err != nil {
		return err
	}
	log := audit.New(cc.Audit)
	c, err := cfclient.New(cfclient.Options{BaseURL: cc.URL, AccountID: cc.Account, Token: cc.Token, Profile: "test",
		Actor: "tester@host", Audit: log, Throttle: throttle.New(throttle.Options{}, throttle.NewTransport(10*time.Second))})
	if err != nil {
		return err
	}
	eng, err := New(Options{Dir: cc.Dir, Applier: change.NewApplier(c, log, "test"), Client: c, Audit: log})
	if err != nil {
		return err
	}
	if _, err := eng.Start(&plan, ana); err != nil {
		return err
	}
	fmt.Println("started")
	time.Sleep(time.Hour) // killed long before
	return nil
}

// A job killed with SIGKILL mid-way is found on the next start, resumed,
// and every target is deleted exactly once: counted at the sandbox, and one
// audit line per target.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	e := newEnv(t, envOptions{scripts: 1500, faults: sandbox.Faults{Latency: 3 * time.Millisecond}})
	plan := e.planDelete(t, "staging", 120)
	planPath := filepath.Join(t.TempDir(), "plan.json")
	b, _ := json.Marshal(plan)
	if err := os.WriteFile(planPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(crashChild{URL: e.front.URL, Account: e.sb.AccountID(), Token: e.sb.Token(),
		Dir: e.dir, Audit: e.log.Path(), Plan: planPath})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+string(spec))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(e.front.deleteCounts()) < 30 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the child deleted %d scripts in 60 s; its output: %s", len(e.front.deleteCounts()), out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killedAt := len(e.front.deleteCounts())
	if killedAt >= len(plan.Ops) {
		t.Fatalf("the child finished (%d deletes) before it was killed", killedAt)
	}

	// The next start: a new engine finds the job unfinished.
	eng, err := New(Options{Dir: e.dir, Applier: e.applier, Client: e.c, Audit: e.log})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	rec := eng.Recoverable()
	if len(rec) != 1 || rec[0].ID != plan.ID || rec[0].State != Interrupted {
		t.Fatalf("recoverable = %+v, want job %s interrupted", rec, plan.ID)
	}
	e.eng.Close()
	e.eng = eng
	if err := eng.Resume(plan.ID, ana); err != nil {
		t.Fatal(err)
	}
	s := e.wait(t, plan.ID)
	if s.State != Done || s.Applied+s.AlreadyDone != len(plan.Ops) {
		t.Fatalf("after resume: %+v", s)
	}
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
		t.Errorf("audit lines cover %d ops, want %d", len(lines), len(plan.Ops))
		_, items, _, _ := eng.Get(plan.ID)
		recs, bad, _ := audit.Read(e.log.Path())
		for i := range plan.Ops {
			if lines[i] == 0 {
				t.Errorf("op %d (%s) has no ok audit line: item %+v; audit has %d records, %d unreadable", i, plan.Ops[i].Target, items[i], len(recs), bad)
				for _, r := range recs {
					if r.PlanID == plan.ID && r.OpIndex == i {
						t.Errorf("  its line: %+v", r)
					}
				}
			}
		}
	}
	for i, n := range lines {
		if n != 1 {
			t.Errorf("op %d has %d audit lines", i, n)
		}
	}
	t.Logf("killed after %d of %d deletes; resumed: %d applied, %d found done", killedAt, len(plan.Ops), s.Applied, s.AlreadyDone)
}
