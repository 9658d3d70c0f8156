package sandbox

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Traffic: the sandbox plays a platform serving requests, so that logs,
// tails and health have something to show.
//
// Every simulated request goes to a routed hostname: a hostname:<host> or
// subdomain:<label> key of the routing KV namespace (the one bound to the
// dispatcher as ROUTING), resolved as the seeded dispatch Worker resolves it
// (a script name, or JSON {"worker": …}) into the dispatcher's dispatch
// namespace. Each request makes one dispatcher event and, when the tenant's
// script exists, one user-script event with console logs; some throw
// exceptions, and some exceed their CPU limit.
//
// CPU limits are the script's effective limit, computed as the platform does
// (cfclient/platform.EffectiveLimits): the tier named by the script's
// tier-<name> tag, looked up in the routing namespace's "tiers" value, and
// the script's own settings limits.cpu_ms both apply, and the stricter
// wins; with neither, the plan's 30,000 ms. A stable set of tenants is
// "heavy" (about 5%, plus a third of the busiest): the first time the
// generator sees one, it fixes its CPU demand at 1.5–3 times the effective
// limit of that moment, so it fails with exceededCpu until its limit is
// raised above that demand (a higher tier does it). The demand is kept for
// the life of the sandbox, not in the state file.
//
// Generation is deterministic: one PCG stream seeded by Options.Seed, and
// time from the sandbox clock. At Options.Traffic requests per second,
// request k is due at start+k/rate on that clock; AdvanceTraffic makes what
// is due (a running sandbox calls it every 50 ms of real time), and
// GenerateTraffic makes n requests now whatever the rate. With a clock that
// does not move, a running sandbox makes no traffic.
//
// Last use: a request to an existing script writes last-used:<script> (unix
// ms as text, metadata {"ms":…}) when the stored stamp is a minute old or
// more, as the dispatcher's waitUntil does (less often); with a state file,
// these stamps are saved within a minute, not at once (Store.WriteLazy).

// planCPUMs is the CPU limit with no tier and no script limit (ms).
const planCPUMs = 30_000

// maxCatchUp caps the requests one AdvanceTraffic makes after the clock
// jumped; older due requests are skipped.
const maxCatchUp = 10_000

// trafficGen is the generator's state. mu serialises generation.
type trafficGen struct {
	mu      sync.Mutex
	rate    float64
	rng     *rand.Rand
	seed    string
	started time.Time
	done    int64 // requests made by AdvanceTraffic so far
	seq     uint64
	lastTS  int64
	demand  map[string]int // heavy tenants' CPU demand (ms), fixed on first sight
	routes  routeTable
	tiers   tierCache
}

// routeTable is a snapshot of the routing keys, refreshed every few seconds.
type routeTable struct {
	at      time.Time
	kvID    string
	ns      string
	keys    []string // hostname:/subdomain: keys
	hot     []string // keys whose target is a busy tenant
	entries int      // KV key count when taken
}

// tierCache keeps the last parsed tiers value.
type tierCache struct {
	raw   string
	cpuMs map[string]int
}

func newTrafficGen(opts Options) *trafficGen {
	return &trafficGen{
		rate:    opts.Traffic,
		rng:     rand.New(rand.NewPCG(uint64(opts.Seed), 0x7472616666696321)),
		seed:    strconv.FormatInt(opts.Seed, 10),
		started: opts.Now(),
		demand:  map[string]int{},
	}
}

// ParseTraffic parses a traffic rate: "20/s", "20", "300/m" or "off" (0).
func ParseTraffic(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return 0, nil
	}
	num, unit, hasUnit := strings.Cut(s, "/")
	per := 1.0
	if hasUnit {
		switch unit {
		case "s":
		case "m":
			per = 60
		case "h":
			per = 3600
		default:
			return 0, fmt.Errorf("traffic %q: the unit must be /s, /m or /h", s)
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("traffic %q: want a rate such as 20/s, 300/m, or off", s)
	}
	v /= per
	if v > MaxTraffic {
		return 0, fmt.Errorf("traffic %q: at most %d requests per second", s, int(MaxTraffic))
	}
	return v, nil
}

// MaxTraffic caps Options.Traffic (requests per second).
const MaxTraffic = 2000

// AdvanceTraffic makes the requests that Options.Traffic makes due by the
// sandbox clock and reports how many it made.
func (s *Server) AdvanceTraffic() int {
	g := s.traffic
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.rate <= 0 {
		return 0
	}
	now := s.now()
	due := int64(now.Sub(g.started).Seconds() * g.rate)
	if due-g.done > maxCatchUp {
		g.done = due - maxCatchUp
	}
	n := 0
	var batch []*traceEvent
	for ; g.done < due; g.done++ {
		at := g.started.Add(time.Duration(float64(g.done) / g.rate * float64(time.Second)))
		batch = append(batch, s.request(at)...)
		n++
		if len(batch) >= 512 {
			s.publish(now, batch)
			batch = batch[:0:0]
		}
	}
	s.publish(now, batch)
	return n
}

// GenerateTraffic makes n requests at the current sandbox time, whatever the
// configured rate, and reports how many events they produced.
func (s *Server) GenerateTraffic(n int) int {
	g := s.traffic
	g.mu.Lock()
	defer g.mu.Unlock()
	now := s.now()
	var batch []*traceEvent
	for range n {
		batch = append(batch, s.request(now)...)
	}
	s.publish(now, batch)
	return len(batch)
}

// publish hands finished events to Workers Logs and to open tails.
func (s *Server) publish(now time.Time, evs []*traceEvent) {
	if len(evs) == 0 {
		return
	}
	stored := make([]*traceEvent, 0, len(evs))
	for _, ev := range evs {
		if ev.stored {
			stored = append(stored, ev)
		}
	}
	s.events.add(now, stored)
	s.tails.publish(now, evs)
}

