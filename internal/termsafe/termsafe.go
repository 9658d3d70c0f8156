// Package termsafe is the one sanitiser for tenant-controlled text (script
// names, tags, KV values, log lines, API error messages) written to a
// terminal. Such text can carry escape sequences that clear the screen,
// move the cursor, set the window title, write the clipboard (OSC 52),
// plant hyperlinks (OSC 8), or reorder what the operator reads (bidi
// overrides). Every function here returns valid UTF-8 holding none of the
// runes Unsafe reports (Multiline keeps "\n").
//
// Line, Multiline and OneLine escape unsafe runes visibly, Go style, so an
// operator sees that a tenant tried something: "\x1b]52;c;…\x07" renders
// as the inert text `\x1b]52;c;…\x07`. Strip drops them instead, for text
// an escape would get in the way of (a pasted name, a name matched against
// a query). Invalid UTF-8 becomes U+FFFD throughout.
package termsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unsafe reports whether a terminal may act on r or show it misleadingly:
// C0 controls (including "\n" and "\t") and DEL; C1 controls (U+0080–
// U+009F; U+009B is CSI on some terminals); the bidirectional embeddings,
// overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks (LRM
// U+200E, RLM U+200F, ALM U+061C), which reorder what the operator reads;
// and the line and paragraph separators U+2028 and U+2029.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
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

// Line makes text safe to write on one line. Unsafe runes are escaped: C0
// controls and DEL as \x1b, \x7f, with \n, \r and \t for those three; the
// other unsafe runes as \u009b, \u202e etc.; invalid UTF-8 becomes U+FFFD.
// Text that needs no change is returned as is, without allocating.
func Line(s string) string { return escape(s, false) }

// Multiline is Line for text shown on several lines (pretty JSON, KV
// values, log messages): it keeps "\n" and turns a tab into four spaces;
// everything else is escaped as in Line ("\r" as \r).
func Multiline(s string) string { return escape(s, true) }

// OneLine fits text such as an API error's reason into one line: runs of
// white space (unicode.IsSpace, so also "\n", "\r", U+0085 and U+2028)
// become one space and leading and trailing space is dropped; other unsafe
// runes are escaped as Line does. When max > 0 and the result is longer
// than max bytes, it is cut to at most max bytes, never inside a rune or an
// escape and without a trailing space, and "…" is appended. max <= 0 means
// no cut.
func OneLine(s string, max int) string {
	if plainOneLine(s, max) {
		return s
	}
	size := len(s)
	if max > 0 {
		size = min(size, max+len("…"))
	}
	var b strings.Builder
	b.Grow(size)
	var buf [8]byte // the longest token, `\u202e`, is 6 bytes
	space, cut := false, false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		var tok []byte
		switch {
		case r == utf8.RuneError && size == 1:
			tok = utf8.AppendRune(buf[:0], utf8.RuneError)
		case Unsafe(r):
			tok = appendEscape(buf[:0], r)
		default:
			tok = utf8.AppendRune(buf[:0], r)
		}
		n := len(tok)
		if space {
			n++
		}
		if max > 0 && b.Len()+n > max {
			cut = true
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.Write(tok)
	}
	if cut {
		b.WriteString("…")
	}
	return b.String()
}

// Strip drops the unsafe runes from text instead of escaping them (so
// "a\x1b[2Jb" becomes "a[2Jb"); invalid UTF-8 becomes U+FFFD. Text that
// needs no change is returned as is, without allocating.
func Strip(s string) string {
	if safe(s, false) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !Unsafe(r) {
			b.WriteRune(r) // RuneError for an invalid byte writes U+FFFD
		}
	}
	return b.String()
}

// escape is Line, or Multiline when multiline is set.
func escape(s string, multiline bool) string {
	if safe(s, multiline) {
		return s // fast path: no allocation for ordinary names
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	var buf [8]byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case multiline && r == '\n':
			b.WriteByte('\n')
		case multiline && r == '\t':
			b.WriteString("    ")
		case Unsafe(r):
			b.Write(appendEscape(buf[:0], r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// appendEscape appends the visible escape of an unsafe rune.
func appendEscape(dst []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	switch {
	case r == '\n':
		return append(dst, `\n`...)
	case r == '\r':
		return append(dst, `\r`...)
	case r == '\t':
		return append(dst, `\t`...)
	case r < 0x80:
		return append(dst, '\\', 'x', hex[r>>4], hex[r&0xf])
	}
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// safe reports whether s needs no change: printable ASCII (and "\n" when
// multiline), or valid UTF-8 without any unsafe rune. U+FFFD counts as
// unsafe here, as it cannot be told from an invalid byte cheaply; the
// slow path then keeps it.
func safe(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f || multiline && c == '\n' {
			continue
		}
		if c < 0x80 {
			return false // C0 control or DEL
		}
		// Non-ASCII: check rune by rune from here.
		for _, r := range s[i:] {
			if r == utf8.RuneError || Unsafe(r) && !(multiline && r == '\n') {
				return false
			}
		}
		return true
	}
	return true
}

// plainOneLine reports whether OneLine leaves s as it is: printable ASCII,
// single spaces only between words, and within max.
func plainOneLine(s string, max int) bool {
	if max > 0 && len(s) > max || s != "" && (s[0] == ' ' || s[len(s)-1] == ' ') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == ' ' && s[i+1] == ' ' {
			return false
		}
	}
	return true
}
