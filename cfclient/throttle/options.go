package throttle

import (
	"fmt"
	"math"
	"time"
)

// Options configure a Throttle. Zero fields take their defaults;
// invalid values (see Validate) are replaced by their defaults too, because
// the throttle must always work.
type Options struct {
	// Requests per Window per token (default 1200 per 300 s), the server's
	// rule: at most Requests in any rolling Window. They hold until a
	// response states the server's policy (Ratelimit-Policy,
	// X-RateLimit-Limit), which replaces them for that token.
	Requests int
	Window   time.Duration
	// SafetyMargin is the share of the budget never used (default 0.05;
	// valid range (0, 0.9]). The server's own counts (rate-limit headers)
	// correct the rolling window as they arrive, so the margin covers only
	// the gap between two readings.
	SafetyMargin float64
	// InteractiveReserve is the share of the usable budget background
	// requests may not consume (default 0.05; valid range (0, 0.9]): 57
	// requests per 5 minutes at Cloudflare's 1200 that a bulk job leaves
	// for the operator's own reads, which also go first in the queue. A
	// larger share left a long job's budget unused (at 0.20 a job used 72 %
	// of the limit; at 0.05 it uses 90 %, BenchmarkJobBudget).
	InteractiveReserve float64
	// MaxInFlight caps concurrent requests per token (default 4).
	MaxInFlight int
	// MaxRetries bounds retries of idempotent requests on 5xx and network
	// errors (default 4). Waits after a 429 are not retries: see RoundTrip.
	MaxRetries int
	// RetryBaseDelay is the first retry's backoff before jitter (default
	// 500 ms); each later retry doubles it, up to RetryMaxDelay (default
	// 30 s).
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// DefaultPause is how long a 429 pauses the token when the response says
	// nothing usable about when to come back (default 30 s).
	DefaultPause time.Duration
	// Now is the clock (default time.Now). The throttle also waits with real
	// timers, so Now must advance like real time; tests may shift it to age
	// the window seen by Stats.
	Now func() time.Time
	// Peers, when set, shares the budget with other local processes on
	// the same token (see Peers). A Throttle with Peers should carry one
	// token: every token's budget counts the same peers.
	Peers Peers
	// OnAttempt, when set, is called after every attempt (retries included)
	// with its timing. It runs on the caller's goroutine, outside any lock.
	OnAttempt func(Attempt)
}

// Attempt describes one request attempt, for Options.OnAttempt.
type Attempt struct {
	Priority Priority
	Method   string
	// Retry is 0 for the first attempt, then counts every later attempt
	// (backoff retries and re-sends after a 429).
	Retry int
	// Enqueued and Granted are when the attempt joined its token's queue
	// and when it was let through, on the throttle's clock.
	Enqueued time.Time
	Granted  time.Time
	// Latency is from sending to the response headers (or the error).
	Latency time.Duration
	// Status is the response status, 0 on a transport error.
	Status int
	// Err is the transport error, if any.
	Err error
}

const (
	defaultThrottleRequests = 1200
	defaultThrottleWindow   = 300 * time.Second
	// max429Waits bounds how often one request is re-sent after a 429
	// before the 429 is handed to the caller; with Cloudflare's 5-minute
	// block that is most of an hour, so a context ends first in practice.
	max429Waits = 10
	// maxRetainedBody is how much of a failed response is kept in memory
	// while waiting to retry, so that the caller can still get it.
	maxRetainedBody = 1 << 20
)

// Validate reports the first invalid field, naming it and the rule.
func (o Options) Validate() error {
	switch {
	case o.Requests < 0:
		return fmt.Errorf("throttle requests %d: must be positive", o.Requests)
	case o.Window < 0:
		return fmt.Errorf("throttle window %s: must be positive", o.Window)
	case o.SafetyMargin < 0 || o.SafetyMargin > 0.9 || math.IsNaN(o.SafetyMargin):
		return fmt.Errorf("throttle safety margin %v: must be within (0, 0.9]", o.SafetyMargin)
	case o.InteractiveReserve < 0 || o.InteractiveReserve > 0.9 || math.IsNaN(o.InteractiveReserve):
		return fmt.Errorf("throttle interactive reserve %v: must be within (0, 0.9]", o.InteractiveReserve)
	case o.MaxInFlight < 0:
		return fmt.Errorf("throttle max in flight %d: must be positive", o.MaxInFlight)
	case o.MaxRetries < 0:
		return fmt.Errorf("throttle max retries %d: must not be negative", o.MaxRetries)
	case o.RetryBaseDelay < 0 || o.RetryMaxDelay < 0 || o.DefaultPause < 0:
		return fmt.Errorf("throttle delays must not be negative")
	}
	return nil
}

// withDefaults fills zero and invalid fields.
func (o Options) withDefaults() Options {
	d := Options{
		Requests: defaultThrottleRequests, Window: defaultThrottleWindow,
		SafetyMargin: 0.05, InteractiveReserve: 0.05, MaxInFlight: 4, MaxRetries: 4,
		RetryBaseDelay: 500 * time.Millisecond, RetryMaxDelay: 30 * time.Second,
		DefaultPause: 30 * time.Second, Now: time.Now,
		Peers: o.Peers,
	}
	if o.Requests > 0 {
		d.Requests = o.Requests
	}
	if o.Window > 0 {
		d.Window = o.Window
	}
	if o.SafetyMargin > 0 && o.SafetyMargin <= 0.9 {
		d.SafetyMargin = o.SafetyMargin
	}
	if o.InteractiveReserve > 0 && o.InteractiveReserve <= 0.9 {
		d.InteractiveReserve = o.InteractiveReserve
	}
	if o.MaxInFlight > 0 {
		d.MaxInFlight = o.MaxInFlight
	}
	if o.MaxRetries > 0 {
		d.MaxRetries = o.MaxRetries
	}
	if o.RetryBaseDelay > 0 {
		d.RetryBaseDelay = o.RetryBaseDelay
	}
	if o.RetryMaxDelay > 0 {
		d.RetryMaxDelay = o.RetryMaxDelay
	}
	if d.RetryMaxDelay < d.RetryBaseDelay {
		d.RetryMaxDelay = d.RetryBaseDelay
	}
	if o.DefaultPause > 0 {
		d.DefaultPause = o.DefaultPause
	}
	if o.Now != nil {
		d.Now = o.Now
	}
	d.OnAttempt = o.OnAttempt
	return d
}
