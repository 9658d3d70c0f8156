package sandbox

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

const settingsMeta = `{"main_module":"worker.js","compatibility_date":"2025-01-01","tags":["tier-free"],
	"limits":{"cpu_ms":10,"subrequests":5},
	"bindings":[{"name":"ENV","type":"plain_text","text":"prod"},{"name":"API_KEY","type":"secret_text","text":"sk_live_hunter2"},
	{"name":"CACHE","type":"kv_namespace","namespace_id":"0123456789abcdef0123456789abcdef"}]}`

func TestSettingsWithSDK(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "app", settingsMeta)
	ctx := context.Background()
	svc := nsService(s).Scripts.Settings

	var gp wfp.DispatchNamespaceScriptSettingGetParams
	gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
	got, err := svc.Get(ctx, "prod", "app", gp)
	if err != nil {
		t.Fatalf("Settings.Get: %v", err)
	}
	var names []string
	for _, b := range got.Bindings {
		names = append(names, b.Name+":"+string(b.Type))
	}
	if !slices.Equal(names, []string{"ENV:plain_text", "API_KEY:secret_text", "CACHE:kv_namespace"}) ||
		got.Limits.CPUMs != 10 || got.Limits.Subrequests != 5 || got.CompatibilityDate != "2025-01-01" ||
		!slices.Equal(got.Tags, []string{"tier-free"}) || got.UsageModel != "standard" {
		t.Fatalf("settings %+v", got)
	}

	var ep wfp.DispatchNamespaceScriptSettingEditParams
	ep.AccountID.Value, ep.AccountID.Present = s.AccountID(), true
	var set wfp.DispatchNamespaceScriptSettingEditParamsSettings
	var lim wfp.DispatchNamespaceScriptSettingEditParamsSettingsLimits
	lim.CPUMs.Value, lim.CPUMs.Present = 50, true
	lim.Subrequests.Value, lim.Subrequests.Present = 50, true
	set.Limits.Value, set.Limits.Present = lim, true
	set.Tags.Value, set.Tags.Present = []string{"tier-pro"}, true
	set.Logpush.Value, set.Logpush.Present = true, true
	set.UsageModel.Value, set.UsageModel.Present = "unbound", true
	var obs wfp.DispatchNamespaceScriptSettingEditParamsSettingsObservability
	obs.Enabled.Value, obs.Enabled.Present = true, true
	obs.HeadSamplingRate.Value, obs.HeadSamplingRate.Present = 0.25, true
	set.Observability.Value, set.Observability.Present = obs, true
	ep.Settings.Value, ep.Settings.Present = set, true
	edited, err := svc.Edit(ctx, "prod", "app", ep)
	if err != nil {
		t.Fatalf("Settings.Edit: %v", err)
	}
	if edited.Limits.CPUMs != 50 || !edited.Logpush || edited.UsageModel != "unbound" || !slices.Equal(edited.Tags, []string{"tier-pro"}) ||
		!edited.Observability.Enabled || edited.Observability.HeadSamplingRate != 0.25 ||
		len(edited.Bindings) != 3 || edited.CompatibilityDate != "2025-01-01" {
		t.Fatalf("edited %+v", edited)
	}
	// The secret survived the PATCH (bindings were not in it).
	s.store.Read(func() {
		if b := s.store.Namespaces["prod"].Scripts.script("app").Bindings[1]; b.Secret != "sk_live_hunter2" {
			t.Errorf("secret after PATCH %+v", b)
		}
	})

	var bp wfp.DispatchNamespaceScriptBindingGetParams
	bp.AccountID.Value, bp.AccountID.Present = s.AccountID(), true
	bindings, err := nsService(s).Scripts.Bindings.Get(ctx, "prod", "app", bp)
	if err != nil || len(bindings.Result) != 3 || bindings.Result[1].Name != "API_KEY" || bindings.Result[2].NamespaceID != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("Bindings.Get = %+v, %v", bindings, err)
	}
}

