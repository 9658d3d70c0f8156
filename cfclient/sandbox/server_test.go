package sandbox

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// manualClock is a settable clock for rate-limit tests.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func newManualClock() *manualClock { return &manualClock{t: fixedSeedNow()} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// unroutedPath is a path no route serves, so a request that passes auth, the
// rate limiter and the faults ends as 400/7003.
func unroutedPath(s *Server) string { return acct(s) + "/no-such-endpoint" }

// expectAPIError checks the status, the error code and the envelope.
func expectAPIError(t *testing.T, r rawResp, status, code int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	success, errs, result, _ := r.env(t)
	if success || len(errs) != 1 || errs[0].Code != code || errs[0].Message == "" || string(result) != "null" {
		t.Fatalf("envelope %s, want one error with code %d", r.Body, code)
	}
}

func TestAuth(t *testing.T) {
	s := startSandbox(t, Options{})
	cases := []struct {
		name         string
		header       []string
		status, code int
		chain        int
	}{
		{"missing", []string{"Authorization", ""}, 400, 9106, 0},
		{"not bearer", []string{"Authorization", "Basic dXNlcjpwYXNz"}, 400, 6003, 6111},
		{"empty bearer", []string{"Authorization", "Bearer "}, 400, 6003, 6111},
		{"two words", []string{"Authorization", "Bearer a b"}, 400, 6003, 6111},
		{"unknown token", []string{"Authorization", "Bearer not-the-token"}, 403, 10000, 0},
		{"global key", []string{"Authorization", "", "X-Auth-Email", "a@b.c", "X-Auth-Key", "k"}, 403, 10000, 0},
		{"valid token", nil, 400, 7003, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, s, "GET", unroutedPath(s), nil, c.header...)
			expectAPIError(t, r, c.status, c.code)
			_, errs, _, _ := r.env(t)
			if c.chain != 0 && (len(errs[0].ErrorChain) != 1 || errs[0].ErrorChain[0].Code != c.chain) {
				t.Errorf("error_chain %+v, want code %d", errs[0].ErrorChain, c.chain)
			}
			if c.chain == 0 && len(errs[0].ErrorChain) != 0 {
				t.Errorf("unexpected error_chain %+v", errs[0].ErrorChain)
			}
		})
	}
}

