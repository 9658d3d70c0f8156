package sandbox

import (
	"encoding/json"
	"fmt"
	"iter"
	"slices"
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
// The state file (see persist_format.go) writes the store as records of its
// own (persist_script.go), so the layout here is free to be compact.
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

// ScriptSet holds scripts by name, the names sorted so that cursor
// pagination over a million scripts is a binary search, not a sort per page.
type ScriptSet struct {
	byName sortedMap[*Script]
}

// NewScriptSet returns an empty set.
func NewScriptSet() *ScriptSet { return &ScriptSet{} }

// Put inserts or replaces a script.
func (s *ScriptSet) Put(sc *Script) { s.byName.put(sc.Name, sc) }

// Delete removes a script by name; it reports whether it existed.
func (s *ScriptSet) Delete(name string) bool { return s.byName.remove(name) }

// Get returns a script by name.
func (s *ScriptSet) Get(name string) (*Script, bool) { return s.byName.get(name) }

// script returns a script by name, nil when there is none.
func (s *ScriptSet) script(name string) *Script {
	sc, _ := s.byName.get(name)
	return sc
}

// At returns the script named Names()[i].
func (s *ScriptSet) At(i int) *Script { return s.byName.vals[i] }

// Len is the number of scripts.
func (s *ScriptSet) Len() int { return len(s.byName.names) }

// Names returns the sorted names. The caller must not modify the slice.
func (s *ScriptSet) Names() []string { return s.byName.names }

// All yields the scripts in name order.
func (s *ScriptSet) All() iter.Seq2[string, *Script] {
	return func(yield func(string, *Script) bool) {
		for i, n := range s.byName.names {
			if !yield(n, s.byName.vals[i]) {
				return
			}
		}
	}
}

// After returns the index of the first name strictly greater than name.
func (s *ScriptSet) After(name string) int {
	i, found := slices.BinarySearch(s.byName.names, name)
	if found {
		i++
	}
	return i
}

// add appends a script without keeping the order (seeding, loading);
// reindex sorts.
func (s *ScriptSet) add(sc *Script) { s.byName.add(sc.Name, sc) }

// reindex sorts the scripts added with add. Of names added more than once
// the last wins; it returns such a name ("" when there is none).
func (s *ScriptSet) reindex() (repeated string) { return s.byName.sort() }

// Script is a Worker script: a namespace's user script or an account script.
//
// What a script's code and version settings are lives in its ScriptBody,
// which seeded scripts share (a million seeded scripts have a few thousand
// distinct bodies): code that changes a body field must first give the
// script a body of its own (ownBody, or clone for a copy). The fields of a
// Script itself, like every slice and pointer in it, are replaced, never
// written into.
type Script struct {
	Name     string    `json:"id"`
	ids      scriptIDs // Tag and ETag
	created  microTime // CreatedOn
	modified microTime // ModifiedOn
	Tags     []string  `json:"tags"`
	Logpush  bool      `json:"logpush"`
	Limits   *Limits   `json:"limits,omitempty"`
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

// KVNamespace is a Workers KV namespace. Its keys are kept sorted, with
// their entries, in a sortedMap (the seeded ROUTING namespace holds 2.3
// million keys at 1,000,000 scripts).
type KVNamespace struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	keys  sortedMap[*KVEntry]
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
func (k *KVNamespace) Get(key string) (*KVEntry, bool) { return k.keys.get(key) }

// entry returns a key's entry, nil when absent.
func (k *KVNamespace) entry(key string) *KVEntry {
	e, _ := k.keys.get(key)
	return e
}

// Len is the number of keys.
func (k *KVNamespace) Len() int { return len(k.keys.names) }

// EntryAt returns the entry of Names()[i].
func (k *KVNamespace) EntryAt(i int) *KVEntry { return k.keys.vals[i] }

// Put inserts or replaces a key.
func (k *KVNamespace) Put(key string, e *KVEntry) { k.keys.put(key, e) }

// Delete removes a key; it reports whether it existed.
func (k *KVNamespace) Delete(key string) bool { return k.keys.remove(key) }

// Names returns the sorted key names. The caller must not modify the slice.
func (k *KVNamespace) Names() []string { return k.keys.names }

// add appends a key without keeping the order, for filling a namespace in
// bulk (seeding, loading); reindex then sorts.
func (k *KVNamespace) add(key string, e *KVEntry) { k.keys.add(key, e) }

// reindex sorts keys added with add. Of keys added more than once the last
// wins, as with Put; it returns such a key ("" when there is none).
func (k *KVNamespace) reindex() (repeated string) { return k.keys.sort() }

// NewStore returns an empty store for an account.
func NewStore(accountID string) *Store {
	return &Store{
		AccountID:      accountID,
		Namespaces:     map[string]*Namespace{},
		AccountScripts: NewScriptSet(),
		KV:             map[string]*KVNamespace{},
	}
}

// reindexLoaded sorts a store read from a state file, where a name must
// not repeat.
func (st *Store) reindexLoaded() error {
	if n := st.AccountScripts.reindex(); n != "" {
		return fmt.Errorf("script %q is empty or repeated", n)
	}
	for name, ns := range st.Namespaces {
		if n := ns.Scripts.reindex(); n != "" {
			return fmt.Errorf("namespace %q: script %q is empty or repeated", name, n)
		}
	}
	for id, kv := range st.KV {
		if key := kv.reindex(); key != "" {
			return fmt.Errorf("KV namespace %q: key %q is repeated", id, key)
		}
	}
	return nil
}

// reindex sorts every namespace's scripts and keys (after a bulk fill).
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
