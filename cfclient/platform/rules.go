package platform

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Limits wfp enforces before calling the API (docs/design.md, "Platform
// conventions"; docs/cloudflare-api.md §10).
const (
	MaxTags            = 8
	MinCPUMs           = 10
	MaxCPUMs           = 300000
	MinSubRequests     = 5
	MaxSubRequests     = 1000
	MaxKVKeyBytes      = 512
	MaxKVValueBytes    = 25 << 20
	MaxKVBulkItems     = 10000
	MinKVExpiration    = 60
	MaxNamespaceName   = 63
	MaxTierNameLength  = 64
	ScriptNamePattern  = `^[a-z0-9_][a-z0-9-_]*$`
	scriptNameRuleText = "must match " + ScriptNamePattern + " (lower-case letters, digits, - and _; not starting with -)"
)

var scriptNameRE = regexp.MustCompile(ScriptNamePattern)

// The validators return "" when the value is fine, or the rule it breaks,
// worded to follow the field's name ("tags[2] \"a,b\": must not contain ,").

// ValidScriptName checks a script name against Cloudflare's rule.
func ValidScriptName(s string) string {
	if !scriptNameRE.MatchString(s) {
		return scriptNameRuleText
	}
	return ""
}

// ValidNamespaceName checks a new namespace name. The API only asks for a
// non-empty name; wfp asks new names to follow the script-name rule and fit
// in 63 characters, so they are safe in paths, files and terminals.
func ValidNamespaceName(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > MaxNamespaceName {
		return fmt.Sprintf("must be at most %d characters", MaxNamespaceName)
	}
	return ValidScriptName(s)
}

// ValidTag checks one tag.
func ValidTag(t string) string {
	if t == "" {
		return "must not be empty"
	}
	if strings.ContainsAny(t, ",&") {
		return "must not contain , or & (Cloudflare rejects them)"
	}
	for _, r := range t {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "must not contain spaces or control characters"
		}
	}
	return ""
}

// ValidTags checks a script's whole tag list and names the failing field.
func ValidTags(tags []string) *RuleError {
	if len(tags) > MaxTags {
		return &RuleError{Field: "tags", Rule: fmt.Sprintf("at most %d tags per script (got %d)", MaxTags, len(tags))}
	}
	seen := make(map[string]bool, len(tags))
	for i, t := range tags {
		if r := ValidTag(t); r != "" {
			return &RuleError{Field: fmt.Sprintf("tags[%d] %q", i, t), Rule: r}
		}
		if seen[t] {
			return &RuleError{Field: fmt.Sprintf("tags[%d] %q", i, t), Rule: "appears twice"}
		}
		seen[t] = true
	}
	return nil
}

// ValidKVKey checks a KV key name.
func ValidKVKey(k string) string {
	switch {
	case k == "":
		return "must not be empty"
	case k == "." || k == "..":
		return `must not be "." or ".."`
	case len(k) > MaxKVKeyBytes:
		return fmt.Sprintf("must be at most %d bytes (got %d)", MaxKVKeyBytes, len(k))
	}
	return ""
}

// ValidKVValue checks a KV value's size.
func ValidKVValue(v []byte) string {
	if len(v) > MaxKVValueBytes {
		return fmt.Sprintf("must be at most %d bytes (25 MiB; got %d)", MaxKVValueBytes, len(v))
	}
	return ""
}

// ValidCPUMs checks a CPU-time limit against the documented range.
func ValidCPUMs(n int) string {
	if n < MinCPUMs || n > MaxCPUMs {
		return fmt.Sprintf("must be between %d and %d (got %d)", MinCPUMs, MaxCPUMs, n)
	}
	return ""
}

// ValidSubRequests checks a subrequest limit against the documented range.
func ValidSubRequests(n int) string {
	if n < MinSubRequests || n > MaxSubRequests {
		return fmt.Sprintf("must be between %d and %d (got %d)", MinSubRequests, MaxSubRequests, n)
	}
	return ""
}

// ValidTierName checks a tier name: it becomes part of a tag (tier-<name>).
func ValidTierName(s string) string {
	if s == "" || len(s) > MaxTierNameLength {
		return fmt.Sprintf("must be 1 to %d characters", MaxTierNameLength)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "must use only lower-case letters, digits, - and _"
		}
	}
	return ""
}

// ValidRouteKey checks a route's host, label or path prefix.
func ValidRouteKey(k string) string {
	if k == "" {
		return "must not be empty"
	}
	for _, r := range k {
		if r <= ' ' || r == 0x7f {
			return "must not contain spaces or control characters"
		}
	}
	return ""
}

// NonEmpty is the rule that a value be given.
func NonEmpty(s string) string {
	if s == "" {
		return "must not be empty"
	}
	return ""
}

// RuleError is a broken rule: the field it is about and the rule, worded
// to follow the field ("cpuMs: must be between 10 and 300000 (got 5)").
type RuleError struct {
	Field, Rule string
}

func (e *RuleError) Error() string { return e.Field + ": " + e.Rule }

// Explain is the reason and the hint a screen shows (ui.Explainer).
func (e *RuleError) Explain() (reason, hint string) {
	return e.Error(), "fix " + e.Field + "; nothing was changed"
}

// Check pairs a field with the result of a validator.
type Check struct{ Field, Rule string }

// FirstFailure returns the first check whose rule is broken, or nil.
func FirstFailure(cs ...Check) *RuleError {
	for _, c := range cs {
		if c.Rule != "" {
			return &RuleError{Field: c.Field, Rule: c.Rule}
		}
	}
	return nil
}

// AsCheck turns a broken rule back into a Check (a passing one for nil), to
// list it with other checks in FirstFailure.
func AsCheck(re *RuleError) Check {
	if re == nil {
		return Check{}
	}
	return Check{Field: re.Field, Rule: re.Rule}
}
