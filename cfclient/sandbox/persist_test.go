package sandbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
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
		if _, ok := findKVByTitle(t, st, seedRoutingKV).Get("subdomain:later"); ok {
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
	if got := st.KV["k"].Len(); got != writers*each {
		t.Fatalf("file holds %d keys, want %d", got, writers*each)
	}
}

// handMadeState encodes records after a valid header and adds a valid
// checksum line, for hand-made files.
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
	sum := sha256.Sum256(b.Bytes())
	b.WriteString(checksumLine(sum[:]))
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
		{"future version", "format version 3 is not supported", []byte(stateMagic + "3\nwhatever")},
		{"bad version", "bad format version", []byte(stateMagic + "one\n")},
		{"header only", "truncated", []byte(stateMagic + "2\n")},
		{"garbage", "corrupt", append([]byte(stateMagic+"2\n"), bytes.Repeat([]byte{0x7f, 3, 0xff}, 50)...)},
		{"no checksum", "checksum line is missing", valid.Bytes()[:valid.Len()-len(checksumLine(make([]byte, 32)))]},
		{"bad checksum", "do not match its SHA-256", flipLastDigit(valid.Bytes())},
		{"appended garbage", "bytes after its end", append(bytes.Clone(valid.Bytes()), "junk"...)},
		{"cut short", "truncated", valid.Bytes()[:valid.Len()/2]},
		{"no end record", "truncated", handMadeState(t, acc)},
		{"wrong totals", "should hold 5 scripts", handMadeState(t, acc, stateRecord{End: &stateEnd{Scripts: 5}})},
		{"bad account", "account id", handMadeState(t, stateRecord{Account: "nope"})},
		{"scripts of no namespace", "unknown namespace", handMadeState(t, acc,
			stateRecord{Owner: "ghost", Scripts: []scriptRecord{{Name: "a"}}})},
		{"dangling content", "missing content", handMadeState(t, acc, stateRecord{AccountScripts: true,
			Scripts: []scriptRecord{{Name: "a", Modules: []Module{{Name: "m.js"}}}}, ModuleBlobs: []int{3}})},
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

// Every corruption of a state file is refused, never loaded: a flipped
// byte anywhere (in the header, a record's framing, a name or value inside
// a record, the totals, the checksum), bytes appended, cut, inserted,
// deleted, swapped or zeroed.
func TestStateEveryCorruptionIsRefused(t *testing.T) {
	var buf bytes.Buffer
	if err := encodeState(&buf, seededStore(1, 30)); err != nil {
		t.Fatal(err)
	}
	valid := buf.Bytes()
	if _, err := decodeState(bufio.NewReader(bytes.NewReader(valid))); err != nil {
		t.Fatalf("the valid file does not load: %v", err)
	}
	type corruption struct {
		name string
		data []byte
	}
	var cs []corruption
	edit := func(name string, f func(b []byte) []byte) {
		cs = append(cs, corruption{name, f(bytes.Clone(valid))})
	}
	// A flipped bit in every byte of the first and last 300 and at a
	// stride through the rest (every byte would take a minute).
	n := len(valid)
	for i := 0; i < n; i++ {
		if i >= 300 && i < n-300 && i%37 != 0 {
			continue
		}
		for _, bit := range []byte{0x01, 0x80} {
			edit(fmt.Sprintf("byte %d ^ %#x", i, bit), func(b []byte) []byte { b[i] ^= bit; return b })
		}
	}
	// A letter of a name deep inside a record: it still decodes.
	i := bytes.Index(valid, []byte("production"))
	edit("a letter in a namespace name", func(b []byte) []byte { b[i] = 'q'; return b })
	for _, tail := range []string{"\n", "x", "\x00", "sha256 00\n", string(valid)} {
		edit(fmt.Sprintf("%d bytes appended", len(tail)), func(b []byte) []byte { return append(b, tail...) })
	}
	for _, cut := range []int{1, 2, 65, 71, 72, 100, n / 2, n - 1} {
		edit(fmt.Sprintf("last %d bytes cut", cut), func(b []byte) []byte { return b[:n-cut] })
	}
	for _, at := range []int{25, n / 3, n - 80} {
		edit(fmt.Sprintf("a byte inserted at %d", at), func(b []byte) []byte { return append(b[:at:at], append([]byte{0}, valid[at:]...)...) })
		edit(fmt.Sprintf("a byte deleted at %d", at), func(b []byte) []byte { return append(b[:at:at], valid[at+1:]...) })
		edit(fmt.Sprintf("two bytes swapped at %d", at), func(b []byte) []byte { b[at], b[at+1] = b[at+1], b[at]; return b })
	}
	edit("a block zeroed", func(b []byte) []byte { clear(b[n/2 : n/2+512]); return b })
	for _, c := range cs {
		if bytes.Equal(c.data, valid) {
			continue // a swap of two equal bytes
		}
		if _, err := decodeState(bufio.NewReader(bytes.NewReader(c.data))); err == nil {
			t.Errorf("%s: the corrupt file loaded", c.name)
		}
	}
	if len(cs) < 1000 {
		t.Fatalf("only %d corruptions tried", len(cs))
	}
}

