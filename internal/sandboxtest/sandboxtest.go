// Package sandboxtest starts the embedded sandbox on a loopback port for a
// test and builds a real cfclient.Client pointed at it, so screen tests run
// over the same HTTP path as the console (no mocks of cfclient).
package sandboxtest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// Env is a running sandbox and a client for it.
type Env struct {
	Sandbox *sandbox.Server
	Client  *cfclient.Client
	// Dir is a temporary directory holding the audit log and the caches.
	Dir string
}

// Start starts a sandbox with opts (50 scripts and rate limiting off unless
// opts says otherwise) on 127.0.0.1:0 and a writable client for it. mod, if
// not nil, adjusts the client options. Both are closed when the test ends.
func Start(t testing.TB, opts sandbox.Options, mod func(*cfclient.Options)) *Env {
	t.Helper()
	if opts.Scripts == 0 && !opts.Empty {
		opts.Scripts = 50
	}
	if opts.RateLimit == (sandbox.RateLimit{}) {
		opts.RateLimit = sandbox.RateLimit{Off: true}
	}
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("sandbox.Start: %v", err)
	}
	t.Cleanup(func() { sb.Close() })
	e := &Env{Sandbox: sb, Dir: t.TempDir()}
	e.Client = e.NewClient(t, mod)
	return e
}

// Options are the client options for the sandbox.
func (e *Env) Options() cfclient.Options {
	return cfclient.Options{
		BaseURL:     e.Sandbox.URL(),
		AccountID:   e.Sandbox.AccountID(),
		Token:       e.Sandbox.Token(),
		Profile:     "test",
		Actor:       "tester@testhost",
		Audit:       audit.New(e.AuditPath()),
		HTTPTimeout: 30 * time.Second,
	}
}

// AuditPath is the audit log of the clients Options builds.
func (e *Env) AuditPath() string { return filepath.Join(e.Dir, "state", "audit.jsonl") }

// CacheDir is a cache directory for the test (empty until used).
func (e *Env) CacheDir() string { return filepath.Join(e.Dir, "cache") }

// Store is the listing and routing cache of c's site and account, under
// CacheDir, with c's clock.
func (e *Env) Store(c *cfclient.Client) *cache.Store {
	return cache.New(e.CacheDir(), c.BaseURL(), c.AccountID(), c.Now)
}

// NewClient builds another client for the sandbox; mod may adjust options.
func (e *Env) NewClient(t testing.TB, mod func(*cfclient.Options)) *cfclient.Client {
	t.Helper()
	o := e.Options()
	if mod != nil {
		mod(&o)
	}
	c, err := cfclient.New(o)
	if err != nil {
		t.Fatalf("cfclient.New: %v", err)
	}
	return c
}
