package jobs

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/testenv"
)

// TestMain keeps a developer's real credentials out of the tests, and runs
// the crash test's child when asked (crash_test.go).
func TestMain(m *testing.M) {
	if childMain() {
		return
	}
	testenv.Main(m)
}

// front serves a sandbox on loopback through the real sandbox handler,
// counting the script deletes it answered 200, and able to revoke the
// token: while revoked, every request reaches the sandbox with a token it
// does not know, so the sandbox itself answers 401 as Cloudflare would.
type front struct {
	URL     string
	sb      *sandbox.Server
	revoked atomic.Bool

	mu      sync.Mutex
	deletes map[string]int // path of a script deleted → times
	hits    []hit          // every request answered, in order
}

// hit is one request the sandbox answered.
type hit struct {
	at     time.Time
	status int
}

// serve starts a front for sb until the test ends.
func serve(t testing.TB, sb *sandbox.Server) *front {
	t.Helper()
	f := &front{sb: sb, deletes: map[string]int{}}
	f.URL = testenv.ServeWith(t, sb, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if f.revoked.Load() {
				r.Header.Set("Authorization", "Bearer revoked-token-0000000000000000000000")
			}
			rec := &statusWriter{ResponseWriter: w}
			h.ServeHTTP(rec, r)
			f.mu.Lock()
			f.hits = append(f.hits, hit{at: time.Now(), status: rec.status})
			f.mu.Unlock()
			if r.Method == http.MethodDelete && rec.status == http.StatusOK && strings.Contains(r.URL.Path, "/scripts/") {
				f.mu.Lock()
				f.deletes[r.URL.Path]++
				f.mu.Unlock()
			}
		})
	})
	return f
}

// deleteCounts returns how often each script path was deleted.
func (f *front) deleteCounts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.deletes))
	for k, v := range f.deletes {
		out[k] = v
	}
	return out
}

// hitsBetween counts the requests answered in [from, to), and the 429s.
func (f *front) hitsBetween(from, to time.Time) (n, n429 int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.hits {
		if !h.at.Before(from) && h.at.Before(to) {
			n++
			if h.status == http.StatusTooManyRequests {
				n429++
			}
		}
	}
	return n, n429
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// env is a sandbox behind a front, a client, its audit log, an applier and
// an engine keeping jobs in dir.
type env struct {
	sb      *sandbox.Server
	front   *front
	c       *cfclient.Client
	log     *audit.Log
	planner *change.Planner
	applier *change.Applier
	eng     *Engine
	dir     string
}

// envOptions adjust an env.
type envOptions struct {
	scripts  int
	limit    sandbox.RateLimit
	faults   sandbox.Faults
	throttle throttle.Options
	workers  int
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.scripts == 0 {
		o.scripts = 200
	}
	if o.limit == (sandbox.RateLimit{}) {
		o.limit = sandbox.RateLimit{Off: true}
	}
	sb, err := sandbox.New(sandbox.Options{Seed: 7, Scripts: o.scripts, RateLimit: o.limit, Faults: o.faults})
	if err != nil {
		t.Fatal(err)
	}
	f := serve(t, sb)
	dir := t.TempDir()
	e := &env{sb: sb, front: f, dir: filepath.Join(dir, "jobs"), log: audit.New(filepath.Join(dir, "audit.jsonl"))}
	e.c = e.client(t, o.throttle)
	e.planner = change.NewPlanner(e.c)
	e.applier = change.NewApplier(e.c, e.log, "test")
	e.eng, err = New(Options{Dir: e.dir, Applier: e.applier, Client: e.c, Audit: e.log, Workers: o.workers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.eng.Close)
	return e
}

// client is a client of the env's sandbox with throttle options to.
func (e *env) client(t testing.TB, to throttle.Options) *cfclient.Client {
	t.Helper()
	if to.RetryBaseDelay == 0 {
		to.RetryBaseDelay, to.RetryMaxDelay = 5*time.Millisecond, 20*time.Millisecond
	}
	c, err := cfclient.New(cfclient.Options{
		BaseURL: e.front.URL, AccountID: e.sb.AccountID(), Token: e.sb.Token(), Profile: "test",
		Actor: "tester@host", Audit: e.log, HTTPTimeout: 10 * time.Second,
		Throttle: throttle.New(to, throttle.NewTransport(10*time.Second)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var ana = cfclient.Actor{Name: "ana@host"}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(cfclient.WithActor(context.Background(), ana), 120*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// list lists a namespace's scripts.
func (e *env) list(t testing.TB, ns string) []cfclient.Script {
	t.Helper()
	var out []cfclient.Script
	err := e.c.ListScripts(ctxFor(t), ns, cfclient.TagFilter{}, func(p []cfclient.Script) error {
		out = append(out, p...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// planDelete plans deleting the first n scripts of ns.
func (e *env) planDelete(t testing.TB, ns string, n int) *change.Plan {
	t.Helper()
	scripts := e.list(t, ns)
	if len(scripts) < n {
		t.Fatalf("%s has %d scripts, want %d", ns, len(scripts), n)
	}
	plan, err := e.planner.PlanBulk(change.BulkRequest{Action: change.ActionDelete, Namespace: ns, Scripts: scripts[:n]},
		ana.Name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// wait waits until job id is no longer running and returns its snapshot.
func (e *env) wait(t testing.TB, id string) Snapshot {
	t.Helper()
	ch, stop := e.eng.Subscribe()
	defer stop()
	deadline := time.After(120 * time.Second)
	for {
		select {
		case list := <-ch:
			for _, s := range list {
				if s.ID == id && s.State != Running {
					return s
				}
			}
		case <-deadline:
			s, _, _, _ := e.eng.Get(id)
			t.Fatalf("job %s still %s after 120 s: %+v", id, s.State, s)
		}
	}
}

// auditLines counts the ok audit lines of plan id, by op index.
func (e *env) auditLines(t testing.TB, id string) map[int]int {
	t.Helper()
	recs, _, err := audit.Read(e.log.Path())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int{}
	for _, r := range recs {
		if r.PlanID == id && r.OK() {
			out[r.OpIndex]++
		}
	}
	return out
}

var _ = platform.DefaultSchema

// Hijack lets the sandbox drop a connection (Faults.DropRate).
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("not hijackable")
	}
	return hj.Hijack()
}
