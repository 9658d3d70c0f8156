package cache

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

func sampleScripts(n int) []cfclient.Script {
	out := make([]cfclient.Script, n)
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = cfclient.Script{Name: "tenant-" + strings.Repeat("x", i%5) + string(rune('a'+i%26)),
			Tag: "0123456789abcdef0123456789abcdef", Tags: []string{"tier-pro", "customer-1"},
			Handlers: []string{"fetch"}, CreatedOn: at, ModifiedOn: at.Add(time.Hour),
			CompatibilityDate: "2025-01-01", UsageModel: "standard", Logpush: i%2 == 0}
	}
	return out
}

func TestCacheRoundTripWithoutNetwork(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := e.client(t, func(o *cfclient.Options) { o.Now = func() time.Time { return fixed } })
	want := sampleScripts(2500)
	if err := e.storeFor(c).SaveScripts("prod/../weird ns", [][]cfclient.Script{want[:1000], want[1000:2000], want[2000:]}); err != nil {
		t.Fatal(err)
	}
	got, saved, err := cachedScripts(e, c, c.AccountID(), "prod/../weird ns")
	if err != nil {
		t.Fatalf("CachedScripts: %v", err)
	}
	if !saved.Equal(fixed) || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip: saved %v, %d scripts, equal=%v", saved, len(got), reflect.DeepEqual(got, want))
	}
	// The odd name stays one file inside the account's directory, mode 0600.
	files, _ := filepath.Glob(filepath.Join(e.storeFor(c).Dir(), "*"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	st, _ := os.Stat(files[0])
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	if _, _, err := cachedScripts(e, c, c.AccountID(), "other"); !errors.Is(err, ErrMiss) {
		t.Fatalf("uncached namespace: %v", err)
	}
}

func TestCorruptCacheIsIgnored(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	c := e.c
	if err := e.storeFor(c).SaveScripts("ns", [][]cfclient.Script{sampleScripts(300)}); err != nil {
		t.Fatal(err)
	}
	path := New(e.cacheRoot(), c.BaseURL(), c.AccountID(), nil).listingPath("ns")
	good, _ := os.ReadFile(path)
	for name, data := range map[string][]byte{
		"garbage":        []byte("this is not a cache file"),
		"empty":          {},
		"truncated":      good[:len(good)/2],
		"one byte short": good[:len(good)-1],
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		scripts, _, err := cachedScripts(e, c, c.AccountID(), "ns")
		if !errors.Is(err, ErrMiss) || scripts != nil {
			t.Errorf("%s: got %d scripts, %v; want a cache miss", name, len(scripts), err)
		}
	}
	// A file saved for another namespace under this name is not used.
	if err := e.storeFor(c).SaveScripts("other", [][]cfclient.Script{sampleScripts(3)}); err != nil {
		t.Fatal(err)
	}
	other, _ := os.ReadFile(New(e.cacheRoot(), c.BaseURL(), c.AccountID(), nil).listingPath("other"))
	os.WriteFile(path, other, 0o600)
	if _, _, err := cachedScripts(e, c, c.AccountID(), "ns"); !errors.Is(err, ErrMiss) {
		t.Errorf("foreign file: %v", err)
	}
	if _, _, err := cachedScripts(e, c, "../../etc", "ns"); !errors.Is(err, ErrMiss) {
		t.Errorf("bad account: %v", err)
	}
	if _, err := New("", c.BaseURL(), c.AccountID(), nil).Scripts("ns"); !errors.Is(err, ErrMiss) {
		t.Errorf("no cache dir: %v", err)
	}
}

func TestListingNeverWritesTheCacheButSaveDoes(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Scripts: 2500}, nil)
	pages := listAll(t, e.c, "production")
	var listed []cfclient.Script
	for _, p := range pages {
		listed = append(listed, p...)
	}
	if len(listed) != 2500 || len(pages) != 3 {
		t.Fatalf("%d scripts in %d pages", len(listed), len(pages))
	}
	// A read never writes the cache as a side effect.
	if _, err := e.store.Scripts("production"); !errors.Is(err, ErrMiss) {
		t.Fatalf("a listing wrote the cache: %v", err)
	}
	if err := e.store.SaveScripts("production", pages); err != nil {
		t.Fatal(err)
	}
	l, err := e.store.Scripts("production")
	if err != nil || time.Since(l.Saved) > time.Minute {
		t.Fatalf("Scripts: %v (saved %v)", err, l.Saved)
	}
	if !reflect.DeepEqual(l.Scripts(), listed) {
		t.Fatal("cached listing differs from the listing")
	}
	raw, _ := os.ReadFile(e.store.listingPath("production"))
	if strings.Contains(string(raw), e.sb.Token()) || strings.Contains(string(raw), "sk_live_") {
		t.Fatal("the cache holds the token or a secret")
	}
}

