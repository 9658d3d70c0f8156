package sandbox

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// One simulated request: which tenant it reaches, what the dispatcher and
// the tenant's script do, and the events they leave.

// tenantHostSuffix is the platform domain of subdomain:<label> routes.
const tenantHostSuffix = ".tenants.example"

// lastUsedEvery is how stale last-used:<script> may get before a request
// rewrites it.
const lastUsedEvery = time.Minute

var (
	colos = [][2]string{{"AMS", "NL"}, {"FRA", "DE"}, {"IAD", "US"}, {"SJC", "US"},
		{"LHR", "GB"}, {"NRT", "JP"}, {"SIN", "SG"}, {"GRU", "BR"}}
	userAgents = []string{
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		"curl/8.5.0", "okhttp/4.12.0", "Go-http-client/2.0",
	}
	ipPrefixes = []string{"203.0.113.", "198.51.100.", "192.0.2."}
)

// serviceKind groups the seeded templates by what the tenant serves.
func serviceKind(sc *Script) string {
	for _, t := range sc.Tags {
		if svc, ok := strings.CutPrefix(t, "project-"); ok {
			switch svc {
			case "edge", "images", "web":
				return "site"
			case "webhook", "billing", "queue":
				return "hook"
			case "cron", "worker":
				return "cron"
			}
			return "api"
		}
	}
	return "api"
}

// request simulates one request at time at and returns its events
// (dispatcher last). Caller holds g.mu.
func (s *Server) request(at time.Time) []*traceEvent {
	g := s.traffic
	r := g.rng
	ts := max(at.UnixMilli(), g.lastTS)
	g.lastTS = ts
	var (
		evs   []*traceEvent
		touch string
	)
	s.store.Read(func() {
		disp, ok := s.store.AccountScripts.Get(seedDispatcher)
		if !ok {
			return
		}
		g.refreshRoutes(s.store, at)
		rt := &g.routes
		if len(rt.keys) == 0 {
			return
		}
		key := rt.keys[r.IntN(len(rt.keys))]
		if len(rt.hot) > 0 && r.IntN(100) < 60 {
			key = rt.hot[r.IntN(len(rt.hot))]
		}
		kv := s.store.KV[rt.kvID]
		entry := kv.entry(key)
		if entry == nil || !visible(entry, at.Unix()) {
			return
		}
		base := g.baseEvent(key, ts)
		target, _ := routeTarget(entry.Value)
		var sc *Script
		if ns := s.store.Namespaces[rt.ns]; ns != nil && target != "" {
			sc, _ = ns.Scripts.Get(target)
		}
		kind := "api"
		if sc != nil {
			kind = serviceKind(sc)
		}
		base.method, base.path, base.status = requestLine(r, kind)
		base.url = "https://" + base.host + base.path
		d := g.dispatcherEvent(base, disp)
		if sc == nil {
			d.status = 502
			evs = append(evs, d)
			return
		}
		u := g.userEvent(base, sc, rt.ns, g.tierCPU(kv))
		u.via = disp.Name
		d.status, d.wallMs = u.status, u.wallMs+2+r.IntN(4)
		if u.status == 0 {
			d.status = 502
		}
		evs = append(evs, u, d)
		if e := kv.entry("last-used:" + sc.Name); e == nil || stampOlder(e.Value, ts, lastUsedEvery) {
			touch = sc.Name
		}
	})
	for _, ev := range evs {
		g.seq++
		ev.seq = g.seq
		ev.id = eventID(ev.ts, ev.seq)
	}
	if touch != "" {
		s.touchLastUsed(touch, ts)
	}
	return evs
}

// stampOlder reports whether a last-used value is older than age at ts.
func stampOlder(v []byte, ts int64, age time.Duration) bool {
	ms, err := strconv.ParseInt(string(v), 10, 64)
	return err != nil || ts-ms >= age.Milliseconds()
}

