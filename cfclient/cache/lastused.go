package cache

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// LastUsedAutoReadMax is the most value reads LastUsedCache.Load makes for
// keys without metadata before it asks (as a routing read does).
const LastUsedAutoReadMax = 100

// LastUse is each script's last use, from the platform's last-used:<script>
// keys in the routing namespace. It is a snapshot: never changed once
// returned, so it crosses goroutines as a message.
//
// The cheap way: a key listing returns 1,000 keys per request with their
// metadata, and a dispatcher that writes {"ms":<unix ms>} as metadata
// gives the last use without reading a value. Keys written without it
// need their value read (100 per request): Unread lists those scripts
// until they are read.
type LastUse struct {
	// At is each script's last use in unix ms (scripts with a key, read).
	At map[string]int64
	// Keys is the number of last-used keys listed; Pages the list
	// requests made.
	Keys, Pages int
	// FromMetadata is how many came from metadata; FromValues how many
	// from reading values.
	FromMetadata, FromValues int
	// Unread are the scripts whose key has no metadata and whose value has
	// not been read.
	Unread []string
	// Bad counts keys whose metadata and value hold no time.
	Bad int
	// ReadAt is when the keys were listed.
	ReadAt time.Time

	unread map[string]struct{} // Unread as a set
}

// UseState is what a snapshot knows of one script's last use.
type UseState int

// The states of a script's last use.
const (
	// Never: the script has no last-used key (never used, as far as the
	// dispatcher recorded).
	Never UseState = iota
	// Used: the time is known.
	Used
	// Unknown: the key exists but its value is not read yet (or no
	// snapshot was taken).
	Unknown
)

// State returns a script's last use and what is known of it.
func (l *LastUse) State(script string) (time.Time, UseState) {
	if l == nil {
		return time.Time{}, Unknown
	}
	if ms, ok := l.At[script]; ok {
		return time.UnixMilli(ms).UTC(), Used
	}
	if _, ok := l.unread[script]; ok {
		return time.Time{}, Unknown
	}
	return time.Time{}, Never
}

// indexUnread builds the set of Unread.
func (l *LastUse) indexUnread() {
	l.unread = make(map[string]struct{}, len(l.Unread))
	for _, s := range l.Unread {
		l.unread[s] = struct{}{}
	}
}

