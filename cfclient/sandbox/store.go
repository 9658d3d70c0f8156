package sandbox

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
)

// Store is the sandbox's whole world: one account, its dispatch namespaces and
// their scripts, its account-level scripts and its Workers KV namespaces.
//
// One RWMutex guards everything. Handlers take the read lock to serve and the
// write lock to change; a change either happens whole or not at all, because
// handlers validate everything before they take the write lock.
//
// Field names are exported so that the state file (see persist.go) can encode
// the store directly.
type Store struct {
	mu sync.RWMutex

	AccountID string `json:"account_id"`
	// Namespaces by name.
	Namespaces map[string]*Namespace `json:"namespaces"`
	// AccountScripts are the account's own Workers (the dispatcher, outbound).
	AccountScripts *ScriptSet `json:"account_scripts"`
	// KV namespaces by id.
	KV map[string]*KVNamespace `json:"kv"`

	// dirty is set by every mutation and cleared by the persister; lazy is
	// set by changes not worth a save of their own (saved within a minute,
	// or with the next change, or on close).
	dirty bool
	lazy  bool
}

// Namespace is a dispatch namespace.
type Namespace struct {
	ID         string     `json:"namespace_id"`
	Name       string     `json:"namespace_name"`
	Trusted    bool       `json:"trusted_workers"`
	CreatedOn  time.Time  `json:"created_on"`
	ModifiedOn time.Time  `json:"modified_on"`
	CreatedBy  string     `json:"created_by"`
	ModifiedBy string     `json:"modified_by"`
	Scripts    *ScriptSet `json:"scripts"`
}

// ScriptSet holds scripts by name and keeps their names sorted so that cursor
// pagination over 100,000 scripts is a binary search, not a sort per page.
type ScriptSet struct {
	ByName map[string]*Script `json:"by_name"`
	names  []string           // sorted; rebuilt by reindex after decoding
}

// NewScriptSet returns an empty set.
func NewScriptSet() *ScriptSet { return &ScriptSet{ByName: map[string]*Script{}} }

// Put inserts or replaces a script, keeping the name index sorted.
func (s *ScriptSet) Put(sc *Script) {
	if _, ok := s.ByName[sc.Name]; !ok {
		i, _ := slices.BinarySearch(s.names, sc.Name)
		s.names = slices.Insert(s.names, i, sc.Name)
	}
	s.ByName[sc.Name] = sc
}

// Delete removes a script by name; it reports whether it existed.
func (s *ScriptSet) Delete(name string) bool {
	if _, ok := s.ByName[name]; !ok {
		return false
	}
	delete(s.ByName, name)
	if i, found := slices.BinarySearch(s.names, name); found {
		s.names = slices.Delete(s.names, i, i+1)
	}
	return true
}

// Get returns a script by name.
func (s *ScriptSet) Get(name string) (*Script, bool) {
	sc, ok := s.ByName[name]
	return sc, ok
}

// Len is the number of scripts.
func (s *ScriptSet) Len() int { return len(s.ByName) }

// Names returns the sorted names. The caller must not modify the slice.
func (s *ScriptSet) Names() []string { return s.names }

// After returns the index of the first name strictly greater than name.
func (s *ScriptSet) After(name string) int {
	i, found := slices.BinarySearch(s.names, name)
	if found {
		i++
	}
	return i
}

// reindex rebuilds the sorted name index (after decoding a state file, or
// after a bulk seed that filled ByName directly).
func (s *ScriptSet) reindex() {
	s.names = make([]string, 0, len(s.ByName))
	for n := range s.ByName {
		s.names = append(s.names, n)
	}
	slices.Sort(s.names)
}