func TestSettingsJSONBodyAndBindings(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "app", settingsMeta)
	path := scriptPath(s, "prod", "app", "settings")

	// A plain JSON body works too; limits are replaced whole; the secret
	// sent without text keeps its value; CACHE is dropped.
	var v settingsView
	result(t, do(t, s, http.MethodPatch, path, map[string]any{
		"limits":    map[string]int{"cpu_ms": 300},
		"bindings":  []map[string]string{{"name": "API_KEY", "type": "secret_text"}, {"name": "ENV", "type": "plain_text", "text": "staging"}},
		"placement": map[string]string{"mode": "smart"}, "tail_consumers": []map[string]string{{"service": "logs"}},
		"compatibility_flags": []string{"nodejs_compat"},
	}), &v)
	if *v.Limits.CPUMs != 300 || v.Limits.Subrequests != nil || len(v.Bindings) != 2 || string(v.Placement) != `{"mode":"smart"}` ||
		string(v.TailConsumers) != `[{"service":"logs"}]` || !slices.Equal(v.CompatibilityFlags, []string{"nodejs_compat"}) || v.Tags[0] != "tier-free" {
		t.Fatalf("after JSON PATCH %+v", v)
	}
	s.store.Read(func() {
		if b := s.store.Namespaces["prod"].Scripts.script("app").Bindings[0]; b.Name != "API_KEY" || b.Secret != "sk_live_hunter2" {
			t.Errorf("secret after bindings PATCH %+v", b)
		}
	})
	// null clears placement.
	var cleared settingsView
	result(t, do(t, s, http.MethodPatch, path, map[string]any{"placement": nil}), &cleared)
	if cleared.Placement != nil || *cleared.Limits.CPUMs != 300 {
		t.Fatalf("placement not cleared: %+v", cleared)
	}
}

func TestSettingsErrors(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "app", settingsMeta)
	path := scriptPath(s, "prod", "app", "settings")
	part := func(body string) []mpPart { return []mpPart{{name: "settings", ctype: "application/json", body: body}} }
	cases := []struct {
		name         string
		parts        []mpPart
		status, code int
		mentions     string
	}{
		{"logpush wrong type", part(`{"logpush":"yes"}`), 400, codeInvalid, "settings.logpush"},
		{"limits wrong type", part(`{"limits":{"cpu_ms":"fast"}}`), 400, codeInvalid, "settings.limits.cpu_ms"},
		{"limits fraction", part(`{"limits":{"cpu_ms":1.5}}`), 400, codeInvalid, "limits.cpu_ms"},
		{"tags wrong type", part(`{"tags":"a"}`), 400, codeInvalid, "settings.tags"},
		{"observability wrong type", part(`{"observability":{"enabled":"on"}}`), 400, codeInvalid, "observability.enabled"},
		{"observability without enabled", part(`{"observability":{"head_sampling_rate":0.5}}`), 400, codeInvalid, "observability.enabled"},
		{"sampling above 1", part(`{"observability":{"enabled":true,"head_sampling_rate":2}}`), 400, codeSamplingRate, "0 and 1"},
		{"logs sampling below 0", part(`{"observability":{"enabled":true,"logs":{"enabled":true,"invocation_logs":true,"head_sampling_rate":-0.1}}}`), 400, codeSamplingRate, "logs.head_sampling_rate"},
		{"placement two targets", part(`{"placement":{"region":"aws:us-east-1","host":"db:5432"}}`), 400, codeInvalid, "placement"},
		{"usage model", part(`{"usage_model":"infinite"}`), 400, codeInvalid, "usage_model"},
		{"compatibility date", part(`{"compatibility_date":"tomorrow"}`), 400, codeInvalid, "compatibility_date"},
		{"compatibility flags type", part(`{"compatibility_flags":[1]}`), 400, codeInvalid, "compatibility_flags"},
		{"nine tags", part(`{"tags":["1","2","3","4","5","6","7","8","9"]}`), 400, codeTooManyTags, "8"},
		{"secret without text", part(`{"bindings":[{"name":"NEW","type":"secret_text"}]}`), 400, codeInvalid, "NEW"},
		{"not JSON", part(`{"logpush":`), 400, codeInvalid, "settings"},
		{"no settings part", []mpPart{{name: "other", body: "{}"}}, 400, codeInvalid, "settings part"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, s)
			r := doMultipart(t, s, http.MethodPatch, path, c.parts...)
			expectCode(t, s, r, c.status, c.code, before)
			expectMessage(t, r, c.mentions)
		})
	}
	before := snapshot(t, s)
	expectCode(t, s, do(t, s, http.MethodPatch, path, "logpush=true", "Content-Type", "text/plain"), 400, codeContentType, before)
	expectCode(t, s, do(t, s, http.MethodPatch, scriptPath(s, "prod", "nope", "settings"), map[string]bool{"logpush": true}), 404, codeScriptNotFound, before)
	expectCode(t, s, do(t, s, http.MethodGet, scriptPath(s, "nope", "app", "settings"), nil), 404, codeNamespaceNotFound, before)
	expectCode(t, s, do(t, s, http.MethodGet, scriptPath(s, "prod", "nope", "bindings"), nil), 404, codeScriptNotFound, before)
	if !strings.Contains(before, "sk_live_hunter2") {
		t.Fatal("snapshot does not cover secrets")
	}
}
