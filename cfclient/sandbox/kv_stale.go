package sandbox

import (
	"sync"
	"time"
)

// Workers KV is eventually consistent: a value written at one location can
// take up to 60 s to reach another, and a read there meanwhile sees the old
// value. The KVStale fault reproduces that: for KVStale after a write (put
// or delete) of a key, reads of that key (get, metadata, bulk get) answer
// what it was before the write. Tests of wfp's precondition checks run
// against it.

// staleKV remembers, per key written while the fault is on, what reads
// answer until when.
type staleKV struct {
	mu   sync.Mutex
	keys map[string]staleEntry // nsID + "\x00" + key
}

// staleEntry is the value reads see (nil: absent) until until.
type staleEntry struct {
	prev  *KVEntry
	until time.Time
}

func staleKey(nsID, key string) string { return nsID + "\x00" + key }

// kvStaleFor is the KVStale fault now (0 when off).
func (fs *faultState) kvStaleFor() time.Duration {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f.KVStale
}

// noteWrite records, before a write of key, what reads keep answering for
// the stale window. A write within a window keeps the oldest value: reads
// lag behind every write of the window, as at a far location.
func (s *Server) noteWrite(nsID, key string, prev *KVEntry) {
	d := s.faults.kvStaleFor()
	if d <= 0 {
		return
	}
	now := s.now()
	s.stale.mu.Lock()
	defer s.stale.mu.Unlock()
	if s.stale.keys == nil {
		s.stale.keys = map[string]staleEntry{}
	}
	k := staleKey(nsID, key)
	if old, ok := s.stale.keys[k]; ok && now.Before(old.until) {
		old.until = now.Add(d)
		s.stale.keys[k] = old
		return
	}
	s.stale.keys[k] = staleEntry{prev: prev, until: now.Add(d)}
}

// staleRead returns what a read of key answers while a stale window is
// open: (entry or nil, true); (nil, false) when reads see the store.
func (s *Server) staleRead(nsID, key string) (*KVEntry, bool) {
	s.stale.mu.Lock()
	defer s.stale.mu.Unlock()
	e, ok := s.stale.keys[staleKey(nsID, key)]
	if !ok {
		return nil, false
	}
	if !s.now().Before(e.until) {
		delete(s.stale.keys, staleKey(nsID, key))
		return nil, false
	}
	return e.prev, true
}
