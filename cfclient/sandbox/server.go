// Package sandbox is an in-process emulator of the Cloudflare API v4
// endpoints that Workers for Platforms operators use: dispatch namespaces and
// their scripts (upload, details, content, tags, settings, bindings,
// secrets), account-level scripts, Workers KV, and the account memberships
// a client reads to find its account. It also plays a platform with
// traffic (traffic.go): simulated requests leave events that Workers Logs
// (telemetry.go) and live tails of account scripts (tail.go, trace-v1 over
// WebSocket) serve. It speaks the same paths,
// JSON envelopes, status and error codes, pagination and rate limiting as
// Cloudflare (see docs/cloudflare-api.md), so the same client code runs
// against it or against the real API. wfp runs on it by default; every test
// of the project talks to it over loopback HTTP.
//
// Choices where Cloudflare's behaviour is not documented (the reference marks
// these "inferred"); the sandbox makes them consistently:
//   - Namespace script listing returns full script objects (with tags) in
//     name order; result_info is {"count":n,"cursor":c}, c is "" on the last
//     page. The cursor is opaque (base64 of the last name served).
//   - Several tag filter pairs combine with AND; tags compare case-sensitively.
//   - Bulk delete by tags returns deleted[].id as the script *name* (the
//     script's tag id is not useful to a caller that then wants to audit it).
//   - A duplicate namespace name is 400 (code 100120), never 409, because
//     cloudflare-go retries 409; a missing namespace is 404 (code 100119).
//   - Over the rate limit, the token is blocked until the oldest counted
//     request leaves the rolling window; then counting starts afresh.
//   - Re-uploading a script without metadata.tags keeps its tags; secrets are
//     kept only when keep_bindings names their type.
//   - The settings PATCH accepts the SDK's multipart "settings" part and also
//     a plain JSON body.
//   - A script upload's response carries deployment_id, the id of the
//     version it made current (wrangler prints it as "Current Version ID").
//     Account scripts keep their versions and deployments
//     (workers_versions.go); user scripts keep none, and their
//     deployment_id is a fresh UUID.
package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// APIPrefix is where the API is mounted, as on api.cloudflare.com.
const APIPrefix = "/client/v4"

// RateLimit is the per-token request budget. Off disables limiting.
type RateLimit struct {
	Requests int
	Window   time.Duration
	Off      bool
}

// DefaultRateLimit is Cloudflare's client-API limit.
var DefaultRateLimit = RateLimit{Requests: 1200, Window: 300 * time.Second}

// ParseRateLimit parses "1200/300s" (requests per window) or "off".
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return RateLimit{Off: true}, nil
	}
	n, w, ok := strings.Cut(s, "/")
	if !ok {
		return RateLimit{}, fmt.Errorf("rate limit %q: want REQUESTS/WINDOW such as 1200/300s, or off", s)
	}
	req, err := strconv.Atoi(n)
	if err != nil || req <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: requests must be a positive whole number", s)
	}
	win, err := time.ParseDuration(w)
	if err != nil || win <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: window must be a positive duration such as 300s", s)
	}
	return RateLimit{Requests: req, Window: win}, nil
}

// String formats the limit as ParseRateLimit reads it.
func (r RateLimit) String() string {
	if r.Off {
		return "off"
	}
	if r.Window%time.Second == 0 {
		return fmt.Sprintf("%d/%ds", r.Requests, r.Window/time.Second)
	}
	return fmt.Sprintf("%d/%s", r.Requests, r.Window)
}

