package cache

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/testenv"
)

// TestMain keeps a developer's real credentials out of the tests.
func TestMain(m *testing.M) { testenv.Main(m) }

// testEnv is a sandbox served by our own loopback http.Server, which
// counts the requests that reach it, a client pointed at it and the store
// of that client's site and account.
type testEnv struct {
	sb       *sandbox.Server
	url      string
	requests *atomic.Int64 // served by the sandbox so far
	dir      string
	c        *cfclient.Client
	store    *Store
}

// newTestEnv starts a sandbox (50 scripts and rate limiting off unless
// sopts says otherwise) and a writable client for it; mod may adjust the
// client options.
func newTestEnv(t testing.TB, sopts sandbox.Options, mod func(*cfclient.Options)) *testEnv {
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
	e.store = e.storeFor(e.c)
	return e
}

// cacheRoot is the root directory of every store of the test.
func (e *testEnv) cacheRoot() string { return filepath.Join(e.dir, "cache") }

// storeFor is the store of c's site and account, with c's clock.
func (e *testEnv) storeFor(c *cfclient.Client) *Store {
	return New(e.cacheRoot(), c.BaseURL(), c.AccountID(), c.Now)
}

// options are the client options for the sandbox.
func (e *testEnv) options() cfclient.Options {
	return cfclient.Options{
		BaseURL:   e.url,
		AccountID: e.sb.AccountID(),
		Token:     e.sb.Token(),
		Profile:   "test",
		Actor:     "tester@testhost",
		Audit:     audit.New(filepath.Join(e.dir, "state", "audit.jsonl")),
	}
}

// client builds another client for the sandbox.
func (e *testEnv) client(t testing.TB, mod func(*cfclient.Options)) *cfclient.Client {
	t.Helper()
	o := e.options()
	if mod != nil {
		mod(&o)
	}
	c, err := cfclient.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// listAll lists a namespace through c and returns its pages.
func listAll(t testing.TB, c *cfclient.Client, ns string) [][]cfclient.Script {
	t.Helper()
	var pages [][]cfclient.Script
	if err := c.ListScripts(context.Background(), ns, cfclient.TagFilter{}, func(p []cfclient.Script) error {
		pages = append(pages, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return pages
}

// testCtx is a test context with a deadline.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
