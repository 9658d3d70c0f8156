package sandbox

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults are injected failures, off by default. They exist so tests and
// operators can rehearse what a bad day at Cloudflare looks like.
type Faults struct {
	// Latency is added before every response.
	Latency time.Duration
	// ErrorRate is the share (0..1) of requests answered 500/10002.
	ErrorRate float64
	// Burst429 makes the next N requests (per server, after auth) get a 429
	// with Retry-After: Burst429Retry, whatever the rate limiter thinks.
	Burst429      int
	Burst429Retry time.Duration
	// DropRate is the share (0..1) of requests whose connection is closed
	// without a response.
	DropRate float64
	// KVStale makes KV reads of a key answer its previous value for this
	// long after each write, as Workers KV's eventual consistency does at
	// other locations (up to 60 s).
	KVStale time.Duration
}

// ParseFaults parses a spec such as
// "latency=50ms,error-rate=0.05,429-burst=10,429-retry=2s,drop-rate=0.01,kv-stale=30s".
// An empty spec or "off" means no faults.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "off" {
		return f, nil
	}
	f.Burst429Retry = time.Second
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return Faults{}, fmt.Errorf("faults: %q is not key=value", kv)
		}
		var err error
		switch k {
		case "latency":
			f.Latency, err = time.ParseDuration(v)
			if err == nil && f.Latency < 0 {
				err = fmt.Errorf("must not be negative")
			}
		case "error-rate":
			f.ErrorRate, err = parseRate(v)
		case "drop-rate":
			f.DropRate, err = parseRate(v)
		case "429-burst":
			f.Burst429, err = strconv.Atoi(v)
			if err == nil && f.Burst429 < 0 {
				err = fmt.Errorf("must not be negative")
			}
		case "kv-stale":
			f.KVStale, err = time.ParseDuration(v)
			if err == nil && (f.KVStale < 0 || f.KVStale > 10*time.Minute) {
				err = fmt.Errorf("must be between 0 and 10m")
			}
		case "429-retry":
			f.Burst429Retry, err = time.ParseDuration(v)
			if err == nil && f.Burst429Retry < 0 {
				err = fmt.Errorf("must not be negative")
			}
		default:
			return Faults{}, fmt.Errorf("faults: unknown key %q (want latency, error-rate, drop-rate, 429-burst, 429-retry, kv-stale)", k)
		}
		if err != nil {
			return Faults{}, fmt.Errorf("faults: %s=%s: %v", k, v, err)
		}
	}
	return f, nil
}

func parseRate(v string) (float64, error) {
	r, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, err
	}
	if r < 0 || r > 1 {
		return 0, fmt.Errorf("must be within 0..1")
	}
	return r, nil
}

// faultState is the live, changeable fault configuration of a server.
type faultState struct {
	mu        sync.Mutex
	f         Faults
	burstLeft int
	rng       *rand.Rand
}

func newFaultState(f Faults, seed uint64) *faultState {
	return &faultState{f: f, burstLeft: f.Burst429, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f = f
	fs.burstLeft = f.Burst429
}

// faultAction is what to do to one request.
type faultAction struct {
	latency    time.Duration
	drop       bool
	serverErr  bool
	force429   bool
	retryAfter time.Duration
}

func (fs *faultState) next() faultAction {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	a := faultAction{latency: fs.f.Latency}
	if fs.f.DropRate > 0 && fs.rng.Float64() < fs.f.DropRate {
		a.drop = true
		return a
	}
	if fs.burstLeft > 0 {
		fs.burstLeft--
		a.force429 = true
		a.retryAfter = fs.f.Burst429Retry
		return a
	}
	if fs.f.ErrorRate > 0 && fs.rng.Float64() < fs.f.ErrorRate {
		a.serverErr = true
	}
	return a
}

// dropConnection closes the client's connection without a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
