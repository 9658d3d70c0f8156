package sandbox

import (
	"encoding/binary"
	"encoding/json"
	"time"
)

// scriptRecord is a script as the state file holds it: every field at the
// top level, as Script had them before its body was split off (see
// ScriptBody), so files of either age read the same. Gob matches fields by
// name, so this type must keep these names and types.
type scriptRecord struct {
	Name               string
	Tag                string
	ETag               string
	CreatedOn          time.Time
	ModifiedOn         time.Time
	Tags               []string
	Handlers           []string
	CompatibilityDate  string
	CompatibilityFlags []string
	UsageModel         string
	Limits             *Limits
	Logpush            bool
	Observability      json.RawMessage
	Placement          json.RawMessage
	TailConsumers      json.RawMessage
	MigrationTag       string
	Bindings           []Binding
	MainModule         string
	BodyPart           string
	Modules            []Module
	Account            *AccountScriptState
}

// namespaceRecord is a dispatch namespace's header in the state file: a
// Namespace without its scripts (which follow in their own records). The
// names are Namespace's, so files written when the header was a Namespace
// read the same.
type namespaceRecord struct {
	ID         string
	Name       string
	Trusted    bool
	CreatedOn  time.Time
	ModifiedOn time.Time
	CreatedBy  string
	ModifiedBy string
}

// record returns sc as the state file holds it.
func (sc *Script) record() scriptRecord {
	b := sc.ScriptBody
	if b == nil {
		b = &ScriptBody{}
	}
	return scriptRecord{
		Name: sc.Name, Tag: sc.Tag(), ETag: sc.ETag(), CreatedOn: sc.CreatedOn(), ModifiedOn: sc.ModifiedOn(),
		Tags: sc.Tags, Limits: sc.Limits, Logpush: sc.Logpush, Bindings: sc.Bindings, Account: sc.Account,
		Handlers: b.Handlers, CompatibilityDate: b.CompatibilityDate, CompatibilityFlags: b.CompatibilityFlags,
		UsageModel: b.UsageModel, Observability: b.Observability, Placement: b.Placement,
		TailConsumers: b.TailConsumers, MigrationTag: b.MigrationTag, MainModule: b.MainModule,
		BodyPart: b.BodyPart, Modules: b.Modules,
	}
}

// script returns the script a record holds; its body, limits and (secret
// free) bindings are the shared copies when equal ones were seen before.
func (r *scriptRecord) script(in *recordInterner) *Script {
	sc := &Script{
		Name: r.Name, created: microOf(r.CreatedOn), modified: microOf(r.ModifiedOn),
		Tags: r.Tags, Limits: in.limits(r.Limits), Logpush: r.Logpush, Bindings: in.bindings(r.Bindings), Account: r.Account,
		ScriptBody: in.body(ScriptBody{
			Handlers: r.Handlers, CompatibilityDate: r.CompatibilityDate, CompatibilityFlags: r.CompatibilityFlags,
			UsageModel: r.UsageModel, Observability: r.Observability, Placement: r.Placement,
			TailConsumers: r.TailConsumers, MigrationTag: r.MigrationTag, MainModule: r.MainModule,
			BodyPart: r.BodyPart, Modules: r.Modules,
		}),
	}
	sc.setIDs(r.Tag, r.ETag)
	return sc
}

// recordInterner shares equal bodies, limits and secret-free binding lists
// between the scripts of a state file, as the seeded world shares them.
// Module contents are compared by their backing array, which the decoder
// already shares per blob.
type recordInterner struct {
	seen      map[string]*ScriptBody
	blobs     map[blobKey]int // a number per distinct backing array
	lists     map[string][]Binding
	allLimits map[[4]int]*Limits
	key       []byte
}

func newRecordInterner() *recordInterner {
	return &recordInterner{seen: map[string]*ScriptBody{}, blobs: map[blobKey]int{},
		lists: map[string][]Binding{}, allLimits: map[[4]int]*Limits{}}
}

// limits returns the shared copy of l.
func (in *recordInterner) limits(l *Limits) *Limits {
	if l == nil {
		return nil
	}
	var k [4]int
	if l.CPUMs != nil {
		k[0], k[1] = 1, *l.CPUMs
	}
	if l.Subrequests != nil {
		k[2], k[3] = 1, *l.Subrequests
	}
	if prev, ok := in.allLimits[k]; ok {
		return prev
	}
	in.allLimits[k] = l
	return l
}

// bindings returns the shared copy of a list without secrets (capacity
// clipped), or b itself.
func (in *recordInterner) bindings(b []Binding) []Binding {
	if len(b) == 0 {
		return b
	}
	k := in.key[:0]
	for _, x := range b {
		if x.IsSecret() || x.Secret != "" {
			return b
		}
		k = append(k, x.Name...)
		k = append(k, 0)
		k = append(k, x.Type...)
		k = append(k, 0)
		k = append(k, x.Raw...)
		k = append(k, 1)
	}
	in.key = k
	if prev, ok := in.lists[string(k)]; ok {
		return prev
	}
	b = b[:len(b):len(b)]
	in.lists[string(k)] = b
	return b
}

// blobID numbers module contents by backing array (0 for none).
func (in *recordInterner) blobID(c []byte) int {
	if len(c) == 0 {
		return 0
	}
	k := blobKey{&c[0], len(c)}
	id, ok := in.blobs[k]
	if !ok {
		id = len(in.blobs) + 1
		in.blobs[k] = id
	}
	return id
}

// body returns the shared copy of b.
func (in *recordInterner) body(b ScriptBody) *ScriptBody {
	k := in.key[:0]
	field := func(s ...string) {
		for _, x := range s {
			k = append(k, x...)
			k = append(k, 0)
		}
		k = append(k, 1)
	}
	field(b.Handlers...)
	field(b.CompatibilityFlags...)
	field(b.CompatibilityDate, b.UsageModel, string(b.Observability), string(b.Placement),
		string(b.TailConsumers), b.MigrationTag, b.MainModule, b.BodyPart)
	for _, m := range b.Modules {
		field(m.Name, m.ContentType)
		k = binary.LittleEndian.AppendUint64(k, uint64(in.blobID(m.Content)))
	}
	in.key = k
	if prev, ok := in.seen[string(k)]; ok {
		return prev
	}
	p := &b
	in.seen[string(k)] = p
	return p
}
