package sandbox

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wfpconsole/wfp/internal/termsafe"
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
// An empty spec or "off" means no faults. Errors name the key and the rule:
// an unknown or repeated key, a rate that is not a number from 0 to 1
// (NaN and infinities included), a duration or count that is not one or is
// negative.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "off" {
		return f, nil
	}
	f.Burst429Retry = time.Second
	seen := map[string]bool{}
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return Faults{}, fmt.Errorf("%q is not key=value", kv)
		}
		if seen[k] {
			return Faults{}, fmt.Errorf("%s is given twice", termsafe.Line(k))
		}
		seen[k] = true
		var err error
		switch k {
		case "latency":
			f.Latency, err = parseDuration(v)
		case "error-rate":
			f.ErrorRate, err = parseRate(v)
		case "drop-rate":
			f.DropRate, err = parseRate(v)
		case "429-burst":
			f.Burst429, err = strconv.Atoi(v)
			if err != nil || f.Burst429 < 0 {
				err = errors.New("must be a whole number of requests, 0 or more")
			}
		case "kv-stale":
			f.KVStale, err = parseDuration(v)
			if err == nil && f.KVStale > 10*time.Minute {
				err = errors.New("must be at most 10m")
			}
		case "429-retry":
			f.Burst429Retry, err = parseDuration(v)
		default:
			return Faults{}, fmt.Errorf("unknown key %q (want latency, error-rate, drop-rate, 429-burst, 429-retry, kv-stale)", k)
		}
		if err != nil {
			return Faults{}, fmt.Errorf("%s=%s: %v", k, termsafe.Line(v), err)
		}
	}
	if err := f.Validate(); err != nil {
		return Faults{}, err
	}
	return f, nil
}

// Validate returns the first field of f that is out of range, naming it and
// the rule, or nil. The rates must be numbers from 0 to 1 (NaN, which
// compares false with everything and so injected nothing, is refused), the
// durations and the burst 0 or more.
func (f Faults) Validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"error-rate", f.ErrorRate}, {"drop-rate", f.DropRate}} {
		if err := checkRate(r.v); err != nil {
			return fmt.Errorf("%s: %v (got %v)", r.name, err, r.v)
		}
	}
	switch {
	case f.Latency < 0:
		return fmt.Errorf("latency: must not be negative (got %s)", f.Latency)
	case f.Burst429 < 0:
		return fmt.Errorf("429-burst: must not be negative (got %d)", f.Burst429)
	case f.Burst429Retry < 0:
		return fmt.Errorf("429-retry: must not be negative (got %s)", f.Burst429Retry)
	}
	return nil
}

// parseRate reads a share of requests, 0 to 1.
func parseRate(v string) (float64, error) {
	r, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, errors.New("must be a number from 0 to 1 (the share of requests), such as 0.05")
	}
	return r, checkRate(r)
}

// checkRate is the rule of a rate: a finite number from 0 to 1.
func checkRate(r float64) error {
	if math.IsNaN(r) || r < 0 || r > 1 {
		return errors.New("must be a number from 0 to 1 (the share of requests)")
	}
	return nil
}

// parseDuration reads a duration of 0 or more, such as 50ms or 2s.
func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("must be a duration such as 50ms or 2s")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
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
	if err := f.Validate(); err != nil {
		panic("sandbox: SetFaults: faults: " + err.Error())
	}
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
