// Package testenv is what every test package that talks to the sandbox
// shares: a TestMain that keeps a developer's real Cloudflare credentials
// out of tests, and the sandbox served on loopback with its requests
// counted (so a test can assert what a call cost). It depends on the
// sandbox only, so cfclient's own packages can use it without a cycle.
package testenv

import (
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// credentialEnv are the variables cloudflare-go, wrangler-style config and
// wfp itself read from the environment.
var credentialEnv = []string{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL",
	"CLOUDFLARE_BASE_URL", "CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_USER_SERVICE_KEY",
	"WFP_CONFIG", "WFP_PROFILE", "WFP_READ_ONLY"}

// Main is a TestMain: it clears the variables wfp, cloudflare-go and
// wrangler read, so a developer's real credentials or config can never
// reach a test, then runs the tests.
func Main(m *testing.M) {
	for _, k := range credentialEnv {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// Server is a sandbox served by a loopback http.Server of the test's own,
// which counts the requests that reach it (still the real sandbox handler
// over HTTP).
type Server struct {
	// URL is the API base URL, including the API prefix.
	URL string
	// Requests counts the requests served so far.
	Requests atomic.Int64
}

// Serve serves sb on 127.0.0.1 until the test ends (then closes both).
func Serve(t testing.TB, sb *sandbox.Server) *Server {
	t.Helper()
	s := &Server{}
	s.URL = ServeWith(t, sb, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.Requests.Add(1)
			h.ServeHTTP(w, r)
		})
	})
	return s
}

// ServeWith serves sb's handler, as wrap wraps it, on 127.0.0.1 until the
// test ends (then closes both), and returns the API's base URL.
func ServeWith(t testing.TB, sb *sandbox.Server, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: wrap(sb.Handler()), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		sb.Close()
	})
	return "http://" + ln.Addr().String() + sandbox.APIPrefix
}
