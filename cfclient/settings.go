package cfclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/option"
	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// wireSettings is a settings object as the API sends it. The SDK calls
// decode into it (option.WithResponseBodyInto) instead of the SDK's types,
// to keep bindings and observability as raw JSON and to tell an unset limit
// from a zero one.
// It is also what APIObject encodes for the raw view, hence the omitempty
// tags (which decoding ignores).
type wireSettings struct {
	Bindings           []json.RawMessage `json:"bindings"`
	CompatibilityDate  string            `json:"compatibility_date"`
	CompatibilityFlags []string          `json:"compatibility_flags"`
	Limits             struct {
		CPUMs       *int `json:"cpu_ms,omitempty"`
		Subrequests *int `json:"subrequests,omitempty"`
	} `json:"limits"`
	Logpush       bool            `json:"logpush"`
	Observability json.RawMessage `json:"observability,omitempty"`
	Placement     json.RawMessage `json:"placement,omitempty"`
	TailConsumers []wireTail      `json:"tail_consumers"`
	Tags          []string        `json:"tags"`
	UsageModel    string          `json:"usage_model"`
}

// wireTail is a tail consumer as the API sends it.
type wireTail struct {
	Service     string `json:"service"`
	Environment string `json:"environment,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
}

func (w wireSettings) settings() ScriptSettings {
	s := ScriptSettings{
		Limits:             platform.Limits{CPUMs: w.Limits.CPUMs, Subrequests: w.Limits.Subrequests},
		CompatibilityDate:  w.CompatibilityDate,
		CompatibilityFlags: w.CompatibilityFlags,
		UsageModel:         w.UsageModel,
		Logpush:            w.Logpush,
		Observability:      rawOrNil(string(w.Observability)),
		Placement:          rawOrNil(string(w.Placement)),
		Tags:               nonNil(w.Tags),
	}
	for _, raw := range w.Bindings {
		var b struct{ Name, Type string }
		_ = json.Unmarshal(raw, &b) // a binding we cannot read keeps its raw form
		s.Bindings = append(s.Bindings, Binding{Name: b.Name, Type: b.Type, Raw: raw})
	}
	for _, t := range w.TailConsumers {
		s.TailConsumers = append(s.TailConsumers, TailConsumer(t))
	}
	return s
}

// GetSettings returns a namespace script's settings.
func (c *Client) GetSettings(ctx context.Context, ns, name string) (ScriptSettings, error) {
	const op = "script.settings.get"
	target := ns + "/" + name
	if err := firstFailure(op, target, check{"namespace", nonEmpty(ns)}, check{"script", nonEmpty(name)}); err != nil {
		return ScriptSettings{}, err
	}
	var env envelope[wireSettings]
	var p wfp.DispatchNamespaceScriptSettingGetParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	_, err := c.namespaces.Scripts.Settings.Get(ctx, url.PathEscape(ns), url.PathEscape(name), p,
		option.WithResponseBodyInto(&env))
	if err != nil {
		return ScriptSettings{}, c.fail(op, target, false, err)
	}
	return env.Result.settings(), nil
}

// PatchSettings changes the settings the patch names and returns the
// settings as the API stored them. A limits patch sends both limits (the
// unchanged one from the current settings), so a server that replaces the
// limits object whole cannot drop the other.
func (c *Client) PatchSettings(ctx context.Context, ns, name string, patch SettingsPatch) (ScriptSettings, error) {
	const op = "script.settings.patch"
	target := ns + "/" + name
	var current, stored ScriptSettings
	err := c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			return firstFailure(op, target, append([]check{
				{"namespace", nonEmpty(ns)}, {"script", platform.ValidScriptName(name)}}, patch.checks()...)...)
		},
		before: func(ctx context.Context) (any, error) {
			var err error
			current, err = c.GetSettings(ctx, ns, name)
			if err != nil {
				return nil, err
			}
			return patch.view(current), nil
		},
		do: func(ctx context.Context) (any, error) {
			body, contentType, err := settingsMultipart(patch.body(current.Limits))
			if err != nil {
				return nil, err
			}
			path := apiPath("accounts", c.opts.AccountID, "workers", "dispatch", "namespaces", ns, "scripts", name, "settings")
			raw, _, _, err := c.send(ctx, http.MethodPatch, path, nil, body, contentType)
			if err != nil {
				return nil, err
			}
			var env envelope[wireSettings]
			if err := json.Unmarshal(raw, &env); err != nil {
				return nil, fmt.Errorf("decode settings response: %w", err)
			}
			stored = env.Result.settings()
			return patch.view(stored), nil
		},
	})
	return stored, err
}

// checks validates the patch.
func (p SettingsPatch) checks() []check {
	var cs []check
	empty := "names nothing to change"
	if p.Limits != nil || p.CompatibilityDate != nil || p.CompatibilityFlags != nil ||
		p.UsageModel != nil || p.Logpush != nil || p.Tags != nil {
		empty = ""
	}
	cs = append(cs, check{"settings patch", empty})
	if p.Limits != nil {
		if p.Limits.CPUMs != nil {
			cs = append(cs, check{"limits.cpu_ms", platform.ValidCPUMs(*p.Limits.CPUMs)})
		}
		if p.Limits.Subrequests != nil {
			cs = append(cs, check{"limits.subrequests", platform.ValidSubRequests(*p.Limits.Subrequests)})
		}
	}
	if p.CompatibilityDate != nil {
		bad := ""
		if _, err := time.Parse(time.DateOnly, *p.CompatibilityDate); err != nil {
			bad = "must be a date as YYYY-MM-DD"
		}
		cs = append(cs, check{"compatibility_date", bad})
	}
	if p.CompatibilityFlags != nil {
		for _, f := range *p.CompatibilityFlags {
			cs = append(cs, check{fmt.Sprintf("compatibility_flags %q", f), platform.ValidTag(f)})
		}
	}
	if p.UsageModel != nil {
		bad := ""
		switch *p.UsageModel {
		case "standard", "bundled", "unbound":
		default:
			bad = "must be standard, bundled or unbound"
		}
		cs = append(cs, check{"usage_model", bad})
	}
	if p.Tags != nil {
		cs = append(cs, asCheck(platform.ValidTags(*p.Tags)))
	}
	return cs
}

// settingsBody is the "settings" part of a settings PATCH: only the fields
// the patch names.
type settingsBody struct {
	Limits             *settingsLimits `json:"limits,omitempty"`
	CompatibilityDate  *string         `json:"compatibility_date,omitempty"`
	CompatibilityFlags *[]string       `json:"compatibility_flags,omitempty"`
	UsageModel         *string         `json:"usage_model,omitempty"`
	Logpush            *bool           `json:"logpush,omitempty"`
	Tags               *[]string       `json:"tags,omitempty"`
}

// settingsLimits are the limits of a settings PATCH.
type settingsLimits struct {
	CPUMs       *int `json:"cpu_ms,omitempty"`
	Subrequests *int `json:"subrequests,omitempty"`
}

// body builds the settings part. A limits patch sends both limits (the
// unchanged one from current), so a server that replaces the limits object
// whole cannot drop the other.
func (p SettingsPatch) body(current platform.Limits) settingsBody {
	b := settingsBody{
		CompatibilityDate: p.CompatibilityDate,
		UsageModel:        p.UsageModel,
		Logpush:           p.Logpush,
	}
	if p.Limits != nil {
		l := settingsLimits{CPUMs: current.CPUMs, Subrequests: current.Subrequests}
		if p.Limits.CPUMs != nil {
			l.CPUMs = p.Limits.CPUMs
		}
		if p.Limits.Subrequests != nil {
			l.Subrequests = p.Limits.Subrequests
		}
		b.Limits = &l
	}
	if p.CompatibilityFlags != nil {
		flags := nonNil(*p.CompatibilityFlags)
		b.CompatibilityFlags = &flags
	}
	if p.Tags != nil {
		tags := nonNil(*p.Tags)
		b.Tags = &tags
	}
	return b
}

// settingsMultipart encodes the body as the API takes it (and cloudflare-go
// sends it): multipart/form-data with one JSON part named "settings". It is
// built here rather than by the SDK, whose multipart encoder races when
// several goroutines encode at once (cloudflare-go v6.10.0).
func settingsMultipart(b settingsBody) ([]byte, string, error) {
	js, err := json.Marshal(b)
	if err != nil {
		return nil, "", fmt.Errorf("encode settings: %w", err)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := closeWithJSONPart(w, "settings", js); err != nil {
		return nil, "", fmt.Errorf("encode settings: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// view is the part of s the patch touches (for the audit log).
func (p SettingsPatch) view(s ScriptSettings) map[string]any {
	m := map[string]any{}
	if p.Limits != nil {
		m["limits"] = map[string]*int{"cpu_ms": s.Limits.CPUMs, "subrequests": s.Limits.Subrequests}
	}
	if p.CompatibilityDate != nil {
		m["compatibility_date"] = s.CompatibilityDate
	}
	if p.CompatibilityFlags != nil {
		m["compatibility_flags"] = s.CompatibilityFlags
	}
	if p.UsageModel != nil {
		m["usage_model"] = s.UsageModel
	}
	if p.Logpush != nil {
		m["logpush"] = s.Logpush
	}
	if p.Tags != nil {
		m["tags"] = s.Tags
	}
	return m
}
