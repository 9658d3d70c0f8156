package cfclient

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/testenv"
)

// TestMain keeps a developer's real credentials out of the tests.
func TestMain(m *testing.M) { testenv.Main(m) }

// testEnv is a sandbox served by our own loopback http.Server, which
// counts the requests that reach it, plus a client pointed at it.
type testEnv struct {
	sb       *sandbox.Server
	url      string
	requests *atomic.Int64 // served by the sandbox so far
	dir      string
	c        *Client
}

// newTestEnv starts a sandbox (50 scripts and rate limiting off unless
// sopts says otherwise) and a writable client for it; mod may adjust the
// client options.
func newTestEnv(t testing.TB, sopts sandbox.Options, mod func(*Options)) *testEnv {
	t.Helper()
	if sopts.Scripts == 0 && !sopts.Empty {
		sopts.Scripts = 50
	}
	if sopts.RateLimit == (sandbox.RateLimit{}) {
		sopts.RateLimit = sandbox.RateLimit{Off: true}
	}
	sb, err := sandbox.New(sopts)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	srv := testenv.Serve(t, sb)
	e := &testEnv{sb: sb, dir: t.TempDir(), url: srv.URL, requests: &srv.Requests}
	e.c = e.client(t, mod)
	return e
}

// options are the client options for the sandbox.
func (e *testEnv) options() Options {
	return Options{
		BaseURL:   e.url,
		AccountID: e.sb.AccountID(),
		Token:     e.sb.Token(),
		Profile:   "test",
		Actor:     "tester@testhost",
		Audit:     audit.New(e.auditPath()),
	}
}

// auditPath is the audit log of the clients options builds.
func (e *testEnv) auditPath() string { return filepath.Join(e.dir, "state", "audit.jsonl") }

// client builds another client for the sandbox.
func (e *testEnv) client(t testing.TB, mod func(*Options)) *Client {
	t.Helper()
	o := e.options()
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// auditLines reads and decodes every line of the audit log.
func auditLines(t testing.TB, path string) []audit.Record {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []audit.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line is not JSON: %v\n%s", err, sc.Bytes())
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ctx is a test context with a deadline.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// intp returns a pointer to n.
func intp(n int) *int { return &n }
