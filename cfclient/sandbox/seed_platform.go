package sandbox

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// The platform side of the seeded world: routes, last-use stamps, the
// account's own Workers and the smoke-test namespace.

// route writes the tenant's routes to ROUTING: a subdomain route for most
// tenants, a custom hostname for about a third of the customers, none for
// about 4%. Most values are the bare script name; some are JSON objects.
func (sd *seeder) route(p persona, tier string) {
	r := sd.rng
	if r.IntN(100) < 4 {
		return
	}
	label := strings.ReplaceAll(p.name, "_", "-")
	sd.put(sd.routing, "subdomain:"+label, sd.routeValue(p.name, tier))
	if p.customer == "" || r.IntN(100) >= 35 {
		return
	}
	host := sd.hostname(p)
	if !sd.hosts[host] {
		sd.hosts[host] = true
		sd.put(sd.routing, "hostname:"+host, sd.routeValue(p.name, tier))
	}
}

// routeValue is a route's value: the script name (85%) or a JSON object.
func (sd *seeder) routeValue(script, tier string) []byte {
	r := sd.rng
	if r.IntN(100) < 85 {
		return sd.text(script)
	}
	v := `{"worker":"` + script + `","tier":"` + tier + `"`
	if r.IntN(20) == 0 {
		v += `,"maintenance":true`
	}
	return sd.text(v + "}")
}

// hostname is a customer's custom domain for a script.
func (sd *seeder) hostname(p persona) string {
	brands := []string{"bluefinch", "northwind", "cobalt", "lumen", "harbor", "quill",
		"pixel", "orbit", "ember", "atlas", "juniper", "kestrel"}
	tlds := []string{"com", "io", "app", "dev", "shop", "co.uk"}
	sub := p.service
	if p.env != "prod" {
		sub += "-" + p.env
	}
	brand := brands[fnv32(p.customer)%uint32(len(brands))]
	if strings.HasSuffix(p.customer, "-corp") {
		brand = p.customer
	} else {
		brand += p.customer
	}
	if strings.HasPrefix(p.name, "user_script_") {
		sub = "app"
		if p.env != "prod" {
			sub += "-" + p.env
		}
	}
	if i := strings.LastIndexByte(p.name, '-'); strings.HasSuffix(p.customer, "-corp") && i > 0 {
		sub += "-" + p.name[i+1:] // a corp runs many of each service
	}
	return sub + "." + brand + "." + tlds[fnv32(p.customer)%uint32(len(tlds))]
}

// lastUsed stamps last-used:<script> for 97% of the tenants: 85% of those
// within the last 30 days, the rest 31 to 400 days ago (cleanup candidates).
// Nine keys in ten carry the time as metadata too ({"ms":<unix ms>}, what a
// current dispatcher writes, so a key listing gives it); the rest have only
// the value (an older dispatcher), which a reader must fetch. Which keys
// lack metadata is decided by the name's hash, not the generator, so the
// rest of the seeded world is what it was.
func (sd *seeder) lastUsed(script string) {
	r := sd.rng
	if r.IntN(100) < 3 {
		return
	}
	var age time.Duration
	if r.IntN(100) < 85 {
		age = time.Duration(r.Int64N(int64(30 * day)))
	} else {
		age = 31*day + time.Duration(r.Int64N(int64(369*day)))
	}
	ms := sd.now.Add(-age).UnixMilli()
	key := "last-used:" + script
	e := sd.put(sd.routing, key, strconv.AppendInt(sd.bytes.many(13)[:0], ms, 10))
	if fnv32(script)%10 != 0 {
		md := sd.bytes.many(32)[:0]
		md = append(md, `{"ms":`...)
		md = strconv.AppendInt(md, ms, 10)
		e.Metadata = append(md, '}')
	}
}

// danglingRoutes adds n routes to scripts that do not exist (deleted
// tenants whose routes were never cleaned up), and one route whose value
// is hostile text with terminal escape sequences.
func (sd *seeder) danglingRoutes(gen *nameGen, n int) {
	for i := range n {
		name := gen.unused()
		key := "subdomain:" + strings.ReplaceAll(name, "_", "-")
		if i%3 == 2 {
			key = "hostname:" + strings.ReplaceAll(name, "_", "-") + ".example.com"
		}
		sd.put(sd.routing, key, sd.text(name))
	}
	sd.put(sd.routing, "subdomain:hostile-tenant", []byte("\x1b[2J\x1b[31mhostile-tenant\x1b]0;pwned\x07"))
}

// put stores a KV value (no metadata, no expiration) and returns its
// entry. Keys are added unsorted; seedWorld sorts them once at the end.
func (sd *seeder) put(kv *KVNamespace, key string, value []byte) *KVEntry {
	e := sd.entries.one()
	e.Value = value
	kv.add(key, e)
	return e
}

