package cfclient

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// The mutation gate. Every call that changes something at Cloudflare goes
// through Client.mutate, which, in this order:
//
//  1. refuses in read-only mode, for a read-only Actor (WithActor) or
//     a viewer, and an AdminOnly op for an operator, before any request
//     is sent (ErrReadOnly; see MayDo);
//  2. validates the input, before any request is sent (ErrValidation);
//  3. opens the audit log (Options.Audit, a file the client does not own),
//     and refuses when it cannot (ErrAudit), so that no change is ever made
//     without a record;
//  4. reads the "before" state when the operation has a reader for it;
//  5. makes the change;
//  6. appends one audit record and fsyncs it before returning.
//
// Refusals (read-only, validation) are audited too, with result
// "refused: <reason>", so the log shows what was attempted as well as what
// was done; a refusal whose record cannot be written is still refused. A
// failed change is audited with result "error: <reason>". Every mutation
// therefore writes exactly one line.

// mutation is one change put through the gate.
type mutation struct {
	// op is a stable identifier ("script.tags.replace"); target names the
	// object ("production/tenant-1").
	op, target string
	// validate checks the input; nil means nothing to check.
	validate func() error
	// before reads the state before the change (optional). A reader that
	// finds nothing returns nil, nil.
	before func(ctx context.Context) (any, error)
	// do makes the change and returns the state after it (for the audit).
	do func(ctx context.Context) (any, error)
}

// Actor is who makes a change: "user@host" on a terminal, a user name and
// key fingerprint over SSH. ReadOnly and Role are the actor's rights: a
// read-only actor's (or a viewer's) changes are refused in the gate, and an
// operator's namespace and tier-table changes (AdminOnly), before any
// request, whatever the client's own mode.
type Actor struct {
	Name     string
	ReadOnly bool
	// Role is what the actor may change (zero: admin, the local console).
	Role Role
}

type actorKey struct{}

// WithActor makes a the actor of every change made with ctx. A session puts
// its operator here, so one client shared by many sessions audits each
// change under the person who made it and refuses a viewer's changes.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ChangeInfo ties a write to the plan op it applies (package change): it is
// written into the write's audit record, so undo can find the op's inverse.
type ChangeInfo struct {
	PlanID  string
	Kind    string
	Op      int
	Inverse json.RawMessage
}

type changeKey struct{}

// WithChange marks every write made with ctx as part of the plan op ci.
func WithChange(ctx context.Context, ci ChangeInfo) context.Context {
	return context.WithValue(ctx, changeKey{}, ci)
}

// Actor returns who acts with ctx: the actor it carries (WithActor), else
// the client's default.
func (c *Client) Actor(ctx context.Context) Actor { return c.actorFrom(ctx) }

// MayWrite refuses a change made with ctx when the profile is read-only or
// the actor may only read, sending nothing and writing no audit line: for
// a caller that must not even read before it writes (package change).
func (c *Client) MayWrite(ctx context.Context) error {
	actor := c.actorFrom(ctx)
	switch {
	case c.opts.ReadOnly:
		return &Error{Kind: ErrReadOnly, Reason: "this profile is read-only; nothing was sent",
			Hint: "use a profile without read_only (or drop --read-only) to make changes"}
	case actor.ReadOnly || actor.Role == RoleViewer:
		return &Error{Kind: ErrReadOnly, Reason: actor.Name + " may only read; nothing was sent",
			Hint: "ask an operator to make this change"}
	}
	return nil
}

// ChangeFrom returns the plan op ctx's writes belong to (WithChange).
func ChangeFrom(ctx context.Context) (ChangeInfo, bool) {
	ci, ok := ctx.Value(changeKey{}).(ChangeInfo)
	return ci, ok
}

// actorFrom returns the actor ctx carries, else the client's default. An
// actor without a name is still held to its role (a read-only actor never
// falls back to a default that may write).
func (c *Client) actorFrom(ctx context.Context) Actor {
	a, ok := ctx.Value(actorKey{}).(Actor)
	if !ok {
		return Actor{Name: c.opts.Actor}
	}
	if a.Name == "" {
		a.Name = c.opts.Actor
	}
	return a
}

// mutate runs m through the gate; see the comment at the top of this file.
func (c *Client) mutate(ctx context.Context, m mutation) error {
	actor := c.actorFrom(ctx)
	if refused := c.MayDo(ctx, m.op); refused != nil {
		err := refused.(*Error)
		err.Op, err.Target = m.op, m.target
		if c.opts.Audit != nil {
			_ = c.auditRefusal(ctx, actor, m, err) // the refusal stands even if its record fails
		}
		return err
	}
	if m.validate != nil {
		if err := m.validate(); err != nil {
			err = c.fail(m.op, m.target, true, err)
			_ = c.auditRefusal(ctx, actor, m, err)
			return err
		}
	}
	log, err := c.opts.Audit.Open()
	if err != nil {
		return &Error{Kind: ErrAudit, Op: m.op, Target: m.target,
			Reason: "cannot open the audit log, so nothing was changed: " + termsafe.OneLine(err.Error(), 300),
			Hint:   "check that " + c.auditPath() + " is writable (its directory must exist or be creatable)"}
	}
	defer log.Close()

	var before, after any
	if m.before != nil {
		before, err = m.before(ctx)
	}
	if err == nil {
		after, err = m.do(ctx)
	}
	err = c.fail(m.op, m.target, true, err)
	result := "ok"
	if err != nil {
		result = "error: " + reasonOf(err)
	}
	rec := c.record(actor, m, before, after, result)
	if ci, ok := ctx.Value(changeKey{}).(ChangeInfo); ok {
		rec.PlanID, rec.Change, rec.OpIndex, rec.Inverse = ci.PlanID, ci.Kind, ci.Op, ci.Inverse
	}
	if werr := log.Append(rec); werr != nil {
		if err != nil {
			return err
		}
		return &Error{Kind: ErrAudit, Op: m.op, Target: m.target,
			Reason: "the change was made but its audit record could not be written: " + termsafe.OneLine(werr.Error(), 300),
			Hint:   "check the disk and " + c.auditPath() + "; note the change by hand"}
	}
	return err
}

// auditRefusal records a refused mutation.
func (c *Client) auditRefusal(ctx context.Context, actor Actor, m mutation, err error) error {
	log, oerr := c.opts.Audit.Open()
	if oerr != nil {
		return oerr
	}
	defer log.Close()
	rec := c.record(actor, m, nil, nil, "refused: "+reasonOf(err))
	if ci, ok := ctx.Value(changeKey{}).(ChangeInfo); ok {
		rec.PlanID, rec.Change, rec.OpIndex = ci.PlanID, ci.Kind, ci.Op
	}
	return log.Append(rec)
}

// record builds the audit record of m.
func (c *Client) record(actor Actor, m mutation, before, after any, result string) audit.Record {
	return audit.Record{
		Time:    c.opts.Now().UTC(),
		Actor:   actor.Name,
		Profile: c.opts.Profile,
		Account: c.opts.AccountID,
		Op:      m.op,
		Target:  m.target,
		Before:  before,
		After:   after,
		Result:  result,
	}
}

func (c *Client) auditPath() string {
	if c.opts.Audit == nil {
		return "the audit log"
	}
	return c.opts.Audit.Path()
}

// reasonOf is the one-line reason of an error, for the audit log.
func reasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return termsafe.OneLine(err.Error(), 300)
}