// runTraffic calls AdvanceTraffic every 50 ms until stop is closed.
func (s *Server) runTraffic(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.AdvanceTraffic()
		}
	}
}

// refreshRoutes re-reads the routing keys when the snapshot is over 5 s old
// (sandbox clock) or the key count changed. Caller holds g.mu and the store
// read lock.
func (g *trafficGen) refreshRoutes(st *Store, now time.Time) {
	kvID, ns := dispatcherTargets(st)
	kv := st.KV[kvID]
	if kv == nil {
		g.routes = routeTable{}
		return
	}
	rt := &g.routes
	if rt.kvID == kvID && rt.ns == ns && rt.entries == kv.Len() && now.Sub(rt.at) < 5*time.Second && now.After(rt.at.Add(-time.Second)) {
		return
	}
	*rt = routeTable{at: now, kvID: kvID, ns: ns, entries: kv.Len()}
	for i, k := range kv.Names() {
		_, host := strings.CutPrefix(k, "hostname:")
		_, sub := strings.CutPrefix(k, "subdomain:")
		if !host && !sub {
			continue
		}
		rt.keys = append(rt.keys, k)
		if target, _ := routeTarget(kv.EntryAt(i).Value); target != "" && g.hot(target) {
			rt.hot = append(rt.hot, k)
		}
	}
}

// dispatcherTargets finds the routing KV namespace and dispatch namespace
// the dispatcher is bound to (ROUTING and the dispatch_namespace binding),
// falling back to the KV namespace titled ROUTING and "production".
func dispatcherTargets(st *Store) (kvID, ns string) {
	ns = seedProduction
	if d, ok := st.AccountScripts.Get(seedDispatcher); ok {
		for _, b := range d.Bindings {
			var raw struct {
				NamespaceID string `json:"namespace_id"`
				Namespace   string `json:"namespace"`
			}
			switch {
			case b.Type == "kv_namespace" && b.Name == "ROUTING":
				if json.Unmarshal(b.Raw, &raw) == nil {
					kvID = raw.NamespaceID
				}
			case b.Type == "dispatch_namespace":
				if json.Unmarshal(b.Raw, &raw) == nil && raw.Namespace != "" {
					ns = raw.Namespace
				}
			}
		}
	}
	if kvID == "" {
		for id, kv := range st.KV {
			if kv.Title == seedRoutingKV {
				kvID = id
			}
		}
	}
	return kvID, ns
}

// routeTarget resolves a route value as the dispatcher does: a script name,
// or a JSON object's "worker".
func routeTarget(v []byte) (string, bool) {
	s := strings.TrimSpace(string(v))
	if strings.HasPrefix(s, "{") {
		var r struct {
			Worker string `json:"worker"`
		}
		if json.Unmarshal([]byte(s), &r) != nil {
			return "", false
		}
		return r.Worker, true
	}
	return s, true
}

// hash is a stable per-seed hash of a purpose and a name.
func (g *trafficGen) hash(purpose, name string) uint32 {
	return fnv32(g.seed + "/" + purpose + "/" + name)
}

// hot reports whether a tenant is one of the busy ones (about 2.5%).
func (g *trafficGen) hot(script string) bool { return g.hash("hot", script)%40 == 0 }

// heavy reports whether a tenant's CPU use exceeds its limit.
func (g *trafficGen) heavy(script string) bool {
	h := g.hash("heavy", script) % 100
	return h < 5 || (g.hot(script) && h%3 == 0)
}

// flaky reports whether a tenant throws often (30% of its requests).
func (g *trafficGen) flaky(script string) bool { return g.hash("flaky", script)%100 < 4 }

// tierCPU returns the tier table's cpuMs by tier name, re-parsed when the
// "tiers" value changed. Caller holds the store read lock.
func (g *trafficGen) tierCPU(kv *KVNamespace) map[string]int {
	e := kv.entry("tiers")
	if e == nil {
		return nil
	}
	if string(e.Value) == g.tiers.raw && g.tiers.cpuMs != nil {
		return g.tiers.cpuMs
	}
	var table map[string]struct {
		CPUMs *int `json:"cpuMs"`
	}
	out := map[string]int{}
	if json.Unmarshal(e.Value, &table) == nil {
		for name, t := range table {
			if t.CPUMs != nil {
				out[name] = *t.CPUMs
			}
		}
	}
	g.tiers = tierCache{raw: string(e.Value), cpuMs: out}
	return out
}

// effectiveCPU is a script's effective CPU limit (ms): the stricter of its
// tier's cpuMs and its own limits.cpu_ms; planCPUMs when neither is set.
func effectiveCPU(tiers map[string]int, sc *Script) int {
	limit := -1
	for _, t := range sc.Tags {
		if name, ok := strings.CutPrefix(t, "tier-"); ok {
			if v, ok := tiers[name]; ok {
				limit = v
			}
			break
		}
	}
	if sc.Limits != nil && sc.Limits.CPUMs != nil && (limit < 0 || *sc.Limits.CPUMs < limit) {
		limit = *sc.Limits.CPUMs
	}
	if limit < 0 {
		return planCPUMs
	}
	return limit
}

// observed reports whether a script keeps Workers Logs, and its head
// sampling rate (1 when unset).
func observed(sc *Script) (bool, float64) {
	if len(sc.Observability) == 0 {
		return false, 0
	}
	var o struct {
		Enabled bool     `json:"enabled"`
		Rate    *float64 `json:"head_sampling_rate"`
	}
	if json.Unmarshal(sc.Observability, &o) != nil || !o.Enabled {
		return false, 0
	}
	if o.Rate == nil {
		return true, 1
	}
	return true, *o.Rate
}
