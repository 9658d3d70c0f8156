// Package audit is wfp's audit log: one JSON line per change attempted,
// appended to a file and fsynced before the change's call returns. The
// token is never part of a record: no field is filled from a request's
// credentials.
package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Record is one line of the audit log (JSON Lines).
type Record struct {
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
	// The change this write belongs to, when it was made by a plan
	// (package change): the plan's id, the op's kind and position in the
	// plan, and the op that undoes it (JSON; absent when it cannot be
	// undone). A plan op of two writes has two lines with the same op.
	PlanID  string          `json:"plan_id,omitempty"`
	Change  string          `json:"change,omitempty"`
	OpIndex int             `json:"op_index,omitempty"`
	Inverse json.RawMessage `json:"inverse,omitempty"`
}

// OK reports whether the record is of a change that was made.
func (r Record) OK() bool { return r.Result == "ok" }

// Read reads every record of the log at path, oldest first. A line that
// is not a record (a torn write, hand edits) is skipped and counted in bad,
// never fatal: the log is evidence and must stay readable. A missing file
// is no records.
func Read(path string) (recs []Record, bad int, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open audit log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil || r.Time.IsZero() {
			bad++
			continue
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return recs, bad, fmt.Errorf("read audit log: %w", err)
	}
	return recs, bad, nil
}

// Log is an append-only JSONL file. One Log per file per process: its mutex
// keeps the lines of concurrent writers apart. It is safe for concurrent
// use.
type Log struct {
	path string
	mu   sync.Mutex
}

// New returns the log at path; nothing is opened until Open.
func New(path string) *Log { return &Log{path: path} }

// Path is the file's path, for messages.
func (l *Log) Path() string { return l.path }

// Writer is the log opened for appending.
type Writer struct {
	l *Log
	f *os.File
}

// Open opens the log for appending, creating it (0600) and its directory
// (0700) when missing. A change is refused when its log cannot be opened,
// so no change is ever made without a record.
func (l *Log) Open() (*Writer, error) {
	if l == nil || l.path == "" {
		return nil, fmt.Errorf("no audit path configured")
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return nil, fmt.Errorf("create audit directory: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	return &Writer{l: l, f: f}, nil
}

// Close closes the file.
func (w *Writer) Close() error { return w.f.Close() }

// Append writes rec as one line in a single write call (O_APPEND makes that
// one atomic append, and the mutex keeps this process's lines apart) and
// fsyncs it before returning.
func (w *Writer) Append(rec Record) error {
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
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	if _, err := w.f.Write(line); err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync audit log: %w", err)
	}
	return nil
}
