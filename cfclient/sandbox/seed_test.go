package sandbox

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// seededStore builds a seeded store with the benchmarks' fixed clock.
func seededStore(seed int64, scripts int) *Store {
	st := NewStore(fixedAccountID)
	seedWorld(st, Options{Seed: seed, Scripts: scripts, Now: fixedSeedNow})
	return st
}

func TestSeedIsDeterministic(t *testing.T) {
	a, b := seededStore(7, 300), seededStore(7, 300)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two worlds from seed 7 and the same clock differ")
	}
	c := seededStore(8, 300)
	if reflect.DeepEqual(a.Namespaces[seedProduction].Scripts.Names(), c.Namespaces[seedProduction].Scripts.Names()) {
		t.Fatal("seeds 7 and 8 gave the same production script names")
	}
}

func TestSeedNamespaces(t *testing.T) {
	st := seededStore(1, 2000)
	want := map[string]int{seedProduction: 2000, seedStaging: 200, seedTesting: 12}
	if len(st.Namespaces) != len(want) {
		t.Fatalf("namespaces = %d, want %d", len(st.Namespaces), len(want))
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for name, n := range want {
		ns := st.Namespaces[name]
		if ns == nil {
			t.Fatalf("namespace %q missing", name)
		}
		if ns.Name != name || ns.Scripts.Len() != n || len(ns.Scripts.Names()) != n {
			t.Errorf("%s: name %q, %d scripts (%d indexed), want %d", name, ns.Name, ns.Scripts.Len(), len(ns.Scripts.Names()), n)
		}
		if !uuid.MatchString(ns.ID) || !isHex32(ns.CreatedBy) || ns.CreatedOn.After(fixedSeedNow()) {
			t.Errorf("%s: id %q, created by %q on %v", name, ns.ID, ns.CreatedBy, ns.CreatedOn)
		}
	}
}

// findKVByTitle finds a KV namespace by title.
func findKVByTitle(t *testing.T, st *Store, title string) *KVNamespace {
	t.Helper()
	for _, kv := range st.KV {
		if kv.Title == title {
			return kv
		}
	}
	t.Fatalf("no KV namespace titled %q", title)
	return nil
}

func TestSeedAccountScripts(t *testing.T) {
	st := seededStore(1, 100)
	routing := findKVByTitle(t, st, seedRoutingKV)
	d, ok := st.AccountScripts.Get(seedDispatcher)
	if !ok {
		t.Fatal("no dispatcher script")
	}
	var got []map[string]any
	for _, b := range d.Bindings {
		var m map[string]any
		if err := json.Unmarshal(b.Raw, &m); err != nil {
			t.Fatalf("binding %s: %v", b.Name, err)
		}
		if m["name"] != b.Name || m["type"] != b.Type {
			t.Errorf("binding %s/%s does not match its JSON %s", b.Name, b.Type, b.Raw)
		}
		got = append(got, m)
	}
	want := []map[string]any{
		{"type": "dispatch_namespace", "name": "DISPATCHER", "namespace": "production"},
		{"type": "kv_namespace", "name": "ROUTING", "namespace_id": routing.ID},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dispatcher bindings = %v, want %v", got, want)
	}
	if len(d.Modules) != 1 || !strings.Contains(string(d.Modules[0].Content), "env.DISPATCHER.get") || d.MainModule != d.Modules[0].Name {
		t.Errorf("dispatcher module = %+v, main %q", d.Modules, d.MainModule)
	}
	if _, ok := st.AccountScripts.Get(seedOutbound); !ok || st.AccountScripts.Len() != 2 {
		t.Errorf("account scripts = %v, want dispatcher and outbound", st.AccountScripts.Names())
	}
}

var seedNameRE = regexp.MustCompile(`^[a-z0-9_][a-z0-9-_]*$`)

func TestSeedScriptsFollowConventions(t *testing.T) {
	st := seededStore(3, 3000)
	now := fixedSeedNow()
	tags := map[string]int{}
	var secrets, overrides, total int
	contents := map[*byte]bool{}
	seenTag := map[string]bool{}
	for _, nsName := range []string{seedProduction, seedStaging} {
		for _, name := range st.Namespaces[nsName].Scripts.Names() {
			sc, _ := st.Namespaces[nsName].Scripts.Get(name)
			total++
			if !seedNameRE.MatchString(name) || len(name) > 63 || sc.Name != name {
				t.Fatalf("bad script name %q", name)
			}
			if !isHex32(sc.Tag()) || seenTag[sc.Tag()] || len(sc.ETag()) != 64 {
				t.Fatalf("%s: tag %q (repeated: %v), etag %q", name, sc.Tag(), seenTag[sc.Tag()], sc.ETag())
			}
			seenTag[sc.Tag()] = true
			if sc.CreatedOn().After(sc.ModifiedOn()) || sc.ModifiedOn().After(now) || now.Sub(sc.CreatedOn()) > 731*24*time.Hour {
				t.Fatalf("%s: created %v modified %v (now %v)", name, sc.CreatedOn(), sc.ModifiedOn(), now)
			}
			if _, err := time.Parse(time.DateOnly, sc.CompatibilityDate); err != nil {
				t.Fatalf("%s: compatibility date %q: %v", name, sc.CompatibilityDate, err)
			}
			if len(sc.Tags) == 0 || len(sc.Tags) > 8 {
				t.Fatalf("%s: %d tags %v", name, len(sc.Tags), sc.Tags)
			}
			tier := ""
			for _, tag := range sc.Tags {
				if strings.ContainsAny(tag, ",&") {
					t.Fatalf("%s: tag %q has a forbidden character", name, tag)
				}
				prefix, _, _ := strings.Cut(tag, "-")
				tags[prefix]++
				if v, ok := strings.CutPrefix(tag, "tier-"); ok {
					tier = v
				}
			}
			cpu, sub := tierLimits(tier)
			if tier == "" || sc.Limits == nil || sc.Limits.CPUMs == nil || sc.Limits.Subrequests == nil {
				t.Fatalf("%s: tier %q, limits %+v", name, tier, sc.Limits)
			}
			if *sc.Limits.CPUMs != cpu || *sc.Limits.Subrequests != sub {
				overrides++
			}
			if len(sc.Modules) != 1 || sc.MainModule != sc.Modules[0].Name || len(sc.Modules[0].Content) == 0 {
				t.Fatalf("%s: modules %+v main %q", name, sc.Modules, sc.MainModule)
			}
			contents[&sc.Modules[0].Content[0]] = true
			if len(sc.Handlers) == 0 || sc.Handlers[0] != "fetch" {
				t.Fatalf("%s: handlers %v", name, sc.Handlers)
			}
			for _, b := range sc.Bindings {
				if b.IsSecret() {
					secrets++
					if b.Secret == "" || strings.Contains(string(b.Raw), b.Secret) {
						t.Fatalf("%s: secret %s has no value or leaks it into Raw %s", name, b.Name, b.Raw)
					}
				}
			}
		}
	}
	for _, prefix := range []string{"tier", "customer", "environment", "project", "team", "pr"} {
		if tags[prefix] == 0 {
			t.Errorf("no script has a %s-… tag (%v)", prefix, tags)
		}
	}
	if tags["tier"] != total || tags["environment"] != total || tags["project"] != total {
		t.Errorf("tier/environment/project tags on %d/%d/%d of %d scripts", tags["tier"], tags["environment"], tags["project"], total)
	}
	if overrides == 0 || overrides > total/10 {
		t.Errorf("%d of %d scripts override their tier limits; want a few", overrides, total)
	}
	if secrets < total/10 {
		t.Errorf("only %d secrets in %d scripts", secrets, total)
	}
	if len(contents) > 8 {
		t.Errorf("%d distinct module contents; seeded scripts should share a few templates", len(contents))
	}
}

func TestSeedRoutingTable(t *testing.T) {
	const n = 2000
	st := seededStore(5, n)
	prod := st.Namespaces[seedProduction].Scripts
	kv := findKVByTitle(t, st, seedRoutingKV)
	if len(kv.Names()) != len(kv.keys.vals) || !slices.IsSorted(kv.Names()) {
		t.Fatalf("KV index has %d names for %d keys", len(kv.Names()), len(kv.keys.vals))
	}
	var tiers map[string]struct{ CPUMs, SubRequests int }
	if err := json.Unmarshal(kv.entry("tiers").Value, &tiers); err != nil {
		t.Fatalf("tiers: %v", err)
	}
	if string(kv.entry("tiers").Value) != seedTiersJSON || tiers["pro"].CPUMs != 50 || tiers["enterprise"].SubRequests != 1000 {
		t.Errorf("tiers = %s", kv.entry("tiers").Value)
	}
	routed := map[string]bool{}
	var dangling, jsonValues, hostnames, stale int
	now := fixedSeedNow()
	for _, key := range kv.Names() {
		v := kv.entry(key).Value
		switch {
		case strings.HasPrefix(key, "hostname:"), strings.HasPrefix(key, "subdomain:"):
			if strings.HasPrefix(key, "hostname:") {
				hostnames++
			}
			target := string(v)
			if strings.HasPrefix(target, "{") {
				var r struct{ Worker string }
				if err := json.Unmarshal(v, &r); err != nil || r.Worker == "" {
					t.Fatalf("%s: bad JSON route %s", key, v)
				}
				target = r.Worker
				jsonValues++
			}
			if _, ok := prod.Get(target); ok {
				routed[target] = true
			} else {
				dangling++
			}
		case strings.HasPrefix(key, "last-used:"):
			ms, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				t.Fatalf("%s = %q: %v", key, v, err)
			}
			at := time.UnixMilli(ms)
			if at.After(now) {
				t.Fatalf("%s is in the future: %v", key, at)
			}
			if now.Sub(at) > 30*24*time.Hour {
				stale++
			}
			if _, ok := prod.Get(strings.TrimPrefix(key, "last-used:")); !ok {
				t.Fatalf("%s names no production script", key)
			}
		case key == "tiers":
		default:
			t.Errorf("unexpected key %q", key)
		}
	}
	if len(routed) < n*9/10 || len(routed) == n {
		t.Errorf("%d of %d tenants are routed; want most but not all", len(routed), n)
	}
	if dangling < 3 {
		t.Errorf("%d dangling routes, want a few", dangling)
	}
	if jsonValues == 0 || hostnames == 0 || stale == 0 {
		t.Errorf("json values %d, hostname routes %d, stale last-used %d; want some of each", jsonValues, hostnames, stale)
	}
}

func TestSeedTestingNamespaceEdgeCases(t *testing.T) {
	st := seededStore(1, 50)
	set := st.Namespaces[seedTesting].Scripts
	var eight, untagged, unlimited, long, hostile bool
	for _, name := range set.Names() {
		sc, _ := set.Get(name)
		eight = eight || len(sc.Tags) == 8
		untagged = untagged || len(sc.Tags) == 0
		unlimited = unlimited || sc.Limits == nil
		long = long || len(name) == 63
		for _, tag := range sc.Tags {
			hostile = hostile || strings.ContainsRune(tag, 0x1b)
		}
	}
	if !eight || !untagged || !unlimited || !long || !hostile {
		t.Errorf("edge cases: 8 tags %v, untagged %v, no limits %v, 63-char name %v, escape in a tag %v",
			eight, untagged, unlimited, long, hostile)
	}
}

func TestSeedTinyWorld(t *testing.T) {
	st := seededStore(1, 1)
	if got := st.Namespaces[seedProduction].Scripts.Len(); got != 1 {
		t.Errorf("production has %d scripts, want 1", got)
	}
	if got := st.Namespaces[seedStaging].Scripts.Len(); got != 1 {
		t.Errorf("staging has %d scripts, want 1", got)
	}
}
