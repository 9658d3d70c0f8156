package ui

import "github.com/wfpconsole/wfp/internal/termsafe"

// Sanitize is termsafe.Line: tenant text made safe to write on one line,
// control characters escaped visibly.
func Sanitize(s string) string { return termsafe.Line(s) }

// SanitizeMultiline is termsafe.Multiline: Sanitize for text shown on
// several lines, keeping "\n".
func SanitizeMultiline(s string) string { return termsafe.Multiline(s) }
