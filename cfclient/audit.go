package cfclient

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// AuditRecord is one line of the audit log (JSON Lines). The token is never
// part of it: no field is filled from the request's credentials.
type AuditRecord struct {
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Profile string    `json:"profile"`
	Account string    `json:"account"`
	Op      string    `json:"op"`
	Target  string    `json:"target"`
	Before  any       `json:"before"`
	After   any       `json:"after"`
	// Result is "ok", "error: <reason>" or "refused: <reason>".
	Result string `json:"result"`
}

// record builds the audit record of m.
func (c *Client) record(m mutation, before, after any, result string) AuditRecord {
	return AuditRecord{
		Time:    c.opts.Now().UTC(),
		Actor:   c.opts.Actor,
		Profile: c.opts.Profile,
		Account: c.opts.AccountID,
		Op:      m.op,
		Target:  m.target,
		Before:  before,
		After:   after,
		Result:  result,
	}
}

// openAudit opens the audit log for appending, creating it (0600) and its
// directory (0700) when missing.
func (c *Client) openAudit() (*os.File, error) {
	if c.opts.AuditPath == "" {
		return nil, fmt.Errorf("no audit path configured")
	}
	if err := os.MkdirAll(filepath.Dir(c.opts.AuditPath), 0o700); err != nil {
		return nil, fmt.Errorf("create audit directory: %w", err)
	}
	f, err := os.OpenFile(c.opts.AuditPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	return f, nil
}

// appendRecord writes rec as one line in a single write call (O_APPEND makes
// that one atomic append, and the mutex keeps this client's lines apart) and
// fsyncs it before returning.
func (c *Client) appendRecord(f *os.File, rec AuditRecord) error {
	line, err := json.Marshal(rec)
	if err != nil {
		// A before/after value that cannot be encoded must not lose the record.
		rec.Before = fmt.Sprintf("unencodable: %v", err)
		rec.After = nil
		if line, err = json.Marshal(rec); err != nil {
			return fmt.Errorf("encode audit record: %w", err)
		}
	}
	line = append(line, '\n')
	c.auditMu.Lock()
	defer c.auditMu.Unlock()
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync audit log: %w", err)
	}
	return nil
}
