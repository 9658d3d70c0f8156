package change

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Applier applies plans through one gate, in this order for each op:
//
//  1. refused for a read-only actor or profile before any request, and the
//     refusal audited (cfclient refuses again in its own gate; this check
//     comes first so that not even the precondition read is sent);
//  2. the precondition: the target is read again right before the write,
//     and when it is no longer the op's Before, the op is refused with
//     both values and nothing is written (ConflictError). KV has no
//     compare-and-swap, so a write that lands between this read and ours
//     is still lost: that is the most the API allows;
//  3. the write(s), through cfclient's gate, which validates, writes and
//     appends one fsynced audit line per write, carrying the plan id, the
//     op's kind and index and its inverse (cfclient.WithChange);
//  4. an op of two writes (a tier change: tags, then limits) whose second
//     write fails has its first undone, and both are audited.
//
// A plan stops at the first op that fails: the ops before it stay applied
// (each is undoable from the audit log), the ones after are not tried.
type Applier struct {
	c       *cfclient.Client
	planner *Planner
	log     *audit.Log
	profile string
	now     func() time.Time

	// Kits keeps the undo kits of deleted scripts (package jobs sets it):
	// without one, a script.delete is applied with no kit and cannot be
	// undone, and a script.restore fails.
	Kits KitStore

	// OnApplied, when set, is called (on the applying goroutine) after
	// each op is applied, so what caches the state it changed can follow
	// whichever screen applied it: the runtime patches the routing cache
	// with route ops and forgets the tier table after tiers.define.
	OnApplied func(Op)
}

// NewApplier applies through c, auditing refusals to log (the log c
// writes its own lines to) under profile.
func NewApplier(c *cfclient.Client, log *audit.Log, profile string) *Applier {
	return &Applier{c: c, planner: NewPlanner(c), log: log, profile: profile, now: c.Now}
}

// Result is what applying a plan did.
type Result struct {
	// Applied is how many ops were applied, in plan order.
	Applied int
	// Failed is the index of the op that failed (-1 when none did), Err
	// why; RolledBack is set when its first write was undone.
	Failed     int
	Err        error
	RolledBack bool
}

// rollbackTimeout bounds putting back the first write of an op whose
// second failed.
const rollbackTimeout = 30 * time.Second

// ConflictError is a precondition that failed: the target changed since
// the plan was made. Nothing was written.
type ConflictError struct {
	Op       Op
	Now      *State
	Expected *State
}

func (e *ConflictError) Error() string {
	reason, _ := e.Explain()
	return reason
}

// Explain says what changed and what to do (ui.Explainer).
func (e *ConflictError) Explain() (reason, hint string) {
	return fmt.Sprintf("%s of %s changed since the plan: expected %s, now %s; nothing was written",
			e.Op.Kind, e.Op.Target, Describe(e.Op.Kind, e.Expected), Describe(e.Op.Kind, e.Now)),
		"plan again from the current state (KV has no compare-and-swap: a write landing between wfp's check and its write can still be lost)"
}

// ErrConflict matches every ConflictError.
var ErrConflict = errors.New("changed since the plan")

// Is makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Apply applies plan with ctx, whose Actor (cfclient.WithActor) is who
// acts. See Applier for the order of things.
func (a *Applier) Apply(ctx context.Context, plan *Plan) Result {
	res := Result{Failed: -1}
	for i := range plan.Ops {
		r := a.ApplyOp(ctx, plan, i, false)
		if r.Err != nil {
			res.Failed, res.Err, res.RolledBack = i, r.Err, r.RolledBack
			return res
		}
		res.Applied++
	}
	return res
}

// Outcome is what applying one op came to.
type Outcome int

// The outcomes of ApplyOp.
const (
	// Applied: the op was written (and audited).
	Applied Outcome = iota
	// AlreadyDone: the target already was in the op's after state, so
	// nothing was written (a job resumed after a crash finds the writes
	// its previous run made).
	AlreadyDone
	// Conflicted: the target changed since the plan; nothing was written.
	Conflicted
	// Refused: a read-only actor or profile; nothing was sent.
	Refused
	// Failed: a read or a write failed (Err says why).
	Failed
)

// String names the outcome as journals and screens show it.
func (o Outcome) String() string {
	switch o {
	case Applied:
		return "applied"
	case AlreadyDone:
		return "done"
	case Conflicted:
		return "conflict"
	case Refused:
		return "refused"
	}
	return "failed"
}

// OpResult is what applying one op did.
type OpResult struct {
	Outcome Outcome
	// Op is the op as applied: a partial op completed with the state read
	// right before its write, a delete with its undo kit's ref.
	Op Op
	// Err is why the op was not applied (nil for Applied, AlreadyDone).
	Err error
	// RolledBack is set when an op of two writes had its first undone.
	RolledBack bool
	// LostSecrets names the secrets a delete could not keep in its kit.
	LostSecrets []string
}

