package cache

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// A disk copy stamped in the future (the clock was ahead when it was
// written, or another machine's was) is stale, not "read just now": its
// real age is unknown, so a new run reads the table from the API (a cheap
// one by itself, a costly one on R) rather than showing it as fresh.
func TestRoutingCacheTreatsAFutureStampAsStale(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(t time.Time) func(*cfclient.Options) {
		return func(o *cfclient.Options) { o.Now = func() time.Time { return t } }
	}
	e := newTestEnv(t, sandbox.Options{Seed: 1}, at(now.Add(3*time.Hour)))
	ctx := testCtx(t)
	later := e.client(t, at(now)) // the clock put right, or another machine
	writeAhead := func() {
		t.Helper()
		rc := NewRoutingCache(e.c, e.storeFor(e.c))
		defer rc.Close()
		if err := rc.Read(ctx); err != nil { // saved as read at now+3h
			t.Fatal(err)
		}
		if _, _, _, err := e.storeFor(later).loadRoutingTable(later.Schema()); err == nil || !strings.Contains(err.Error(), "future") {
			t.Fatalf("loadRoutingTable of a copy stamped 3h ahead: %v, want a stale miss", err)
		}
	}

	writeAhead()
	rc := NewRoutingCache(later, e.storeFor(later))
	defer rc.Close()
	before := e.requests.Load()
	_, readAt, err := rc.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := rc.Progress(); p.FromDisk || e.requests.Load() == before || !readAt.Equal(now) {
		t.Errorf("the future-stamped copy was used (from disk %v, read at %v, %d requests)", p.FromDisk, readAt, e.requests.Load()-before)
	}
	if n := rc.DiskNotice(); n != "" {
		t.Errorf("a stale copy is not damage, yet the notice says %q", n)
	}

	writeAhead()
	costly := NewRoutingCacheWithOptions(later, e.storeFor(later), RoutingCacheOptions{AutoReadMax: -1})
	defer costly.Close()
	if _, _, err := costly.Table(ctx); !errors.Is(err, ErrRoutingNotRead) {
		t.Errorf("a costly table from a copy stamped in the future: %v, want it to wait for R", err)
	}
}

// A damaged disk copy is dropped (so no later run tries it again) and the
// table is read from the API; DiskNotice says so once. A copy of another
// format or account is a plain miss: nothing to report.
func TestRoutingCacheDropsADamagedCopyAndSaysSoOnce(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	rc := NewRoutingCache(e.c, e.store)
	if _, _, err := rc.Table(ctx); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	path := e.store.routingDiskPath()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x20
	for _, tc := range []struct {
		name    string
		data    []byte
		damaged string // the reason said, "" for a plain miss
	}{
		{"flipped byte", flipped, "checksum mismatch"},
		{"truncated", good[:len(good)/2], "checksum mismatch"},
		{"garbage", []byte("not a routing table\n{]"), "bad header"},
		{"old version", bytes.Replace(good, []byte("wfprouting 1 "), []byte("wfprouting 0 "), 1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			// Never reads by itself: what happens to the file is the
			// disk attempt's doing alone.
			rc := NewRoutingCacheWithOptions(e.c, e.store, RoutingCacheOptions{AutoReadMax: -1})
			defer rc.Close()
			if _, _, err := rc.Table(ctx); err == nil {
				t.Fatal("a table came from a damaged or foreign copy")
			}
			_, statErr := os.Stat(path)
			notice := rc.DiskNotice()
			if tc.damaged == "" {
				if notice != "" || statErr != nil {
					t.Errorf("a plain miss: notice %q, file %v; want no notice and the file left", notice, statErr)
				}
				return
			}
			if !os.IsNotExist(statErr) {
				t.Errorf("the damaged copy was not dropped: %v", statErr)
			}
			if !strings.Contains(notice, "routing cache") || !strings.Contains(notice, "unreadable") || !strings.Contains(notice, tc.damaged) {
				t.Errorf("notice %q, want the routing cache unreadable (%s)", notice, tc.damaged)
			}
			if again := rc.DiskNotice(); again != "" {
				t.Errorf("the notice was given twice: %q", again)
			}
		})
	}
}
