package cfclient

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// The raw views show objects in the API's field names: what the sandbox
// sends for a script comes back out of APIObject with the same keys.
func TestAPIObjectUsesTheAPIFieldNames(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	var first Script
	if err := e.c.ListScripts(ctx, "production", TagFilter{}, func(p []Script) error {
		if first.Name == "" {
			first = p[0]
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(first.APIObject())
	if err != nil {
		t.Fatal(err)
	}
	var back wireScript
	if err := json.Unmarshal(b, &back); err != nil || back.ID != first.Name || back.ModifiedOn != first.ModifiedOn {
		t.Errorf("script JSON %s does not read back as the listing's (err %v)", b, err)
	}
	settings := ScriptSettings{
		TailConsumers: []TailConsumer{{Service: "logs", Namespace: "production"}},
		Bindings:      []Binding{{Name: "KV", Type: "kv_namespace", Raw: json.RawMessage(`{"name":"KV","type":"kv_namespace"}`)}, {Name: "BAD", Raw: json.RawMessage(`{not json`)}},
	}
	b, err = json.Marshal(settings.APIObject())
	if err != nil {
		t.Fatalf("settings with an invalid raw binding must still marshal: %v", err)
	}
	for _, want := range []string{`"tail_consumers":[{"service":"logs","namespace":"production"}]`, `{"name":"KV","type":"kv_namespace"}`, `"{not json"`, `"limits":{}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("settings JSON %s lacks %s", b, want)
		}
	}
	ns := Namespace{Name: "production", ScriptCount: 3, Trusted: true}
	b, _ = json.Marshal(ns.APIObject())
	if !strings.Contains(string(b), `"namespace_name":"production"`) || !strings.Contains(string(b), `"trusted_workers":true`) {
		t.Errorf("namespace JSON %s", b)
	}
}