// Script is a Worker script: a namespace's user script or an account script.
//
// What a script's code and version settings are lives in its ScriptBody,
// which seeded scripts share (a million seeded scripts have a few thousand
// distinct bodies): code that changes a body field must first give the
// script a body of its own (ownBody, or clone for a copy). The fields of a
// Script itself, like every slice and pointer in it, are replaced, never
// written into.
type Script struct {
	Name       string    `json:"id"`
	ids        scriptIDs // Tag and ETag
	CreatedOn  time.Time `json:"created_on"`
	ModifiedOn time.Time `json:"modified_on"`
	Tags       []string  `json:"tags"`
	Logpush    bool      `json:"logpush"`
	Limits     *Limits   `json:"limits,omitempty"`
	// Bindings in upload order. Secrets are bindings of type secret_text or
	// secret_key whose values live in Binding.Secret and are never served.
	Bindings []Binding `json:"bindings"`
	// Account is what only account scripts have (versions, deployments,
	// workers.dev route); nil until one is recorded, so that 100,000 user
	// scripts pay one pointer for it. It is replaced, never written into.
	Account *AccountScriptState `json:"account,omitempty"`
	*ScriptBody
}

// ScriptBody is a script's code and the settings that come with it. It is
// never nil in a stored script, and may be shared (see Script).
type ScriptBody struct {
	Handlers           []string        `json:"handlers"`
	CompatibilityDate  string          `json:"compatibility_date"`
	CompatibilityFlags []string        `json:"compatibility_flags"`
	UsageModel         string          `json:"usage_model"`
	Observability      json.RawMessage `json:"observability,omitempty"`
	Placement          json.RawMessage `json:"placement,omitempty"`
	TailConsumers      json.RawMessage `json:"tail_consumers,omitempty"`
	MigrationTag       string          `json:"migration_tag,omitempty"`
	MainModule         string          `json:"main_module,omitempty"`
	BodyPart           string          `json:"body_part,omitempty"`
	Modules            []Module        `json:"modules"`
}

// ownBody gives sc a copy of its body, so that its body fields can be set
// without changing the scripts it shared the body with.
func (sc *Script) ownBody() {
	b := *sc.ScriptBody
	sc.ScriptBody = &b
}

// clone returns a copy of sc with a body of its own.
func (sc *Script) clone() *Script {
	cp := *sc
	cp.ownBody()
	return &cp
}

// AccountScriptState is an account script's versions and deployments
// (oldest first, see workers_versions.go) and workers.dev route settings.
type AccountScriptState struct {
	Versions        []ScriptVersion    `json:"versions,omitempty"`
	Deployments     []ScriptDeployment `json:"deployments,omitempty"`
	WorkersDev      bool               `json:"workers_dev,omitempty"`
	PreviewsEnabled bool               `json:"previews_enabled,omitempty"`
}

// account returns a copy of the script's account state (zero when none).
func (sc *Script) account() AccountScriptState {
	if sc.Account == nil {
		return AccountScriptState{}
	}
	return *sc.Account
}

// Limits are a script's hard limits.
type Limits struct {
	CPUMs       *int `json:"cpu_ms,omitempty"`
	Subrequests *int `json:"subrequests,omitempty"`
}

// Binding is one binding: Name and Type are pulled out of Raw, which is the
// whole object as the client sent it (minus any secret value).
type Binding struct {
	Name string          `json:"name"`
	Type string          `json:"type"`
	Raw  json.RawMessage `json:"raw"`
	// Secret is the value of a secret_text (or the key of a secret_key).
	// It is persisted in the state file but never written to an API response.
	Secret string `json:"secret,omitempty"`
}

// IsSecret reports whether the binding holds a secret.
func (b Binding) IsSecret() bool { return b.Type == "secret_text" || b.Type == "secret_key" }

// Module is one uploaded file of a script.
type Module struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Content     []byte `json:"content"`
}

// KVNamespace is a Workers KV namespace. Its keys are a sorted slice of
// names and a parallel slice of entries: a lookup is a binary search and a
// listing a scan, without a map's per-key cost (the seeded ROUTING
// namespace holds 2.3 million keys at 1,000,000 scripts).
type KVNamespace struct {
	ID    string     `json:"id"`
	Title string     `json:"title"`
	names []string   // sorted
	ents  []*KVEntry // ents[i] is the entry of names[i]
}

