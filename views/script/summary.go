package script

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
)

// Summaries of the raw JSON objects the API sends (bindings, route values,
// observability, placement). Every string that comes out is sanitized:
// these objects are tenant-controlled.

// bindingTargets are the fields that say what a binding points to, in the
// order they are shown.
var bindingTargets = []struct{ field, label string }{
	{"namespace", "namespace"},
	{"namespace_id", "kv"},
	{"bucket_name", "bucket"},
	{"queue_name", "queue"},
	{"service", "service"},
	{"environment", "env"},
	{"class_name", "class"},
	{"script_name", "script"},
	{"dataset", "dataset"},
	{"index_name", "index"},
	{"database_id", "database"},
	{"id", "id"},
	{"workflow_name", "workflow"},
	{"certificate_id", "certificate"},
}

// bindingSummary is a short description of what a binding points to. A
// secret's is fixed: whatever the object holds, no value is shown.
func bindingSummary(b cfclient.Binding) string {
	switch b.Type {
	case "secret_text", "secret_key":
		return "secret (value never shown)"
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(b.Raw, &obj) != nil {
		return ""
	}
	str := func(k string) (string, bool) {
		var s string
		if json.Unmarshal(obj[k], &s) != nil || s == "" {
			return "", false
		}
		return s, true
	}
	switch b.Type {
	case "plain_text":
		if s, ok := str("text"); ok {
			return ui.Sanitize(strconv.Quote(short(s, 40)))
		}
	case "json":
		if raw, ok := obj["json"]; ok {
			return ui.Sanitize(short(string(compact(raw)), 40))
		}
	}
	var parts []string
	for _, t := range bindingTargets {
		if s, ok := str(t.field); ok {
			parts = append(parts, t.label+" "+ui.Sanitize(short(s, 40)))
		}
	}
	return strings.Join(parts, " · ")
}

// routeExtras lists the fields of a JSON route value other than "worker"
// ("tier=pro maintenance=true"); "" for a plain script name.
func routeExtras(raw string) string {
	var obj map[string]json.RawMessage
	if !strings.HasPrefix(strings.TrimSpace(raw), "{") || json.Unmarshal([]byte(raw), &obj) != nil {
		return ""
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		if k != "worker" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := string(compact(obj[k]))
		var s string
		if json.Unmarshal(obj[k], &s) == nil {
			v = s
		}
		parts = append(parts, ui.Sanitize(short(k, 30))+"="+ui.Sanitize(short(v, 30)))
	}
	return strings.Join(parts, " ")
}

// observabilitySummary reads {"enabled":…, "head_sampling_rate":…,
// "logs":{"enabled":…, "invocation_logs":…}}.
func observabilitySummary(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return "off (not configured)"
	}
	var o struct {
		Enabled  *bool    `json:"enabled"`
		Sampling *float64 `json:"head_sampling_rate"`
		Logs     *struct {
			Enabled        *bool `json:"enabled"`
			InvocationLogs *bool `json:"invocation_logs"`
		} `json:"logs"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return "unreadable observability settings (see y for the JSON)"
	}
	if o.Enabled == nil || !*o.Enabled {
		return "disabled"
	}
	parts := []string{"enabled"}
	if o.Sampling != nil {
		parts = append(parts, "head sampling "+strconv.FormatFloat(*o.Sampling*100, 'f', -1, 64)+"%")
	} else {
		parts = append(parts, "head sampling 100% (default)")
	}
	if o.Logs != nil && o.Logs.Enabled != nil {
		logs := "logs " + onOff(*o.Logs.Enabled)
		if *o.Logs.Enabled && o.Logs.InvocationLogs != nil && *o.Logs.InvocationLogs {
			logs += " (with invocation logs)"
		}
		parts = append(parts, logs)
	}
	return strings.Join(parts, " · ")
}

// placement reads {"mode":"smart"}; "" when there is none.
func placement(raw json.RawMessage) string {
	var p struct {
		Mode string `json:"mode"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &p) != nil || p.Mode == "" {
		return ""
	}
	return ui.Sanitize(p.Mode)
}

// short cuts s to n runes.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// compact removes insignificant space from JSON (raw as is when invalid).
func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// The JSON view: details and settings in the API's field names
// (cfclient's APIObject), with the raw parts exactly as sent.

// rebuildRaw renders the JSON view's lines when it is open.
func (m *Model) rebuildRaw() {
	if !m.raw {
		return
	}
	doc := map[string]any{}
	if d := m.details; d.have {
		doc["script"] = d.val.APIObject()
	} else {
		doc["script"] = loadState(m.details.loading, m.details.err)
	}
	if st := m.settings; st.have {
		doc["settings"] = st.val.APIObject()
	} else {
		doc["settings"] = loadState(m.settings.loading, m.settings.err)
	}
	// json.Marshal already escapes control characters inside strings; the
	// view's sanitizer also catches anything a raw part smuggled in.
	m.rawView.SetJSON(doc)
}

// loadState stands in for an object not loaded (yet).
func loadState(loading bool, err error) string {
	if err != nil {
		return fmt.Sprintf("not loaded: %s", ui.StatusFromError(err).Text)
	}
	if loading {
		return "loading…"
	}
	return "not loaded"
}