// startWithExtraRoutes starts a sandbox that also serves extra routes.
func startWithExtraRoutes(t *testing.T, opts Options, extra ...route) *Server {
	t.Helper()
	opts.Scripts, opts.RateLimit = 5, RateLimit{Off: true}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.routes = append(s.routes, extra...)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRouting(t *testing.T) {
	echo := newRoute("GET", "/test/{a}/echo", func(w http.ResponseWriter, r *http.Request, p params) { ok(w, p["a"]) })
	s := startWithExtraRoutes(t, Options{}, echo)

	t.Run("segments are unescaped after splitting", func(t *testing.T) {
		r := do(t, s, "GET", "/test/a%2Fb%20c%3Ad/echo", nil)
		success, _, result, _ := r.env(t)
		if r.Status != 200 || !success || string(result) != `"a/b c:d"` {
			t.Fatalf("got %d %s, want the segment a/b c:d", r.Status, r.Body)
		}
	})
	t.Run("wrong method", func(t *testing.T) {
		// Not the auth code 10000: the token is fine, the method is not.
		r := do(t, s, "POST", "/test/x/echo", nil)
		expectAPIError(t, r, 405, codeMethodNotAllowed)
		if r.Header.Get("Allow") != "GET" {
			t.Errorf("Allow %q, want GET", r.Header.Get("Allow"))
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		expectAPIError(t, do(t, s, "GET", "/test/x/y/echo", nil), 400, 7003)
		expectAPIError(t, do(t, s, "GET", "", nil), 400, 7003)
	})
	t.Run("outside the mount point", func(t *testing.T) {
		for _, p := range []string{"/", "/client/v5/accounts", "/client/v4x"} {
			req, _ := http.NewRequest("GET", "http://"+s.Addr()+p, nil)
			req.Header.Set("Authorization", "Bearer "+s.Token())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: status %d, type %q; want a 404 JSON envelope", p, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
	})
}

// checkRateHeaders checks both header styles for a remaining count and reset.
func checkRateHeaders(t *testing.T, r rawResp, limit, remaining, reset, window int) {
	t.Helper()
	h := r.Header
	want := map[string]string{
		"X-RateLimit-Limit":     strconv.Itoa(limit),
		"X-RateLimit-Remaining": strconv.Itoa(remaining),
		"Ratelimit":             `"default";r=` + strconv.Itoa(remaining) + ";t=" + strconv.Itoa(reset),
		"Ratelimit-Policy":      `"burst";q=` + strconv.Itoa(limit) + ";w=" + strconv.Itoa(window),
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestRateLimitBlocksForTheRestOfTheWindow(t *testing.T) {
	clk := newManualClock()
	s := startSandbox(t, Options{RateLimit: RateLimit{Requests: 5, Window: time.Minute}, Now: clk.Now})
	start := clk.Now()
	// Requests that fail auth are not counted.
	for range 3 {
		expectAPIError(t, do(t, s, "GET", unroutedPath(s), nil, "Authorization", "Bearer wrong"), 403, 10000)
	}
	for i := range 5 {
		r := do(t, s, "GET", unroutedPath(s), nil)
		expectAPIError(t, r, 400, 7003)
		checkRateHeaders(t, r, 5, 4-i, 60, 60)
		if r.Header.Get("Retry-After") != "" {
			t.Errorf("Retry-After on an allowed request")
		}
	}
	r := do(t, s, "GET", unroutedPath(s), nil)
	expectAPIError(t, r, 429, 971)
	checkRateHeaders(t, r, 5, 0, 60, 60)
	if got := r.Header.Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After %q, want 60", got)
	}
	if got, want := r.Header.Get("X-RateLimit-Reset"), start.Add(time.Minute).Format(http.TimeFormat); got != want {
		t.Errorf("X-RateLimit-Reset %q, want %q", got, want)
	}

	clk.Advance(59 * time.Second)
	r = do(t, s, "GET", unroutedPath(s), nil)
	expectAPIError(t, r, 429, 971)
	if got := r.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q a second before the end, want 1", got)
	}

	clk.Advance(time.Second)
	r = do(t, s, "GET", unroutedPath(s), nil)
	expectAPIError(t, r, 400, 7003)
	checkRateHeaders(t, r, 5, 4, 60, 60)
}

func TestRateLimitRollingWindow(t *testing.T) {
	clk := newManualClock()
	s := startSandbox(t, Options{RateLimit: RateLimit{Requests: 3, Window: time.Minute}, Now: clk.Now})
	for i := range 3 {
		r := do(t, s, "GET", unroutedPath(s), nil)
		expectAPIError(t, r, 400, 7003)
		checkRateHeaders(t, r, 3, 2-i, 60-20*i, 60) // reset counts from the oldest request
		clk.Advance(20 * time.Second)
	}
	clk.Advance(-10 * time.Second) // 50 s after the first request
	r := do(t, s, "GET", unroutedPath(s), nil)
	expectAPIError(t, r, 429, 971)
	if got := r.Header.Get("Retry-After"); got != "10" {
		t.Errorf("Retry-After %q, want 10 (until the first request leaves the window)", got)
	}
	clk.Advance(10 * time.Second)
	r = do(t, s, "GET", unroutedPath(s), nil)
	expectAPIError(t, r, 400, 7003)
	checkRateHeaders(t, r, 3, 2, 60, 60) // counting starts afresh after a block
}

func TestRateLimitOff(t *testing.T) {
	s := startSandbox(t, Options{RateLimit: RateLimit{Off: true}})
	for range 50 {
		r := do(t, s, "GET", unroutedPath(s), nil)
		expectAPIError(t, r, 400, 7003)
		if r.Header.Get("X-RateLimit-Limit") != "" || r.Header.Get("Ratelimit") != "" {
			t.Fatalf("rate-limit headers with limiting off: %v", r.Header)
		}
	}
}

func TestFaultServerErrors(t *testing.T) {
	s := startSandbox(t, Options{Faults: Faults{ErrorRate: 1}})
	expectAPIError(t, do(t, s, "GET", unroutedPath(s), nil), 500, 10002)
	// Auth comes first: a bad request is still a bad request.
	expectAPIError(t, do(t, s, "GET", unroutedPath(s), nil, "Authorization", ""), 400, 9106)

	s.SetFaults(Faults{ErrorRate: 0.5})
	fails := 0
	for range 200 {
		if do(t, s, "GET", unroutedPath(s), nil).Status == 500 {
			fails++
		}
	}
	if fails < 60 || fails > 140 {
		t.Errorf("error rate 0.5 failed %d of 200 requests", fails)
	}
	s.SetFaults(Faults{})
	expectAPIError(t, do(t, s, "GET", unroutedPath(s), nil), 400, 7003)
}

func TestFaultLatency(t *testing.T) {
	s := startSandbox(t, Options{})
	s.SetFaults(Faults{Latency: 80 * time.Millisecond})
	start := time.Now()
	expectAPIError(t, do(t, s, "GET", unroutedPath(s), nil), 400, 7003)
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("request took %v with 80ms injected latency", d)
	}
}

func TestFault429Burst(t *testing.T) {
	s := startSandbox(t, Options{})
	s.SetFaults(Faults{Burst429: 2, Burst429Retry: 3 * time.Second})
	for range 2 {
		r := do(t, s, "GET", unroutedPath(s), nil)
		expectAPIError(t, r, 429, 971)
		if r.Header.Get("Retry-After") != "3" || r.Header.Get("X-RateLimit-Remaining") != "0" || r.Header.Get("X-RateLimit-Reset") == "" {
			t.Errorf("burst 429 headers: %v", r.Header)
		}
	}
	expectAPIError(t, do(t, s, "GET", unroutedPath(s), nil), 400, 7003)
}

func TestFaultDrop(t *testing.T) {
	s := startSandbox(t, Options{})
	s.SetFaults(Faults{DropRate: 1})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest("GET", s.URL()+unroutedPath(s), nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped request got a response: %d", resp.StatusCode)
	}
	s.SetFaults(Faults{})
	expectAPIError(t, do(t, s, "GET", unroutedPath(s), nil), 400, 7003)
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("latency=50ms, error-rate=0.05,429-burst=10,429-retry=2s,drop-rate=0.01")
	want := Faults{Latency: 50 * time.Millisecond, ErrorRate: 0.05, Burst429: 10, Burst429Retry: 2 * time.Second, DropRate: 0.01}
	if err != nil || f != want {
		t.Errorf("ParseFaults = %+v, %v; want %+v", f, err, want)
	}
	if f, err := ParseFaults("429-burst=3"); err != nil || f.Burst429Retry != time.Second {
		t.Errorf("429-burst alone: %+v, %v; want a 1s Retry-After", f, err)
	}
	for _, spec := range []string{"", "off", "  "} {
		if f, err := ParseFaults(spec); err != nil || f != (Faults{}) {
			t.Errorf("ParseFaults(%q) = %+v, %v; want no faults", spec, f, err)
		}
	}
	bad := map[string]string{
		"latency":        "key=value",
		"speed=1":        "unknown key",
		"error-rate=2":   "error-rate",
		"drop-rate=-0.1": "drop-rate",
		"latency=-1s":    "latency",
		"latency=fast":   "latency",
		"429-burst=x":    "429-burst",
		"429-burst=-1":   "429-burst",
		"429-retry=soon": "429-retry",
		// Rates that are not a number from 0 to 1; NaN compares false with
		// everything, so it used to be accepted and inject nothing.
		"error-rate=NaN":                "error-rate=NaN: must be a number from 0 to 1",
		"error-rate=nan":                "error-rate=nan: must be a number from 0 to 1",
		"drop-rate=NaN":                 "drop-rate=NaN: must be a number from 0 to 1",
		"error-rate=Inf":                "error-rate=Inf: must be a number from 0 to 1",
		"error-rate=+Inf":               "error-rate=+Inf: must be a number from 0 to 1",
		"drop-rate=-Inf":                "drop-rate=-Inf: must be a number from 0 to 1",
		"error-rate=-0.5":               "error-rate=-0.5: must be a number from 0 to 1",
		"error-rate=1.5":                "error-rate=1.5: must be a number from 0 to 1",
		"error-rate=1e400":              "error-rate=1e400: must be a number from 0 to 1",
		"error-rate=":                   "error-rate=: must be a number from 0 to 1",
		"error-rate=5%":                 "error-rate=5%: must be a number from 0 to 1",
		"error-rate=0.1,error-rate=0.2": "error-rate is given twice",
		"latency=\x1b[2J":               `latency=\x1b[2J: must be a duration`,
	}
	for spec, want := range bad {
		f, err := ParseFaults(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFaults(%q) error %v, want one mentioning %q", spec, err, want)
		}
		if err != nil && f != (Faults{}) {
			t.Errorf("ParseFaults(%q) returned faults %+v with its error", spec, f)
		}
	}
	for _, spec := range []string{"error-rate=0", "error-rate=1", "drop-rate=-0", "error-rate=0.05,drop-rate=1e-3"} {
		if _, err := ParseFaults(spec); err != nil {
			t.Errorf("ParseFaults(%q): %v", spec, err)
		}
	}
}

// Faults given as Options or to SetFaults are checked too: a NaN rate is
// refused by New and makes SetFaults panic, naming the field and the rule.
func TestFaultsOutOfRangeAreRefused(t *testing.T) {
	bad := map[string]Faults{
		"error-rate: must be a number from 0 to 1 (the share of requests) (got NaN)":  {ErrorRate: math.NaN()},
		"drop-rate: must be a number from 0 to 1 (the share of requests) (got +Inf)":  {DropRate: math.Inf(1)},
		"error-rate: must be a number from 0 to 1 (the share of requests) (got -0.5)": {ErrorRate: -0.5},
		"drop-rate: must be a number from 0 to 1 (the share of requests) (got 1.5)":   {DropRate: 1.5},
		"latency: must not be negative (got -1s)":                                     {Latency: -time.Second},
		"429-burst: must not be negative (got -1)":                                    {Burst429: -1},
		"429-retry: must not be negative (got -2s)":                                   {Burst429Retry: -2 * time.Second},
	}
	for want, f := range bad {
		if _, err := New(Options{Scripts: 5, Faults: f}); err == nil || err.Error() != "faults: "+want {
			t.Errorf("New with %+v: %v, want faults: %s", f, err, want)
		}
		s, err := New(Options{Empty: true})
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), want) {
					t.Errorf("SetFaults(%+v) panicked with %v, want %s", f, v, want)
				}
			}()
			s.SetFaults(f)
		}()
		s.Close()
	}
}