// ApplyOp applies op i of plan (see Applier for the order of things). With
// acceptDone, a target already in the op's after state is AlreadyDone
// (nothing written) rather than a conflict: how a job resumes. OnApplied
// runs for an Applied op.
func (a *Applier) ApplyOp(ctx context.Context, plan *Plan, i int, acceptDone bool) OpResult {
	op := plan.Ops[i]
	r := a.applyOp(ctx, plan, i, op, acceptDone)
	if r.Err != nil && r.Outcome == Applied {
		r.Outcome = Failed
	}
	if r.Outcome == Applied && a.OnApplied != nil {
		a.OnApplied(r.Op)
	}
	return r
}

// applyOp applies one op (see Applier).
func (a *Applier) applyOp(ctx context.Context, plan *Plan, i int, op Op, acceptDone bool) OpResult {
	if err := a.c.MayDo(ctx, string(op.Kind)); err != nil {
		a.refuse(ctx, plan, i, op, err)
		return OpResult{Outcome: Refused, Op: op, Err: err}
	}
	now, details, err := a.planner.readFull(ctx, op.Kind, op.Target)
	if err != nil {
		return OpResult{Outcome: Failed, Op: op, Err: err}
	}
	if acceptDone && isDone(op, now) {
		return OpResult{Outcome: AlreadyDone, Op: op}
	}
	if !matches(op, now) {
		err := &ConflictError{Op: op, Now: now, Expected: op.Before}
		a.refuse(ctx, plan, i, op, err)
		return OpResult{Outcome: Conflicted, Op: op, Err: err}
	}
	op = complete(op, now)
	res := OpResult{Op: op}
	if op.Kind == ScriptDelete && a.Kits != nil {
		kit, err := ReadKit(ctx, a.c, op.Target.Namespace, op.Target.Script, details)
		if err != nil {
			return OpResult{Outcome: Failed, Op: op, Err: err}
		}
		ref, err := a.Kits.Save(plan.ID, kit)
		if err != nil {
			return OpResult{Outcome: Failed, Op: op, Err: fmt.Errorf("save the undo kit of %s, so nothing was deleted: %w", op.Target, err)}
		}
		before := *op.Before
		before.Kit = ref
		op.Before = &before
		res.Op, res.LostSecrets = op, kit.Secrets
	}
	ci := cfclient.ChangeInfo{PlanID: plan.ID, Kind: string(op.Kind), Op: i}
	if inv, ok := op.Inverse(); ok {
		ci.Inverse, _ = json.Marshal(inv)
	}
	wctx := cfclient.WithChange(ctx, ci)
	res.RolledBack, res.Err = a.write(wctx, op)
	if res.Err != nil {
		res.Outcome = Failed
	}
	return res
}

// Confirm audits op i of plan as applied when a job resumed after a crash
// finds it done and the log has no line for it: the interrupted run's
// write landed, and its audit line was lost with the process. The line
// carries the op's inverse (a delete's kit ref when one was saved), so it
// can be undone like any other.
func (a *Applier) Confirm(ctx context.Context, plan *Plan, i int, op Op) error {
	w, err := a.log.Open()
	if err != nil {
		return fmt.Errorf("audit the op found done: %w", err)
	}
	defer w.Close()
	rec := audit.Record{
		Time: a.now().UTC(), Actor: a.c.Actor(ctx).Name, Profile: a.profile, Account: a.c.AccountID(),
		Op: "change." + string(op.Kind), Target: op.Target.String(), Before: op.Before, After: op.After,
		Result: "ok", PlanID: plan.ID, Change: string(op.Kind), OpIndex: i,
	}
	if inv, ok := op.Inverse(); ok {
		rec.Inverse, _ = json.Marshal(inv)
	}
	return w.Append(rec)
}

// matches reports whether now is the state op was planned against: its
// precondition. A partial op compares what its Before holds.
func matches(op Op, now *State) bool {
	if !op.Partial {
		return Same(op.Kind, now, op.Before)
	}
	if now == nil {
		return false // the script or key is gone
	}
	switch op.Kind {
	case TierSet, TagsSet:
		return sameTags(now.Tags, op.Before.Tags)
	}
	return true // limits, a last-used key: any state is the one to change
}

// isDone reports whether now already is op's after state.
func isDone(op Op, now *State) bool {
	if op.After == nil {
		return now == nil
	}
	if now == nil {
		return false
	}
	if op.Partial {
		switch op.Kind {
		case TierSet:
			return sameTags(now.Tags, op.After.Tags)
		case LimitsSet:
			m := mergeLimits(now.Limits, limitsValue(op.After.Limits))
			return sameLimits(&m, now.Limits)
		}
	}
	return Same(op.Kind, now, op.After)
}

