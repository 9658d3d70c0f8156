package throttle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/testenv"
)

// thrServer is a sandbox served by our own loopback http.Server, which logs
// every request that reaches it (still the real sandbox handler over HTTP).
type thrServer struct {
	sb  *sandbox.Server
	url string // API base URL

	mu        sync.Mutex
	hits      []thrHit
	active    int
	maxActive int
}

// thrHit is one request as the server saw it.
type thrHit struct {
	at     time.Time // arrival
	method string
	status int // -1 when the connection was dropped
	body   string
}

func startThrServer(t testing.TB, opts sandbox.Options) *thrServer {
	t.Helper()
	opts.Empty = true
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	s := &thrServer{sb: sb}
	s.url = testenv.ServeWith(t, sb, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			hit := thrHit{at: time.Now(), method: r.Method, status: -1, body: string(body)}
			s.mu.Lock()
			s.active++
			s.maxActive = max(s.maxActive, s.active)
			s.mu.Unlock()
			rec := &thrRecorder{ResponseWriter: w, status: &hit.status}
			defer func() {
				s.mu.Lock()
				s.active--
				s.hits = append(s.hits, hit)
				s.mu.Unlock()
			}()
			h.ServeHTTP(rec, r)
		})
	})
	return s
}

// thrRecorder captures the status and passes hijacking through (the
// sandbox's drop fault hijacks the connection).
type thrRecorder struct {
	http.ResponseWriter
	status *int
}

func (r *thrRecorder) WriteHeader(code int) {
	*r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *thrRecorder) Write(p []byte) (int, error) {
	if *r.status == -1 {
		*r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

func (r *thrRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// log returns a copy of the requests answered so far, once the server's
// handlers have finished (a client may see the answer a moment before the
// handler returns).
func (s *thrServer) log() []thrHit {
	deadline := time.Now().Add(time.Second)
	for {
		s.mu.Lock()
		if s.active == 0 || time.Now().After(deadline) {
			defer s.mu.Unlock()
			return append([]thrHit(nil), s.hits...)
		}
		s.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

// listURL is a GET-able path that counts against the sandbox's rate limit.
func (s *thrServer) listURL() string {
	return s.url + "/accounts/" + s.sb.AccountID() + "/workers/dispatch/namespaces"
}

// auth is the Authorization header value for the sandbox's token.
func (s *thrServer) auth() string { return "Bearer " + s.sb.Token() }

// do sends one request through rt and returns its status (the body is read
// and closed).
func (s *thrServer) do(ctx context.Context, rt http.RoundTripper, method, url string, body io.Reader) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", s.auth())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// attemptLog collects OnAttempt calls.
type attemptLog struct {
	mu sync.Mutex
	as []Attempt
}

func (l *attemptLog) add(a Attempt) {
	l.mu.Lock()
	l.as = append(l.as, a)
	l.mu.Unlock()
}

func (l *attemptLog) all() []Attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Attempt(nil), l.as...)
}

// waitFor polls cond (a test helper, not the throttle) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestThrottleBackgroundNeverUsesTheInteractiveReserve(t *testing.T) {
	s := startThrServer(t, sandbox.Options{RateLimit: sandbox.RateLimit{Off: true}})
	th := New(Options{Requests: 10, Window: time.Minute, SafetyMargin: 0.1, InteractiveReserve: 0.2}, nil)
	st := th.Stats("")
	if st.Limit != 9 || st.BackgroundLimit != 7 {
		t.Fatalf("limits %d/%d, want 9 usable, 7 for background", st.Limit, st.BackgroundLimit)
	}
	bg, cancel := context.WithCancel(WithPriority(context.Background(), Background))
	defer cancel()
	var sent atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.do(bg, th, "GET", s.listURL(), nil); err == nil {
				sent.Add(1)
			}
		}()
	}
	waitFor(t, "7 background sends and 3 queued", func() bool {
		st := th.Stats(s.auth())
		return sent.Load() == 7 && st.QueuedBackground == 3
	})
	// The reserve is there for the operator: an interactive request goes now.
	start := time.Now()
	if code, err := s.do(context.Background(), th, "GET", s.listURL(), nil); err != nil || code == 429 {
		t.Fatalf("interactive request: %d %v", code, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("interactive request waited %s behind background work", d)
	}
	st = th.Stats(s.auth())
	if st.Used != 8 || st.Remaining != 1 || st.QueuedBackground != 3 || st.InFlight != 0 {
		t.Fatalf("stats %+v, want used 8, remaining 1, 3 background queued", st)
	}
	cancel()
	wg.Wait()
	if n := len(s.log()); n != 8 {
		t.Fatalf("server saw %d requests, want 8", n)
	}
}

func TestThrottleServesInteractiveFirstThenFIFO(t *testing.T) {
	s := startThrServer(t, sandbox.Options{RateLimit: sandbox.RateLimit{Off: true}, Faults: sandbox.Faults{Latency: 300 * time.Millisecond}})
	var log attemptLog
	th := New(Options{MaxInFlight: 1, OnAttempt: log.add}, nil)
	ctx := context.Background()
	bg := WithPriority(ctx, Background)
	var wg sync.WaitGroup
	send := func(c context.Context) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.do(c, th, "GET", s.listURL(), nil); err != nil {
				t.Error(err)
			}
		}()
	}
	send(bg) // occupies the only slot for 300 ms
	waitFor(t, "the first request in flight", func() bool { return th.Stats("").InFlight == 1 })
	send(bg)
	waitFor(t, "bg queued", func() bool { return th.Stats("").QueuedBackground == 1 })
	send(bg)
	waitFor(t, "bg queued", func() bool { return th.Stats("").QueuedBackground == 2 })
	send(ctx)
	waitFor(t, "interactive queued", func() bool { return th.Stats("").QueuedInteractive == 1 })
	wg.Wait()
	as := log.all()
	if len(as) != 4 {
		t.Fatalf("%d attempts, want 4", len(as))
	}
	// Attempts finish in grant order with one slot; the interactive one,
	// queued last, must be second.
	got := []Priority{as[0].Priority, as[1].Priority, as[2].Priority, as[3].Priority}
	want := []Priority{Background, Interactive, Background, Background}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("grant order %v, want %v", got, want)
		}
	}
	if !as[2].Enqueued.Before(as[3].Enqueued) {
		t.Fatalf("background requests were not served first in, first out")
	}
}

