package cfclient

import (
	"context"
	"errors"
)

// The mutation gate. Every call that changes something at Cloudflare goes
// through Client.mutate, which, in this order:
//
//  1. refuses in read-only mode, before any request is sent (ErrReadOnly);
//  2. validates the input, before any request is sent (ErrValidation);
//  3. opens the audit log, and refuses when it cannot (ErrAudit), so that no
//     change is ever made without a record;
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

// mutate runs m through the gate; see the comment at the top of this file.
func (c *Client) mutate(ctx context.Context, m mutation) error {
	if c.opts.ReadOnly {
		err := &Error{Kind: ErrReadOnly, Op: m.op, Target: m.target,
			Reason: "this profile is read-only; nothing was sent",
			Hint:   "use a profile without read_only (or drop --read-only) to make changes"}
		if c.opts.AuditPath != "" {
			_ = c.auditRefusal(m, err) // the refusal stands even if its record fails
		}
		return err
	}
	if m.validate != nil {
		if err := m.validate(); err != nil {
			err = c.fail(m.op, m.target, true, err)
			_ = c.auditRefusal(m, err)
			return err
		}
	}
	log, err := c.openAudit()
	if err != nil {
		return &Error{Kind: ErrAudit, Op: m.op, Target: m.target,
			Reason: "cannot open the audit log, so nothing was changed: " + oneLine(err.Error()),
			Hint:   "check that " + c.opts.AuditPath + " is writable (its directory must exist or be creatable)"}
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
	rec := c.record(m, before, after, result)
	if werr := c.appendRecord(log, rec); werr != nil {
		if err != nil {
			return err
		}
		return &Error{Kind: ErrAudit, Op: m.op, Target: m.target,
			Reason: "the change was made but its audit record could not be written: " + oneLine(werr.Error()),
			Hint:   "check the disk and " + c.opts.AuditPath + "; note the change by hand"}
	}
	return err
}

// auditRefusal records a refused mutation.
func (c *Client) auditRefusal(m mutation, err error) error {
	reason := reasonOf(err)
	log, oerr := c.openAudit()
	if oerr != nil {
		return oerr
	}
	defer log.Close()
	return c.appendRecord(log, c.record(m, nil, nil, "refused: "+reason))
}

// reasonOf is the one-line reason of an error, for the audit log.
func reasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return oneLine(err.Error())
}
