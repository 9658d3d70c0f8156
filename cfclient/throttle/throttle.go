package throttle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Stats is a live snapshot for the header gauge. Limit and Window are the
// server's rule once a response has stated it (Ratelimit-Policy,
// X-RateLimit-Limit), the configured one before.
type Stats struct {
	Limit           int           // usable requests per window (after the margin)
	BackgroundLimit int           // the part of Limit background requests may use
	Window          time.Duration // the rolling window
	// Used is what the server counts in the current window, as far as
	// known: our sends (in flight included) plus other processes' use from
	// the latest response. It may exceed Limit.
	Used              int
	Remaining         int           // Limit - Used, never negative
	QueuedInteractive int           // requests waiting, by class
	QueuedBackground  int           //
	InFlight          int           // requests sent and not yet answered
	PausedUntil       time.Time     // zero unless a 429 paused the token
	LastError         string        // one line, never the token
	LastErrorAt       time.Time     // when LastError happened
	LatencyP50        time.Duration // over the recent attempts
	LatencyP99        time.Duration //
	// PeerSends are other local processes' sends on this token in the
	// window (Options.Peers), counted in Used; PeerProcesses how many
	// processes sent them.
	PeerSends, PeerProcesses int
}

// Throttle is an http.RoundTripper that keeps one budget per API token
// (keyed by a SHA-256 of the request's Authorization header; the token
// itself is never kept) for the whole process. Share one Throttle between
// every client of the process.
//
// It mirrors Cloudflare's rule, at most Requests in any rolling Window: a
// send is counted from when its answer arrives (the server counted it no
// later), requests in flight count too, and a request may go while the
// count is under Limit (interactive) or BackgroundLimit (background), so
// work bursts while budget remains and then waits, on a timer, for the
// oldest send to leave the window. Interactive waiters are always served
// before background ones, first in first out within a class, and at most
// MaxInFlight requests per token are in flight.
//
// The server's word wins over the local view, whichever way they differ.
// A response's policy (Ratelimit-Policy q= and w=, or X-RateLimit-Limit)
// replaces the configured Requests and Window, and Stats reports them. Its
// remaining count (X-RateLimit-Remaining, or Ratelimit r=) is the server's
// count of the window: what it holds beyond our own sends is counted as
// other processes' use until the next response says otherwise (or a
// window has passed), and our sends it no longer counts are forgotten.
// When other processes' use blocks a request, one probe request is let
// through after the server's reset (Ratelimit t=, or X-RateLimit-Reset) to
// learn how much of it is left, rather than waiting for the whole window;
// probes stay within half of the safety margin.
type Throttle struct {
	opts Options
	base http.RoundTripper

	mu      sync.Mutex
	budgets map[[sha256.Size]byte]*tokenBudget
	lastKey [sha256.Size]byte
	anyUsed bool
}

// New wraps base (nil means http.DefaultTransport).
func New(opts Options, base http.RoundTripper) *Throttle {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Throttle{opts: opts.withDefaults(), base: base, budgets: map[[sha256.Size]byte]*tokenBudget{}}
}

// budget returns the budget of the token in authHeader, creating it when
// create is set (otherwise it may be nil).
func (t *Throttle) budget(authHeader string, create bool) *tokenBudget {
	key := sha256.Sum256([]byte(authHeader))
	t.mu.Lock()
	defer t.mu.Unlock()
	if authHeader == "" && !create {
		if !t.anyUsed {
			return nil
		}
		key = t.lastKey
	}
	b := t.budgets[key]
	if b == nil && create {
		b = newTokenBudget(t.opts)
		t.budgets[key] = b
	}
	if create {
		t.lastKey, t.anyUsed = key, true
	}
	return b
}

