package jobs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
)

// A job's directory, <dir>/<id>/:
//
//	plan.json      the plan, written once (atomically) before any item runs
//	journal.jsonl  one fsynced JSON line per item state change and per job
//	               event, appended; the last line of an item is its state
//	kits/          the undo kits of the scripts it deletes (kits.go)
//
// A line is {"t":time,"i":index,"s":state,"err":reason,"kit":ref} for an
// item, {"t":time,"i":-1,"job":event,"reason":why,"owner":name} for the
// job. A torn last line (the process died while writing it) is ignored:
// the item it was about is still in its previous state, and resuming
// re-checks it at the API.

const (
	planFile    = "plan.json"
	journalFile = "journal.jsonl"
	kitsDir     = "kits"
)

// line is one journal line.
type line struct {
	T      time.Time `json:"t"`
	I      int       `json:"i"`
	S      ItemState `json:"s,omitempty"`
	Err    string    `json:"err,omitempty"`
	Kit    string    `json:"kit,omitempty"`
	Lost   int       `json:"lost,omitempty"`
	Job    string    `json:"job,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Owner  string    `json:"owner,omitempty"`
}

// Job events in the journal.
const (
	evStarted   = "started"
	evResumed   = "resumed"
	evPaused    = "paused"
	evCancelled = "cancelled"
	evFinished  = "finished"
)

// journal appends lines to a job's journal.jsonl, fsyncing each.
type journal struct {
	f *os.File
}

// createJob writes a new job's directory and plan, and opens its journal.
func createJob(dir string, plan *change.Plan) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the job directory: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, planFile)); err == nil {
		return nil, fmt.Errorf("job %s exists already: resume it (wfp jobs resume %s)", plan.ID, plan.ID)
	}
	err := cache.WriteFileAtomic(filepath.Join(dir, planFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(plan)
	})
	if err != nil {
		return nil, fmt.Errorf("write the job's plan: %w", err)
	}
	return openJournal(dir)
}

// openJournal opens a job's journal for appending.
func openJournal(dir string) (*journal, error) {
	f, err := os.OpenFile(filepath.Join(dir, journalFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the job journal: %w", err)
	}
	return &journal{f: f}, nil
}

// append writes one line and fsyncs it.
func (j *journal) append(l line) error {
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encode a journal line: %w", err)
	}
	b = append(b, '\n')
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("write the job journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync the job journal: %w", err)
	}
	return nil
}

func (j *journal) close() error { return j.f.Close() }

// loaded is a job as read back from its directory.
type loaded struct {
	plan  *change.Plan
	items []Item
	state State
	// reason is the last pause's, owner the job's.
	reason, owner string
	created       time.Time
	updated       time.Time
	lost          int
}

// loadJob reads a job's plan and replays its journal.
func loadJob(dir string) (*loaded, error) {
	b, err := os.ReadFile(filepath.Join(dir, planFile))
	if err != nil {
		return nil, fmt.Errorf("read the job's plan: %w", err)
	}
	var plan change.Plan
	if err := json.Unmarshal(b, &plan); err != nil {
		return nil, fmt.Errorf("read the job's plan %s: %w", filepath.Join(dir, planFile), err)
	}
	l := &loaded{plan: &plan, items: newItems(&plan), state: Interrupted, created: plan.Created}
	jb, err := os.ReadFile(filepath.Join(dir, journalFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read the job journal: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(jb))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var ln line
		if json.Unmarshal(sc.Bytes(), &ln) != nil {
			continue // a torn last line
		}
		l.updated = ln.T
		if ln.I < 0 {
			switch ln.Job {
			case evStarted, evResumed:
				l.state, l.reason = Interrupted, ""
				if ln.Owner != "" {
					l.owner = ln.Owner
				}
			case evPaused:
				l.state, l.reason = Paused, ln.Reason
			case evCancelled:
				l.state, l.reason = Cancelled, ln.Reason
			case evFinished:
				l.state = Finished
			}
			continue
		}
		if ln.I >= len(l.items) {
			continue
		}
		it := &l.items[ln.I]
		it.State, it.Err = ln.S, ln.Err
		if ln.Kit != "" {
			it.Kit = ln.Kit
		}
		if ln.S == ItemStarted {
			it.Attempts++
		}
		l.lost += ln.Lost
	}
	if l.state == Finished {
		l.state = finishedState(l.items)
	}
	return l, nil
}

// newItems are a plan's items, all pending.
func newItems(plan *change.Plan) []Item {
	items := make([]Item, len(plan.Ops))
	for i, op := range plan.Ops {
		items[i] = Item{Index: i, Kind: op.Kind, Target: op.Target.String(), State: ItemPending}
	}
	return items
}