// touchLastUsed writes last-used:<script> with its {"ms":…} metadata.
func (s *Server) touchLastUsed(script string, ms int64) {
	v := strconv.FormatInt(ms, 10)
	s.store.WriteLazy(func() bool {
		kvID, _ := dispatcherTargets(s.store)
		kv := s.store.KV[kvID]
		if kv == nil {
			return false
		}
		kv.Put("last-used:"+script, &KVEntry{Value: []byte(v), Metadata: json.RawMessage(`{"ms":` + v + `}`)})
		return true
	})
}

// baseEvent draws the client of a request; its method and path depend on
// the tenant's kind (requestLine).
func (g *trafficGen) baseEvent(key string, ts int64) traceEvent {
	r := g.rng
	host, isHost := strings.CutPrefix(key, "hostname:")
	if !isHost {
		host = strings.TrimPrefix(key, "subdomain:") + tenantHostSuffix
	}
	c := colos[r.IntN(len(colos))]
	return traceEvent{
		requestID: fmt.Sprintf("%016x", r.Uint64()),
		ts:        ts,
		host:      host,
		clientIP:  ipPrefixes[r.IntN(len(ipPrefixes))] + strconv.Itoa(1+r.IntN(254)),
		colo:      c[0],
		country:   c[1],
		userAgent: userAgents[r.IntN(len(userAgents))],
		method:    "GET",
		path:      "/",
	}
}

// dispatcherEvent is the dispatch Worker's event for a request.
func (g *trafficGen) dispatcherEvent(base traceEvent, disp *Script) *traceEvent {
	d := base
	d.script, d.tags, d.version = disp.Name, disp.Tags, versionOf(disp)
	d.outcome = "ok"
	d.cpuMs = 1 + g.rng.IntN(2)
	d.wallMs = d.cpuMs + 1
	d.stored = sampledIn(g.rng, disp)
	return &d
}

// sampledIn decides whether Workers Logs keeps an event of sc.
func sampledIn(r *rand.Rand, sc *Script) bool {
	on, rate := observed(sc)
	if !on {
		return false
	}
	return rate >= 1 || r.Float64() < rate
}

// versionOf is the script's current version id (from its etag).
func versionOf(sc *Script) string {
	e := sc.ETag()
	if len(e) < 32 {
		return ""
	}
	return e[0:8] + "-" + e[8:12] + "-" + e[12:16] + "-" + e[16:20] + "-" + e[20:32]
}

// userEvent runs the tenant's script: its path, outcome, CPU and logs.
func (g *trafficGen) userEvent(base traceEvent, sc *Script, ns string, tiers map[string]int) *traceEvent {
	r := g.rng
	u := base
	// Same millisecond as the dispatcher: the ring keeps events in time order.
	u.script, u.namespace, u.tags, u.version = sc.Name, ns, sc.Tags, versionOf(sc)
	u.stored = sampledIn(r, sc)
	kind := serviceKind(sc)
	limit := effectiveCPU(tiers, sc)
	cpu := 1 + r.IntN(6)
	if g.heavy(sc.Name) {
		d, seen := g.demand[sc.Name]
		if !seen {
			d = limit * (150 + int(g.hash("demand", sc.Name)%150)) / 100
			g.demand[sc.Name] = d
		}
		cpu = d * (80 + r.IntN(41)) / 100
	}
	io := map[string]int{"api": 20 + r.IntN(130), "site": 2 + r.IntN(28), "hook": 10 + r.IntN(50), "cron": 5 + r.IntN(15)}[kind]
	at := u.ts
	logf := func(level string, args ...any) {
		u.logs = append(u.logs, traceLog{Message: args, Level: level, TS: at})
		at++
	}
	logf("log", u.method+" "+u.path)
	exceptionRate := 2
	if g.flaky(sc.Name) {
		exceptionRate = 30
	}
	switch roll := r.IntN(1000); {
	case cpu > limit:
		u.outcome, u.status, u.cpuMs = "exceededCpu", 503, limit
		u.wallMs = limit + io/4
		return &u
	case roll < 5:
		u.outcome, u.status, u.cpuMs, u.wallMs = "canceled", 0, cpu, cpu+io
		return &u
	case roll < 5+exceptionRate*10:
		u.outcome, u.status, u.cpuMs, u.wallMs = "exception", 500, cpu, cpu+io/2
		order := strconv.Itoa(100 + r.IntN(900))
		logf("info", "parsing request body")
		logf("error", "missing customer", "order="+order)
		u.exc = []traceException{{Name: "TypeError", Message: "Cannot read properties of undefined (reading 'id')", TS: at,
			Stack: "TypeError: Cannot read properties of undefined (reading 'id')\n    at handleOrder (worker.js:42:17)\n    at Object.fetch (worker.js:10:12)"}}
		return &u
	}
	u.outcome, u.cpuMs, u.wallMs = "ok", cpu, cpu+io
	switch kind {
	case "site":
		logf("debug", "cache", []string{"hit", "miss"}[r.IntN(2)], u.path)
	case "hook":
		logf("info", "queued event", map[string]int{"size": 200 + r.IntN(4000)})
	case "cron":
		logf("info", "job status", map[string]any{"job": "sync", "lagMs": r.IntN(5000)})
	default:
		logf("info", "upstream", map[string]int{"status": u.status, "ms": io})
	}
	if r.IntN(100) < 6 {
		logf("warn", "slow upstream", map[string]int{"ms": 800 + r.IntN(2000)})
	}
	if u.status == 404 {
		logf("warn", "not found", u.path)
	}
	if r.IntN(200) == 0 {
		logf("log", "client said", "\x1b[31mhello\x1b[0m\x07")
	}
	return &u
}

