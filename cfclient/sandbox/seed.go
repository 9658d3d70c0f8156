package sandbox

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"time"
)

// The seeded world: one account running a multi-tenant platform.
//
//   - Dispatch namespaces "production" (Options.Scripts user scripts),
//     "staging" (about a tenth as many) and "testing" (a dozen smoke tests,
//     including edge cases: eight tags, no tags, no limits, a 63-character
//     name, a tag holding a terminal escape sequence).
//   - Account scripts "dispatcher" (bound to the production namespace and to
//     the ROUTING KV namespace) and "outbound".
//   - KV namespace "ROUTING": hostname:<host> and subdomain:<label> routes for
//     most production tenants, a few dangling routes, a "tiers" key and
//     last-used:<script> timestamps; KV namespace "tenant-cache".
//
// Everything is drawn from one PCG generator seeded by Options.Seed, and all
// times are relative to Options.Now, so a seed and a clock give one world.
// Scripts carry tier-, customer-, environment-, project- and team- tags (see
// docs/design.md, "Platform conventions") and limits that match their tier.
//
// Memory: seeded scripts share read-only data: the module list per
// template, Handlers, Observability and Placement JSON, compatibility dates
// and flags, Limits per tier, the whole bindings list when it holds no
// secret (Binding.Raw otherwise), and tag lists. The rest is carved from
// large chunks. Code that changes a script must replace these slices and
// pointers, never write into them.

// Names of the seeded namespaces and account scripts.
const (
	seedProduction = "production"
	seedStaging    = "staging"
	seedTesting    = "testing"
	seedDispatcher = "dispatcher"
	seedOutbound   = "outbound"
	seedRoutingKV  = "ROUTING"
	seedCacheKV    = "tenant-cache"
	// seedTiersJSON is the tier table stored under the "tiers" key.
	seedTiersJSON = `{"free":{"cpuMs":10,"subRequests":5},"pro":{"cpuMs":50,"subRequests":50},"enterprise":{"cpuMs":300,"subRequests":1000}}`
)

const day = 24 * time.Hour

// routingKeysPer4Scripts sizes the ROUTING index: four production tenants
// get about 8.9 keys (subdomain routes, some hostnames, last-used stamps).
const routingKeysPer4Scripts = 9

// tierLimits are the per-script limits each tier gets (matching seedTiersJSON).
func tierLimits(tier string) (cpuMs, subRequests int) {
	switch tier {
	case "enterprise":
		return 300, 1000
	case "pro":
		return 50, 50
	default:
		return 10, 5
	}
}

// seedWorld fills st (which must be empty) with the seeded world and builds
// its indexes.
func seedWorld(st *Store, opts Options) {
	sd := &seeder{
		st:    st,
		rng:   rand.New(rand.NewPCG(uint64(opts.Seed), 0x7766702d73656564)),
		now:   opts.Now().UTC().Round(0).Truncate(time.Microsecond),
		tpl:   newTemplates(),
		raw:   map[string]json.RawMessage{},
		words: map[[2]string]string{},
		hosts: map[string]bool{},
		share: newSharing(),
	}
	sd.run(opts.Scripts)
	st.reindex()
}

// seeder holds what building one world needs.
type seeder struct {
	st       *Store
	rng      *rand.Rand
	now      time.Time
	operator string // the user id that created the namespaces
	tpl      map[string]*scriptTemplate
	raw      map[string]json.RawMessage // interned binding and settings JSON
	words    map[[2]string]string       // interned tags, by prefix and value
	hosts    map[string]bool            // custom hostnames routed so far
	share    sharing                    // interned lists and limits

	routing, cache *KVNamespace

	// Slabs: seeded objects are carved out of large chunks instead of being
	// allocated one by one.
	scripts  slab[Script]
	bindings slab[Binding]
	tags     slab[string]
	entries  slab[KVEntry]
	bytes    slab[byte]
}

// limitPair lets one allocation hold a Limits and the two ints it points to.
type limitPair struct {
	l        Limits
	cpu, sub int
}

func (sd *seeder) run(n int) {
	sd.operator = randHex(sd.rng, 32)
	sd.routing = NewKVNamespace(randHex(sd.rng, 32), seedRoutingKV)
	sd.cache = NewKVNamespace(randHex(sd.rng, 32), seedCacheKV)
	sd.st.KV[sd.routing.ID] = sd.routing
	sd.st.KV[sd.cache.ID] = sd.cache

	prod := sd.namespace(seedProduction, 760*day)
	// Sized up front: growing a million-entry index by appending holds the
	// old and the new array at once.
	prod.Scripts.byName.grow(n)
	sd.routing.keys.grow(n*routingKeysPer4Scripts/4 + n/200 + 16)
	prodGen := newNameGen(sd.rng, n, []string{"prod", "prod", "prod", "prod", "canary", "staging", "dev", "qa", "preview"})
	for range n {
		p := prodGen.next()
		sc, tier := sd.userScript(p)
		prod.Scripts.add(sc)
		sd.route(p, tier)
		sd.lastUsed(p.name)
	}
	sd.danglingRoutes(prodGen, max(3, n/200))
	sd.put(sd.routing, "tiers", []byte(seedTiersJSON))

	staging := sd.namespace(seedStaging, 700*day)
	stagingGen := newNameGen(sd.rng, n/10+1, []string{"staging", "staging", "qa", "dev", "preview"})
	for range (n + 9) / 10 {
		sc, _ := sd.userScript(stagingGen.next())
		staging.Scripts.add(sc)
	}

	testing := sd.namespace(seedTesting, 200*day)
	for _, sc := range sd.smokeScripts() {
		testing.Scripts.add(sc)
	}

	sd.accountScripts()
	sd.cachePages()
}