// A version 1 file (no checksum line) is still read, is refused with bytes
// after its end, and is rewritten as version 2 at the first save.
func TestStateVersion1IsReadAndUpgraded(t *testing.T) {
	var v2 bytes.Buffer
	want := seededStore(1, 20)
	if err := encodeState(&v2, want); err != nil {
		t.Fatal(err)
	}
	header := fmt.Sprintf("%s%d\n", stateMagic, stateVersion)
	body := bytes.TrimSuffix(v2.Bytes()[len(header):], v2.Bytes()[v2.Len()-len(checksumLine(make([]byte, 32))):])
	v1 := append([]byte(fmt.Sprintf("%s%d\n", stateMagic, stateVersionNoSum)), body...)

	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	if err := os.WriteFile(path, append(bytes.Clone(v1), "junk"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: path}); err == nil || !strings.Contains(err.Error(), "bytes after its end") {
		t.Errorf("a version 1 file with bytes after its end: %v", err)
	}
	if err := os.WriteFile(path, v1, 0o600); err != nil {
		t.Fatal(err)
	}
	s := newStateServer(t, Options{StatePath: path})
	if !s.StateLoaded() || storeJSON(t, s.store) != storeJSON(t, want) {
		t.Fatal("the version 1 file did not load as it was written")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(header)) || !bytes.HasPrefix(data[len(data)-len(checksumLine(make([]byte, 32))):], []byte(stateChecksumLabel)) {
		t.Errorf("the file was not rewritten as version %d: starts %q", stateVersion, data[:min(len(data), 24)])
	}
	if st, err := loadState(path); err != nil || storeJSON(t, st) != storeJSON(t, want) {
		t.Errorf("the rewritten file: %v", err)
	}
}

// Temporary files of saves a kill interrupted are removed when a sandbox
// starts on the state file; only those: other files and directories that
// merely look similar, and files in other directories, stay.
func TestStateRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	path := filepath.Join(dir, "state")
	stale := []string{".state.tmp-1234567890", ".state.tmp-42"}
	kept := []string{".state.tmp-", ".state.tmp-12ab", ".state.tmp-1.bak", ".other.tmp-123", "state.tmp-123", ".state.tmp-123x", "notes.txt"}
	for _, name := range append(append([]string{}, stale...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), bytes.Repeat([]byte("x"), 4096), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".state.tmp-99"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(other, "target"), filepath.Join(dir, ".state.tmp-77")); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(other, ".state.tmp-555")
	if err := os.WriteFile(elsewhere, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, ".state.tmp-99", ".state.tmp-77")

	check := func(when string) {
		t.Helper()
		for _, name := range stale {
			if _, err := os.Lstat(filepath.Join(dir, name)); !os.IsNotExist(err) {
				t.Errorf("%s: stale %s is still there (%v)", when, name, err)
			}
		}
		for _, name := range kept {
			if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
				t.Errorf("%s: %s was removed: %v", when, name, err)
			}
		}
		if _, err := os.Stat(elsewhere); err != nil {
			t.Errorf("%s: a file in another directory was removed: %v", when, err)
		}
	}
	// On a fresh state file...
	s := newStateServer(t, Options{Seed: 1, Scripts: 5, StatePath: path})
	check("fresh")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// ...and on an existing one, even a corrupt one (which stays as it is).
	for _, name := range stale {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	newStateServer(t, Options{StatePath: path}).Close()
	check("existing")
	for _, name := range stale {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600)
	}
	if err := os.WriteFile(path, []byte("not a state file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: path}); err == nil {
		t.Fatal("a corrupt state file loaded")
	}
	check("corrupt")
}

// flipLastDigit changes the last hex digit of the checksum line (the byte
// before the final newline), whatever it was.
func flipLastDigit(b []byte) []byte {
	out := bytes.Clone(b)
	i := len(out) - 2
	if out[i] == '0' {
		out[i] = '1'
	} else {
		out[i] = '0'
	}
	return out
}
