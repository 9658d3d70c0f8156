package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sanitize makes tenant-controlled text (script names, tags, KV values, log
// lines) safe to write to a terminal on one line. Control characters are
// not written raw but escaped visibly, Go style, so an operator sees that a
// tenant tried something: C0 controls and DEL become \x1b, \r, \n, \t, \x7f;
// C1 controls become \u009b; bidirectional overrides and isolates (U+202A–
// U+202E, U+2066–U+2069), LRM/RLM/ALM and line/paragraph separators become
// \u202e etc.; invalid UTF-8 becomes U+FFFD. An escape sequence such as
// "\x1b]52;c;…\x07" therefore renders as inert text.
func Sanitize(s string) string {
	return sanitize(s, false)
}

// SanitizeMultiline is Sanitize for text shown on several lines (pretty JSON,
// KV values, log messages): it keeps "\n" and turns a tab into four spaces;
// everything else is escaped as in Sanitize.
func SanitizeMultiline(s string) string {
	return sanitize(s, true)
}

func sanitize(s string, multiline bool) string {
	if isSafe(s, multiline) {
		return s // fast path: no allocation for ordinary names
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		i += size
		switch {
		case multiline && r == '\n':
			b.WriteByte('\n')
		case multiline && r == '\t':
			b.WriteString("    ")
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isUnsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSafe reports whether s needs no change: printable ASCII, or valid UTF-8
// without any rune Sanitize escapes.
func isSafe(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			continue
		}
		if multiline && c == '\n' {
			continue
		}
		if c < 0x80 {
			return false // C0 control or DEL
		}
		// Non-ASCII: check rune by rune from here.
		for _, r := range s[i:] {
			if r == utf8.RuneError || r < 0x20 || r == 0x7f || isUnsafeRune(r) {
				if !(multiline && r == '\n') {
					return false
				}
			}
		}
		return true
	}
	return true
}

// isUnsafeRune reports the non-ASCII runes a terminal may act on: C1
// controls (0x9b is CSI on some terminals), bidi controls that reorder what
// the operator reads, and Unicode line/paragraph separators.
func isUnsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}
