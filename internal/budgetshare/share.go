// Package budgetshare lets the wfp processes of one machine that use the
// same API token share its rate budget: each process keeps a small file of
// its recent sends in a directory under the state directory named by a
// hash of the API site, the account and a hash of the token (never the
// token), and counts the others' sends as foreign use (throttle.Peers).
//
// Each process rewrites only its own file (written whole and renamed, so a
// reader never sees half of it); no lock is needed. A crashed process's
// file stops changing: its sends age out of the window like any others,
// and the file is removed once it is older than the window.
package budgetshare

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// suffix ends every process's file.
const suffix = ".sends"

// Options configure a Share.
type Options struct {
	// StateDir is wfp's state directory; the files go under budget/.
	StateDir string
	// Site, Account and Token identify the budget (the token is hashed
	// twice and never written).
	Site, Account, Token string
	// Window is the rate window: older sends are dropped.
	Window time.Duration
	// Interval is how often the files are synced (default 1 s).
	Interval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Share is this process's part of a shared budget. Its methods are safe
// for concurrent use; Sent and Others never touch the disk (Sync does, on
// its own goroutine).
type Share struct {
	dir, self string
	window    time.Duration
	now       func() time.Time

	mu     sync.Mutex
	mine   []time.Time // our sends, answered in the window
	dirty  bool
	others []time.Time // the other processes' sends, sorted
	procs  int         // processes with sends in the window

	stop chan struct{}
	done chan struct{}
}

// Open creates this process's file and starts syncing every Interval.
func Open(o Options) (*Share, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Window <= 0 {
		return nil, errors.New("budgetshare: no window")
	}
	tok := sha256.Sum256([]byte(o.Token))
	key := sha256.Sum256([]byte(o.Site + "\n" + o.Account + "\n" + hex.EncodeToString(tok[:])))
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("budgetshare: %w", err)
	}
	s := &Share{
		dir:    filepath.Join(o.StateDir, "budget", hex.EncodeToString(key[:12])),
		window: o.Window, now: o.Now,
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	s.self = fmt.Sprintf("%d-%s%s", os.Getpid(), hex.EncodeToString(id[:]), suffix)
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("budgetshare: %w", err)
	}
	s.dirty = true
	if err := s.Sync(); err != nil {
		return nil, err
	}
	go s.loop(o.Interval)
	return s, nil
}

// Sent records one of our sends (throttle.Peers).
func (s *Share) Sent(t time.Time) {
	s.mu.Lock()
	s.mine = append(s.mine, t)
	s.dirty = true
	s.mu.Unlock()
}

// Others counts the other processes' sends after since, as of the last
// Sync (throttle.Peers).
func (s *Share) Others(since time.Time) (sends, processes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, _ := slices.BinarySearchFunc(s.others, since, func(a, b time.Time) int { return a.Compare(b) })
	for i < len(s.others) && !s.others[i].After(since) {
		i++
	}
	return len(s.others) - i, s.procs
}

// loop syncs until Close.
func (s *Share) loop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_ = s.Sync() // a failed sync keeps the last counts; the next one retries
		}
	}
}

// Sync writes our file (when it changed) and reads the others'.
func (s *Share) Sync() error {
	now := s.now()
	cut := now.Add(-s.window)
	s.mu.Lock()
	s.mine = slices.DeleteFunc(s.mine, func(t time.Time) bool { return !t.After(cut) })
	var data []byte
	dirty := s.dirty
	if dirty {
		var b strings.Builder
		for _, t := range s.mine {
			b.WriteString(strconv.FormatInt(t.UnixMilli(), 10))
			b.WriteByte('\n')
		}
		data = []byte(b.String())
		s.dirty = false
	}
	s.mu.Unlock()
	if dirty {
		if err := writeFile(filepath.Join(s.dir, s.self), data); err != nil {
			return err
		}
	}
	others, procs, err := s.readOthers(now, cut)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.others, s.procs = others, procs
	s.mu.Unlock()
	return nil
}

// readOthers reads the other processes' files, removing those untouched
// for a window (their process is gone and all their sends have aged out).
func (s *Share) readOthers(now, cut time.Time) ([]time.Time, int, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, 0, fmt.Errorf("budgetshare: %w", err)
	}
	var out []time.Time
	procs := 0
	for _, e := range entries {
		name := e.Name()
		if name == s.self || !strings.HasSuffix(name, suffix) {
			continue
		}
		path := filepath.Join(s.dir, name)
		info, err := e.Info()
		if err != nil {
			continue
		}
		if now.Sub(info.ModTime()) > s.window {
			os.Remove(path)
			continue
		}
		n := 0
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, 0, fmt.Errorf("budgetshare: %w", err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			ms, err := strconv.ParseInt(sc.Text(), 10, 64)
			if err != nil {
				continue // a line torn by a crash: ignore it
			}
			if t := time.UnixMilli(ms); t.After(cut) {
				out = append(out, t)
				n++
			}
		}
		f.Close()
		if n > 0 {
			procs++
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out, procs, nil
}

// writeFile replaces path with data (written to a temporary file, then
// renamed).
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("budgetshare: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("budgetshare: %w", err)
	}
	return nil
}

// Close stops syncing and removes this process's file.
func (s *Share) Close() {
	select {
	case <-s.stop:
		return
	default:
	}
	close(s.stop)
	<-s.done
	os.Remove(filepath.Join(s.dir, s.self))
}