// requestLine draws a method, path and (ok-outcome) status for a kind.
func requestLine(r *rand.Rand, kind string) (method, path string, status int) {
	method = "GET"
	switch roll := r.IntN(100); {
	case roll < 10:
		method = "POST"
	case roll < 13:
		method = "PUT"
	case roll < 15:
		method = "DELETE"
	}
	status = 200
	switch roll := r.IntN(100); {
	case roll < 7:
		status = 404
	case roll < 10:
		status = 401
	case roll < 12:
		status = 500
	case roll < 14:
		status = 304
	}
	switch kind {
	case "site":
		path = []string{"/", "/pricing", "/about", "/assets/app.js", "/img/logo.png", "/blog/launch"}[r.IntN(6)]
	case "hook":
		method, path = "POST", []string{"/hooks/stripe", "/hooks/github", "/events"}[r.IntN(3)]
		if status == 200 {
			status = 202
		}
	case "cron":
		path = []string{"/status", "/jobs/sync", "/health"}[r.IntN(3)]
	default:
		path = []string{"/v1/items?page=" + strconv.Itoa(1+r.IntN(9)), "/v1/users/" + strconv.Itoa(1000+r.IntN(9000)),
			"/v1/orders", "/health", "/v1/search?q=shoes"}[r.IntN(5)]
	}
	return method, path, status
}

// Event ids are ULIDs: 10 Crockford base32 characters of the millisecond
// timestamp, then 16 of 80 bits whose top 64 are the event's sequence
// number. They sort as the events were made, and the sequence number can
// be read back from an id the client sends as a cursor.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func eventID(ts int64, seq uint64) string {
	var b [26]byte
	t := uint64(ts)
	for i := 9; i >= 0; i-- {
		b[i] = crockford[t&31]
		t >>= 5
	}
	// 80 bits: seq (64) then a 16-bit check of seq.
	hi, lo := seq>>48, seq<<16|uint64(uint16(seq*0x9E37))
	for i := 25; i >= 10; i-- {
		b[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(b[:])
}

// eventSeq reads the sequence number back from an event id.
func eventSeq(id string) (uint64, bool) {
	if len(id) != 26 {
		return 0, false
	}
	var hi, lo uint64
	for i := 10; i < 26; i++ {
		v := strings.IndexByte(crockford, id[i])
		if v < 0 {
			return 0, false
		}
		hi = hi<<5 | lo>>59
		lo = lo<<5 | uint64(v)
	}
	seq := hi<<48 | lo>>16
	if uint16(lo) != uint16(seq*0x9E37) {
		return 0, false
	}
	for i := 0; i < 10; i++ {
		if strings.IndexByte(crockford, id[i]) < 0 {
			return 0, false
		}
	}
	return seq, true
}