func TestParseRateLimit(t *testing.T) {
	good := map[string]RateLimit{
		"1200/300s": {Requests: 1200, Window: 300 * time.Second},
		"10/1m":     {Requests: 10, Window: time.Minute},
		" off ":     {Off: true},
	}
	for in, want := range good {
		got, err := ParseRateLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseRateLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if again, err := ParseRateLimit(got.String()); err != nil || again != got {
			t.Errorf("ParseRateLimit(%q.String() = %q) = %+v, %v", in, got.String(), again, err)
		}
	}
	for _, in := range []string{"", "1200", "0/300s", "-1/300s", "x/300s", "10/0s", "10/abc", "10/-5s"} {
		if _, err := ParseRateLimit(in); err == nil || !strings.Contains(err.Error(), "rate limit") {
			t.Errorf("ParseRateLimit(%q) error %v, want a rate limit error", in, err)
		}
	}
}

func TestNewValidatesOptions(t *testing.T) {
	bad := map[string]Options{
		"account id": {AccountID: "ABC"},
		"token":      {Token: "two words"},
		"scripts":    {Scripts: -1},
	}
	for want, opts := range bad {
		if _, err := New(opts); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%+v) error %v, want one about %s", opts, err, want)
		}
	}
	a, err := New(Options{Seed: 1, Empty: true})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(Options{Seed: 2, Empty: true})
	if !isHex32(a.AccountID()) || a.AccountID() == b.AccountID() || a.Token() == b.Token() || a.Token() == "" {
		t.Errorf("derived ids: %s / %s, tokens differ: %v", a.AccountID(), b.AccountID(), a.Token() != b.Token())
	}
}

func TestCloseTwice(t *testing.T) {
	s := startSandbox(t, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// A connection that never sent a request must not hold Close up for the
// 5 s http.Server.Shutdown gives new connections.
func TestCloseDoesNotWaitForUnusedConnections(t *testing.T) {
	s, err := New(Options{Seed: 1, Scripts: 5, RateLimit: RateLimit{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(20 * time.Millisecond) // let the server accept it
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with only an unused connection open", d)
	}
}