func TestStoresOfOtherSitesAndAccountsAreApart(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	root := e.cacheRoot()
	acct := e.c.AccountID()
	a := New(root, "http://127.0.0.1:8787/client/v4", acct, nil)
	b := New(root, "https://api.cloudflare.com/client/v4", acct, nil)
	c := New(root, "http://127.0.0.1:8787/client/v4", strings.Repeat("b", 32), nil)
	if err := a.SaveScripts("production", [][]cfclient.Script{sampleScripts(3)}); err != nil {
		t.Fatal(err)
	}
	if l, err := a.Scripts("production"); err != nil || l.Rows.Len() != 3 {
		t.Fatalf("own store: %d, %v", l.Rows.Len(), err)
	}
	for name, st := range map[string]*Store{"other site": b, "other account": c} {
		if _, err := st.Scripts("production"); !errors.Is(err, ErrMiss) {
			t.Errorf("%s shares the cache: %v", name, err)
		}
	}
	if a.Dir() == b.Dir() || a.Dir() == c.Dir() || !strings.HasPrefix(a.Dir(), root) {
		t.Fatalf("dirs %q %q %q", a.Dir(), b.Dir(), c.Dir())
	}
}

func TestNeedsRefresh(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := Listing{Rows: rows.FromScripts(sampleScripts(10)), Saved: now.Add(-10 * time.Second)}
	cases := []struct {
		name  string
		l     Listing
		count int
		want  bool
	}{
		{"young, count unknown", l, -1, false},
		{"young, count agrees", l, 10, false},
		{"young, count disagrees", l, 2000, true},
		{"old", Listing{Rows: l.Rows, Saved: now.Add(-FreshFor)}, 10, true},
		{"from the future", Listing{Rows: l.Rows, Saved: now.Add(time.Hour)}, -1, true},
	}
	for _, tc := range cases {
		if got := NeedsRefresh(tc.l, now, tc.count); got != tc.want {
			t.Errorf("%s: NeedsRefresh = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// allFieldsScripts covers every cfclient.Script field and its edge values: nil and
// empty lists, zero, UTC, fixed-zone and sub-second times, empty and odd
// strings, every flag combination.
func allFieldsScripts() []cfclient.Script {
	at := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	zone := time.FixedZone("", -(7*3600 + 30*60))
	shared := []string{"fetch", "scheduled"}
	out := []cfclient.Script{
		{}, // every field zero: nil lists, zero times
		{Name: "a", Tag: "t", ETag: "e", Tags: []string{}, Handlers: []string{}, CompatibilityFlags: []string{}},
		{Name: "all-set", Tag: "0123456789abcdef0123456789abcdef", ETag: strings.Repeat("f", 64),
			Tags: []string{"tier-pro", "customer-1", "env-prod"}, Handlers: shared,
			CreatedOn: at, ModifiedOn: at.Add(36 * time.Hour).In(zone),
			CompatibilityDate: "2025-01-01", CompatibilityFlags: []string{"nodejs_compat", "streams_enable"},
			UsageModel: "standard", LastDeployedFrom: "wrangler", Logpush: true, HasAssets: true, HasModules: true},
		{Name: "ünïcode \x00 name/../", Tags: []string{"", "tier-pro"}, Handlers: shared,
			CreatedOn: time.Unix(-1e10, 1).UTC(), ModifiedOn: time.Unix(1<<40, 999999999).UTC(),
			UsageModel: "unbound", HasAssets: true},
		{Name: "b", Tags: []string{"tier-pro", "customer-1", "env-prod"}, Handlers: []string{"fetch", "scheduled"},
			CompatibilityDate: "2025-01-01", UsageModel: "standard", HasModules: true},
	}
	for i := range 20 {
		out = append(out, cfclient.Script{Name: fmt.Sprintf("s%03d", i), Logpush: i&1 != 0, HasAssets: i&2 != 0,
			HasModules: i&4 != 0, Handlers: shared, Tags: []string{fmt.Sprintf("customer-%d", i%3)},
			CreatedOn: at.Add(time.Duration(i) * time.Second)})
	}
	return out
}

func TestCacheRoundTripAllFields(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	saved := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	c := e.client(t, func(o *cfclient.Options) { o.Now = func() time.Time { return saved } })
	want := allFieldsScripts()
	if err := e.storeFor(c).SaveScripts("ns", [][]cfclient.Script{want[:3], nil, want[3:]}); err != nil {
		t.Fatal(err)
	}
	got, at, err := cachedScripts(e, c, c.AccountID(), "ns")
	if err != nil {
		t.Fatal(err)
	}
	if !at.Equal(saved) || at.Location() != time.UTC {
		t.Errorf("saved at %v", at)
	}
	if len(got) != len(want) {
		t.Fatalf("%d scripts, want %d", len(got), len(want))
	}
	want = inUTC(want)
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("script %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
	if got[0].Tags != nil || got[1].Tags == nil || len(got[1].Tags) != 0 {
		t.Errorf("nil and empty lists not kept apart: %#v %#v", got[0].Tags, got[1].Tags)
	}
	// Repeated strings are shared after loading.
	if unsafe.StringData(got[2].Tags[0]) != unsafe.StringData(got[3].Tags[1]) ||
		unsafe.StringData(got[2].UsageModel) != unsafe.StringData(got[4].UsageModel) ||
		unsafe.StringData(got[2].CompatibilityDate) != unsafe.StringData(got[4].CompatibilityDate) {
		t.Error("repeated strings are not shared")
	}
	// An empty listing round-trips too.
	if err := e.storeFor(c).SaveScripts("empty", nil); err != nil {
		t.Fatal(err)
	}
	if got, _, err := cachedScripts(e, c, c.AccountID(), "empty"); err != nil || len(got) != 0 {
		t.Errorf("empty listing: %d, %v", len(got), err)
	}
}

// inUTC is scripts with their times in UTC: the cache keeps instants, in
// UTC, as listings send them.
func inUTC(scripts []cfclient.Script) []cfclient.Script {
	out := slices.Clone(scripts)
	for i := range out {
		if !out[i].CreatedOn.IsZero() {
			out[i].CreatedOn = out[i].CreatedOn.UTC()
		}
		if !out[i].ModifiedOn.IsZero() {
			out[i].ModifiedOn = out[i].ModifiedOn.UTC()
		}
	}
	return out
}

// cacheMiss asserts that CachedScripts reports data, as the file of ns, as
// a miss.
func cacheMiss(t *testing.T, e *testEnv, c *cfclient.Client, ns string, data []byte) {
	t.Helper()
	if err := os.WriteFile(New(e.cacheRoot(), c.BaseURL(), c.AccountID(), nil).listingPath(ns), data, 0o600); err != nil {
		t.Fatal(err)
	}
	scripts, _, err := cachedScripts(e, c, c.AccountID(), ns)
	if !errors.Is(err, ErrMiss) || scripts != nil {
		t.Fatalf("got %d scripts, %v; want a cache miss", len(scripts), err)
	}
}

func TestCacheTruncatedAndFlipped(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	c := e.c
	if err := e.storeFor(c).SaveScripts("ns", [][]cfclient.Script{allFieldsScripts()}); err != nil {
		t.Fatal(err)
	}
	path := New(e.cacheRoot(), c.BaseURL(), c.AccountID(), nil).listingPath("ns")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(good) {
		cacheMiss(t, e, c, "ns", good[:n])
	}
	for i := range good {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(good)
			bad[i] ^= mask
			if _, _, err := decodeCache(bad, c.AccountID(), "ns"); err == nil {
				t.Fatalf("byte %d ^ %#x: accepted", i, mask)
			}
		}
	}
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 1
	cacheMiss(t, e, c, "ns", bad)
	cacheMiss(t, e, c, "ns", append(bytes.Clone(good), 0))
	// The good file still loads.
	cacheMiss(t, e, c, "ns", nil)
	os.WriteFile(path, good, 0o600)
	if _, _, err := cachedScripts(e, c, c.AccountID(), "ns"); err != nil {
		t.Fatal(err)
	}
}

func TestCacheOtherAccountOrFormat(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	c := e.c
	if err := e.storeFor(c).SaveScripts("ns", [][]cfclient.Script{sampleScripts(10)}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(New(e.cacheRoot(), c.BaseURL(), c.AccountID(), nil).listingPath("ns"))

	// Another account's file copied under this account is not used.
	other := strings.Repeat("ab", 16)
	if other == c.AccountID() {
		other = strings.Repeat("cd", 16)
	}
	os.MkdirAll(filepath.Dir(New(e.cacheRoot(), c.BaseURL(), other, nil).listingPath("ns")), 0o700)
	os.WriteFile(New(e.cacheRoot(), c.BaseURL(), other, nil).listingPath("ns"), good, 0o600)
	if _, _, err := cachedScripts(e, c, other, "ns"); !errors.Is(err, ErrMiss) {
		t.Errorf("another account's file: %v", err)
	}
	if _, _, err := decodeCache(good, other, "ns"); !errors.Is(err, errCacheForeign) {
		t.Errorf("decode for another account: %v", err)
	}

	// A version-1 (gob) file is a miss.
	var old bytes.Buffer
	enc := gob.NewEncoder(&old)
	type cacheHeaderV1 struct {
		Version            int
		Account, Namespace string
		SavedAt            time.Time
		Count, Pages       int
	}
	enc.Encode(cacheHeaderV1{Version: 1, Account: c.AccountID(), Namespace: "ns", SavedAt: time.Now(), Count: 10, Pages: 1})
	enc.Encode(sampleScripts(10))
	cacheMiss(t, e, c, "ns", old.Bytes())

	// So is this format with another version number, checksum and all.
	for _, v := range []uint64{0, 1, cacheVersion + 1, 1 << 40} {
		f := append([]byte(cacheMagic), binary.AppendUvarint(nil, v)...)
		f = append(f, good[len(cacheMagic)+1:len(good)-4]...)
		f = binary.LittleEndian.AppendUint32(f, crc32.Checksum(f, castagnoli))
		if _, _, err := decodeCache(f, c.AccountID(), "ns"); !errors.Is(err, errCacheFormat) {
			t.Errorf("version %d: %v", v, err)
		}
		cacheMiss(t, e, c, "ns", f)
	}
}

// A listing the format cannot hold fails to save and leaves the previous
// cache in place, with no temporary file behind.
func TestCacheFailedSaveKeepsOldFile(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	c := e.c
	if err := e.storeFor(c).SaveScripts("ns", [][]cfclient.Script{sampleScripts(5)}); err != nil {
		t.Fatal(err)
	}
	tooMany := make([]string, 70000) // more tags than a row can hold
	if err := e.storeFor(c).SaveScripts("ns", [][]cfclient.Script{{{Name: "x", Tags: tooMany}}}); err == nil {
		t.Fatal("saved a script the format cannot hold")
	}
	got, _, err := cachedScripts(e, c, c.AccountID(), "ns")
	if err != nil || !reflect.DeepEqual(got, sampleScripts(5)) {
		t.Fatalf("previous cache lost: %d, %v", len(got), err)
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(New(e.cacheRoot(), c.BaseURL(), c.AccountID(), nil).listingPath("ns")), "*"))
	if len(files) != 1 {
		t.Fatalf("files left: %v", files)
	}
}

// withCRC returns data with its last four bytes replaced by the right
// checksum, so that mutations reach the parser.
func withCRC(data []byte) []byte {
	if len(data) < 4 {
		return data
	}
	out := bytes.Clone(data)
	binary.LittleEndian.PutUint32(out[len(out)-4:], crc32.Checksum(out[:len(out)-4], castagnoli))
	return out
}

// decodeBounded decodes data, failing if it panics (that fails the test by
// itself) or allocates far beyond the data's size.
func decodeBounded(t testing.TB, data []byte, account, ns string) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	scripts, _, err := decodeCache(data, account, ns)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(64*len(data)+64<<10) {
		t.Fatalf("%d bytes allocated for a %d-byte file", alloc, len(data))
	}
	if err == nil {
		// Whatever decodes encodes back to the same listing.
		var buf bytes.Buffer
		if err := encodeCache(&buf, account, ns, time.Unix(0, 0).UTC(), scripts); err != nil {
			t.Fatalf("a decoded listing does not encode: %v", err)
		}
		again, _, err := decodeCache(buf.Bytes(), account, ns)
		if err != nil || !reflect.DeepEqual(again.All(), scripts.All()) {
			t.Fatalf("re-encoded listing differs: %v", err)
		}
	}
}

func TestCacheRandomBytesAreSafe(t *testing.T) {
	var good bytes.Buffer
	const acct = "0123456789abcdef0123456789abcdef"
	if err := encodeCache(&good, acct, "ns", time.Now().UTC(), rows.FromScripts(allFieldsScripts())); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		data := bytes.Clone(good.Bytes())
		switch rng.IntN(4) {
		case 0: // random bytes after a valid magic and version
			data = data[:len(cacheMagic)+1]
			for range rng.IntN(200) {
				data = append(data, byte(rng.UintN(256)))
			}
		case 1: // a few bytes changed
			for range 1 + rng.IntN(4) {
				data[rng.IntN(len(data))] = byte(rng.UintN(256))
			}
		case 2: // a varint made huge
			i := len(cacheMagic) + 1 + rng.IntN(len(data)-len(cacheMagic)-1)
			data = append(data[:i:i], append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, data[i:]...)...)
		case 3: // cut and extended
			data = append(data[:rng.IntN(len(data))], data[rng.IntN(len(data)):]...)
		}
		decodeBounded(t, data, acct, "ns")
		decodeBounded(t, withCRC(data), acct, "ns")
	}
}

func FuzzDecodeCache(f *testing.F) {
	const acct = "0123456789abcdef0123456789abcdef"
	for _, pages := range [][][]cfclient.Script{nil, {allFieldsScripts()}, {sampleScripts(3)}} {
		var b bytes.Buffer
		var all []cfclient.Script
		for _, p := range pages {
			all = append(all, p...)
		}
		if err := encodeCache(&b, acct, "ns", time.Unix(1, 0).UTC(), rows.FromScripts(all)); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Add([]byte(cacheMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeBounded(t, data, acct, "ns")
		decodeBounded(t, withCRC(data), acct, "ns")
	})
}

// cachedScripts reads c's site's cached listing of ns for account.
func cachedScripts(e *testEnv, c *cfclient.Client, account, ns string) ([]cfclient.Script, time.Time, error) {
	l, err := New(e.cacheRoot(), c.BaseURL(), account, c.Now).Scripts(ns)
	return l.Scripts(), l.Saved, err
}
