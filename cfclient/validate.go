package cfclient

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Limits the console enforces before calling the API (docs/design.md,
// "Platform conventions"; docs/cloudflare-api.md §10).
const (
	MaxTags           = 8
	MinCPUMs          = 10
	MaxCPUMs          = 300000
	MinSubRequests    = 5
	MaxSubRequests    = 1000
	MaxKVKeyBytes     = 512
	MaxKVBulkItems    = 10000
	MinKVExpiration   = 60
	maxNamespaceName  = 63
	maxTierNameLength = 64
)

var scriptNameRE = regexp.MustCompile(`^[a-z0-9_][a-z0-9-_]*$`)

// The validators return "" when the value is fine, or the broken rule.

// validScriptName checks a script name against Cloudflare's rule.
func validScriptName(s string) string {
	if !scriptNameRE.MatchString(s) {
		return "must match ^[a-z0-9_][a-z0-9-_]*$ (lower-case letters, digits, - and _; not starting with -)"
	}
	return ""
}

// validNamespaceName checks a new namespace name. The API only asks for a
// non-empty name; wfp asks new names to follow the script-name rule and fit
// in 63 characters, so they are safe in paths, files and terminals.
func validNamespaceName(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > maxNamespaceName {
		return fmt.Sprintf("must be at most %d characters", maxNamespaceName)
	}
	return validScriptName(s)
}

// validTag checks one tag.
func validTag(t string) string {
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

// validTags checks a script's whole tag list.
func validTags(tags []string) (field, rule string) {
	if len(tags) > MaxTags {
		return "tags", fmt.Sprintf("at most %d tags per script (got %d)", MaxTags, len(tags))
	}
	seen := make(map[string]bool, len(tags))
	for i, t := range tags {
		if r := validTag(t); r != "" {
			return fmt.Sprintf("tags[%d] %q", i, t), r
		}
		if seen[t] {
			return fmt.Sprintf("tags[%d] %q", i, t), "appears twice"
		}
		seen[t] = true
	}
	return "", ""
}

// validKVKey checks a KV key name.
func validKVKey(k string) string {
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

// validCPUMs and validSubRequests check limits against the documented ranges.
func validCPUMs(n int) string {
	if n < MinCPUMs || n > MaxCPUMs {
		return fmt.Sprintf("must be between %d and %d (got %d)", MinCPUMs, MaxCPUMs, n)
	}
	return ""
}

func validSubRequests(n int) string {
	if n < MinSubRequests || n > MaxSubRequests {
		return fmt.Sprintf("must be between %d and %d (got %d)", MinSubRequests, MaxSubRequests, n)
	}
	return ""
}

// validTierName checks a tier name: it becomes part of a tag (tier-<name>).
func validTierName(s string) string {
	if s == "" || len(s) > maxTierNameLength {
		return fmt.Sprintf("must be 1 to %d characters", maxTierNameLength)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "must use only lower-case letters, digits, - and _"
		}
	}
	return ""
}

// checks runs validators in order and returns the first failure as an
// ErrValidation for op on target.
type check struct{ field, rule string }

func firstFailure(op, target string, cs ...check) error {
	for _, c := range cs {
		if c.rule != "" {
			return validationError(op, target, c.field, c.rule)
		}
	}
	return nil
}
