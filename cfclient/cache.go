package cfclient

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The listing cache: each namespace's last complete, unfiltered script list,
// on disk under CacheDir/<account>/<namespace>.gob, so that reopening a
// 100,000-script namespace shows rows at once while a refresh runs. It holds
// only what listings return (names, tags, dates, ...): no token, no secret.
// A missing or unreadable cache is a cache miss (ErrNotFound), never fatal.

// cacheVersion changes whenever the file layout or Script changes.
const cacheVersion = 1

// cacheHeader opens a cache file; Pages gob-encoded []Script values follow.
type cacheHeader struct {
	Version   int
	Account   string
	Namespace string
	SavedAt   time.Time
	Count     int
	Pages     int
}

// cachePath is where a namespace's listing is cached. The namespace name is
// escaped so that any name is one safe file name.
func (c *Client) cachePath(account, ns string) string {
	return filepath.Join(c.opts.CacheDir, account, escapeFileName(ns)+".gob")
}

// escapeFileName keeps [A-Za-z0-9._-] and writes every other byte as %XX;
// a leading "." is escaped too, so no name is hidden, "." or "..".
func escapeFileName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		ok := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || (ch == '.' && i > 0)
		if ok {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}

// saveScripts writes a complete listing atomically (temp file, fsync,
// rename), mode 0600.
func (c *Client) saveScripts(ns string, pages [][]Script) error {
	path := c.cachePath(c.opts.AccountID, ns)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".listing-*.tmp") // CreateTemp makes it 0600
	if err != nil {
		return fmt.Errorf("create cache file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	count := 0
	for _, p := range pages {
		count += len(p)
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	enc := gob.NewEncoder(w)
	err = enc.Encode(cacheHeader{Version: cacheVersion, Account: c.opts.AccountID, Namespace: ns,
		SavedAt: c.opts.Now().UTC(), Count: count, Pages: len(pages)})
	for _, p := range pages {
		if err != nil {
			break
		}
		err = enc.Encode(p)
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write cache file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace cache file: %w", err)
	}
	return nil
}

// CachedScripts returns the cached listing of a namespace and when it was
// saved. A missing, corrupt or foreign cache file is reported as
// ErrNotFound: the caller just lists from the API.
func (c *Client) CachedScripts(account, ns string) ([]Script, time.Time, error) {
	const op = "cache.read"
	miss := func(reason string) ([]Script, time.Time, error) {
		return nil, time.Time{}, errf(ErrNotFound, op, ns, "the list loads from the API instead", "%s", reason)
	}
	if c.opts.CacheDir == "" {
		return miss("no cache directory configured")
	}
	if !isHex(account, 32) || ns == "" {
		return miss("no cache for that account and namespace")
	}
	f, err := os.Open(c.cachePath(account, ns))
	if errors.Is(err, os.ErrNotExist) {
		return miss("not cached yet")
	}
	if err != nil {
		return miss("cache unreadable: " + oneLine(err.Error()))
	}
	defer f.Close()
	scripts, saved, err := readCache(bufio.NewReaderSize(f, 1<<20), account, ns)
	if err != nil {
		return miss("cache ignored: " + oneLine(err.Error()))
	}
	return scripts, saved, nil
}

// readCache decodes a cache file and checks that it is whole and is the
// one asked for.
func readCache(r io.Reader, account, ns string) ([]Script, time.Time, error) {
	dec := gob.NewDecoder(r)
	var h cacheHeader
	if err := dec.Decode(&h); err != nil {
		return nil, time.Time{}, fmt.Errorf("header: %w", err)
	}
	if h.Version != cacheVersion || h.Account != account || h.Namespace != ns || h.Count < 0 || h.Pages < 0 {
		return nil, time.Time{}, fmt.Errorf("written by another version or for another namespace")
	}
	in := newInterner()
	out := make([]Script, 0, min(h.Count, 1<<20))
	for range h.Pages {
		var page []Script
		if err := dec.Decode(&page); err != nil {
			return nil, time.Time{}, fmt.Errorf("page: %w", err)
		}
		for i := range page {
			s := &page[i]
			// Share repeated strings, as a fresh listing does.
			s.Tags, s.Handlers, s.CompatibilityFlags = in.list(s.Tags), in.list(s.Handlers), in.list(s.CompatibilityFlags)
			s.CompatibilityDate, s.UsageModel, s.LastDeployedFrom = in.str(s.CompatibilityDate), in.str(s.UsageModel), in.str(s.LastDeployedFrom)
		}
		out = append(out, page...)
	}
	if len(out) != h.Count {
		return nil, time.Time{}, fmt.Errorf("holds %d scripts, header says %d", len(out), h.Count)
	}
	return out, h.SavedAt, nil
}
