// Package cache is wfp's on-disk and in-memory caches and their freshness
// policy, in one place: the listing cache (each namespace's last complete,
// unfiltered script list), the routing-table cache, RoutingCache (the
// routing and tier tables shared by every screen of the process) and the
// one atomic-write helper. Reads never write: a listing is saved only when
// its caller says so (SaveScripts), after a complete listing.
//
// Everything is kept per API site (the base URL) and account, so the
// embedded sandbox, a standalone sandbox and Cloudflare never share a cache.
package cache

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrMiss matches every cache miss: not cached, unreadable, corrupt,
// foreign or of an older format. A miss is never fatal: the caller lists
// from the API instead.
var ErrMiss = errors.New("not cached")

// missError is a miss with its reason.
type missError struct{ reason string }

func (e *missError) Error() string        { return e.reason }
func (e *missError) Is(target error) bool { return target == ErrMiss }

func miss(format string, args ...any) error {
	return &missError{reason: fmt.Sprintf(format, args...)}
}

// Store is the disk cache of one API site and account:
// <root>/<site>/<account>/. The zero root disables it (every read misses,
// saves do nothing). It is safe for concurrent use: files are replaced
// atomically.
type Store struct {
	dir     string // "" when disabled
	account string
	now     func() time.Time
}

// New returns the store for the account at the API baseURL under root. now
// is the clock (nil: time.Now).
func New(root, baseURL, account string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	s := &Store{account: account, now: now}
	if root != "" {
		s.dir = filepath.Join(root, siteKey(baseURL), escapeFileName(account))
	}
	return s
}

// Dir is the store's directory ("" when disabled).
func (s *Store) Dir() string { return s.dir }

// siteKey names an API site as one safe file name: host and path of the
// base URL ("api.cloudflare.com%2Fclient%2Fv4", "127.0.0.1%3A8787%2F...").
func siteKey(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return escapeFileName(baseURL)
	}
	return escapeFileName(u.Host + strings.TrimRight(u.Path, "/"))
}

// WriteFileAtomic replaces path with what write produces: a temporary file
// in the same directory (mode 0600; the directory is made 0700), fsynced,
// then renamed over path. A failure leaves the old file as it was.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*.tmp") // CreateTemp makes it 0600
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", filepath.Base(path), err)
	}
	return nil
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