// Options configure a sandbox.
type Options struct {
	// Seed makes the generated world deterministic.
	Seed int64
	// Scripts is the size of the seeded "production" namespace (default
	// 2000); "staging" gets about a tenth of it.
	Scripts int
	// Empty starts with no seeded world at all (an account and nothing else).
	Empty bool
	// Token is the one API token accepted; "" derives one from Seed.
	Token string
	// AccountID is the account's 32-hex id; "" derives one from Seed.
	AccountID string
	// RateLimit per token; the zero value means DefaultRateLimit.
	RateLimit RateLimit
	// StatePath, when set, loads the world from this file (seeding it only
	// when the file does not exist) and persists every change to it.
	StatePath string
	// Faults to inject; the zero value injects none.
	Faults Faults
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Traffic is the simulated request rate (requests per second of the
	// sandbox clock, 0..MaxTraffic); 0 makes no traffic unless a caller
	// asks for it (GenerateTraffic). See traffic.go.
	Traffic float64
	// TelemetryEvents caps the Workers Logs event ring; 0 means 50,000.
	TelemetryEvents int
}

// Server is a running or runnable sandbox.
type Server struct {
	opts    Options
	now     func() time.Time
	token   string
	store   *Store
	limiter *rateLimiter
	faults  *faultState
	stale   staleKV // reads that lag behind writes (Faults.KVStale)
	routes  []route
	traffic *trafficGen
	events  *eventRing
	tails   *tailHub
	// pages holds *pageBuffers, reused by the namespace script listing.
	pages sync.Pool

	mu      sync.Mutex
	ln      net.Listener
	httpSrv *http.Server
	persist *persister
	// stopTraffic ends the traffic loop; trafficDone closes when it ended.
	stopTraffic chan struct{}
	trafficDone chan struct{}
	// active counts requests being served, so Close need not wait on
	// connections that never sent one (http.Server.Shutdown gives those
	// 5 s before it treats them as idle).
	active atomic.Int64
}

// New builds a sandbox: it loads the state file when there is one, or seeds
// the world. It does not listen; use Start, or mount Handler yourself.
func New(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Scripts == 0 {
		opts.Scripts = 2000
	}
	if opts.Scripts < 0 {
		return nil, fmt.Errorf("scripts must not be negative (got %d)", opts.Scripts)
	}
	if opts.AccountID == "" {
		opts.AccountID = derive(opts.Seed, "account")[:32]
	} else if !isHex32(opts.AccountID) {
		return nil, fmt.Errorf("account id %q must be 32 lower-case hex characters", opts.AccountID)
	}
	if opts.Token == "" {
		opts.Token = "sandbox-" + derive(opts.Seed, "token")[:40]
	}
	if strings.ContainsAny(opts.Token, " \t\r\n") {
		return nil, fmt.Errorf("token must not contain white space")
	}
	if math.IsNaN(opts.Traffic) || opts.Traffic < 0 || opts.Traffic > MaxTraffic {
		return nil, fmt.Errorf("traffic %v: must be within 0..%d requests per second", opts.Traffic, int(MaxTraffic))
	}
	if opts.TelemetryEvents < 0 {
		return nil, fmt.Errorf("telemetry events %d: must not be negative", opts.TelemetryEvents)
	}
	if opts.TelemetryEvents == 0 {
		opts.TelemetryEvents = defaultTelemetryCap
	}
	if err := opts.Faults.Validate(); err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	rl := opts.RateLimit
	if rl == (RateLimit{}) {
		rl = DefaultRateLimit
	}
	limit, window := rl.Requests, rl.Window
	if rl.Off {
		limit, window = 0, 0
	}
	s := &Server{
		opts:    opts,
		now:     opts.Now,
		token:   opts.Token,
		limiter: newRateLimiter(limit, window, opts.Now),
		faults:  newFaultState(opts.Faults, uint64(opts.Seed)),
		traffic: newTrafficGen(opts),
		events:  newEventRing(opts.TelemetryEvents, telemetryRetention),
	}
	s.tails = newTailHub(s)
	if err := s.openState(); err != nil {
		return nil, err
	}
	s.routes = append(s.routes, s.workerRoutes()...)
	s.routes = append(s.routes, s.kvRoutes()...)
	s.routes = append(s.routes, s.userRoutes()...)
	s.routes = append(s.routes, s.telemetryRoutes()...)
	s.routes = append(s.routes, s.tailRoutes()...)
	s.routes = append(s.routes, s.versionRoutes()...)
	return s, nil
}

// derive returns a deterministic hex string from the seed and a purpose.
func derive(seed int64, purpose string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("wfp-sandbox/%d/%s", seed, purpose)))
	return hex.EncodeToString(h[:])
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// AccountID is the sandbox account's id.
func (s *Server) AccountID() string { return s.opts.AccountID }

// Token is the API token the sandbox accepts.
func (s *Server) Token() string { return s.token }

