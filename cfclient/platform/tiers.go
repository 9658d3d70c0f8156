package platform

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Tiers live in the routing KV namespace under Schema.TiersKey as
// {"free":{"cpuMs":10,"subRequests":5},...}. A script's tier is its tag
// Schema.TierTagPrefix+<name>.
//
// Effective limits: the dispatch Worker passes the tier's limits with every
// dispatch, and Cloudflare also enforces the script's own settings limits
// (limits.cpu_ms, limits.subrequests) on every invocation. Both apply, so the
// STRICTER one wins, field by field (Cloudflare documents the same rule for
// Dynamic Workers: "the lower of the two limits is used"). A per-script
// limit can therefore tighten a tier but never loosen it; EffectiveLimits
// says which side binds so the console can point out a per-script limit that
// has no effect.

// Tier is one tier's limits.
type Tier struct {
	Name        string
	CPUMs       int
	SubRequests int
}

// Limits are per-script hard limits (script settings limits.cpu_ms and
// limits.subrequests); nil means not set.
type Limits struct {
	CPUMs       *int
	Subrequests *int
}

// ParseTiers decodes a tier table, sorted by CPU time then name. Every
// tier must be valid.
func ParseTiers(b []byte) ([]Tier, error) {
	raw, err := decodeTierTable(b)
	if err != nil {
		return nil, err
	}
	out := make([]Tier, 0, len(raw))
	for name, fields := range raw {
		t := Tier{Name: name}
		for key, dst := range map[string]*int{"cpuMs": &t.CPUMs, "subRequests": &t.SubRequests} {
			v, ok := fields[key]
			if !ok {
				return nil, fmt.Errorf("tier %q: %s is missing", name, key)
			}
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, fmt.Errorf("tier %q: %s must be a whole number", name, key)
			}
		}
		if err := ValidateTier(t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	sortTiers(out)
	return out, nil
}

// decodeTierTable reads the table keeping every field of every tier, so a
// rewrite preserves fields wfp does not know.
func decodeTierTable(b []byte) (map[string]map[string]json.RawMessage, error) {
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("tier table is not a JSON object of tiers: %s", err.Error())
	}
	return raw, nil
}

func sortTiers(ts []Tier) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].CPUMs != ts[j].CPUMs {
			return ts[i].CPUMs < ts[j].CPUMs
		}
		return ts[i].Name < ts[j].Name
	})
}

// ValidateTier checks a tier's name and the documented ranges (cpuMs
// 10–300000, subRequests 5–1000). It returns a *RuleError or nil.
func ValidateTier(t Tier) error {
	field := fmt.Sprintf("tier %q", t.Name)
	if re := FirstFailure(
		Check{field + " name", ValidTierName(t.Name)},
		Check{field + " cpuMs", ValidCPUMs(t.CPUMs)},
		Check{field + " subRequests", ValidSubRequests(t.SubRequests)}); re != nil {
		return re
	}
	return nil
}

// ValidateTiers checks a whole tier table: every tier, and no name twice.
// It returns a *RuleError or nil.
func ValidateTiers(tiers []Tier) error {
	seen := map[string]bool{}
	for _, t := range tiers {
		if err := ValidateTier(t); err != nil {
			return err
		}
		if seen[t.Name] {
			return &RuleError{Field: fmt.Sprintf("tier %q", t.Name), Rule: "appears twice"}
		}
		seen[t.Name] = true
	}
	return nil
}

// EncodeTiers encodes tiers as a tier table, merging into the old table's
// objects so that fields wfp does not know are kept. Tiers not in the list
// are removed.
func EncodeTiers(old []byte, tiers []Tier) ([]byte, error) {
	prev := map[string]map[string]json.RawMessage{}
	if len(old) > 0 {
		if raw, err := decodeTierTable(old); err == nil {
			prev = raw
		}
	}
	out := make(map[string]map[string]json.RawMessage, len(tiers))
	for _, t := range tiers {
		obj := map[string]json.RawMessage{}
		for k, v := range prev[t.Name] {
			obj[k] = v
		}
		obj["cpuMs"] = json.RawMessage(fmt.Sprint(t.CPUMs))
		obj["subRequests"] = json.RawMessage(fmt.Sprint(t.SubRequests))
		out[t.Name] = obj
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode tier table: %w", err)
	}
	return b, nil
}

// LimitSource says which side sets an effective limit.
type LimitSource string

// Limit sources.
const (
	FromNone   LimitSource = ""       // neither sets it: the plan's limit applies
	FromTier   LimitSource = "tier"   // the tier is stricter (or the script sets none)
	FromScript LimitSource = "script" // the script's own limit is stricter (or there is no tier)
	FromBoth   LimitSource = "both"   // both set the same value
)

// EffectiveLimit is one effective limit and where it comes from.
type EffectiveLimit struct {
	// Value is 0 when Source is FromNone.
	Value  int
	Source LimitSource
}

// Effective are a script's effective CPU time and subrequest limits.
type Effective struct {
	CPUMs       EffectiveLimit
	SubRequests EffectiveLimit
}

// EffectiveLimits combines a script's tier (nil when it has none or the tier
// is not defined) and its own settings limits: the stricter wins.
func EffectiveLimits(tier *Tier, script Limits) Effective {
	var tc, ts *int
	if tier != nil {
		tc, ts = &tier.CPUMs, &tier.SubRequests
	}
	return Effective{CPUMs: stricter(tc, script.CPUMs), SubRequests: stricter(ts, script.Subrequests)}
}

func stricter(tier, script *int) EffectiveLimit {
	switch {
	case tier == nil && script == nil:
		return EffectiveLimit{}
	case script == nil:
		return EffectiveLimit{Value: *tier, Source: FromTier}
	case tier == nil:
		return EffectiveLimit{Value: *script, Source: FromScript}
	case *tier < *script:
		return EffectiveLimit{Value: *tier, Source: FromTier}
	case *script < *tier:
		return EffectiveLimit{Value: *script, Source: FromScript}
	}
	return EffectiveLimit{Value: *tier, Source: FromBoth}
}

// FindTier returns the tier named name, or nil.
func FindTier(tiers []Tier, name string) *Tier {
	for i := range tiers {
		if tiers[i].Name == name {
			return &tiers[i]
		}
	}
	return nil
}
