package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The state file (Options.StatePath) holds the whole Store so that a
// standalone sandbox keeps its world across restarts; the format is in
// persist_format.go. The file holds secret values (Binding.Secret), so it is
// written with mode 0600.
//
// Writes are atomic: the state is encoded to a temporary file in the same
// directory (".<name>.tmp-<digits>"), synced, renamed over the old file,
// and the directory is synced. A file that cannot be read, decoded or
// checksummed is never overwritten: New fails. A save interrupted by a kill
// leaves its temporary file behind; New removes those (see
// removeStaleTemps).

// flushInterval is how often the background writer looks for changes. After
// a slow write (a big world) it waits flushSlowdown times as long as that
// write took instead, so persisting never takes more than a fraction of a
// CPU.
const (
	flushInterval = time.Second
	flushSlowdown = 4
	// lazyFlushEvery is how often changes marked lazy (the traffic
	// generator's last-used stamps) are saved when nothing else changed.
	lazyFlushEvery = time.Minute
)

// persister writes the store to the state file whenever it is dirty.
type persister struct {
	path   string
	st     *Store
	loaded bool // the world came from the file (rather than a fresh seed)

	mu   sync.Mutex // serialises flushes
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// openState loads the state file or seeds the world (and, with a state
// path, writes the seeded world and starts the background writer).
func (s *Server) openState() error {
	path := s.opts.StatePath
	if path == "" {
		s.store = NewStore(s.opts.AccountID)
		if !s.opts.Empty {
			seedWorld(s.store, s.opts)
		}
		return nil
	}
	p := &persister{path: path, stop: make(chan struct{}), done: make(chan struct{})}
	removeStaleTemps(path)
	st, err := loadState(path)
	switch {
	case err == nil:
		// The file is the world: its account id wins over the derived one.
		s.opts.AccountID = st.AccountID
		p.loaded = true
	case errors.Is(err, fs.ErrNotExist):
		st = NewStore(s.opts.AccountID)
		if !s.opts.Empty {
			seedWorld(st, s.opts)
		}
		if err := writeState(path, st); err != nil {
			return err
		}
	default:
		return err
	}
	p.st = st
	s.store, s.persist = st, p
	go p.loop()
	return nil
}

// closeState stops the background writer and writes any pending change.
func (s *Server) closeState() error {
	p := s.persist
	if p == nil {
		return nil
	}
	p.once.Do(func() { close(p.stop) })
	<-p.done
	return p.flushAll(true)
}

// StateLoaded reports whether the world was loaded from the state file
// (rather than seeded).
func (s *Server) StateLoaded() bool { return s.persist != nil && s.persist.loaded }

// loop flushes dirty state every flushInterval until stopped. A failed write
// leaves the store dirty, so it is retried on the next tick and on Close.
func (p *persister) loop() {
	defer close(p.done)
	t := time.NewTimer(flushInterval)
	defer t.Stop()
	lastLazy := time.Now()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			start := time.Now()
			lazy := start.Sub(lastLazy) >= lazyFlushEvery
			if lazy {
				lastLazy = start
			}
			p.flushAll(lazy)
			t.Reset(max(flushInterval, flushSlowdown*time.Since(start)))
		}
	}
}

// flush writes the store if it changed since the last write.
//
// The snapshot is encoded under the store's read lock, so it is consistent,
// and dirty is cleared under that same lock: a change made after the
// snapshot takes the write lock after we release the read lock and sets
// dirty again, so no change is lost. Clearing dirty under the read lock is
// safe because only the persister touches dirty without the write lock, and
// flushes are serialised by p.mu.
func (p *persister) flush() error { return p.flushAll(false) }

// flushAll is flush that also writes lazy changes when lazy is set.
func (p *persister) flushAll(lazy bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st.mu.RLock()
	if !p.st.dirty && !(lazy && p.st.lazy) {
		p.st.mu.RUnlock()
		return nil
	}
	tmp, err := encodeToTemp(p.path, p.st)
	if err == nil {
		p.st.dirty, p.st.lazy = false, false
	}
	p.st.mu.RUnlock()
	if err == nil {
		err = commitTemp(tmp, p.path)
	}
	if err != nil {
		p.st.mu.Lock()
		p.st.dirty = true
		p.st.mu.Unlock()
	}
	return err
}

// writeState writes st to path atomically (st must not change meanwhile).
func writeState(path string, st *Store) error {
	tmp, err := encodeToTemp(path, st)
	if err != nil {
		return err
	}
	return commitTemp(tmp, path)
}

// tempPrefix starts the name of the temporary files of saves to path;
// os.CreateTemp puts decimal digits after it.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// removeStaleTemps removes the temporary files that saves to path left when
// the process was killed mid-save: only regular files in path's directory
// whose names are tempPrefix and digits, as encodeToTemp makes them, and
// nothing else. They are all stale when a sandbox starts on path, as the
// state file has one writer; should another sandbox be saving to the same
// path after all, its rename fails and it saves again a tick later.
// Removal is best effort: a file that cannot be removed is left.
func removeStaleTemps(path string) {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		digits, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

// encodeToTemp encodes st into a new temporary file (mode 0600) beside
// path. The file is written but not yet synced, so the caller can release
// the store's lock before waiting for the disk.
func encodeToTemp(path string, st *Store) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), tempPrefix(path)+"*")
	if err != nil {
		return nil, fmt.Errorf("sandbox state file %s: create temporary file: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = encodeState(w, st)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Chmod(0o600) // CreateTemp already uses 0600; be explicit
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("sandbox state file %s: write %s: %w", path, f.Name(), err)
	}
	return f, nil
}

// commitTemp syncs and closes the temporary file, renames it over path and
// syncs the directory so that the rename survives a crash. On failure the
// temporary file is removed and path is untouched.
func commitTemp(tmp *os.File, path string) error {
	err := tmp.Sync()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("sandbox state file %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // best effort: some file systems cannot sync a directory
		d.Close()
	}
	return nil
}

// loadState reads a state file. A missing file gives an error matching
// fs.ErrNotExist; every other problem names the file and what is wrong.
func loadState(path string) (*Store, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("sandbox state file %s: %w", path, err)
	}
	defer f.Close()
	st, err := decodeState(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("sandbox state file %s: %w (the file was left as it is)", path, err)
	}
	return st, nil
}
