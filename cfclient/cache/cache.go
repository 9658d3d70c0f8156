package cfclient

import (
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
// A missing, unreadable, corrupt, foreign or older-format cache is a cache
// miss (ErrNotFound), never fatal.
//
// The file keeps its historical .gob name (so a new save replaces an old
// file) but is the compact format of cache_format.go: a string table for
// repeated values, length-prefixed rows, account/namespace and a version in
// the header, and a CRC-32C so corruption is detected.

// cacheVersion changes whenever the file layout or Script changes. Version
// 1 was gob; its files fail the magic check and are cache misses.
const cacheVersion = 2

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
	err = encodeCache(tmp, c.opts.AccountID, ns, c.opts.Now().UTC(), pages)
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
	scripts, saved, err := readCache(f, account, ns)
	if err != nil {
		return miss("cache ignored: " + oneLine(err.Error()))
	}
	return scripts, saved, nil
}

// readCache reads a whole cache file and decodes it, checking that it is
// whole, uncorrupted and the one asked for. The file's size bounds every
// allocation.
func readCache(f *os.File, account, ns string) ([]Script, time.Time, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	size := st.Size()
	if size > maxCacheFile {
		return nil, time.Time{}, fmt.Errorf("file too large (%d bytes)", size)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, time.Time{}, err
	}
	return decodeCache(data, account, ns)
}
