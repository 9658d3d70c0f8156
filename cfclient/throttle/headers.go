package throttle

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// retryAfterHeader reads Retry-After: whole or fractional seconds, or an
// HTTP date. ok is false when it is missing or unreadable.
func retryAfterHeader(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || secs > 1e6 {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// pauseAfter429 is how long a 429 asks us to stay away: Retry-After, else
// X-RateLimit-Reset (an HTTP date), else the t= of the Ratelimit header.
// ok is false when none of them is usable.
func pauseAfter429(h http.Header, now time.Time) (time.Duration, bool) {
	if d, ok := retryAfterHeader(h, now); ok {
		return d, true
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			return max(0, t.Sub(now)), true
		}
	}
	if _, secs, ok := ratelimitField(h.Get("Ratelimit"), "t"); ok {
		return time.Duration(secs) * time.Second, true
	}
	return 0, false
}

// serverBudget reads the server's view of the token's budget: its limit
// and how many requests remain in the window, from X-RateLimit-Limit and
// X-RateLimit-Remaining, or from the IETF-draft style Ratelimit ("r=") and
// Ratelimit-Policy ("q="). limit is 0 when only the remainder is known.
func serverBudget(h http.Header) (limit, remaining int, ok bool) {
	if v := h.Get("X-RateLimit-Remaining"); v != "" {
		r, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || r < 0 {
			return 0, 0, false
		}
		l, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Limit")))
		if err != nil || l < r {
			l = 0
		}
		return l, r, true
	}
	_, r, ok := ratelimitField(h.Get("Ratelimit"), "r")
	if !ok {
		return 0, 0, false
	}
	_, l, lok := ratelimitField(h.Get("Ratelimit-Policy"), "q")
	if !lok || l < r {
		l = 0
	}
	return l, r, true
}

// serverReset is when the server's count next drops: the t= of Ratelimit
// (seconds from now), else X-RateLimit-Reset (an HTTP date). It is zero
// when neither is there or readable.
func serverReset(h http.Header, now time.Time) time.Time {
	if _, secs, ok := ratelimitField(h.Get("Ratelimit"), "t"); ok && secs <= 86400 {
		return now.Add(time.Duration(secs) * time.Second)
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if t, err := http.ParseTime(v); err == nil && t.Before(now.Add(24*time.Hour)) {
			if t.Before(now) {
				return now
			}
			return t
		}
	}
	return time.Time{}
}

// serverWindow is the w= of Ratelimit-Policy (0 when absent).
func serverWindow(h http.Header) time.Duration {
	_, w, ok := ratelimitField(h.Get("Ratelimit-Policy"), "w")
	if !ok || w > 86400 {
		return 0
	}
	return time.Duration(w) * time.Second
}

// ratelimitField finds key=<non-negative integer> in a structured header
// such as `"default";r=50;t=30`. It returns the value as text and number.
func ratelimitField(v, key string) (string, int, bool) {
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' }) {
		k, val, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || k != key {
			continue
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return "", 0, false
		}
		return val, n, true
	}
	return "", 0, false
}

// describeFailure is a one-line, printable account of a failed attempt:
// "GET /client/v4/accounts/…/scripts: 503 Service Unavailable". It never
// holds the token, even if a transport error were to quote it.
func describeFailure(req *http.Request, resp *http.Response, err error) string {
	var what string
	if resp != nil {
		what = resp.Status
		if what == "" {
			what = strconv.Itoa(resp.StatusCode)
		}
	} else if err != nil {
		what = err.Error()
	}
	line := req.Method + " " + req.URL.EscapedPath() + ": " + what
	auth := req.Header.Get("Authorization")
	if tok := strings.TrimSpace(strings.TrimPrefix(auth, "Bearer ")); len(tok) >= 6 {
		line = strings.ReplaceAll(line, tok, "[token]")
	}
	line = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, line)
	if r := []rune(line); len(r) > 160 {
		line = string(r[:159]) + "…"
	}
	return line
}
