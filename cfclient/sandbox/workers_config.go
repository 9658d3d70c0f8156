package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"
)

// scriptConfig is what upload metadata and a settings PATCH have in common:
// the script's configuration. A field that is absent is nil and leaves the
// script's value unchanged (JSON null on observability, placement and
// tail_consumers clears them).
type scriptConfig struct {
	Bindings           *[]json.RawMessage `json:"bindings"`
	CompatibilityDate  *string            `json:"compatibility_date"`
	CompatibilityFlags *[]string          `json:"compatibility_flags"`
	Limits             *limitsBody        `json:"limits"`
	Logpush            *bool              `json:"logpush"`
	Observability      json.RawMessage    `json:"observability"`
	Placement          json.RawMessage    `json:"placement"`
	Tags               *[]string          `json:"tags"`
	TailConsumers      json.RawMessage    `json:"tail_consumers"`
	UsageModel         *string            `json:"usage_model"`
	Migrations         json.RawMessage    `json:"migrations"`

	// migrationTag is Migrations' new_tag, set by validate.
	migrationTag string
}

// limitsBody is the limits object; a PATCH replaces it whole.
type limitsBody struct {
	CPUMs       *int `json:"cpu_ms"`
	Subrequests *int `json:"subrequests"`
}

// Bounds of the per-script limits (Cloudflare's paid-plan ceilings).
const (
	maxCPUMs       = 300000
	maxSubrequests = 10000000
)

