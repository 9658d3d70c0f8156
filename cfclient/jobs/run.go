package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// job is one job's live state, guarded by Engine.mu (its journal by jmu).
type job struct {
	id, dir, owner string
	plan           *change.Plan
	items          []Item
	counts         map[ItemState]int
	requestsLeft   int
	state          State
	reason         string
	created        time.Time
	updated        time.Time
	lost           int

	jmu     sync.Mutex
	journal *journal

	cancel     context.CancelFunc
	done       chan struct{}
	stopTo     State
	stopReason string
	runStart   time.Time
	runDone    int
	next       int
	failRow    int
	// recovered are the items a previous run had started when it ended:
	// their writes may have landed without an audit line.
	recovered map[int]bool
	audited   map[int]bool
}

// count recomputes the counters from the items (after a load or a retry).
func (j *job) count() {
	j.counts = map[ItemState]int{}
	j.requestsLeft = 0
	for _, it := range j.items {
		j.counts[it.State]++
		if !it.State.finished() {
			j.requestsLeft += j.plan.Ops[it.Index].Requests
		}
	}
}

// set moves item i to state s, keeping the counters.
func (j *job) set(i int, s ItemState, errText string) {
	it := &j.items[i]
	if j.counts == nil {
		j.count()
	}
	j.counts[it.State]--
	if !it.State.finished() && s.finished() {
		j.requestsLeft -= j.plan.Ops[i].Requests
	}
	if it.State.finished() && !s.finished() {
		j.requestsLeft += j.plan.Ops[i].Requests
	}
	it.State, it.Err = s, errText
	j.counts[s]++
}

// snapshot is the job's progress now.
func (j *job) snapshot(now time.Time) Snapshot {
	if j.counts == nil {
		j.count()
	}
	s := Snapshot{
		ID: j.id, Owner: j.owner, State: j.state, Reason: j.reason, Total: len(j.items),
		Applied: j.counts[ItemApplied], AlreadyDone: j.counts[ItemDone], Conflicts: j.counts[ItemConflict],
		Failed: j.counts[ItemFailed], Refused: j.counts[ItemRefused],
		Pending:      j.counts[ItemPending] + j.counts[ItemStarted],
		RequestsLeft: j.requestsLeft, LostSecrets: j.lost, Created: j.created, Updated: j.updated,
	}
	if b := j.plan.Bulk; b != nil {
		s.Action, s.Namespace = b.Action, b.Namespace
		s.Title = b.Phrase(func(x string) string { return x })
	} else {
		s.Title = fmt.Sprintf("%d changes", len(j.items))
	}
	if j.state == Running && j.runDone > 0 {
		if el := now.Sub(j.runStart).Seconds(); el > 0 {
			s.Rate = float64(j.runDone) / el
			s.ETA = time.Duration(float64(s.Pending) / s.Rate * float64(time.Second))
		}
	}
	return s
}

// runLocked starts running j's unfinished items as actor.
func (e *Engine) runLocked(j *job, actor cfclient.Actor) {
	// An item started before whose write may have landed without an ok
	// audit line: interrupted ("started"), or failed or sent back after an
	// attempt (a write cut off by the network may still have been done).
	// Found done now, it is audited then (confirm).
	j.recovered = map[int]bool{}
	for i, it := range j.items {
		if it.Attempts > 0 && (!it.State.finished() || it.State == ItemFailed) {
			j.recovered[i] = true
		}
	}
	j.count()
	for i, it := range j.items {
		if it.State == ItemStarted {
			j.set(i, ItemPending, it.Err)
		}
	}
	now := e.opts.Now()
	j.state, j.reason, j.stopTo, j.stopReason = Running, "", "", ""
	j.runStart, j.runDone, j.next, j.failRow, j.updated = now, 0, 0, 0, now
	j.audited = nil
	ctx := cfclient.WithActor(throttle.WithPriority(context.Background(), throttle.Background), actor)
	ctx, j.cancel = context.WithCancel(ctx)
	j.done = make(chan struct{})
	if len(j.recovered) > 0 {
		j.audited = e.auditedOps(j.id)
	}
	e.wg.Add(1)
	go e.run(ctx, j)
	e.notifyLocked()
}