// complete fills a partial op with the state read right before its write:
// the before it really changes, and the after that follows from it.
func complete(op Op, now *State) Op {
	if !op.Partial {
		return op
	}
	op.Partial = false
	switch op.Kind {
	case LimitsSet:
		m := mergeLimits(now.Limits, limitsValue(op.After.Limits))
		op.Before, op.After = now, &State{Limits: &m}
	case TierSet:
		after := *op.After
		after.Limits = raiseTo(now.Limits, after.Tier)
		after.Tier = nil
		op.Before, op.After = now, &after
	default:
		op.Before = now
	}
	op.Requests = requests(op.Kind, op.Before, op.After)
	return op
}

// raiseTo is a script's own limits l raised where they are stricter than
// tier's (so the tier's bind), nil when it has none.
func raiseTo(l *platform.Limits, def *platform.Tier) *platform.Limits {
	if l == nil || def == nil {
		return l
	}
	c := *l
	if c.CPUMs != nil && *c.CPUMs < def.CPUMs {
		c.CPUMs = intp(def.CPUMs)
	}
	if c.Subrequests != nil && *c.Subrequests < def.SubRequests {
		c.Subrequests = intp(def.SubRequests)
	}
	return &c
}

// write makes an op's write(s).
func (a *Applier) write(ctx context.Context, op Op) (rolledBack bool, err error) {
	c, t := a.c, op.Target
	switch op.Kind {
	case TagsSet:
		_, err = c.ReplaceTags(ctx, t.Namespace, t.Script, op.After.Tags)
	case LimitsSet:
		_, err = c.PatchSettings(ctx, t.Namespace, t.Script, cfclient.SettingsPatch{Limits: op.After.Limits})
	case TierSet:
		if _, err = c.ReplaceTags(ctx, t.Namespace, t.Script, op.After.Tags); err != nil {
			return false, err
		}
		if sameLimits(op.Before.Limits, op.After.Limits) || op.After.Limits == nil {
			return false, nil
		}
		if _, err = c.PatchSettings(ctx, t.Namespace, t.Script, cfclient.SettingsPatch{Limits: op.After.Limits}); err != nil {
			// The tier tag is written, the limits are not: put the tags
			// back so the script is as it was, even when the failure was
			// the session going away (its context ended), within a bound.
			// The rollback's audit line says it is one and carries no
			// inverse: the op never took effect, there is nothing to undo.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
			defer cancel()
			ci, _ := cfclient.ChangeFrom(ctx)
			ci.Kind, ci.Inverse = ci.Kind+".rollback", nil
			rctx = cfclient.WithChange(rctx, ci)
			if _, rerr := c.ReplaceTags(rctx, t.Namespace, t.Script, op.Before.Tags); rerr != nil {
				return false, fmt.Errorf("%w; and putting the tags back failed too, so the script has the new tier tag with its old limits: %v", err, rerr)
			}
			return true, err
		}
	case RoutePut, KVPut, TiersDefine:
		err = c.PutValue(ctx, t.KVNamespace, t.Key, []byte(*op.After.Value))
	case RouteDelete, KVDelete:
		err = c.DeleteValue(ctx, t.KVNamespace, t.Key)
	case NamespaceCreate:
		_, err = c.CreateNamespace(ctx, op.After.Name)
	case NamespaceRename:
		_, err = c.RenameNamespace(ctx, t.Namespace, op.After.Name)
	case NamespaceDelete:
		err = c.DeleteNamespace(ctx, t.Namespace)
	case ScriptDelete:
		err = c.DeleteScript(ctx, t.Namespace, t.Script, false)
	case ScriptRestore:
		if a.Kits == nil {
			return false, fmt.Errorf("restore %s: no undo kit store (restores run where jobs keep their kits)", t)
		}
		kit, kerr := a.Kits.Load(op.After.Kit)
		if kerr != nil {
			return false, fmt.Errorf("restore %s: %w", t, kerr)
		}
		_, err = c.UploadScript(ctx, t.Namespace, t.Script, kit.Upload())
	default:
		err = fmt.Errorf("apply: unknown op kind %q", op.Kind)
	}
	return false, err
}

// refuse audits an op refused before its write (read-only, conflict).
func (a *Applier) refuse(ctx context.Context, plan *Plan, i int, op Op, err error) {
	w, oerr := a.log.Open()
	if oerr != nil {
		return // the refusal stands without its record
	}
	defer w.Close()
	_ = w.Append(audit.Record{
		Time: a.now().UTC(), Actor: a.c.Actor(ctx).Name, Profile: a.profile, Account: a.c.AccountID(),
		Op: "change." + string(op.Kind), Target: op.Target.String(), Before: op.Before, Result: "refused: " + reasonOf(err),
		PlanID: plan.ID, Change: string(op.Kind), OpIndex: i,
	})
}

// reasonOf is an error's one-line reason.
func reasonOf(err error) string {
	type explainer interface{ Explain() (string, string) }
	var ex explainer
	if errors.As(err, &ex) {
		r, _ := ex.Explain()
		return r
	}
	return err.Error()
}
