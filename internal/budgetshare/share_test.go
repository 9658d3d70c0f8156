package budgetshare

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func open(t *testing.T, dir, token string, now func() time.Time) *Share {
	t.Helper()
	s, err := Open(Options{StateDir: dir, Site: "https://api.example/client/v4", Account: "acct", Token: token,
		Window: 5 * time.Minute, Interval: time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestTwoProcessesSeeEachOthersSends(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	clock := func() time.Time { return now }
	a := open(t, dir, "tok-1", clock)
	b := open(t, dir, "tok-1", clock)
	other := open(t, dir, "tok-2", clock) // another token: another budget
	for i := range 5 {
		a.Sent(now.Add(-time.Duration(i) * time.Second))
	}
	a.Sent(now.Add(-10 * time.Minute)) // out of the window already
	for _, s := range []*Share{a, b, other} {
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if n, p := b.Others(now.Add(-5 * time.Minute)); n != 5 || p != 1 {
		t.Fatalf("b sees %d sends of %d processes, want 5 of 1", n, p)
	}
	if n, _ := a.Others(now.Add(-5 * time.Minute)); n != 0 {
		t.Fatalf("a counts its own sends as another's: %d", n)
	}
	if n, _ := other.Others(now.Add(-5 * time.Minute)); n != 0 {
		t.Fatalf("another token's share sees %d sends", n)
	}
	// Sends age out with the window.
	if n, _ := b.Others(now.Add(-2 * time.Second)); n != 2 {
		t.Fatalf("b sees %d sends in the last 2 s, want 2", n)
	}
	// The token is never written.
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if strings.Contains(path, "tok-1") {
			t.Errorf("the token is in a path: %s", path)
		}
		if data, _ := os.ReadFile(path); strings.Contains(string(data), "tok-1") {
			t.Errorf("the token is in %s", path)
		}
		return nil
	})
	// A process that ends removes its file.
	a.Close()
	b.Sync()
	if n, p := b.Others(now.Add(-5 * time.Minute)); n != 0 || p != 0 {
		t.Fatalf("after a closed: %d sends of %d processes", n, p)
	}
}

func TestACrashedProcessAgesOut(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	b := open(t, dir, "tok", func() time.Time { return now })
	// A crashed process left its file with sends, long ago.
	crashed := filepath.Join(b.dir, "999999-dead"+suffix)
	old := now.Add(-time.Hour)
	os.WriteFile(crashed, []byte("123\nnot-a-number\n"), 0o600)
	os.Chtimes(crashed, old, old)
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Others(now.Add(-5 * time.Minute)); n != 0 {
		t.Fatalf("a crashed process's old sends count: %d", n)
	}
	if _, err := os.Stat(crashed); !os.IsNotExist(err) {
		t.Fatalf("the stale file was not removed: %v", err)
	}
}