// auditedOps are the op indexes of plan id the audit log has a line for.
func (e *Engine) auditedOps(id string) map[int]bool {
	out := map[int]bool{}
	if e.opts.Audit == nil {
		return out
	}
	recs, _, err := audit.Read(e.opts.Audit.Path())
	if err != nil {
		return out
	}
	for _, r := range recs {
		if r.PlanID == id && r.OK() {
			out[r.OpIndex] = true
		}
	}
	return out
}

// run runs j's workers and settles the job when they end.
func (e *Engine) run(ctx context.Context, j *job) {
	defer e.wg.Done()
	var wg sync.WaitGroup
	for w := 0; w < e.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(ctx, j)
		}()
	}
	wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	j.cancel()
	now := e.opts.Now()
	switch {
	case j.stopTo == Interrupted:
		j.state, j.reason = Interrupted, j.stopReason
	case j.stopTo != "":
		ev := evPaused
		if j.stopTo == Cancelled {
			ev = evCancelled
		}
		j.state, j.reason = j.stopTo, j.stopReason
		e.appendJournal(j, line{T: now, I: -1, Job: ev, Reason: j.stopReason})
	default:
		j.state = finishedState(j.items)
		e.appendJournal(j, line{T: now, I: -1, Job: evFinished})
	}
	j.updated = now
	close(j.done)
	e.notifyLocked()
}

// finishedState is Done, or Partial when an item did not go through.
func finishedState(items []Item) State {
	for _, it := range items {
		if it.State != ItemApplied && it.State != ItemDone {
			return Partial
		}
	}
	return Done
}

// appendJournal writes a line; a journal that cannot be written pauses
// the job (what is not journaled could be done twice after a crash).
func (e *Engine) appendJournal(j *job, l line) error {
	j.jmu.Lock()
	defer j.jmu.Unlock()
	if j.journal == nil {
		jl, err := openJournal(j.dir)
		if err != nil {
			return err
		}
		j.journal = jl
	}
	return j.journal.append(l)
}

// take claims the next pending item, or returns false when there is none
// or the job is stopping.
func (e *Engine) take(ctx context.Context, j *job) (int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ctx.Err() != nil || j.stopTo != "" {
		return 0, false
	}
	for ; j.next < len(j.items); j.next++ {
		if j.items[j.next].State == ItemPending {
			i := j.next
			j.next++
			j.set(i, ItemStarted, "")
			j.items[i].Attempts++
			return i, true
		}
	}
	return 0, false
}

// work applies items until none is left or the job stops.
func (e *Engine) work(ctx context.Context, j *job) {
	for {
		i, ok := e.take(ctx, j)
		if !ok {
			return
		}
		if err := e.appendJournal(j, line{T: e.opts.Now(), I: i, S: ItemStarted}); err != nil {
			e.settle(j, i, ItemPending, "", 0, err)
			e.pause(j, "the job journal cannot be written, so the job stopped before the write: "+err.Error())
			return
		}
		res := e.opts.Applier.ApplyOp(ctx, j.plan, i, true)
		e.finish(ctx, j, i, res)
	}
}