// SetFaults replaces the injected faults (a burst restarts its count). It
// panics when f is out of range (Faults.Validate): a test asking for a NaN
// error rate would otherwise get no errors at all.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// Handler serves the API under APIPrefix.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateActive:
				s.active.Add(1)
			case http.StateIdle, http.StateHijacked:
				s.active.Add(-1)
			case http.StateClosed:
				// A connection closed while active (client gone) was
				// counted; one closed from idle or new was not. The handler
				// finishing moves it to idle first, so nothing to undo.
			}
		},
	}
	s.mu.Lock()
	s.ln, s.httpSrv = ln, srv
	if s.opts.Traffic > 0 && s.stopTraffic == nil {
		s.stopTraffic, s.trafficDone = make(chan struct{}), make(chan struct{})
		go s.runTraffic(s.stopTraffic, s.trafficDone)
	}
	s.mu.Unlock()
	go srv.Serve(ln)
	return nil
}

// Addr is the listening address ("" before Start).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the API base URL clients use (CLOUDFLARE_API_BASE_URL).
func (s *Server) URL() string { return "http://" + s.Addr() + APIPrefix }

// Close stops serving (waiting up to 5 s for requests in flight) and
// flushes the state file.
func (s *Server) Close() error {
	s.mu.Lock()
	srv := s.httpSrv
	s.httpSrv = nil
	stop, done := s.stopTraffic, s.trafficDone
	s.stopTraffic = nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	s.tails.closeAll()
	var errs []error
	if srv != nil {
		// Let requests in flight finish (up to 5 s); with none in flight
		// there is nothing graceful to wait for.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- srv.Shutdown(ctx) }()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case err := <-done:
				if err != nil {
					errs = append(errs, err)
				}
				break wait
			case <-tick.C:
				if s.active.Load() <= 0 {
					srv.Close() // only never-used connections are left
					<-done
					break wait
				}
			}
		}
	}
	s.tails.closeAll() // a socket accepted while shutting down
	if err := s.closeState(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// serve is the middleware chain: mount point, auth, rate limit, faults, route.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	if id, isTail := strings.CutPrefix(escaped, tailPathPrefix); isTail && id != "" && !strings.Contains(id, "/") {
		s.serveTailSocket(w, r, id) // the URL grants access: no token, not rate limited
		return
	}
	if escaped != APIPrefix && !strings.HasPrefix(escaped, APIPrefix+"/") {
		fail(w, errf(http.StatusNotFound, 7003, "No route for that URI (the API is under %s)", APIPrefix))
		return
	}
	segs, okPath := splitPath(strings.TrimPrefix(escaped, APIPrefix))
	if !okPath {
		fail(w, errf(http.StatusBadRequest, 7003, "Could not route to %s: invalid percent-encoding in the path", escaped))
		return
	}
	if e := s.authenticate(r); e != nil {
		fail(w, e)
		return
	}
	now := s.now()
	d := s.limiter.take(s.token)
	s.limiter.setHeaders(w.Header(), d, now)
	if !d.allowed {
		fail(w, errRateLimited)
		return
	}
	act := s.faults.next()
	if act.latency > 0 {
		t := time.NewTimer(act.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case act.drop:
		dropConnection(w)
		return
	case act.force429:
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(act.retryAfter)))
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", now.Add(act.retryAfter).UTC().Format(http.TimeFormat))
		fail(w, errRateLimited)
		return
	case act.serverErr:
		fail(w, errf(http.StatusInternalServerError, 10002, "An unknown error has occurred (injected fault)"))
		return
	}
	dispatch(s.routes, w, r, segs)
}

// authenticate checks the bearer token.
func (s *Server) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.Header.Get("X-Auth-Key") != "" || r.Header.Get("X-Auth-Email") != "" {
			return errf(http.StatusForbidden, 10000, "Authentication error: the sandbox accepts only API tokens (Authorization: Bearer)")
		}
		return errf(http.StatusBadRequest, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
	}
	tok, found := strings.CutPrefix(h, "Bearer ")
	if !found || tok == "" || strings.ContainsAny(tok, " \t") {
		e := errf(http.StatusBadRequest, 6003, "Invalid request headers")
		e.Chain = []apiError{{Code: 6111, Message: "Invalid format for Authorization header"}}
		return e
	}
	if tok != s.token {
		return errf(http.StatusForbidden, 10000, "Authentication error")
	}
	return nil
}