// KVEntry is one key's value, metadata and expiration (unix seconds, 0 = none).
type KVEntry struct {
	Value      []byte          `json:"value"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	Expiration int64           `json:"expiration,omitempty"`
}

// NewKVNamespace returns an empty KV namespace.
func NewKVNamespace(id, title string) *KVNamespace {
	return &KVNamespace{ID: id, Title: title}
}

// Get returns a key's entry.
func (k *KVNamespace) Get(key string) (*KVEntry, bool) {
	if i, found := slices.BinarySearch(k.names, key); found {
		return k.ents[i], true
	}
	return nil, false
}

// entry returns a key's entry, nil when absent.
func (k *KVNamespace) entry(key string) *KVEntry {
	e, _ := k.Get(key)
	return e
}

// Len is the number of keys.
func (k *KVNamespace) Len() int { return len(k.names) }

// EntryAt returns the entry of Names()[i].
func (k *KVNamespace) EntryAt(i int) *KVEntry { return k.ents[i] }

// Put inserts or replaces a key, keeping the keys sorted.
func (k *KVNamespace) Put(key string, e *KVEntry) {
	i, found := slices.BinarySearch(k.names, key)
	if found {
		k.ents[i] = e
		return
	}
	k.names = slices.Insert(k.names, i, key)
	k.ents = slices.Insert(k.ents, i, e)
}

// Delete removes a key; it reports whether it existed.
func (k *KVNamespace) Delete(key string) bool {
	i, found := slices.BinarySearch(k.names, key)
	if !found {
		return false
	}
	k.names = slices.Delete(k.names, i, i+1)
	k.ents = slices.Delete(k.ents, i, i+1)
	return true
}

// Names returns the sorted key names. The caller must not modify the slice.
func (k *KVNamespace) Names() []string { return k.names }

// add appends a key without keeping the order, for filling a namespace in
// bulk (seeding, loading); reindex then sorts.
func (k *KVNamespace) add(key string, e *KVEntry) {
	k.names = append(k.names, key)
	k.ents = append(k.ents, e)
}

// reindex sorts keys added with add. Of keys added more than once the last
// wins, as with Put; it returns such a key ("" when there is none).
func (k *KVNamespace) reindex() (repeated string) {
	if slices.IsSorted(k.names) && !hasAdjacentEqual(k.names) {
		return ""
	}
	order := make([]int32, len(k.names))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(k.names[a], k.names[b]) })
	names := make([]string, 0, len(order))
	ents := make([]*KVEntry, 0, len(order))
	for j, i := range order {
		if j+1 < len(order) && k.names[order[j+1]] == k.names[i] {
			repeated = k.names[i]
			continue // a later one of the same name follows
		}
		names = append(names, k.names[i])
		ents = append(ents, k.ents[i])
	}
	k.names, k.ents = names, ents
	return repeated
}

func hasAdjacentEqual(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			return true
		}
	}
	return false
}

// NewStore returns an empty store for an account.
func NewStore(accountID string) *Store {
	return &Store{
		AccountID:      accountID,
		Namespaces:     map[string]*Namespace{},
		AccountScripts: NewScriptSet(),
		KV:             map[string]*KVNamespace{},
	}
}

// reindex rebuilds every sorted index.
func (st *Store) reindex() {
	st.AccountScripts.reindex()
	for _, ns := range st.Namespaces {
		ns.Scripts.reindex()
	}
	for _, kv := range st.KV {
		kv.reindex()
	}
}

// Read runs f under the read lock.
func (st *Store) Read(f func()) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	f()
}

// WriteLazy is Write for changes that need not be saved at once: the
// traffic generator's last-used stamps.
func (st *Store) WriteLazy(f func() (changed bool)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if f() {
		st.lazy = true
	}
}

// Write runs f under the write lock and marks the store dirty when f reports
// that it changed something.
func (st *Store) Write(f func() (changed bool)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if f() {
		st.dirty = true
	}
}
