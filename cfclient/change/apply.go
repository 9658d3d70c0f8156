package change

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
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
	for i, op := range plan.Ops {
		rolled, err := a.applyOp(ctx, plan, i, op)
		if err != nil {
			res.Failed, res.Err, res.RolledBack = i, err, rolled
			return res
		}
		res.Applied++
		if a.OnApplied != nil {
			a.OnApplied(op)
		}
	}
	return res
}

// applyOp applies one op (see Applier).
func (a *Applier) applyOp(ctx context.Context, plan *Plan, i int, op Op) (rolledBack bool, err error) {
	if err := a.c.MayWrite(ctx); err != nil {
		a.refuse(ctx, plan, i, op, err)
		return false, err
	}
	now, err := a.planner.read(ctx, op.Kind, op.Target)
	if err != nil {
		return false, err
	}
	if !Same(op.Kind, now, op.Before) {
		err := &ConflictError{Op: op, Now: now, Expected: op.Before}
		a.refuse(ctx, plan, i, op, err)
		return false, err
	}
	ci := cfclient.ChangeInfo{PlanID: plan.ID, Kind: string(op.Kind), Op: i}
	if inv, ok := op.Inverse(); ok {
		ci.Inverse, _ = json.Marshal(inv)
	}
	wctx := cfclient.WithChange(ctx, ci)
	return a.write(wctx, op)
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
