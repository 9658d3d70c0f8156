package sandbox

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// eventSummary is what a test compares between two runs.
func eventSummary(evs []*traceEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = fmt.Sprintf("%s %s %s %s %d cpu=%d wall=%d logs=%d exc=%d %v", ev.id, ev.script, ev.url, ev.outcome,
			ev.status, ev.cpuMs, ev.wallMs, len(ev.logs), len(ev.exc), ev.stored)
	}
	return out
}

// generate makes n requests and returns all their events (stored or not).
func generate(t *testing.T, s *Server, n int) []*traceEvent {
	t.Helper()
	var all []*traceEvent
	g := s.traffic
	g.mu.Lock()
	for range n {
		all = append(all, s.request(s.now())...)
	}
	g.mu.Unlock()
	s.publish(s.now(), all)
	return all
}

func TestTrafficIsDeterministic(t *testing.T) {
	run := func() []string {
		clock := newManualClock()
		s := startSandbox(t, Options{Seed: 7, Scripts: 200, Now: clock.Now})
		return eventSummary(generate(t, s, 300))
	}
	a, b := run(), run()
	if len(a) < 300 {
		t.Fatalf("300 requests made %d events", len(a))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("event %d differs:\n%s\n%s", i, a[i], b[i])
		}
	}
}

func TestTrafficFollowsTheSandboxClock(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 1, Scripts: 100, Now: clock.Now, Traffic: 20})
	if n := s.AdvanceTraffic(); n != 0 {
		t.Fatalf("no time passed, yet %d requests", n)
	}
	clock.Advance(1500 * time.Millisecond)
	if n := s.AdvanceTraffic(); n != 30 {
		t.Fatalf("1.5 s at 20/s made %d requests, want 30", n)
	}
	clock.Advance(time.Hour) // a jump is capped, not replayed whole
	if n := s.AdvanceTraffic(); n != maxCatchUp {
		t.Fatalf("after an hour: %d requests, want the %d cap", n, maxCatchUp)
	}
	if s.GenerateTraffic(5) < 5 {
		t.Fatal("GenerateTraffic(5) made fewer than 5 events")
	}
}

func TestTrafficEventsMatchTheScripts(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 300, Now: clock.Now})
	evs := generate(t, s, 2000)
	outcomes := map[string]int{}
	ids := map[string]bool{}
	var tiers map[string]int
	s.store.Read(func() {
		kvID, _ := dispatcherTargets(s.store)
		tiers = s.traffic.tierCPU(s.store.KV[kvID])
	})
	for _, ev := range evs {
		outcomes[ev.outcome]++
		if ids[ev.id] {
			t.Fatalf("duplicate id %s", ev.id)
		}
		ids[ev.id] = true
		if seq, ok := eventSeq(ev.id); !ok || seq != ev.seq {
			t.Fatalf("id %s reads back as %d %v, want %d", ev.id, seq, ok, ev.seq)
		}
		if ev.script == seedDispatcher {
			continue
		}
		var limit int
		var on bool
		s.store.Read(func() {
			sc, _ := s.store.Namespaces[seedProduction].Scripts.Get(ev.script)
			limit = effectiveCPU(tiers, sc)
			on, _ = observed(sc)
		})
		if ev.stored && !on {
			t.Errorf("%s: stored although observability is off", ev.script)
		}
		switch ev.outcome {
		case "exceededCpu":
			if ev.cpuMs != limit || ev.status != 503 {
				t.Errorf("%s exceededCpu at cpu %d status %d, limit %d", ev.script, ev.cpuMs, ev.status, limit)
			}
		case "ok", "exception":
			if ev.cpuMs > limit {
				t.Errorf("%s %s used %d ms over its %d ms limit", ev.script, ev.outcome, ev.cpuMs, limit)
			}
		}
		if ev.namespace != seedProduction || !strings.HasPrefix(ev.url, "https://") {
			t.Errorf("user event %+v", ev)
		}
	}
	// The ring is in time order (its queries binary-search it).
	stored := s.events.snapshot(0, clock.Now().UnixMilli())
	for i := 1; i < len(stored); i++ {
		if stored[i].ts < stored[i-1].ts || stored[i].seq <= stored[i-1].seq {
			t.Fatalf("ring out of order at %d: %d/%d after %d/%d", i, stored[i].ts, stored[i].seq, stored[i-1].ts, stored[i-1].seq)
		}
	}
	if len(stored) == 0 {
		t.Fatal("nothing stored")
	}
	for _, o := range []string{"ok", "exception", "exceededCpu"} {
		if outcomes[o] == 0 {
			t.Errorf("no %s outcome in 2000 requests: %v", o, outcomes)
		}
	}
}

// heavyTenant returns a production tenant that exceeded its CPU limit and
// whose tier is free or pro.
func heavyTenant(t *testing.T, s *Server, evs []*traceEvent) string {
	t.Helper()
	for _, ev := range evs {
		if ev.outcome == "exceededCpu" && (hasTag(ev.tags, "tier-free") || hasTag(ev.tags, "tier-pro")) {
			return ev.script
		}
	}
	t.Fatal("no free or pro tenant exceeded its CPU limit")
	return ""
}

