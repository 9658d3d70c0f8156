package cfclient

import (
	"encoding/json"
)

// The console's raw JSON views (y) show objects in the API's field names.
// cfclient hands views its own types, not the API's bytes (a 100,000-script
// listing does not keep them), so APIObject rebuilds each object in the
// API's shape here, next to the wire types, and views never learn the API's
// field names. Raw parts (bindings, observability, placement) are passed
// through as sent.

// APIObject returns the namespace as the API sends it, for json.Marshal.
func (n Namespace) APIObject() any {
	return wireNamespace{ID: n.ID, Name: n.Name, ScriptCount: n.ScriptCount, Trusted: n.Trusted,
		CreatedOn: n.CreatedOn, ModifiedOn: n.ModifiedOn}
}

// APIObject returns the script as a listing sends it, for json.Marshal.
func (s Script) APIObject() any { return s.wire() }

// wire is the script in the listing's wire shape (the one struct both
// the listing decode and the raw views use).
func (s Script) wire() wireScript {
	w := wireScript{
		ID: s.Name, Tag: s.Tag, ETag: s.ETag, Tags: s.Tags, Handlers: s.Handlers,
		CreatedOn: s.CreatedOn, ModifiedOn: s.ModifiedOn,
		CompatibilityDate: s.CompatibilityDate, CompatibilityFlags: s.CompatibilityFlags,
		UsageModel: s.UsageModel, LastDeployedFrom: s.LastDeployedFrom,
		Logpush: s.Logpush, HasAssets: s.HasAssets, HasModules: s.HasModules,
	}
	if w.Tags == nil {
		w.Tags = []string{}
	}
	return w
}

// apiDetails is ScriptDetails in the API's field names: the listing's
// script object plus what only the details endpoint sends.
type apiDetails struct {
	wireScript
	DispatchNamespace string          `json:"dispatch_namespace"`
	MigrationTag      string          `json:"migration_tag,omitempty"`
	Placement         json.RawMessage `json:"placement,omitempty"`
	Observability     json.RawMessage `json:"observability,omitempty"`
}

// APIObject returns the worker details as the API sends them.
func (d ScriptDetails) APIObject() any {
	return apiDetails{
		wireScript: d.Script.wire(), DispatchNamespace: d.Namespace, MigrationTag: d.MigrationTag,
		Placement: validRaw(d.Placement), Observability: validRaw(d.Observability),
	}
}

// APIObject returns the settings as the API sends them (secret values are
// never part of them).
func (s ScriptSettings) APIObject() any {
	w := wireSettings{
		CompatibilityDate: s.CompatibilityDate, CompatibilityFlags: s.CompatibilityFlags,
		Logpush: s.Logpush, Observability: validRaw(s.Observability), Placement: validRaw(s.Placement),
		Tags: s.Tags, UsageModel: s.UsageModel,
	}
	w.Limits.CPUMs, w.Limits.Subrequests = s.Limits.CPUMs, s.Limits.Subrequests
	for _, b := range s.Bindings {
		w.Bindings = append(w.Bindings, validRaw(b.Raw))
	}
	for _, t := range s.TailConsumers {
		w.TailConsumers = append(w.TailConsumers, wireTail(t))
	}
	return w
}

// validRaw keeps raw JSON that is valid, and turns anything else into a
// JSON string so the document still marshals.
func validRaw(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	if json.Valid(raw) {
		return raw
	}
	b, _ := json.Marshal(string(raw))
	return b
}
