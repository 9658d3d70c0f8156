package selector

import (
	"strings"
	"unicode/utf8"
)

// isWordSep reports the bytes after which a word starts, for ranking
// substring matches: - _ . / and space. (The backslash, one of fuzzy's
// scoring separators, does not start a word here.)
func isWordSep(c byte) bool {
	switch c {
	case '-', '_', '.', '/', ' ':
		return true
	}
	return false
}

// wordStartAt reports whether byte offset at of s starts a word: it is the
// start of s or follows a word separator. A separator is ASCII, so the
// byte before at is the whole previous rune when it is one.
func wordStartAt(s string, at int) bool {
	return at == 0 || isWordSep(s[at-1])
}

// indexASCII finds the lower-case ASCII pattern pat in the ASCII name s,
// ignoring ASCII case. It returns the byte offset of the first occurrence
// at a word start, or else of the first occurrence (and wordStart false),
// or -1. upper says whether s has upper-case letters; when it has none its
// bytes are compared as they are.
func indexASCII(s, pat string, upper bool) (at int, wordStart bool) {
	first := -1
	if !upper {
		for from := 0; ; {
			k := strings.Index(s[from:], pat)
			if k < 0 {
				return first, false
			}
			at := from + k
			if wordStartAt(s, at) {
				return at, true
			}
			if first < 0 {
				first = at
			}
			from = at + 1
		}
	}
	for at := 0; at+len(pat) <= len(s); at++ {
		if hasPrefixLowerASCII(s[at:], pat) {
			if wordStartAt(s, at) {
				return at, true
			}
			if first < 0 {
				first = at
			}
		}
	}
	return first, false
}

// hasPrefixLowerASCII reports whether s starts with the lower-case pat,
// ignoring ASCII case.
func hasPrefixLowerASCII(s, pat string) bool {
	if len(s) < len(pat) {
		return false
	}
	for i := 0; i < len(pat); i++ {
		if lowerASCII(s[i]) != pat[i] {
			return false
		}
	}
	return true
}

// indexFold is indexASCII for any text: pat matches the runes of s one for
// one under equalFold (fuzzy's case folding; invalid bytes decode to
// U+FFFD as in fuzzy). It returns the byte offset of the first occurrence
// at a word start, else of the first occurrence, or -1.
func indexFold(s string, pat []rune) (at int, wordStart bool) {
	first := -1
	for at := 0; at < len(s); {
		if hasPrefixFold(s[at:], pat) {
			if wordStartAt(s, at) {
				return at, true
			}
			if first < 0 {
				first = at
			}
		}
		_, size := utf8.DecodeRuneInString(s[at:])
		at += size
	}
	return first, false
}

// hasPrefixFold reports whether the first len(pat) runes of s equal pat
// under equalFold.
func hasPrefixFold(s string, pat []rune) bool {
	for _, pr := range pat {
		if s == "" {
			return false
		}
		r, size := utf8.DecodeRuneInString(s)
		if !equalFold(r, pr) {
			return false
		}
		s = s[size:]
	}
	return true
}

// runeOffsets writes the byte offsets of the len(dst) runes of s that
// start at byte offset at.
func runeOffsets(s string, at int, dst []int) {
	for k := range dst {
		dst[k] = at
		_, size := utf8.DecodeRuneInString(s[at:])
		at += size
	}
}
