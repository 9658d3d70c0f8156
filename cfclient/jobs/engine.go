// Package jobs runs change plans as resumable background jobs: an Engine
// (one per process, in the Runtime) applies a plan's ops through the one
// change pipeline (change.Applier: precondition, gate, audit) in the
// throttle's background class, so the console stays interactive; it
// pauses, resumes, cancels and retries failed items; and it keeps a
// journal per job on disk (journal.go) so that a job interrupted by a
// crash or kill -9 is found on the next start and resumed without doing
// anything twice: every unfinished item's target is read again first
// (already in the after state: done; changed by someone else: conflict).
//
// Progress reaches screens as snapshots on a channel (Subscribe); List and
// Get return copies, for commands.
package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
)

// Options configure an Engine.
type Options struct {
	// Dir is the jobs directory ($XDG_STATE_HOME/wfp/jobs).
	Dir string
	// Applier applies ops; its Kits is set to the engine's kit store.
	Applier *change.Applier
	// Client is who the applier applies through (for the account).
	Client *cfclient.Client
	// Audit is the log the client writes (a resume checks it for the
	// lines of writes a crash interrupted).
	Audit *audit.Log
	// Workers is how many items run at once (default 4, the throttle's
	// default in-flight cap).
	Workers int
	// MaxFailuresInARow pauses a job whose items keep failing with network
	// or server errors (default 5).
	MaxFailuresInARow int
	// Now is the clock (default the client's).
	Now func() time.Time
}

// Engine runs jobs. Its methods are safe for concurrent use.
type Engine struct {
	opts Options
	kits *Kits

	mu       sync.Mutex
	jobs     map[string]*job
	starting map[string]bool // ids being started (their plan being written)
	subs     map[int]chan []Snapshot
	next     int
	wg       sync.WaitGroup
}

// New makes an engine keeping jobs under opts.Dir and loads the jobs found
// there (Recoverable lists the unfinished ones). The applier's Kits is set
// to the engine's kit store, so every delete, in a job or not, saves an
// undo kit under Dir.
func New(opts Options) (*Engine, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.MaxFailuresInARow <= 0 {
		opts.MaxFailuresInARow = 5
	}
	if opts.Now == nil {
		opts.Now = opts.Client.Now
	}
	e := &Engine{opts: opts, kits: NewKits(opts.Dir), jobs: map[string]*job{}, starting: map[string]bool{},
		subs: map[int]chan []Snapshot{}}
	opts.Applier.Kits = e.kits
	if err := e.load(); err != nil {
		return nil, err
	}
	return e, nil
}

// Kits is the engine's undo kit store.
func (e *Engine) Kits() *Kits { return e.kits }

