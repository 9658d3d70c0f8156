package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// The seeded world's memory layout (shared bodies, interned tags and
// bindings, slabs) must never show on the wire. wireFingerprint reads a
// seeded world the way clients do, over HTTP, and hashes every response;
// seedWireSum is that hash for seed 1 with 3,000 scripts, recorded before
// the layout was made compact. A change to it is a change on the wire.
const seedWireSum = "b0e6b1b7517deaf93a038f0aeb6d64cbca38a9fdd4bbe4d909dd57c7bb98a33f"

// wireFingerprint hashes the responses of every read endpoint for every
// script of s's three namespaces (details, settings, tags, bindings,
// secrets and content for every 7th), the listings (all pages, with and
// without a tags filter), the account scripts and every KV key listing.
func wireFingerprint(t *testing.T, s *Server) string {
	t.Helper()
	h := sha256.New()
	count := map[int]int{}
	defer func() { t.Logf("requests by status: %v", count) }()
	get := func(path string) rawResp {
		r := do(t, s, "GET", path, nil)
		fmt.Fprintf(h, "%s %d %s\n", path, r.Status, r.Header.Get("Content-Type"))
		count[r.Status]++
		h.Write(r.Body)
		return r
	}
	for _, ns := range []string{seedProduction, seedStaging, seedTesting} {
		get(nsPath(s, ns))
		names := wireListAll(t, h, get, nsPath(s, ns, "scripts")+"?limit=1000")
		wireListAll(t, h, get, nsPath(s, ns, "scripts")+"?limit=337&tags="+url.QueryEscape("tier-pro:yes,beta:no"))
		for i, n := range names {
			get(scriptPath(s, ns, n))
			if i%7 != 0 && ns != seedTesting {
				continue
			}
			for _, rest := range []string{"settings", "tags", "bindings", "secrets", "content"} {
				get(scriptPath(s, ns, n, rest))
			}
		}
	}
	get(acct(s) + "/workers/scripts")
	for _, n := range []string{seedDispatcher, seedOutbound} {
		for _, rest := range []string{"", "/settings", "/script-settings", "/secrets", "/content/v2"} {
			get(acct(s) + "/workers/scripts/" + n + rest)
		}
	}
	r := get(acct(s) + "/storage/kv/namespaces?per_page=100")
	var kvs []struct {
		ID string `json:"id"`
	}
	result(t, r, &kvs)
	for _, kv := range kvs {
		keys := wireListAll(t, h, get, kvNSPath(s, kv.ID, "keys")+"?limit=1000")
		for i, k := range keys {
			if i%11 == 0 {
				get(kvValuePath(s, kv.ID, k))
				get(kvNSPath(s, kv.ID, "metadata", url.PathEscape(k)))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// wireListAll follows a cursor-paged listing to its end and returns the names
// (a script's "id" or a key's "name") in order.
func wireListAll(t *testing.T, h hash.Hash, get func(string) rawResp, first string) []string {
	t.Helper()
	var names []string
	path := first
	for {
		r := get(path)
		var items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		result(t, r, &items)
		for _, it := range items {
			names = append(names, it.ID+it.Name)
		}
		_, _, _, info := r.env(t)
		var ri struct {
			Cursor string `json:"cursor"`
		}
		if err := json.Unmarshal(info, &ri); err != nil {
			t.Fatalf("%s: result_info: %v", path, err)
		}
		if ri.Cursor == "" {
			fmt.Fprintf(h, "%d items\n", len(names))
			return names
		}
		path = first + "&cursor=" + url.QueryEscape(ri.Cursor)
	}
}

func TestSeedWireUnchanged(t *testing.T) {
	s := startSandbox(t, Options{Seed: 1, Scripts: 3000, Now: fixedSeedNow})
	if got := wireFingerprint(t, s); got != seedWireSum {
		t.Errorf("the seeded world's wire fingerprint is %s, want %s", got, seedWireSum)
	}
}

// TestStateFileFromBeforeCompactLayout loads a state file written before
// the compact layout (seed 1, 100 scripts; testdata) and serves exactly what
// the same world seeded now serves.
func TestStateFileFromBeforeCompactLayout(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "state-v2-seed1-100.wfpstate"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	opts := Options{Seed: 1, Scripts: 100, Now: fixedSeedNow}
	seeded := wireFingerprint(t, startSandbox(t, opts))
	opts.StatePath = path
	loaded := startSandbox(t, opts)
	if !loaded.StateLoaded() {
		t.Fatal("the state file was not loaded")
	}
	if got := wireFingerprint(t, loaded); got != seeded {
		t.Errorf("the loaded world serves fingerprint %s, the seeded one %s", got, seeded)
	}
}
