package throttle

import "time"

// Peers is how other local processes on the same token share its budget
// (Options.Peers): the throttle tells it each of its own sends, and counts
// the others' sends in the window as foreign use, as it counts what a
// server reading says beyond its own sends. The throttle keeps no file:
// the caller injects one (internal/budgetshare keeps it under the state
// directory). Both methods are called with the budget's lock held, so
// they must not block: keep a cached count, refreshed elsewhere.
type Peers interface {
	// Sent records one of this process's sends, answered at t.
	Sent(t time.Time)
	// Others is the number of other processes' sends answered after since,
	// and how many other processes sent them.
	Others(since time.Time) (sends, processes int)
}

// peerForeign is the other processes' sends in the window that ends now,
// as the peers report them (0 without peers).
func (b *tokenBudget) peerForeign(now time.Time) (sends, processes int) {
	if b.peers == nil {
		return 0, 0
	}
	return b.peers.Others(now.Add(-b.window))
}