// namespace creates a dispatch namespace made about age ago.
func (sd *seeder) namespace(name string, age time.Duration) *Namespace {
	created := sd.now.Add(-age + time.Duration(sd.rng.Int64N(int64(day)))).Truncate(time.Microsecond)
	ns := &Namespace{
		ID:         randUUID(sd.rng),
		Name:       name,
		CreatedOn:  created,
		ModifiedOn: created,
		CreatedBy:  sd.operator,
		ModifiedBy: sd.operator,
		Scripts:    NewScriptSet(),
	}
	sd.st.Namespaces[name] = ns
	return ns
}

// userScript builds a tenant's script; it also returns the tenant's tier.
func (sd *seeder) userScript(p persona) (*Script, string) {
	r := sd.rng
	tier := tierOf(p)
	tpl := sd.tpl[p.service]
	created := sd.past(730 * day)
	modified := created
	if r.IntN(10) >= 3 { // 70% were redeployed since
		modified = created.Add(time.Duration(r.Int64N(int64(sd.now.Sub(created)) + 1))).Truncate(time.Microsecond)
	}
	sc := sd.scripts.one()
	*sc = Script{
		Name:     p.name,
		ids:      randIDs(r),
		created:  microOf(created),
		modified: microOf(modified),
		Tags:     sd.scriptTags(p, tier),
	}
	// The generator's draws stay in the order they had when these were
	// struct fields, so a seed still gives the same world.
	var body bodyKey
	body.tpl = tpl
	body.date = sd.date(created.AddDate(0, 0, -r.IntN(180)))
	sc.Limits = sd.tierLimitsFor(tier)
	sc.Logpush = r.IntN(100) < 15
	sc.Bindings = sd.userBindings(p)
	body.nodejsCompat = r.IntN(2) == 0
	switch roll := r.IntN(100); {
	case roll < 65:
		body.observability = `{"enabled":true,"head_sampling_rate":1}`
	case roll < 75:
		body.observability = `{"enabled":true,"head_sampling_rate":0.1,"logs":{"enabled":true,"invocation_logs":true}}`
	}
	if r.IntN(100) < 8 {
		body.placement = `{"mode":"smart"}`
	}
	sc.ScriptBody = sd.body(body)
	return sc, tier
}

// tierOf decides a tenant's tier. It depends only on the customer, so all of
// a customer's scripts share a tier.
func tierOf(p persona) string {
	switch {
	case p.team != "":
		return "enterprise"
	case p.customer == "":
		return "free" // previews
	}
	h := fnv32(p.customer) % 100
	if len(p.customer) > 5 && p.customer[len(p.customer)-5:] == "-corp" {
		if h < 70 {
			return "enterprise"
		}
		return "pro"
	}
	switch {
	case h < 55:
		return "free"
	case h < 88:
		return "pro"
	}
	return "enterprise"
}

// scriptTags returns the script's tags (never more than 8).
func (sd *seeder) scriptTags(p persona, tier string) []string {
	var buf [8]string
	t := append(buf[:0], sd.word("tier-", tier))
	if p.customer != "" {
		t = append(t, sd.word("customer-", p.customer))
	}
	if p.team != "" {
		t = append(t, sd.word("team-", p.team))
	}
	t = append(t, sd.word("environment-", p.env), sd.word("project-", p.service))
	if p.pr != 0 {
		t = append(t, sd.word("pr-", strconv.Itoa(p.pr)), "ephemeral")
	}
	r := sd.rng
	if r.IntN(100) < 6 {
		t = append(t, "beta")
	}
	if r.IntN(100) < 4 {
		t = append(t, "legacy")
	}
	if r.IntN(100) < 12 {
		t = append(t, []string{"region-eu", "region-us", "region-apac"}[r.IntN(3)])
	}
	if p.customer != "" || p.pr != 0 {
		// Nearly unique lists: sharing them would cost the seeder more
		// (a table entry each) than it saves.
		return sd.tags.copyOf(t...)
	}
	return sd.tagList(t)
}

