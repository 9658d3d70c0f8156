package cache

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/rows"
)

// The listing cache: each namespace's last complete, unfiltered script list
// under <store>/<namespace>.gob, so that reopening a 100,000-script
// namespace shows rows at once while a refresh runs. It holds only what
// listings return (names, tags, dates, ...): no token, no secret.
//
// The file keeps its historical .gob name but is the format of format.go:
// the rows' compact layout (cfclient/rows), account/namespace and a
// version in the header, and a CRC-32C.

// cacheVersion changes whenever the file layout or Script changes. Version
// 1 was gob, version 2 varint rows; their files fail the version check and
// are misses.
const cacheVersion = 3

// Listing is a namespace's cached script list and when it was saved.
type Listing struct {
	Rows  rows.Scripts
	Saved time.Time
}

// Scripts returns the listing as cfclient.Script values, for callers that
// walk it once (the screens read Rows).
func (l Listing) Scripts() []cfclient.Script { return l.Rows.All() }

// listingPath is where a namespace's listing is cached. The namespace name
// is escaped so that any name is one safe file name.
func (s *Store) listingPath(ns string) string {
	return filepath.Join(s.dir, escapeFileName(ns)+".gob")
}

// Scripts returns the cached listing of a namespace. A missing, corrupt or
// foreign file is an error matching ErrMiss. It never writes.
func (s *Store) Scripts(ns string) (Listing, error) {
	if s.dir == "" {
		return Listing{}, miss("no cache directory configured")
	}
	if ns == "" {
		return Listing{}, miss("no namespace")
	}
	f, err := os.Open(s.listingPath(ns))
	if errors.Is(err, os.ErrNotExist) {
		return Listing{}, miss("not cached yet")
	}
	if err != nil {
		return Listing{}, miss("cache unreadable: %v", err)
	}
	defer f.Close()
	list, saved, err := readCache(f, s.account, ns)
	if err != nil {
		return Listing{}, miss("cache ignored: %v", err)
	}
	return Listing{Rows: list, Saved: saved}, nil
}

// SaveScripts writes a complete, unfiltered listing (pages as listed, or
// one page of all) atomically, mode 0600. A disabled store does nothing.
func (s *Store) SaveScripts(ns string, pages [][]cfclient.Script) error {
	if s.dir == "" {
		return nil
	}
	n := 0
	for _, p := range pages {
		n += len(p)
	}
	b := rows.NewBuilder(n)
	for _, p := range pages {
		b.Append(p...)
	}
	if err := b.Err(); err != nil {
		return fmt.Errorf("save listing: %w", err)
	}
	return s.SaveRows(ns, b.Scripts())
}

// SaveRows writes a complete, unfiltered listing held as rows, as
// SaveScripts does.
func (s *Store) SaveRows(ns string, list rows.Scripts) error {
	if s.dir == "" {
		return nil
	}
	if ns == "" {
		return fmt.Errorf("save listing: no namespace")
	}
	at := s.now().UTC()
	return WriteFileAtomic(s.listingPath(ns), func(w io.Writer) error {
		return encodeCache(w, s.account, ns, at, list)
	})
}

// readCache decodes a whole cache file (mapped, see mapFile), checking that
// it is whole, uncorrupted and the one asked for. The file's size bounds
// every allocation.
func readCache(f *os.File, account, ns string) (rows.Scripts, time.Time, error) {
	st, err := f.Stat()
	if err != nil {
		return rows.Scripts{}, time.Time{}, err
	}
	size := st.Size()
	if size > maxCacheFile {
		return rows.Scripts{}, time.Time{}, fmt.Errorf("file too large (%d bytes)", size)
	}
	data, release, err := mapFile(f, size)
	if err != nil {
		return rows.Scripts{}, time.Time{}, err
	}
	defer release()
	return decodeCache(data, account, ns)
}

// FreshFor is how young a cached listing must be to be shown without a
// background refresh: reopening a namespace seen moments ago (esc, enter)
// does not list 100,000 scripts again. ctrl+r still lists at once.
const FreshFor = 60 * time.Second

// NeedsRefresh is the listing cache's freshness policy: whether a cached
// listing shown at now should be refreshed from the API. count is the
// namespace's script_count when known (-1 when not): a cache whose length
// disagrees with it is stale whatever its age.
func NeedsRefresh(l Listing, now time.Time, count int) bool {
	if count >= 0 && count != l.Rows.Len() {
		return true
	}
	age := now.Sub(l.Saved)
	return age < 0 || age >= FreshFor
}
