package cfclient

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

func sampleScripts(n int) []Script {
	out := make([]Script, n)
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = Script{Name: "tenant-" + strings.Repeat("x", i%5) + string(rune('a'+i%26)),
			Tag: "0123456789abcdef0123456789abcdef", Tags: []string{"tier-pro", "customer-1"},
			Handlers: []string{"fetch"}, CreatedOn: at, ModifiedOn: at.Add(time.Hour),
			CompatibilityDate: "2025-01-01", UsageModel: "standard", Logpush: i%2 == 0}
	}
	return out
}

func TestCacheRoundTripWithoutNetwork(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := e.client(t, func(o *Options) { o.Now = func() time.Time { return fixed } })
	want := sampleScripts(2500)
	if err := c.saveScripts("prod/../weird ns", [][]Script{want[:1000], want[1000:2000], want[2000:]}); err != nil {
		t.Fatal(err)
	}
	got, saved, err := c.CachedScripts(c.AccountID(), "prod/../weird ns")
	if err != nil {
		t.Fatalf("CachedScripts: %v", err)
	}
	if !saved.Equal(fixed) || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip: saved %v, %d scripts, equal=%v", saved, len(got), reflect.DeepEqual(got, want))
	}
	// The odd name stays one file inside the account's directory, mode 0600.
	files, _ := filepath.Glob(filepath.Join(e.options().CacheDir, c.AccountID(), "*"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	st, _ := os.Stat(files[0])
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	if _, _, err := c.CachedScripts(c.AccountID(), "other"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("uncached namespace: %v", err)
	}
}

func TestCorruptCacheIsIgnored(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	c := e.c
	if err := c.saveScripts("ns", [][]Script{sampleScripts(300)}); err != nil {
		t.Fatal(err)
	}
	path := c.cachePath(c.AccountID(), "ns")
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
		scripts, _, err := c.CachedScripts(c.AccountID(), "ns")
		if !errors.Is(err, ErrNotFound) || scripts != nil {
			t.Errorf("%s: got %d scripts, %v; want a cache miss", name, len(scripts), err)
		}
	}
	// A file saved for another namespace under this name is not used.
	if err := c.saveScripts("other", [][]Script{sampleScripts(3)}); err != nil {
		t.Fatal(err)
	}
	other, _ := os.ReadFile(c.cachePath(c.AccountID(), "other"))
	os.WriteFile(path, other, 0o600)
	if _, _, err := c.CachedScripts(c.AccountID(), "ns"); !errors.Is(err, ErrNotFound) {
		t.Errorf("foreign file: %v", err)
	}
	if _, _, err := c.CachedScripts("../../etc", "ns"); !errors.Is(err, ErrNotFound) {
		t.Errorf("bad account: %v", err)
	}
	off := e.client(t, func(o *Options) { o.CacheDir = "" })
	if _, _, err := off.CachedScripts(c.AccountID(), "ns"); !errors.Is(err, ErrNotFound) {
		t.Errorf("no cache dir: %v", err)
	}
}

func TestListingFillsTheCache(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Scripts: 2500}, nil)
	ctx := testCtx(t)
	var listed []Script
	pages := 0
	if err := e.c.ListScripts(ctx, "production", TagFilter{}, func(p []Script) error {
		pages++
		listed = append(listed, p...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2500 || pages != 3 {
		t.Fatalf("%d scripts in %d pages", len(listed), pages)
	}
	cached, saved, err := e.c.CachedScripts(e.sb.AccountID(), "production")
	if err != nil || time.Since(saved) > time.Minute {
		t.Fatalf("CachedScripts: %v (saved %v)", err, saved)
	}
	if !reflect.DeepEqual(cached, listed) {
		t.Fatal("cached listing differs from the listing")
	}
	raw, _ := os.ReadFile(e.c.cachePath(e.sb.AccountID(), "production"))
	if strings.Contains(string(raw), e.sb.Token()) || strings.Contains(string(raw), "sk_live_") {
		t.Fatal("the cache holds the token or a secret")
	}
	// A filtered listing does not overwrite the cache.
	if err := e.c.ListScripts(ctx, "production", TagFilter{Has: []string{"tier-pro"}}, func([]Script) error { return nil }); err != nil {
		t.Fatal(err)
	}
	again, _, _ := e.c.CachedScripts(e.sb.AccountID(), "production")
	if len(again) != 2500 {
		t.Fatalf("filtered listing replaced the cache (%d scripts)", len(again))
	}
}