func TestThrottleCapsRequestsInFlight(t *testing.T) {
	s := startThrServer(t, sandbox.Options{RateLimit: sandbox.RateLimit{Off: true}, Faults: sandbox.Faults{Latency: 100 * time.Millisecond}})
	th := New(Options{}, nil)
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.do(context.Background(), th, "GET", s.listURL(), nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.maxActive != 4 {
		t.Fatalf("at most %d requests were in flight at the server, want exactly the cap of 4", s.maxActive)
	}
}

func TestThrottleCancelledWaiterLeavesPromptlyWithoutGoroutines(t *testing.T) {
	// No rate-limit headers: the configured budget of 4 stands.
	s := startThrServer(t, sandbox.Options{RateLimit: sandbox.RateLimit{Off: true}})
	th := New(Options{Requests: 4, Window: time.Minute}, nil)
	for range 3 { // the whole usable budget (3 of 4)
		if _, err := s.do(context.Background(), th, "GET", s.listURL(), nil); err != nil {
			t.Fatal(err)
		}
	}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 6)
	var returned sync.WaitGroup
	for i := range 6 {
		returned.Add(1)
		go func() {
			defer returned.Done()
			c := ctx
			if i%2 == 0 {
				c = WithPriority(ctx, Background)
			}
			_, err := s.do(c, th, "GET", s.listURL(), nil)
			errs <- err
		}()
	}
	waitFor(t, "6 queued", func() bool {
		st := th.Stats(s.auth())
		return st.QueuedInteractive == 3 && st.QueuedBackground == 3
	})
	cancel()
	start := time.Now()
	returned.Wait()
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("cancelled requests took %s to leave the queue", d)
	}
	for range 6 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	}
	if st := th.Stats(s.auth()); st.QueuedInteractive+st.QueuedBackground != 0 || st.Used != 3 {
		t.Fatalf("stats after cancel %+v", st)
	}
	waitFor(t, "goroutines to settle", func() bool { return runtime.NumGoroutine() <= before })
	if n := len(s.log()); n != 3 {
		t.Fatalf("server saw %d requests, want 3", n)
	}
}