// Get returns a script's last use; false when it has no key, or its key
// is not read yet (see Known).
func (l *LastUse) Get(script string) (time.Time, bool) {
	if l == nil {
		return time.Time{}, false
	}
	ms, ok := l.At[script]
	if !ok {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// Complete reports whether every key's time is known (no value left to
// read).
func (l *LastUse) Complete() bool { return l != nil && len(l.Unread) == 0 }

// UnreadCost is the requests reading the unread values takes.
func (l *LastUse) UnreadCost() int {
	if l == nil {
		return 0
	}
	return (len(l.Unread) + cfclient.KVBulkGetMax - 1) / cfclient.KVBulkGetMax
}

// LastUsedCache holds the process's last-use snapshot, alongside the
// routing cache. Loads are serialized; the snapshot is replaced, never
// changed in place.
type LastUsedCache struct {
	// AutoReadMax is the most value reads a Load with ValueReads 0 makes
	// (0: LastUsedAutoReadMax; negative: none, always ask).
	AutoReadMax int

	c      *cfclient.Client
	loadMu sync.Mutex // one load at a time
	mu     sync.Mutex
	cur    *LastUse
}

// NewLastUsedCache returns an empty cache over c.
func NewLastUsedCache(c *cfclient.Client) *LastUsedCache { return &LastUsedCache{c: c} }

// Cached returns the last snapshot (nil before the first load). No request.
func (lc *LastUsedCache) Cached() *LastUse {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return lc.cur
}

// LastUsedLoad says what a Load may spend.
type LastUsedLoad struct {
	// Refresh lists the keys again even when a snapshot exists.
	Refresh bool
	// ValueReads is the most value reads (requests) for keys without
	// metadata: 0 means the cache's AutoReadMax, a negative value none, and
	// the operator's confirmation passes the stated cost.
	ValueReads int
}

// Load lists the last-used keys (unless a snapshot exists and Refresh is
// not set) and reads the values of keys without metadata when that costs
// at most o.ValueReads requests; otherwise they stay in Unread, with
// UnreadCost to state before asking. It runs in the throttle's background
// class.
func (lc *LastUsedCache) Load(ctx context.Context, o LastUsedLoad) (*LastUse, error) {
	lc.loadMu.Lock()
	defer lc.loadMu.Unlock()
	ctx = throttle.WithPriority(ctx, throttle.Background)
	cur := lc.Cached()
	if cur == nil || o.Refresh {
		next, err := lc.list(ctx)
		if err != nil {
			return nil, err
		}
		cur = next
		lc.set(cur)
	}
	budget := o.ValueReads
	if budget == 0 {
		budget = cmp.Or(lc.AutoReadMax, LastUsedAutoReadMax)
	}
	if len(cur.Unread) == 0 || budget < 0 || cur.UnreadCost() > budget {
		return cur, nil
	}
	next, err := lc.readValues(ctx, cur)
	if next != nil {
		lc.set(next)
	}
	return next, err
}

func (lc *LastUsedCache) set(l *LastUse) {
	lc.mu.Lock()
	lc.cur = l
	lc.mu.Unlock()
}

// list lists every last-used key with its metadata.
func (lc *LastUsedCache) list(ctx context.Context) (*LastUse, error) {
	id, err := lc.c.RoutingNamespace(ctx)
	if err != nil {
		return nil, fmt.Errorf("last use: %w", err)
	}
	prefix := lc.c.Schema().Routing.LastUsedPrefix
	keys, err := lc.c.ListKVKeys(ctx, id, prefix)
	if err != nil {
		return nil, fmt.Errorf("last use: list %s keys: %w", prefix, err)
	}
	l := &LastUse{At: make(map[string]int64, len(keys)), Keys: len(keys), ReadAt: lc.c.Now(),
		Pages: max(1, (len(keys)+999)/1000)}
	for _, k := range keys {
		script := strings.TrimPrefix(k.Name, prefix)
		if ms, ok := metadataMS(k.Metadata); ok {
			l.At[script] = ms
			l.FromMetadata++
			continue
		}
		l.Unread = append(l.Unread, script)
	}
	l.indexUnread()
	return l, nil
}

// readValues reads the unread keys' values, 100 a request, into a new
// snapshot. On a failure it returns what it read so far with the error.
func (lc *LastUsedCache) readValues(ctx context.Context, cur *LastUse) (*LastUse, error) {
	id, err := lc.c.RoutingNamespace(ctx)
	if err != nil {
		return nil, fmt.Errorf("last use: %w", err)
	}
	prefix := lc.c.Schema().Routing.LastUsedPrefix
	next := *cur
	next.At = maps.Clone(cur.At)
	unread := cur.Unread
	for len(unread) > 0 {
		batch := unread[:min(len(unread), cfclient.KVBulkGetMax)]
		keys := make([]string, len(batch))
		for i, s := range batch {
			keys[i] = prefix + s
		}
		vals, err := lc.c.GetValues(ctx, id, keys)
		if err != nil {
			next.Unread = unread
			next.indexUnread()
			return &next, fmt.Errorf("last use: read values: %w", err)
		}
		for i, s := range batch {
			v := vals[keys[i]]
			if v == nil {
				continue // deleted since the listing
			}
			ms, err := strconv.ParseInt(strings.TrimSpace(*v), 10, 64)
			if err != nil || ms <= 0 {
				next.Bad++
				continue
			}
			next.At[s] = ms
			next.FromValues++
		}
		unread = unread[len(batch):]
	}
	next.Unread = nil
	next.indexUnread()
	return &next, nil
}

// metadataMS reads {"ms":<unix ms>} metadata.
func metadataMS(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	var md struct {
		MS *float64 `json:"ms"`
	}
	if json.Unmarshal(raw, &md) != nil || md.MS == nil || *md.MS <= 0 {
		return 0, false
	}
	return int64(*md.MS), true
}

// Describe says what reading the unread values costs, in one sentence
// without a final period, at the client's background budget: "412 last-used
// keys have no metadata: reading their values costs 5 API requests (~1s of
// background budget)". "" when nothing is unread.
func (lc *LastUsedCache) Describe(l *LastUse) string {
	if l == nil || len(l.Unread) == 0 {
		return ""
	}
	n := l.UnreadCost()
	keys, reqs := "keys have", "requests"
	if len(l.Unread) == 1 {
		keys = "key has"
	}
	if n == 1 {
		reqs = "request"
	}
	s := fmt.Sprintf("%s last-used %s no metadata: reading their values costs %s API %s", commas(len(l.Unread)), keys, commas(n), reqs)
	if st := lc.c.Stats(); st.BackgroundLimit > 0 && st.Window > 0 {
		s += fmt.Sprintf(" (~%s of background budget)", span(time.Duration(float64(n)/float64(st.BackgroundLimit)*float64(st.Window))))
	}
	return s
}
