package change

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Kit is a deleted script's undo kit: everything needed to upload it
// again (script.restore) except its secret values, which the API never
// returns. It is read right before the delete (two requests: the content
// and the settings, which carry the tags and the bindings).
type Kit struct {
	Account   string    `json:"account"`
	Namespace string    `json:"namespace"`
	Script    string    `json:"script"`
	Saved     time.Time `json:"saved"`
	// ETag is the script's content hash when it was saved.
	ETag string `json:"etag,omitempty"`

	Modules    []cfclient.Module `json:"modules"`
	MainModule string            `json:"main_module,omitempty"`
	BodyPart   string            `json:"body_part,omitempty"`

	CompatibilityDate  string                  `json:"compatibility_date,omitempty"`
	CompatibilityFlags []string                `json:"compatibility_flags,omitempty"`
	UsageModel         string                  `json:"usage_model,omitempty"`
	Logpush            bool                    `json:"logpush,omitempty"`
	Observability      json.RawMessage         `json:"observability,omitempty"`
	Placement          json.RawMessage         `json:"placement,omitempty"`
	TailConsumers      []cfclient.TailConsumer `json:"tail_consumers,omitempty"`
	Limits             platform.Limits         `json:"limits"`
	Tags               []string                `json:"tags"`
	// Bindings are every binding but secrets, as the API listed them.
	Bindings []json.RawMessage `json:"bindings"`
	// Secrets name the secret bindings whose values are lost with the
	// script: a restore brings the script back without them.
	Secrets []string `json:"secrets,omitempty"`
}

// KitStore keeps undo kits (package jobs keeps them as files next to a
// job's journal). Save must make the kit durable before it returns: the
// delete follows at once. ref is what a script.restore op names (State.Kit).
type KitStore interface {
	// Save keeps the kit of a script deleted by plan planID.
	Save(planID string, k *Kit) (ref string, err error)
	// Load reads the kit ref names.
	Load(ref string) (*Kit, error)
}

// secretTypes are the binding types whose values the API never returns.
var secretTypes = map[string]bool{"secret_text": true, "secret_key": true}

// IsSecretBinding reports whether a binding of type t holds a secret value
// the API never returns (so a deleted script's value cannot be restored).
func IsSecretBinding(t string) bool { return secretTypes[t] }

// ReadKit reads the undo kit of script ns/name (two requests: content and
// settings), for the account of c. d is the script as last read (its
// etag and whether it is ES modules).
func ReadKit(ctx context.Context, c *cfclient.Client, ns, name string, d cfclient.Script) (*Kit, error) {
	mods, err := c.ScriptModules(ctx, ns, name)
	if err != nil {
		return nil, fmt.Errorf("undo kit of %s/%s: %w", ns, name, err)
	}
	s, err := c.GetSettings(ctx, ns, name)
	if err != nil {
		return nil, fmt.Errorf("undo kit of %s/%s: %w", ns, name, err)
	}
	k := &Kit{
		Account: c.AccountID(), Namespace: ns, Script: name, Saved: c.Now().UTC(), ETag: d.ETag,
		Modules:           mods,
		CompatibilityDate: s.CompatibilityDate, CompatibilityFlags: s.CompatibilityFlags,
		UsageModel: s.UsageModel, Logpush: s.Logpush, Observability: s.Observability, Placement: s.Placement,
		TailConsumers: s.TailConsumers, Limits: s.Limits, Tags: nonNil(s.Tags), Bindings: []json.RawMessage{},
	}
	// The entry point: the content response names only its files, so the
	// first module is the main one (the API sends the main module first,
	// as the sandbox does).
	if d.HasModules || isModuleType(mods[0].ContentType) {
		k.MainModule = mods[0].Name
	} else {
		k.BodyPart = mods[0].Name
	}
	for _, b := range s.Bindings {
		if IsSecretBinding(b.Type) {
			k.Secrets = append(k.Secrets, b.Name)
			continue
		}
		k.Bindings = append(k.Bindings, b.Raw)
	}
	return k, nil
}

func isModuleType(ct string) bool {
	return ct == "application/javascript+module" || ct == "text/javascript+module"
}

// Upload is the kit as an upload.
func (k *Kit) Upload() cfclient.ScriptUpload {
	return cfclient.ScriptUpload{
		Modules: k.Modules, MainModule: k.MainModule, BodyPart: k.BodyPart,
		CompatibilityDate: k.CompatibilityDate, CompatibilityFlags: k.CompatibilityFlags,
		Bindings: k.Bindings, Tags: k.Tags, Limits: k.Limits, Logpush: k.Logpush,
		Observability: k.Observability, Placement: k.Placement, TailConsumers: k.TailConsumers,
		UsageModel: k.UsageModel,
	}
}