// text copies s into the byte slab.
func (sd *seeder) text(s string) []byte {
	b := sd.bytes.many(len(s))
	copy(b, s)
	return b
}

// cachePages puts a few cached pages into tenant-cache.
func (sd *seeder) cachePages() {
	for i := range 10 {
		n := strconv.Itoa(i)
		sd.put(sd.cache, "page:/"+n, sd.text("<!doctype html><title>cached page "+n+"</title>"))
	}
}

// accountScripts adds the dispatcher and the outbound Worker.
func (sd *seeder) accountScripts() {
	created := sd.now.Add(-740 * day).Truncate(time.Microsecond)
	cpu, sub := 50, 1000
	dispatcher := &Script{
		Name:     seedDispatcher,
		ids:      randIDs(sd.rng),
		created:  microOf(created),
		modified: microOf(sd.now.Add(-3 * day)),
		Tags:     []string{"platform", "environment-prod"},
		Limits:   &Limits{CPUMs: &cpu, Subrequests: &sub},
		Logpush:  true,
		Bindings: []Binding{
			{Name: "DISPATCHER", Type: "dispatch_namespace",
				Raw: []byte(`{"type":"dispatch_namespace","name":"DISPATCHER","namespace":"production"}`)},
			{Name: "ROUTING", Type: "kv_namespace",
				Raw: []byte(`{"type":"kv_namespace","name":"ROUTING","namespace_id":"` + sd.routing.ID + `"}`)},
		},
		ScriptBody: &ScriptBody{
			Handlers:           []string{"fetch"},
			CompatibilityDate:  "2025-03-10",
			CompatibilityFlags: []string{"nodejs_compat"},
			UsageModel:         "standard",
			Observability:      []byte(`{"enabled":true,"head_sampling_rate":0.05}`),
			MainModule:         "dispatcher.js",
			Modules:            []Module{{Name: "dispatcher.js", ContentType: "application/javascript+module", Content: []byte(dispatcherModule)}},
		},
	}
	outbound := &Script{
		Name:     seedOutbound,
		ids:      randIDs(sd.rng),
		created:  microOf(created),
		modified: microOf(sd.now.Add(-41 * day)),
		Tags:     []string{"platform", "environment-prod"},
		Bindings: []Binding{},
		ScriptBody: &ScriptBody{
			Handlers:          []string{"fetch"},
			CompatibilityDate: "2024-09-23",
			UsageModel:        "standard",
			MainModule:        "outbound.js",
			Modules:           []Module{{Name: "outbound.js", ContentType: "application/javascript+module", Content: []byte(outboundModule)}},
		},
	}
	sd.st.AccountScripts.add(dispatcher)
	sd.st.AccountScripts.add(outbound)
}

// smokeScripts are the testing namespace: one smoke test per service plus
// edge cases a console has to render and validate.
func (sd *seeder) smokeScripts() []*Script {
	g := newNameGen(sd.rng, 0, []string{"test"})
	var out []*Script
	for i, svc := range g.services[:8] {
		p := persona{name: "smoke-" + svc, service: svc, env: "test"}
		sc, _ := sd.userScript(p)
		if i == 0 {
			sc.Tags = []string{"tier-free", "environment-test", "project-api", "smoke",
				"owner-qa", "region-eu", "beta", "pinned"} // the 8-tag maximum
		}
		out = append(out, sc)
	}
	edge := []struct {
		name string
		fix  func(*Script)
	}{
		{"smoke-untagged", func(sc *Script) { sc.Tags = nil }},
		{"smoke-unlimited", func(sc *Script) { sc.Limits = nil }},
		{"smoke-" + strings.Repeat("a", 57), func(*Script) {}}, // 63 characters
		{"smoke-hostile-tag", func(sc *Script) {
			sc.Tags = []string{"tier-free", "environment-test", "note-\x1b[31mred\x1b[0m"}
		}},
	}
	for _, e := range edge {
		sc, _ := sd.userScript(persona{name: e.name, service: "web", env: "test"})
		e.fix(sc)
		out = append(out, sc)
	}
	return out
}

// randHex returns n random lower-case hex characters.
func randHex(r *rand.Rand, n int) string {
	raw := make([]byte, (n+15)/16*8)
	for i := 0; i < len(raw); i += 8 {
		binary.LittleEndian.PutUint64(raw[i:], r.Uint64())
	}
	return hex.EncodeToString(raw)[:n]
}

// randUUID returns a random version-4 UUID.
func randUUID(r *rand.Rand) string {
	h := []byte(randHex(r, 32))
	h[12] = '4'
	h[16] = "89ab"[h[16]%4]
	return string(h[0:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:32])
}
