package jobs

import (
	"time"

	"github.com/wfpconsole/wfp/cfclient/change"
)

// State is a job's state.
type State string

// The states of a job.
const (
	Running State = "running"
	// Paused: by the operator, or by the engine on a fault it cannot ride
	// out (the token refused, a 429 storm, the API failing again and
	// again); Reason says which. Resume continues.
	Paused State = "paused"
	// Interrupted: found on disk unfinished, its process gone (a crash,
	// kill -9, a quit with the job running). Resume continues.
	Interrupted State = "interrupted"
	Cancelled   State = "cancelled"
	// Done: every item applied or found done; Partial: finished, with
	// items failed, conflicted or refused (Retry tries the failed again).
	Done    State = "done"
	Partial State = "partial"
	// Finished is the journal's word for Done or Partial.
	Finished State = "finished"
)

// Resumable reports whether Resume applies to a job in state s.
func (s State) Resumable() bool { return s == Paused || s == Interrupted }

// ItemState is the state of one op of a job.
type ItemState string

// The states of an item.
const (
	ItemPending ItemState = "pending"
	// ItemStarted: its write may have been sent; a resume reads its
	// target first.
	ItemStarted  ItemState = "started"
	ItemApplied  ItemState = "applied"
	ItemDone     ItemState = "done" // found in the after state: nothing written
	ItemConflict ItemState = "conflict"
	ItemFailed   ItemState = "failed"
	ItemRefused  ItemState = "refused"
)

// finished reports whether an item needs nothing more (Retry aside).
func (s ItemState) finished() bool {
	return s == ItemApplied || s == ItemDone || s == ItemConflict || s == ItemFailed || s == ItemRefused
}

// Item is one op of a job and how it went.
type Item struct {
	Index  int
	Kind   change.Kind
	Target string
	State  ItemState
	// Err is why it failed, conflicted or went back to pending.
	Err string
	// Kit is a deleted script's undo kit ref.
	Kit string
	// Attempts counts how often it was started.
	Attempts int
}

// Snapshot is a job's progress at one moment: what :jobs, the header and
// `wfp jobs` show. It is a copy; nothing in it changes afterwards.
type Snapshot struct {
	ID    string
	Owner string
	// Action, Namespace and Phrase come from the plan (bulk plans); Title
	// says what the job does in a few words.
	Action    change.Action
	Namespace string
	Title     string
	State     State
	// Reason is why the job is paused or was cancelled.
	Reason string
	Total  int
	// Applied, AlreadyDone, Conflicts, Failed, Refused and Pending count
	// items by state (Pending includes those in flight).
	Applied, AlreadyDone, Conflicts, Failed, Refused, Pending int
	// RequestsLeft is the API cost of the pending items.
	RequestsLeft int
	// LostSecrets counts the secrets deleted scripts took with them.
	LostSecrets int
	Created     time.Time
	Updated     time.Time
	// Rate is items finished per second since the job last (re)started;
	// ETA the time left at that rate (0 when unknown).
	Rate float64
	ETA  time.Duration
}

// Processed is how many items need nothing more.
func (s Snapshot) Processed() int { return s.Total - s.Pending }