// RoundTrip sends req when its token's budget allows, as the priority on
// its context says (Interactive by default).
//
// Retries: GET, HEAD, OPTIONS, TRACE, PUT and DELETE are retried on 5xx and
// network errors, at most MaxRetries times, with jittered exponential
// backoff (a 5xx's Retry-After is honoured up to RetryMaxDelay), and so is
// a request of any method whose context is marked WithRetryable (a read
// sent as POST). A request with a body is retried only when req.GetBody
// can rewind it. Other POST and PATCH requests are never retried on 5xx or
// network errors: the server may have acted.
//
// 429: the token is paused until Retry-After (or X-RateLimit-Reset, or
// DefaultPause) and the request is re-queued, whatever its method, because
// a 429 means the server did not process it. The caller sees a wait, not an
// error. The 429 is returned as is when the request's context would end
// before the pause does, when its body cannot be rewound, or after
// max429Waits re-sends.
//
// When the context ends while waiting to retry, the last response (its body
// kept in memory) is returned rather than the context's error, so the
// caller learns what the server said; before any response, the context's
// error is returned.
func (t *Throttle) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	b := t.budget(req.Header.Get("Authorization"), true)
	prio := PriorityFrom(ctx)
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	retryable := rewindable && (idempotentMethod(req.Method) || retryableFrom(ctx))

	var last *http.Response // a failed response kept for the caller
	var lastErr error
	retries, waits429 := 0, 0
	for attempt := 0; ; attempt++ {
		out, err := t.send(ctx, b, req, prio, attempt)
		if err != nil { // no attempt made: the context ended in the queue
			if attempt == 0 && req.Body != nil {
				req.Body.Close()
			}
			if last != nil {
				return last, nil
			}
			if lastErr != nil {
				return nil, fmt.Errorf("%w (while waiting to retry after: %v)", err, lastErr)
			}
			return nil, err
		}
		closeKept(last)
		last, lastErr = nil, nil
		resp := out.resp
		switch {
		case resp != nil && resp.StatusCode == http.StatusTooManyRequests:
			if !rewindable || waits429 >= max429Waits || b.pauseOutlives(ctx) {
				return resp, nil
			}
			waits429++
			last = keepBody(resp)
			continue // acquire waits for the pause to end
		case out.err != nil:
			if !retryable || retries >= t.opts.MaxRetries || ctx.Err() != nil {
				return nil, out.err
			}
			lastErr = out.err
		case resp.StatusCode >= 500:
			if !retryable || retries >= t.opts.MaxRetries {
				return resp, nil
			}
			last = keepBody(resp)
		default:
			return resp, nil
		}
		delay := t.backoff(retries, last)
		retries++
		if err := sleepCtx(ctx, delay); err != nil {
			if last != nil {
				return last, nil
			}
			return nil, fmt.Errorf("%w (while waiting to retry after: %v)", err, lastErr)
		}
	}
}

// attemptOutcome is what one attempt produced.
type attemptOutcome struct {
	resp *http.Response
	err  error
}

// send waits for budget and makes one attempt. A non-nil error means no
// attempt was made (the context ended first).
func (t *Throttle) send(ctx context.Context, b *tokenBudget, req *http.Request, prio Priority, attempt int) (attemptOutcome, error) {
	tk, err := b.acquire(ctx, prio)
	if err != nil {
		return attemptOutcome{}, err
	}
	r := req
	if attempt > 0 {
		r = req.Clone(ctx)
		if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
			body, err := req.GetBody()
			if err != nil {
				b.cancelGrant(tk)
				return attemptOutcome{}, fmt.Errorf("rewind the request body: %w", err)
			}
			r.Body = body
		}
	}
	start := time.Now()
	resp, rerr := t.base.RoundTrip(r)
	latency := time.Since(start)
	b.release(tk, req, resp, rerr, latency)
	if t.opts.OnAttempt != nil {
		a := Attempt{Priority: prio, Method: req.Method, Retry: attempt, Enqueued: tk.enqueued,
			Granted: tk.granted, Latency: latency, Err: rerr}
		if resp != nil {
			a.Status = resp.StatusCode
		}
		t.opts.OnAttempt(a)
	}
	return attemptOutcome{resp: resp, err: rerr}, nil
}

// backoff is the jittered delay before retry number n (0-based): half the
// exponential delay plus a random part of the other half, or the failed
// response's Retry-After when it gives one, both capped at RetryMaxDelay.
func (t *Throttle) backoff(n int, failed *http.Response) time.Duration {
	if failed != nil {
		if d, ok := retryAfterHeader(failed.Header, t.opts.Now()); ok && d > 0 {
			return min(d, t.opts.RetryMaxDelay)
		}
	}
	d := t.opts.RetryBaseDelay
	for i := 0; i < n && d < t.opts.RetryMaxDelay; i++ {
		d *= 2
	}
	d = min(d, t.opts.RetryMaxDelay)
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// Stats returns the snapshot for the token whose Authorization header value
// is authHeader ("" means the most recently used token). A token not seen
// yet has an empty snapshot with the configured limits.
func (t *Throttle) Stats(authHeader string) Stats {
	b := t.budget(authHeader, false)
	if b == nil {
		return newTokenBudget(t.opts).stats(t.opts.Now())
	}
	return b.stats(t.opts.Now())
}

// idempotentMethod reports whether sending method twice has the effect of
// sending it once (RFC 9110 §9.2.2).
func idempotentMethod(method string) bool {
	switch method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// keepBody reads (up to maxRetainedBody of) a failed response's body into
// memory and closes the connection's body, so the response can still be
// returned after the connection is reused.
func keepBody(resp *http.Response) *http.Response {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxRetainedBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp
}

// closeKept discards a kept response that will not be returned.
func closeKept(resp *http.Response) {
	if resp != nil {
		resp.Body.Close()
	}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