// tierLimitsFor returns a tier's limits; about 4% of scripts override them.
func (sd *seeder) tierLimitsFor(tier string) *Limits {
	cpu, sub := tierLimits(tier)
	if sd.rng.IntN(100) < 4 {
		overrides := []int{25, 100, 200, 500, 1000, 30000}
		cpu = overrides[sd.rng.IntN(len(overrides))]
		if sd.rng.IntN(2) == 0 {
			sub = []int{10, 20, 100, 200, 500}[sd.rng.IntN(5)]
		}
	}
	if l, ok := sd.share.limits[[2]int{cpu, sub}]; ok {
		return l
	}
	lp := &limitPair{cpu: cpu, sub: sub}
	lp.l = Limits{CPUMs: &lp.cpu, Subrequests: &lp.sub}
	sd.share.limits[[2]int{cpu, sub}] = &lp.l
	return &lp.l
}

// userBindings returns a tenant script's bindings, secrets included.
func (sd *seeder) userBindings(p persona) []Binding {
	r := sd.rng
	var buf [6]Binding
	b := append(buf[:0], Binding{Name: "ENVIRONMENT", Type: "plain_text",
		Raw: sd.intern(`{"name":"ENVIRONMENT","type":"plain_text","text":"` + p.env + `"}`)})
	site := p.service == "web" || p.service == "edge" || p.service == "images"
	if (site && r.IntN(100) < 60) || r.IntN(100) < 15 {
		b = append(b, Binding{Name: "CACHE", Type: "kv_namespace",
			Raw: sd.intern(`{"name":"CACHE","type":"kv_namespace","namespace_id":"` + sd.cache.ID + `"}`)})
	}
	switch p.service {
	case "webhook", "billing", "queue":
		b = append(b, Binding{Name: "EVENTS", Type: "queue",
			Raw: sd.intern(`{"name":"EVENTS","type":"queue","queue_name":"tenant-events"}`)})
	case "images":
		b = append(b, Binding{Name: "ASSETS", Type: "r2_bucket",
			Raw: sd.intern(`{"name":"ASSETS","type":"r2_bucket","bucket_name":"tenant-assets"}`)})
	}
	if r.IntN(100) < 25 {
		b = append(b, sd.secret("API_KEY", "sk_live_"))
	}
	if p.service == "webhook" {
		b = append(b, sd.secret("WEBHOOK_SECRET", "whsec_"))
	}
	return sd.bindingList(b)
}

// secret returns a secret_text binding with a random value.
func (sd *seeder) secret(name, prefix string) Binding {
	return Binding{Name: name, Type: "secret_text",
		Raw:    sd.intern(`{"name":"` + name + `","type":"secret_text"}`),
		Secret: prefix + randHex(sd.rng, 32)}
}

// module returns the one-module list of a template, shared by its scripts.
func (sd *seeder) module(content []byte) []Module {
	k := &content[0]
	if m, ok := sd.share.modules[k]; ok {
		return m
	}
	m := []Module{{Name: "worker.js", ContentType: "application/javascript+module", Content: content}}
	sd.share.modules[k] = m[:1:1]
	return m[:1:1]
}

// intern returns one shared copy of a JSON text (capacity clipped, so an
// append can never write into a neighbour).
func (sd *seeder) intern(s string) json.RawMessage {
	if b, ok := sd.raw[s]; ok {
		return b
	}
	b := json.RawMessage(s)
	sd.raw[s] = b[:len(b):len(b)]
	return sd.raw[s]
}

// word returns prefix+value, sharing one copy between all scripts.
func (sd *seeder) word(prefix, value string) string {
	k := [2]string{prefix, value}
	w, ok := sd.words[k]
	if !ok {
		w = prefix + value
		sd.words[k] = w
	}
	return w
}

// past returns a time up to maxAge before now.
func (sd *seeder) past(maxAge time.Duration) time.Time {
	return sd.now.Add(-time.Duration(sd.rng.Int64N(int64(maxAge)))).Truncate(time.Microsecond)
}

// fnv32 is FNV-1a, inlined to hash without allocating.
func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// slab hands out elements carved from chunks of 4096, so a big seeded world
// is a few hundred allocations rather than millions. Slices it returns have
// their capacity clipped, so appending to one reallocates instead of
// overwriting the next element.
type slab[T any] struct{ buf []T }

const slabChunk = 4096

func (s *slab[T]) one() *T { return &s.many(1)[0] }

func (s *slab[T]) many(n int) []T {
	if n > slabChunk/4 {
		return make([]T, n)
	}
	if cap(s.buf)-len(s.buf) < n {
		s.buf = make([]T, 0, slabChunk)
	}
	i := len(s.buf)
	s.buf = s.buf[:i+n]
	return s.buf[i : i+n : i+n]
}

func (s *slab[T]) copyOf(v ...T) []T {
	out := s.many(len(v))
	copy(out, v)
	return out
}
