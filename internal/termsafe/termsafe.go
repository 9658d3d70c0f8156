// Package termsafe is the one sanitiser for tenant-controlled text (script
// names, tags, KV values, log lines, API error messages) written to a
// terminal. Such text can carry escape sequences that clear the screen,
// move the cursor, set the window title, write the clipboard (OSC 52),
// plant hyperlinks (OSC 8), reorder what the operator reads (bidi
// overrides), or hide in plain sight (zero-width and other invisible
// characters, so that "customer-a\u200bbcde" reads as "customer-abcde").
// Every function here returns valid UTF-8 holding none of the runes Unsafe
// reports (Multiline keeps "\n"), except the joiners and variation
// selectors of an emoji sequence (see Unsafe).
//
// Line, Multiline and OneLine escape unsafe runes visibly, Go style, so an
// operator sees that a tenant tried something: "\x1b]52;c;…\x07" renders
// as the inert text `\x1b]52;c;…\x07`. Strip drops them instead, for text
// an escape would get in the way of (a pasted name, a name matched against
// a query). Invalid UTF-8 becomes U+FFFD throughout.
package termsafe

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unsafe reports whether a terminal may act on r or show it misleadingly:
//
//   - C0 controls (including "\n" and "\t") and DEL; C1 controls (U+0080–
//     U+009F; U+009B is CSI on some terminals);
//   - the line and paragraph separators U+2028 and U+2029;
//   - every format character (category Cf): the bidirectional embeddings,
//     overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, LRM,
//     RLM, ALM), which reorder what the operator reads, and the invisible
//     ones: zero-width space, non-joiner and joiner (U+200B–U+200D), word
//     joiner and invisible operators (U+2060–U+2064), the deprecated
//     format characters U+206A–U+206F, the byte order mark U+FEFF, the
//     soft hyphen U+00AD, U+180E, the tag characters U+E0001 and
//     U+E0020–U+E007F, and the rest of Cf;
//   - the other default-ignorable code points, which terminals draw as
//     nothing: variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF and
//     Mongolian U+180B–U+180F), the combining grapheme joiner U+034F, the
//     Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the Khmer inherent
//     vowels U+17B4 and U+17B5, and the reserved U+2065, U+FFF0–U+FFF8 and
//     U+E0000–U+E0FFF.
//
// Unsafe judges a rune alone. Line, Multiline, OneLine and Strip keep two
// of them where they belong to an emoji sequence and show as one picture:
// a zero-width joiner (U+200D) between two pictographic symbols (👨‍👩‍👧,
// 🏳️‍🌈, 👩🏽‍💻), and the emoji and text presentation selectors U+FE0F and
// U+FE0E right after a pictographic symbol (❤️) or in a keycap (1️⃣).
// Anywhere else they are escaped like every other unsafe rune.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f:
		return true
	case r < 0xad:
		return false
	case r == 0x2028 || r == 0x2029:
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// Runes of emoji sequences that Unsafe reports but the functions keep in
// place.
const (
	zwj      = 0x200d // zero-width joiner
	vs15     = 0xfe0e // text presentation selector
	vs16     = 0xfe0f // emoji presentation selector
	keycap   = 0x20e3 // combining enclosing keycap
	modFirst = 0x1f3fb
	modLast  = 0x1f3ff // the skin-tone modifiers
)

// pictographic reports whether r can start or continue an emoji sequence:
// a non-ASCII symbol (So, Sm: ❤, 👨, ↔, 🌈, regional indicators) or one of
// the few emoji that are punctuation (‼ ⁉ 〰 〽); not U+FFFD. It is wider than
// Unicode's Extended_Pictographic, which Go's tables do not carry; what it
// lets through is a joiner or selector right after a visible symbol.
func pictographic(r rune) bool {
	switch r {
	case 0x203c, 0x2049, 0x3030, 0x303d:
		return true
	}
	return r >= 0x80 && r != utf8.RuneError && (unicode.Is(unicode.So, r) || unicode.Is(unicode.Sm, r))
}

// keycapBase reports whether r can start a keycap sequence (1️⃣, #️⃣).
func keycapBase(r rune) bool { return r >= '0' && r <= '9' || r == '#' || r == '*' }

// rune classes yielded by classify.
const (
	shown   = iota // written as is
	invalid        // an invalid byte, written as U+FFFD
	unsafe         // escaped (Line, Multiline, OneLine) or dropped (Strip)
)

// classify yields each rune of s with its class: Unsafe runes are unsafe
// unless they are the joiner or a presentation selector of an emoji
// sequence (see Unsafe).
func classify(s string) iter.Seq2[rune, int] {
	return func(yield func(rune, int) bool) {
		// canVS: the last rune shown is a symbol a selector may follow;
		// canZWJ: it is that, or a selector kept after one, so a joiner
		// may follow.
		canVS, canZWJ := false, false
		var prev rune
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			class := shown
			switch {
			case r == utf8.RuneError && size == 1:
				class = invalid
				canVS, canZWJ = false, false
			case r == zwj:
				next, _ := utf8.DecodeRuneInString(s[i:])
				if !canZWJ || !pictographic(next) {
					class = unsafe
				}
				canVS, canZWJ = false, false
			case r == vs15 || r == vs16:
				next, _ := utf8.DecodeRuneInString(s[i:])
				afterSymbol := canVS
				if !afterSymbol && !(keycapBase(prev) && next == keycap) {
					class = unsafe
				}
				canVS, canZWJ = false, afterSymbol && r == vs16
			case Unsafe(r):
				class = unsafe
				canVS, canZWJ = false, false
			default:
				emoji := pictographic(r) || r >= modFirst && r <= modLast
				canVS, canZWJ = emoji, emoji
			}
			prev = r
			if !yield(r, class) {
				return
			}
		}
	}
}

// Line makes text safe to write on one line. Unsafe runes are escaped: C0
// controls and DEL as \x1b, \x7f, with \n, \r and \t for those three; the
// other unsafe runes as \u009b, \u202e, \u200b etc., and those beyond
// U+FFFF as \U000e0041; invalid UTF-8 becomes U+FFFD. Text that needs no
// change is returned as is, without allocating.
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
	var buf [16]byte // the longest token, `\U000e0041`, is 10 bytes
	space, cut := false, false
	for r, class := range classify(s) {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		var tok []byte
		switch class {
		case invalid:
			tok = utf8.AppendRune(buf[:0], utf8.RuneError)
		case unsafe:
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
// "a\x1b[2Jb" becomes "a[2Jb" and "a\u200bb" becomes "ab"); invalid UTF-8
// becomes U+FFFD. Text that needs no change is returned as is, without
// allocating.
func Strip(s string) string {
	if safe(s, false) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for r, class := range classify(s) {
		if class != unsafe {
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
	var buf [16]byte
	for r, class := range classify(s) {
		switch {
		case class == invalid:
			b.WriteRune(utf8.RuneError)
		case multiline && r == '\n':
			b.WriteByte('\n')
		case multiline && r == '\t':
			b.WriteString("    ")
		case class == unsafe:
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
	case r > 0xffff:
		dst = append(dst, '\\', 'U')
		for shift := 28; shift >= 0; shift -= 4 {
			dst = append(dst, hex[r>>shift&0xf])
		}
		return dst
	}
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// safe reports whether s needs no change: printable ASCII (and "\n" when
// multiline), or valid UTF-8 without any unsafe rune. U+FFFD counts as
// unsafe here, as it cannot be told from an invalid byte cheaply; the
// slow path then keeps it. So does an emoji sequence's joiner or selector,
// which the slow path keeps too.
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
