// Package cfclient is everything in wfp that talks to Cloudflare: the Client
// (over the cloudflare-go v6 service packages, plus plain net/http for the
// endpoints the SDK lacks), the throttle beneath both, typed errors, our own
// types, the routing and tier schemas on top of KV, the mutation gate with
// its audit log, and the on-disk listing cache. Views never see SDK types.
package cfclient

import "context"

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
