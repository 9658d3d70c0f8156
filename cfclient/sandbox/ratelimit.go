package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateLimiter enforces Cloudflare's client-API rule per token: at most Limit
// requests in any rolling Window. A request over the limit gets 429 (code
// 971) and the token stays blocked for the rest of the window that
// overflowed, i.e. until the oldest counted request ages out of the window.
// When the block ends the count starts afresh. Rejected requests do not count.
//
// Limit <= 0 turns limiting off (the headers still describe a limit of 0).
type rateLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	tokens map[string]*tokenWindow
}

type tokenWindow struct {
	hits         []time.Time // accepted requests in the window, oldest first
	blockedUntil time.Time
}

// rateDecision is what the limiter decided for one request.
type rateDecision struct {
	allowed    bool
	remaining  int
	reset      time.Duration // until the window frees a slot (or the block ends)
	retryAfter time.Duration // only when !allowed
}

func newRateLimiter(limit int, window time.Duration, now func() time.Time) *rateLimiter {
	return &rateLimiter{limit: limit, window: window, now: now, tokens: map[string]*tokenWindow{}}
}

func (rl *rateLimiter) enabled() bool { return rl.limit > 0 && rl.window > 0 }

// take counts one request for token, or refuses it.
func (rl *rateLimiter) take(token string) rateDecision {
	if !rl.enabled() {
		return rateDecision{allowed: true, remaining: math.MaxInt32}
	}
	now := rl.now()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	tw := rl.tokens[token]
	if tw == nil {
		tw = &tokenWindow{}
		rl.tokens[token] = tw
	}
	if !tw.blockedUntil.IsZero() {
		if now.Before(tw.blockedUntil) {
			d := tw.blockedUntil.Sub(now)
			return rateDecision{allowed: false, remaining: 0, reset: d, retryAfter: d}
		}
		tw.blockedUntil = time.Time{}
		tw.hits = tw.hits[:0]
	}
	// Drop hits that have left the rolling window.
	cut := 0
	for cut < len(tw.hits) && !tw.hits[cut].After(now.Add(-rl.window)) {
		cut++
	}
	tw.hits = tw.hits[cut:]
	if len(tw.hits) >= rl.limit {
		tw.blockedUntil = tw.hits[0].Add(rl.window)
		d := tw.blockedUntil.Sub(now)
		return rateDecision{allowed: false, remaining: 0, reset: d, retryAfter: d}
	}
	tw.hits = append(tw.hits, now)
	reset := tw.hits[0].Add(rl.window).Sub(now)
	return rateDecision{allowed: true, remaining: rl.limit - len(tw.hits), reset: reset}
}

// setHeaders writes both header styles Cloudflare has documented.
func (rl *rateLimiter) setHeaders(h http.Header, d rateDecision, now time.Time) {
	limit := rl.limit
	if !rl.enabled() {
		return
	}
	secs := ceilSeconds(d.reset)
	h.Set("Ratelimit", fmt.Sprintf(`"default";r=%d;t=%d`, d.remaining, secs))
	h.Set("Ratelimit-Policy", fmt.Sprintf(`"burst";q=%d;w=%d`, limit, ceilSeconds(rl.window)))
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	if !d.allowed {
		h.Set("Retry-After", strconv.Itoa(ceilSeconds(d.retryAfter)))
		h.Set("X-RateLimit-Reset", now.Add(d.retryAfter).UTC().Format(http.TimeFormat))
	}
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// errRateLimited is the 429 body Cloudflare sends.
var errRateLimited = &apiError{Status: http.StatusTooManyRequests, Code: 971, Message: "Please wait and consider throttling your request speed"}
