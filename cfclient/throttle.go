package cfclient

import (
	"net/http"
	"time"
)

// STUB: the throttle work replaces this file. The API below is the contract
// the rest of cfclient codes against.

// ThrottleOptions configure a Throttle.
type ThrottleOptions struct {
	// Requests per Window per token (default 1200 per 300 s).
	Requests int
	Window   time.Duration
	// SafetyMargin is the share of the budget never used (default 0.10).
	SafetyMargin float64
	// InteractiveReserve is the share of the usable budget background
	// requests may not consume (default 0.20).
	InteractiveReserve float64
	// MaxInFlight caps concurrent requests per token (default 4).
	MaxInFlight int
	// MaxRetries bounds retries of idempotent requests (default 4).
	MaxRetries int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Stats is a live snapshot for the header gauge.
type Stats struct {
	Limit             int           // usable requests per window (after the margin)
	Window            time.Duration //
	Used              int           // requests sent in the current rolling window
	Remaining         int           // Limit - Used, never negative
	QueuedInteractive int
	QueuedBackground  int
	InFlight          int
	PausedUntil       time.Time // zero unless a 429 paused the token
	LastError         string    // one line, never the token
	LatencyP50        time.Duration
	LatencyP99        time.Duration
}

// Throttle is an http.RoundTripper that keeps one budget per API token
// (keyed by the request's Authorization header) for the whole process.
type Throttle struct {
	base http.RoundTripper
}

// NewThrottle wraps base (nil means http.DefaultTransport).
func NewThrottle(opts ThrottleOptions, base http.RoundTripper) *Throttle {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Throttle{base: base}
}

// RoundTrip sends req when its token's budget allows.
func (t *Throttle) RoundTrip(req *http.Request) (*http.Response, error) { return t.base.RoundTrip(req) }

// Stats returns the snapshot for the token whose Authorization header value
// is authHeader ("" means the most recently used token).
func (t *Throttle) Stats(authHeader string) Stats { return Stats{} }
