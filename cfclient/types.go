package cfclient

import (
	"encoding/json"
	"time"

	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Namespace is a Workers for Platforms dispatch namespace.
type Namespace struct {
	ID          string
	Name        string
	ScriptCount int
	// Trusted namespaces give their scripts the zone cache and request.cf.
	Trusted    bool
	CreatedOn  time.Time
	ModifiedOn time.Time
}

// Script is one Worker script, as listed. It is kept small on purpose: a
// listing of a 100,000-script namespace holds one per script, so it uses
// plain strings and slices (repeated values are shared by the listing) and
// no maps.
type Script struct {
	// Name is the script name (the API calls it "id").
	Name string
	// Tag is the script's immutable id.
	Tag  string
	ETag string
	// Tags are the script's tags (tier-, customer-, environment-, ...).
	Tags               []string
	Handlers           []string
	CreatedOn          time.Time
	ModifiedOn         time.Time
	CompatibilityDate  string
	CompatibilityFlags []string
	// UsageModel is standard, bundled or unbound.
	UsageModel       string
	LastDeployedFrom string
	Logpush          bool
	HasAssets        bool
	HasModules       bool
}

// HasTag reports whether the script carries tag t.
func (s Script) HasTag(t string) bool {
	for _, x := range s.Tags {
		if x == t {
			return true
		}
	}
	return false
}

// ScriptDetails is what the worker-details endpoint returns for one script
// of a namespace.
type ScriptDetails struct {
	Script
	// Namespace is the dispatch namespace the script lives in.
	Namespace string
	// MigrationTag is the last Durable Object migration applied.
	MigrationTag string
	// Placement is the placement object as the API sent it (may be empty).
	Placement json.RawMessage
	// Observability is the observability object as sent (may be empty).
	Observability json.RawMessage
}

// Binding is one binding of a script. Raw is the binding object as the API
// sent it; the API never includes secret values.
type Binding struct {
	Name string
	Type string
	Raw  json.RawMessage
}

// TailConsumer is a Worker that receives another Worker's logs.
type TailConsumer struct {
	Service     string
	Environment string
	Namespace   string
}

// ScriptSettings are a script's settings.
type ScriptSettings struct {
	Limits             platform.Limits
	Bindings           []Binding
	CompatibilityDate  string
	CompatibilityFlags []string
	UsageModel         string
	Logpush            bool
	// Observability and Placement are the objects as the API sent them.
	Observability json.RawMessage
	Placement     json.RawMessage
	TailConsumers []TailConsumer
	Tags          []string
}

// SettingsPatch changes some settings of a script; nil fields stay as they
// are.
type SettingsPatch struct {
	// Limits: a nil pointer inside leaves that limit unchanged.
	Limits             *platform.Limits
	CompatibilityDate  *string
	CompatibilityFlags *[]string
	UsageModel         *string
	Logpush            *bool
	Tags               *[]string
}

// Secret is a secret's name and type; values are never returned by the API.
type Secret struct {
	Name string
	Type string
}

// BulkDeleteResult is what one bulk delete by tags removed.
type BulkDeleteResult struct {
	// Deleted are the ids the API reported (the sandbox sends script names).
	Deleted []string
	// Count is deleted_count as reported.
	Count int
	// HasMore is true when more scripts match the filter; call again.
	HasMore bool
}

// KVNamespace is a Workers KV namespace.
type KVNamespace struct {
	ID    string
	Title string
}

// KVKey is one key of a KV namespace, without its value.
type KVKey struct {
	Name string
	// Expiration is unix seconds, 0 when the key does not expire.
	Expiration int64
	// Metadata is the key's metadata JSON (nil when none).
	Metadata json.RawMessage
}

// KVPair is one key and value for a bulk write.
type KVPair struct {
	Key   string
	Value string
	// ExpirationTTL in seconds (0 = none; otherwise at least 60).
	ExpirationTTL int
}