// finish records what applying item i came to, and pauses the job on a
// fault it cannot ride out.
func (e *Engine) finish(ctx context.Context, j *job, i int, res change.OpResult) {
	switch res.Outcome {
	case change.Applied:
		e.settle(j, i, ItemApplied, res.Op.BeforeKit(), len(res.LostSecrets), nil)
		return
	case change.AlreadyDone:
		e.confirm(ctx, j, i, res.Op)
		e.settle(j, i, ItemDone, "", 0, nil)
		return
	case change.Conflicted:
		e.settle(j, i, ItemConflict, "", 0, res.Err)
		return
	case change.Refused:
		e.settle(j, i, ItemPending, "", 0, res.Err)
		e.pause(j, "refused: "+reason(res.Err))
		return
	}
	err := res.Err
	switch {
	case ctx.Err() != nil:
		// Cut off by a pause, cancel or close: its write may have landed.
		// It stays started, so a resume reads it first and audits a landed
		// write.
		e.settle(j, i, ItemStarted, "", 0, err)
	case errors.Is(err, cfclient.ErrUnauthorized), errors.Is(err, cfclient.ErrForbidden):
		e.settle(j, i, ItemPending, "", 0, err)
		e.pause(j, "the API token was refused (revoked, expired or lacking a permission): "+reason(err)+"; fix the token, then resume")
	case errors.Is(err, cfclient.ErrRateLimited):
		e.settle(j, i, ItemPending, "", 0, err)
		e.pause(j, "rate limited by Cloudflare beyond what the throttle waits out: "+reason(err)+"; resume later")
	case errors.Is(err, cfclient.ErrAudit):
		e.settle(j, i, ItemPending, "", 0, err)
		e.pause(j, "the audit log cannot be written: "+reason(err))
	case errors.Is(err, cfclient.ErrNetwork), errors.Is(err, cfclient.ErrServer):
		e.mu.Lock()
		j.failRow++
		row := j.failRow
		e.mu.Unlock()
		if row >= e.opts.MaxFailuresInARow {
			e.settle(j, i, ItemPending, "", 0, err)
			e.pause(j, fmt.Sprintf("the API failed %d times in a row (last: %s); resume when it is back", row, reason(err)))
			return
		}
		e.settle(j, i, ItemFailed, "", 0, err)
	default:
		e.settle(j, i, ItemFailed, "", 0, err)
	}
}

// confirm audits an item a previous run started and this one finds done,
// when the audit log has no line for it (the crash took the line).
func (e *Engine) confirm(ctx context.Context, j *job, i int, op change.Op) {
	e.mu.Lock()
	need := j.recovered[i] && !j.audited[i]
	e.mu.Unlock()
	if !need {
		return
	}
	if op.Kind == change.ScriptDelete && op.Before != nil {
		if ref := e.kits.Ref(j.id, op.Target.Namespace, op.Target.Script); e.kits.Exists(ref) {
			b := *op.Before
			b.Kit = ref
			op.Before = &b
		}
	}
	_ = e.opts.Applier.Confirm(context.WithoutCancel(ctx), j.plan, i, op)
}

// settle journals and records item i's new state.
func (e *Engine) settle(j *job, i int, s ItemState, kit string, lost int, err error) {
	text := ""
	if err != nil {
		text = reason(err)
	}
	now := e.opts.Now()
	jerr := e.appendJournal(j, line{T: now, I: i, S: s, Err: text, Kit: kit, Lost: lost})
	e.mu.Lock()
	j.set(i, s, text)
	if kit != "" {
		j.items[i].Kit = kit
	}
	j.lost += lost
	j.updated = now
	if s.finished() {
		j.runDone++
		if s != ItemFailed {
			j.failRow = 0
		}
	}
	e.notifyLocked()
	e.mu.Unlock()
	if jerr != nil {
		e.pause(j, "the job journal cannot be written: "+jerr.Error())
	}
}

// pause stops j's run with a reason, as Engine.Pause does.
func (e *Engine) pause(j *job, why string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if j.stopTo == "" {
		j.stopTo, j.stopReason = Paused, why
	}
	j.cancel()
}

// setStateLocked journals a job event for a job not running.
func (e *Engine) setStateLocked(j *job, s State, why string) error {
	ev := evPaused
	if s == Cancelled {
		ev = evCancelled
	}
	if err := e.appendJournal(j, line{T: e.opts.Now(), I: -1, Job: ev, Reason: why}); err != nil {
		return err
	}
	j.state, j.reason = s, why
	e.notifyLocked()
	return nil
}

// reason is an error's one-line reason.
func reason(err error) string {
	type explainer interface{ Explain() (string, string) }
	var ex explainer
	if errors.As(err, &ex) {
		r, _ := ex.Explain()
		return r
	}
	return err.Error()
}
