package sandbox

import (
	"hash/maphash"
	"slices"
	"strings"
	"time"
)

// sharing is what the seeder interns so that a million seeded scripts hold
// one copy of each distinct list rather than one each (see seed.go,
// "Memory"). Every list is returned with its capacity clipped, so an append
// reallocates; handlers replace these values, never write into them.
type sharing struct {
	modules      map[*byte][]Module  // by the template content's first byte
	limits       map[[2]int]*Limits  // by cpu_ms and subrequests
	dates        map[int]string      // compatibility dates by yyyymmdd
	tagLists     map[uint64][]string // by a hash of the tags (see tagList)
	seed         maphash.Seed
	bindingLists map[string][]Binding // secret-free lists, by their raw JSON
	nodejsCompat []string
	bodies       map[bodyKey]*ScriptBody
}

// bodyKey is what tells the seeded scripts' bodies apart.
type bodyKey struct {
	tpl                      *scriptTemplate
	date                     string
	nodejsCompat             bool
	observability, placement string // JSON, "" for none
}

func newSharing() sharing {
	return sharing{
		modules:      map[*byte][]Module{},
		limits:       map[[2]int]*Limits{},
		dates:        map[int]string{},
		tagLists:     map[uint64][]string{},
		seed:         maphash.MakeSeed(),
		bindingLists: map[string][]Binding{},
		nodejsCompat: []string{"nodejs_compat"},
		bodies:       map[bodyKey]*ScriptBody{},
	}
}

// date is t's calendar date (yyyy-mm-dd), one string per distinct date.
func (sd *seeder) date(t time.Time) string {
	y, m, d := t.Date()
	k := y*10000 + int(m)*100 + d
	s, ok := sd.share.dates[k]
	if !ok {
		s = t.Format(time.DateOnly)
		sd.share.dates[k] = s
	}
	return s
}

// tagList returns a shared copy of tags (which the caller may reuse). The
// lists are found by a hash, not by their text, because most are unique
// and a map holding each one's text would cost more while seeding than
// sharing saves; on a collision the newer list simply gets its own copy.
func (sd *seeder) tagList(tags []string) []string {
	var h maphash.Hash
	h.SetSeed(sd.share.seed)
	for _, t := range tags {
		h.WriteString(t)
		h.WriteByte(0)
	}
	k := h.Sum64()
	if l, ok := sd.share.tagLists[k]; ok && slices.Equal(l, tags) {
		return l
	}
	l := sd.tags.copyOf(tags...)
	sd.share.tagLists[k] = l
	return l
}

// bindingList returns bindings as a list of their own when one holds a
// secret (its value is the script's alone), else a shared copy.
func (sd *seeder) bindingList(b []Binding) []Binding {
	var k strings.Builder
	for _, x := range b {
		if x.IsSecret() {
			out := sd.bindings.many(len(b))
			copy(out, b)
			return out
		}
		k.Write(x.Raw)
	}
	if l, ok := sd.share.bindingLists[k.String()]; ok {
		return l
	}
	l := sd.bindings.many(len(b))
	copy(l, b)
	sd.share.bindingLists[k.String()] = l
	return l
}

// body returns the shared body a seeded user script of k has.
func (sd *seeder) body(k bodyKey) *ScriptBody {
	if b, ok := sd.share.bodies[k]; ok {
		return b
	}
	b := &ScriptBody{
		Handlers:          k.tpl.handlers,
		CompatibilityDate: k.date,
		UsageModel:        "standard",
		MainModule:        "worker.js",
		Modules:           sd.module(k.tpl.content),
	}
	if k.nodejsCompat {
		b.CompatibilityFlags = sd.share.nodejsCompat
	}
	if k.observability != "" {
		b.Observability = sd.intern(k.observability)
	}
	if k.placement != "" {
		b.Placement = sd.intern(k.placement)
	}
	sd.share.bodies[k] = b
	return b
}
