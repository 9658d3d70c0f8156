// Package throttle is the one API budget of a wfp process: Throttle, an
// http.RoundTripper under every request (SDK and plain net/http alike) that
// keeps Cloudflare's rolling window per token, puts interactive requests
// ahead of background ones, pauses on 429 and owns the retries; Priority
// marks a request's class through its context, WithRetryable a read sent
// as POST; Stats is the snapshot the header shows.
package throttle

import (
	"context"
	"time"
)

// Priority is the class a request is throttled in.
type Priority int

const (
	// Interactive requests are what an operator is waiting on; they jump the
	// queue and may use the budget share reserved for them.
	Interactive Priority = iota
	// Background requests are bulk jobs, prefetch and refresh.
	Background
)

func (p Priority) String() string {
	if p == Background {
		return "background"
	}
	return "interactive"
}

type priorityKey struct{}

// WithPriority marks every request made with ctx as priority p.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityFrom returns the priority ctx carries (Interactive by default).
func PriorityFrom(ctx context.Context) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok {
		return p
	}
	return Interactive
}

type retryableKey struct{}

// WithRetryable marks every request made with ctx as safe to send again
// whatever its method: a read sent as POST, such as KV bulk get. The
// throttle then retries it on 5xx and network errors like a GET (its body
// rewound with GetBody). Never mark a request that changes anything.
func WithRetryable(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryableKey{}, true)
}

// retryableFrom reports whether ctx was marked WithRetryable.
func retryableFrom(ctx context.Context) bool {
	v, _ := ctx.Value(retryableKey{}).(bool)
	return v
}

// WaitFunc is told when a request starts waiting for API budget (its
// token's window is full, or a 429 paused it), with when the throttle
// expects to send it; again when that estimate passes and the request
// still waits; and with the zero time when the wait ends (sent, or given
// up). It runs on the requesting goroutine, outside the throttle's locks,
// and must not block. A request waiting only for its turn, or for a slot
// among those in flight, is not waiting for budget.
type WaitFunc func(until time.Time)

type waitFuncKey struct{}

// WithWaitFunc makes the throttle tell f about the budget waits of every
// request made with ctx, e.g. so that a screen can say "waiting for API
// budget, ~40 s" instead of "loading…".
func WithWaitFunc(ctx context.Context, f WaitFunc) context.Context {
	return context.WithValue(ctx, waitFuncKey{}, f)
}

// waitFuncFrom returns the WaitFunc ctx carries, or nil.
func waitFuncFrom(ctx context.Context) WaitFunc {
	f, _ := ctx.Value(waitFuncKey{}).(WaitFunc)
	return f
}
