package sandbox

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// storeJSON renders a store as JSON for comparison. Gob does not keep the
// difference between an empty and a nil slice, so neither does this.
func storeJSON(t *testing.T, st *Store) string {
	t.Helper()
	st.mu.RLock()
	defer st.mu.RUnlock()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), ":[]", ":null")
}

// newStateServer builds (without listening) a sandbox on a state file.
func newStateServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedSeedNow
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dirHoldsOnly fails unless dir holds exactly the file name (no temporary
// files left behind).
func dirHoldsOnly(t *testing.T, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != name {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s", names, name)
	}
}

func TestStateSeedsWritesAndReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	s1 := newStateServer(t, Options{Seed: 1, Scripts: 50, StatePath: path})
	if s1.StateLoaded() {
		t.Error("StateLoaded on a fresh file")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("state file not written at start: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600 (it holds secrets)", fi.Mode().Perm())
	}
	onFile, err := loadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if storeJSON(t, onFile) != storeJSON(t, s1.store) {
		t.Fatal("the file written at start does not hold the seeded world")
	}

	// Change the world the way handlers do, then stop.
	s1.store.Write(func() bool {
		prod := s1.store.Namespaces[seedProduction].Scripts
		prod.Delete(prod.Names()[0])
		sc, _ := prod.Get(prod.Names()[0])
		sc.Tags = append(sc.Tags, "changed")
		s1.store.Namespaces["extra"] = &Namespace{ID: "x", Name: "extra", Scripts: NewScriptSet()}
		findKVByTitle(t, s1.store, seedRoutingKV).Put("subdomain:new", &KVEntry{Value: []byte("v"), Expiration: 1900000000})
		return true
	})
	want := storeJSON(t, s1.store)
	if err := s1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	dirHoldsOnly(t, dir, "state")

	// A different seed and size: the file wins.
	s2 := newStateServer(t, Options{Seed: 99, Scripts: 7, StatePath: path})
	if !s2.StateLoaded() {
		t.Error("StateLoaded is false after loading the file")
	}
	if s2.AccountID() != s1.AccountID() {
		t.Errorf("account id %s, want the file's %s", s2.AccountID(), s1.AccountID())
	}
	if got := storeJSON(t, s2.store); got != want {
		t.Fatal("the reloaded world differs from the one that was closed")
	}
	prod := s2.store.Namespaces[seedProduction].Scripts
	if len(prod.Names()) != prod.Len() || prod.Len() != 49 {
		t.Errorf("production: %d indexed of %d scripts, want 49", len(prod.Names()), prod.Len())
	}
	if s2.store.Namespaces["extra"].Scripts == nil {
		t.Error("an empty namespace came back without a script set")
	}
}

func TestStateFlushesInBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s := newStateServer(t, Options{Seed: 2, Scripts: 20, StatePath: path})
	s.store.Write(func() bool {
		findKVByTitle(t, s.store, seedRoutingKV).Put("subdomain:later", &KVEntry{Value: []byte("x")})
		return true
	})
	deadline := time.Now().Add(20 * flushInterval)
	for {
		st, err := loadState(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := findKVByTitle(t, st, seedRoutingKV).Keys["subdomain:later"]; ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a change was not written to the state file without Close")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStateLosesNoChangeDuringFlushes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s := newStateServer(t, Options{Empty: true, StatePath: path})
	s.store.Write(func() bool {
		s.store.KV["k"] = NewKVNamespace("k", "t")
		return true
	})
	const writers, each = 4, 150
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				if err := s.persist.flush(); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				s.store.Write(func() bool {
					s.store.KV["k"].Put(fmt.Sprintf("key-%d-%d", w, i), &KVEntry{Value: []byte("v")})
					return true
				})
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := loadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(st.KV["k"].Keys); got != writers*each {
		t.Fatalf("file holds %d keys, want %d", got, writers*each)
	}
}

// handMadeState encodes records after a valid header, for hand-made files.
func handMadeState(t *testing.T, recs ...stateRecord) []byte {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s%d\n", stateMagic, stateVersion)
	enc := gob.NewEncoder(&b)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestStateBadFileIsAnErrorAndLeftAlone(t *testing.T) {
	var valid bytes.Buffer
	if err := encodeState(&valid, seededStore(1, 30)); err != nil {
		t.Fatal(err)
	}
	acc := stateRecord{Account: fixedAccountID}
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "empty", nil},
		{"json", "not a wfp sandbox state file", []byte(`{"account_id":"x"}`)},
		{"future version", "format version 2 is not supported", []byte(stateMagic + "2\nwhatever")},
		{"bad version", "bad format version", []byte(stateMagic + "one\n")},
		{"header only", "truncated", []byte(stateMagic + "1\n")},
		{"garbage", "corrupt", append([]byte(stateMagic+"1\n"), bytes.Repeat([]byte{0x7f, 3, 0xff}, 50)...)},
		{"cut short", "truncated", valid.Bytes()[:valid.Len()/2]},
		{"no end record", "truncated", handMadeState(t, acc)},
		{"wrong totals", "should hold 5 scripts", handMadeState(t, acc, stateRecord{End: &stateEnd{Scripts: 5}})},
		{"bad account", "account id", handMadeState(t, stateRecord{Account: "nope"})},
		{"scripts of no namespace", "unknown namespace", handMadeState(t, acc,
			stateRecord{Owner: "ghost", Scripts: []Script{{Name: "a"}}})},
		{"dangling content", "missing content", handMadeState(t, acc, stateRecord{AccountScripts: true,
			Scripts: []Script{{Name: "a", Modules: []Module{{Name: "m.js"}}}}, ModuleBlobs: []int{3}})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state")
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Stat(path)
			_, err := New(Options{Seed: 1, Scripts: 5, StatePath: path})
			if err == nil {
				t.Fatal("New accepted a bad state file")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, c.want) {
				t.Errorf("error %q should name %s and say %q", msg, path, c.want)
			}
			after, _ := os.ReadFile(path)
			st, _ := os.Stat(path)
			if !bytes.Equal(after, c.data) || !st.ModTime().Equal(before.ModTime()) {
				t.Error("the bad file was modified")
			}
			dirHoldsOnly(t, dir, "state")
		})
	}
}

func TestStateUnreadableOrUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(Options{StatePath: dir}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("a directory as state file: error %v should name it", err)
	}
	missing := filepath.Join(dir, "no", "such", "dir", "state")
	if _, err := New(Options{Scripts: 5, StatePath: missing}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("state file in a missing directory: error %v should name it", err)
	}
}

func TestStateFailedWriteIsRetried(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state")
	s := newStateServer(t, Options{Seed: 1, Scripts: 10, StatePath: path})
	s.store.Write(func() bool {
		s.store.Namespaces["late"] = &Namespace{ID: "l", Name: "late", Scripts: NewScriptSet()}
		return true
	})
	// Take the directory away (works even as root, unlike chmod).
	if err := os.Rename(dir, dir+".away"); err != nil {
		t.Fatal(err)
	}
	if err := s.persist.flush(); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("flush into a missing directory: error %v should name %s", err, path)
	}
	s.store.Read(func() {
		if !s.store.dirty {
			t.Error("a failed write cleared dirty; the change would be lost")
		}
	})
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st, err := loadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Namespaces["late"] == nil {
		t.Error("the change made before the failed write is not in the file")
	}
}

func TestStateEmptyWorld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s1 := newStateServer(t, Options{Empty: true, StatePath: path})
	s1.Close()
	s2 := newStateServer(t, Options{Seed: 3, StatePath: path})
	if n := len(s2.store.Namespaces) + len(s2.store.KV) + s2.store.AccountScripts.Len(); n != 0 {
		t.Fatalf("the empty world came back with %d things in it", n)
	}
	s2.store.Write(func() bool {
		s2.store.Namespaces["a"] = &Namespace{Name: "a", Scripts: NewScriptSet()}
		s2.store.KV["b"] = NewKVNamespace("b", "B")
		s2.store.AccountScripts.Put(&Script{Name: "c"})
		return true
	})
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := loadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Namespaces["a"] == nil || st.KV["b"] == nil || st.AccountScripts.Len() != 1 {
		t.Error("changes to a loaded empty world were not saved")
	}
}