// idPattern is what a job id (a plan id) may look like: it names a
// directory.
var idPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$`)

// ValidID checks a job or plan id.
func ValidID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("job id %q: must be 1-64 letters, digits, '.', '_' or '-', not starting with a symbol", id)
	}
	return nil
}

// load reads every job directory under Dir.
func (e *Engine) load() error {
	if e.opts.Dir == "" {
		return nil
	}
	ents, err := os.ReadDir(e.opts.Dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the jobs directory: %w", err)
	}
	for _, ent := range ents {
		if !ent.IsDir() || ValidID(ent.Name()) != nil {
			continue
		}
		dir := filepath.Join(e.opts.Dir, ent.Name())
		if _, err := os.Stat(filepath.Join(dir, planFile)); err != nil {
			continue // a kit directory of a delete made outside a job
		}
		l, err := loadJob(dir)
		if err != nil {
			continue // a damaged job is left on disk, not offered
		}
		if l.plan.ID != ent.Name() {
			continue
		}
		j := &job{id: l.plan.ID, dir: dir, plan: l.plan, items: l.items, state: l.state, reason: l.reason,
			owner: l.owner, created: l.created, updated: l.updated, lost: l.lost}
		e.jobs[j.id] = j
	}
	return nil
}

// Start makes plan a job owned by actor and runs it in the background;
// the job's id is the plan's. The plan and a first journal line are on
// disk before any op runs. A plan started before (the same id) is refused:
// resume that job instead.
func (e *Engine) Start(plan *change.Plan, actor cfclient.Actor) (string, error) {
	if err := ValidID(plan.ID); err != nil {
		return "", err
	}
	if len(plan.Ops) == 0 {
		return "", fmt.Errorf("the plan has no op")
	}
	if plan.Account != "" && plan.Account != e.opts.Client.AccountID() {
		return "", &cfclient.Error{Kind: cfclient.ErrValidation, Op: "job.start", Target: plan.ID,
			Reason: fmt.Sprintf("the plan was made for account %s, not this profile's %s", plan.Account, e.opts.Client.AccountID()),
			Hint:   "apply it with the profile it was made with, or plan again"}
	}
	if err := e.opts.Client.MayWrite(cfclient.WithActor(context.Background(), actor)); err != nil {
		return "", err
	}
	// The id is reserved under the lock; the plan (tens of MB for 100,000
	// ops) is written outside it, so snapshots keep flowing meanwhile.
	e.mu.Lock()
	if _, ok := e.jobs[plan.ID]; ok || e.starting[plan.ID] {
		e.mu.Unlock()
		return "", fmt.Errorf("job %s exists already: resume it", plan.ID)
	}
	e.starting[plan.ID] = true
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.starting, plan.ID)
		e.mu.Unlock()
	}()
	dir := filepath.Join(e.opts.Dir, plan.ID)
	jl, err := createJob(dir, plan)
	if err != nil {
		return "", err
	}
	now := e.opts.Now()
	j := &job{id: plan.ID, dir: dir, plan: plan, items: newItems(plan), owner: actor.Name, created: now, updated: now, journal: jl}
	if err := jl.append(line{T: now, I: -1, Job: evStarted, Owner: actor.Name}); err != nil {
		jl.close()
		return "", err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.jobs[j.id] = j
	e.runLocked(j, actor)
	return j.id, nil
}

// Resume continues a paused or interrupted job as actor: every item not
// finished is read at the API again before anything is written.
func (e *Engine) Resume(id string, actor cfclient.Actor) error {
	if err := e.opts.Client.MayWrite(cfclient.WithActor(context.Background(), actor)); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	j, ok := e.jobs[id]
	if !ok {
		return fmt.Errorf("no job %s", id)
	}
	if !j.state.Resumable() {
		return fmt.Errorf("job %s is %s, not paused or interrupted", id, j.state)
	}
	if j.journal == nil {
		jl, err := openJournal(j.dir)
		if err != nil {
			return err
		}
		j.journal = jl
	}
	if err := j.journal.append(line{T: e.opts.Now(), I: -1, Job: evResumed, Owner: actor.Name}); err != nil {
		return err
	}
	e.runLocked(j, actor)
	return nil
}

// Retry runs a finished job's failed and refused items again (conflicts
// stay: their targets changed, so plan them again).
func (e *Engine) Retry(id string, actor cfclient.Actor) error {
	e.mu.Lock()
	j, ok := e.jobs[id]
	if ok && (j.state == Partial || j.state == Paused || j.state == Interrupted) {
		for i := range j.items {
			if it := &j.items[i]; it.State == ItemFailed || it.State == ItemRefused {
				it.State, it.Err = ItemPending, ""
			}
		}
		j.state = Paused
	}
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("no job %s", id)
	}
	return e.Resume(id, actor)
}

// Pause stops a running job: no new item is taken, and the items in
// flight (most of them waiting for API budget) are cut off and left
// "started": their writes may have landed, so Resume reads each again
// first (done: counted, and audited if its line was lost; else applied).
func (e *Engine) Pause(id string) error { return e.stop(id, Paused, "paused by the operator") }

// Cancel stops a job for good, as Pause does; the items not run are left
// as they are (nothing was written for them; an item cut off in flight may
// have been written, and says "started").
func (e *Engine) Cancel(id string) error { return e.stop(id, Cancelled, "cancelled by the operator") }

// stop moves a job to state (Paused or Cancelled).
func (e *Engine) stop(id string, to State, reason string) error {
	e.mu.Lock()
	j, ok := e.jobs[id]
	if !ok {
		e.mu.Unlock()
		return fmt.Errorf("no job %s", id)
	}
	switch {
	case j.state == Running:
		j.stopTo, j.stopReason = to, reason // workers take no new item
		j.cancel()                          // and the items in flight stop (see cutOff)
		done := j.done
		e.mu.Unlock()
		<-done
		return nil
	case to == Cancelled && j.state.Resumable():
		err := e.setStateLocked(j, Cancelled, reason)
		e.mu.Unlock()
		return err
	}
	st := j.state
	e.mu.Unlock()
	return fmt.Errorf("job %s is %s", id, st)
}

// List returns every job's snapshot, newest first.
func (e *Engine) List() []Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.listLocked()
}

func (e *Engine) listLocked() []Snapshot {
	out := make([]Snapshot, 0, len(e.jobs))
	now := e.opts.Now()
	for _, j := range e.jobs {
		out = append(out, j.snapshot(now))
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return b.Created.Compare(a.Created) })
	return out
}

// Get returns a job's snapshot, its items (a copy) and its plan (shared:
// callers must not modify it).
func (e *Engine) Get(id string) (Snapshot, []Item, *change.Plan, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	j, ok := e.jobs[id]
	if !ok {
		return Snapshot{}, nil, nil, fmt.Errorf("no job %s", id)
	}
	return j.snapshot(e.opts.Now()), slices.Clone(j.items), j.plan, nil
}

// Recoverable returns the jobs an earlier process left unfinished (and
// paused ones), newest first: what the console offers to resume at start.
func (e *Engine) Recoverable() []Snapshot {
	var out []Snapshot
	for _, s := range e.List() {
		if s.State.Resumable() && s.Pending > 0 {
			out = append(out, s)
		}
	}
	return out
}

// Running counts the jobs running now (the header).
func (e *Engine) Running() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, j := range e.jobs {
		if j.state == Running {
			n++
		}
	}
	return n
}

// Subscribe returns a channel that receives every job's snapshot (as List
// returns them) after each change, and a func that ends the subscription.
// A slow reader misses intermediate snapshots, never the latest: the
// channel holds one, replaced by a newer. The first value is sent at once.
func (e *Engine) Subscribe() (<-chan []Snapshot, func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch := make(chan []Snapshot, 1)
	id := e.next
	e.next++
	e.subs[id] = ch
	ch <- e.listLocked()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			e.mu.Lock()
			delete(e.subs, id)
			e.mu.Unlock()
		})
	}
}

// notifyLocked sends the latest snapshots to every subscriber.
func (e *Engine) notifyLocked() {
	if len(e.subs) == 0 {
		return
	}
	list := e.listLocked()
	for _, ch := range e.subs {
		select {
		case <-ch:
		default:
		}
		ch <- list
	}
}

// Close stops every running job as Pause does (no new item; the items in
// flight are cut off and left "started", to be read again on resume) and
// closes the journals: the jobs are resumable by the next process. It
// waits for the runs to end.
func (e *Engine) Close() {
	e.mu.Lock()
	for _, j := range e.jobs {
		if j.state == Running {
			j.stopTo, j.stopReason = Interrupted, "wfp was closed while the job ran"
			j.cancel()
		}
	}
	e.mu.Unlock()
	e.wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, j := range e.jobs {
		if j.journal != nil {
			j.journal.close()
			j.journal = nil
		}
	}
}