// decodeAt unmarshals raw into dst; errors name the field (field, or
// field.sub for a nested one).
func decodeAt(field string, raw []byte, dst any) *apiError {
	if len(bytes.TrimSpace(raw)) == 0 {
		return errInvalid("%s is empty; expected JSON", field)
	}
	err := json.Unmarshal(raw, dst)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		path := field
		if te.Field != "" {
			path += "." + te.Field
		}
		return errInvalid("%s must be %s, not %s", path, jsonType(te.Type.String()), te.Value)
	}
	return errInvalid("%s is not valid JSON: %s", field, jsonErrText(err))
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(goType string) string {
	switch goType {
	case "string", "*string":
		return "a string"
	case "bool", "*bool":
		return "a boolean"
	case "int", "*int", "int64":
		return "a whole number"
	case "float64", "*float64":
		return "a number"
	case "[]string", "*[]string", "[]json.RawMessage", "*[]json.RawMessage":
		return "an array"
	}
	return "an object"
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// compact returns raw without insignificant white space.
func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// validate checks every field and normalises it in place (tags collapse,
// JSON objects are compacted). It returns the parsed bindings.
func (c *scriptConfig) validate() ([]bindingInput, *apiError) {
	var bindings []bindingInput
	if c.Bindings != nil {
		var e *apiError
		if bindings, e = parseBindings(*c.Bindings); e != nil {
			return nil, e
		}
	}
	if c.CompatibilityDate != nil {
		d := *c.CompatibilityDate
		if _, err := time.Parse(time.DateOnly, d); err != nil || len(d) != 10 {
			return nil, errInvalid("compatibility_date %q must be a date in the form YYYY-MM-DD", d)
		}
	}
	if c.CompatibilityFlags != nil {
		for i, f := range *c.CompatibilityFlags {
			if f == "" {
				return nil, errInvalid("compatibility_flags[%d] must not be empty", i)
			}
		}
	}
	if l := c.Limits; l != nil {
		if l.CPUMs != nil && (*l.CPUMs < 1 || *l.CPUMs > maxCPUMs) {
			return nil, errInvalid("limits.cpu_ms must be from 1 to %d (got %d)", maxCPUMs, *l.CPUMs)
		}
		if l.Subrequests != nil && (*l.Subrequests < 1 || *l.Subrequests > maxSubrequests) {
			return nil, errInvalid("limits.subrequests must be from 1 to %d (got %d)", maxSubrequests, *l.Subrequests)
		}
	}
	if c.Tags != nil {
		tags, e := normalizeTags("tags", *c.Tags)
		if e != nil {
			return nil, e
		}
		c.Tags = &tags
	}
	if c.UsageModel != nil {
		switch *c.UsageModel {
		case "standard", "bundled", "unbound":
		default:
			return nil, errInvalid("usage_model %q must be standard, bundled or unbound", *c.UsageModel)
		}
	}
	checks := []struct {
		raw   *json.RawMessage
		check func(json.RawMessage) *apiError
	}{
		{&c.Observability, checkObservability},
		{&c.Placement, checkPlacement},
		{&c.TailConsumers, checkTailConsumers},
	}
	for _, ch := range checks {
		if *ch.raw == nil || isNull(*ch.raw) {
			continue
		}
		if e := ch.check(*ch.raw); e != nil {
			return nil, e
		}
		*ch.raw = compact(*ch.raw)
	}
	if c.Migrations != nil && !isNull(c.Migrations) {
		var m struct {
			NewTag *string `json:"new_tag"`
		}
		if e := decodeAt("migrations", c.Migrations, &m); e != nil {
			return nil, e
		}
		if m.NewTag != nil {
			c.migrationTag = *m.NewTag
		}
	}
	return bindings, nil
}

// apply writes the configuration (all but bindings) into sc, giving it a
// body of its own. It always installs fresh slices: seeded scripts share
// theirs.
func (c *scriptConfig) apply(sc *Script) {
	sc.ownBody()
	if c.CompatibilityDate != nil {
		sc.CompatibilityDate = *c.CompatibilityDate
	}
	if c.CompatibilityFlags != nil {
		sc.CompatibilityFlags = slices.Clone(*c.CompatibilityFlags)
	}
	if l := c.Limits; l != nil {
		sc.Limits = nil
		if l.CPUMs != nil || l.Subrequests != nil {
			sc.Limits = &Limits{CPUMs: clonePtr(l.CPUMs), Subrequests: clonePtr(l.Subrequests)}
		}
	}
	if c.Logpush != nil {
		sc.Logpush = *c.Logpush
	}
	if c.Observability != nil {
		sc.Observability = rawOrNil(c.Observability)
	}
	if c.Placement != nil {
		sc.Placement = rawOrNil(c.Placement)
	}
	if c.TailConsumers != nil {
		sc.TailConsumers = rawOrNil(c.TailConsumers)
		if string(sc.TailConsumers) == "[]" {
			sc.TailConsumers = nil
		}
	}
	if c.Tags != nil {
		sc.Tags = slices.Clone(*c.Tags)
	}
	if c.UsageModel != nil {
		sc.UsageModel = *c.UsageModel
	}
	if c.migrationTag != "" {
		sc.MigrationTag = c.migrationTag
	}
}

func rawOrNil(raw json.RawMessage) json.RawMessage {
	if isNull(raw) {
		return nil
	}
	return slices.Clone(raw)
}

func clonePtr(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// checkSampling checks a head_sampling_rate.
func checkSampling(field string, v *float64) *apiError {
	if v != nil && (*v < 0 || *v > 1) {
		return errf(http.StatusBadRequest, codeSamplingRate, "%s must be within 0 and 1 (got %v)", field, *v)
	}
	return nil
}

// checkObservability validates the observability object.
func checkObservability(raw json.RawMessage) *apiError {
	type part struct {
		Enabled          *bool    `json:"enabled"`
		InvocationLogs   *bool    `json:"invocation_logs"`
		HeadSamplingRate *float64 `json:"head_sampling_rate"`
		Destinations     []string `json:"destinations"`
		Persist          *bool    `json:"persist"`
	}
	var o struct {
		Enabled          *bool    `json:"enabled"`
		HeadSamplingRate *float64 `json:"head_sampling_rate"`
		Logs             *part    `json:"logs"`
		Traces           *part    `json:"traces"`
	}
	if e := decodeAt("observability", raw, &o); e != nil {
		return e
	}
	if o.Enabled == nil {
		return errInvalid("observability.enabled is required")
	}
	if e := checkSampling("observability.head_sampling_rate", o.HeadSamplingRate); e != nil {
		return e
	}
	if o.Logs != nil {
		if e := checkSampling("observability.logs.head_sampling_rate", o.Logs.HeadSamplingRate); e != nil {
			return e
		}
	}
	if o.Traces != nil {
		if e := checkSampling("observability.traces.head_sampling_rate", o.Traces.HeadSamplingRate); e != nil {
			return e
		}
	}
	return nil
}

// checkPlacement accepts {mode:"smart"}, {region}, {hostname}, {host} and
// {mode:"targeted", region or target}.
func checkPlacement(raw json.RawMessage) *apiError {
	var pl struct {
		Mode     *string         `json:"mode"`
		Region   *string         `json:"region"`
		Hostname *string         `json:"hostname"`
		Host     *string         `json:"host"`
		Target   json.RawMessage `json:"target"`
	}
	if e := decodeAt("placement", raw, &pl); e != nil {
		return e
	}
	targets := 0
	for _, v := range []*string{pl.Region, pl.Hostname, pl.Host} {
		if v != nil {
			if *v == "" {
				return errInvalid("placement: region, hostname and host must not be empty")
			}
			targets++
		}
	}
	switch {
	case pl.Mode != nil && *pl.Mode == "smart" && targets == 0:
		return nil
	case pl.Mode != nil && *pl.Mode == "targeted" && (targets == 1 || pl.Target != nil):
		return nil
	case pl.Mode == nil && targets == 1:
		return nil
	case pl.Mode != nil && *pl.Mode != "smart" && *pl.Mode != "targeted":
		return errInvalid("placement.mode %q must be smart or targeted", *pl.Mode)
	}
	return errInvalid(`placement must be {"mode":"smart"}, one of {"region"}, {"hostname"}, {"host"}, or {"mode":"targeted","region"}`)
}

// checkTailConsumers validates [{service, environment?, namespace?}].
func checkTailConsumers(raw json.RawMessage) *apiError {
	var tc []struct {
		Service     *string `json:"service"`
		Environment *string `json:"environment"`
		Namespace   *string `json:"namespace"`
	}
	if e := decodeAt("tail_consumers", raw, &tc); e != nil {
		return e
	}
	for i, c := range tc {
		if c.Service == nil || *c.Service == "" {
			return errInvalid("tail_consumers[%d].service is required", i)
		}
	}
	return nil
}