func hasTag(tags []string, tag string) bool {
	for _, x := range tags {
		if x == tag {
			return true
		}
	}
	return false
}

func TestRaisingTheLimitEndsExceededCpu(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 300, Now: clock.Now})
	name := heavyTenant(t, s, generate(t, s, 3000))

	// Raise the tier (tag) and the script's own limit, as the console's
	// tier change does; the stricter of the two binds.
	var tags []string
	s.store.Read(func() {
		sc, _ := s.store.Namespaces[seedProduction].Scripts.Get(name)
		for _, x := range sc.Tags {
			if !strings.HasPrefix(x, "tier-") {
				tags = append(tags, x)
			}
		}
	})
	path := acct(s) + "/workers/dispatch/namespaces/production/scripts/" + name
	if r := do(t, s, "PUT", path+"/tags", append(tags, "tier-enterprise")); r.Status != 200 {
		t.Fatalf("tags: %d %s", r.Status, r.Body)
	}
	if r := do(t, s, "PATCH", path+"/settings", map[string]any{"limits": map[string]int{"cpu_ms": 300}}); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	seen := 0
	for _, ev := range generate(t, s, 3000) {
		if ev.script != name {
			continue
		}
		seen++
		if ev.outcome == "exceededCpu" {
			t.Fatalf("%s still exceeds its CPU limit after the raise: %+v", name, ev)
		}
	}
	if seen == 0 {
		t.Fatalf("no request reached %s after the raise", name)
	}
}

func TestTrafficWritesLastUsedWithMetadata(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 100, Now: clock.Now})
	clock.Advance(2 * time.Hour)
	var name string
	for _, ev := range generate(t, s, 50) {
		if ev.script != seedDispatcher {
			name = ev.script
		}
	}
	if name == "" {
		t.Fatal("no request reached a tenant")
	}
	s.store.Read(func() {
		kvID, _ := dispatcherTargets(s.store)
		e := s.store.KV[kvID].entry("last-used:" + name)
		var md struct{ MS int64 }
		if e == nil || json.Unmarshal(e.Metadata, &md) != nil || fmt.Sprint(md.MS) != string(e.Value) {
			t.Fatalf("last-used:%s = %+v", name, e)
		}
		if clock.Now().UnixMilli()-md.MS > 1000 {
			t.Errorf("last-used %d is not now (%d)", md.MS, clock.Now().UnixMilli())
		}
	})
}

func TestTrafficLastUsedSurvivesARestart(t *testing.T) {
	clock := newManualClock()
	path := filepath.Join(t.TempDir(), "state")
	s := startSandbox(t, Options{Seed: 3, Scripts: 50, Now: clock.Now, StatePath: path})
	clock.Advance(2 * time.Hour)
	var name string
	for _, ev := range generate(t, s, 20) {
		if ev.script != seedDispatcher {
			name = ev.script
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := startSandbox(t, Options{Seed: 3, Scripts: 50, Now: clock.Now, StatePath: path})
	s2.store.Read(func() {
		kvID, _ := dispatcherTargets(s2.store)
		if e := s2.store.KV[kvID].entry("last-used:" + name); e == nil || string(e.Metadata) == "" {
			t.Fatalf("last-used:%s was not saved on close: %+v", name, e)
		}
	})
}

func TestEventRingIsBounded(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 100, Now: clock.Now, TelemetryEvents: 100})
	generate(t, s, 500)
	if n := s.events.len(); n != 100 {
		t.Fatalf("ring holds %d events, want its cap of 100", n)
	}
	clock.Advance(telemetryRetention + time.Minute)
	to := clock.Now().UnixMilli()
	if r := do(t, s, "POST", acct(s)+"/workers/observability/telemetry/query",
		fmt.Sprintf(`{"queryId":"q","timeframe":{"from":0,"to":%d}}`, to)); !strings.Contains(string(r.Body), `"count":0`) {
		t.Fatalf("events older than the retention are still served: %.300s", r.Body)
	}
	if n := s.events.len(); n != 0 {
		t.Fatalf("after the retention the ring holds %d events", n)
	}
}

func TestParseTraffic(t *testing.T) {
	for in, want := range map[string]float64{"20/s": 20, "20": 20, "300/m": 5, "off": 0, "0": 0, "0.5/s": 0.5} {
		if got, err := ParseTraffic(in); err != nil || got != want {
			t.Errorf("ParseTraffic(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fast", "-1/s", "20/d", "1e9/s", "NaN"} {
		if _, err := ParseTraffic(in); err == nil {
			t.Errorf("ParseTraffic(%q) accepted", in)
		}
	}
	if _, err := New(Options{Empty: true, Traffic: -1}); err == nil || !strings.Contains(err.Error(), "traffic") {
		t.Errorf("New with negative traffic: %v", err)
	}
}
