package config

import (
	"fmt"
	"log/slog"
)

// redacted is what a non-empty Secret prints as.
const redacted = "[redacted]"

// Secret holds an API token so that it never prints: fmt (every verb,
// %#v included), JSON, text marshalling and slog all show "[redacted]", or
// "" when the secret is empty. Reveal is the one way to read it.
//
// The value sits behind a pointer on purpose: when a Secret is an
// unexported field of some struct, fmt cannot call its methods and prints
// the field by reflection — which for a pointer is an address, not the
// token.
type Secret struct {
	value *string
}

// NewSecret wraps s.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{value: &s}
}

// Reveal returns the secret itself. Pass it only to the HTTP client.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s.value != nil && *s.value != "" }

// String returns "[redacted]", or "" when the secret is empty.
func (s Secret) String() string {
	if s.IsSet() {
		return redacted
	}
	return ""
}

// GoString is String, for %#v.
func (s Secret) GoString() string { return s.String() }

// Format prints String for every verb, so no verb reaches the value.
func (s Secret) Format(f fmt.State, _ rune) {
	fmt.Fprint(f, s.String())
}

// MarshalText returns String, for encoders that use it.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON returns String as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%q", s.String()), nil
}

// LogValue makes slog print String.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
