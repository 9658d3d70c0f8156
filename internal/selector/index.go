// Package selector is the filter engine behind `/` in the scripts table
// (and the namespaces table's name filter): the filter grammar, and fuzzy
// matching of script names that returns exactly the names
// github.com/sahilm/fuzzy v0.1.3 fuzzy.Find returns, with the same scores,
// fast enough to run on every keystroke over 100,000 names. The order
// differs from fuzzy.Find's in one way: names that contain the query
// literally come first (word-start occurrences, then shorter names), and
// only the rest are ordered by fuzzy score; see Index.Find.
//
// Why the match set can be identical while doing less work: fuzzy.Find
// accepts a name exactly when the query, rune by rune, is a case-folded
// subsequence of the name (cut at its first NUL). Its deferred-commit loop
// always ends up on the greedy leftmost positions for that test; only the
// score and the matched offsets need its full loop. So this package
//
//   - rejects a name with a 64-bit character-presence mask before looking
//     at its bytes (index.go),
//   - rejects the rest with a plain subsequence scan and runs a byte-level
//     port of the scoring loop only on real matches; names or queries with
//     non-ASCII text go through a rune-level port of the same loop (score.go),
//   - looks for the query as a contiguous substring only in those matches
//     (substring.go),
//   - splits the scan over runtime.GOMAXPROCS workers and merges the parts
//     in name order, then orders them with stable counting sorts: substring
//     matches by word start and length, the others by score, which is the
//     order sort.Stable gives in fuzzy.Find (find.go),
//   - lets a Narrower scan only the previous matches when the new query
//     contains an earlier query as a subsequence, as typing does (narrower.go),
//   - for a screen's first screenful, Top ranks only the k best matches and
//     counts the rest, scoring a name only while it could still rank, and
//     FindAmong ranks them all afterwards over those matches alone; a
//     Matcher gives the rows drawn their offsets (top.go).
//
// ParseQuery turns the text typed after `/` into a fuzzy, substring,
// inverse or tag query (query.go); Segments and Highlight split a name into
// matched and unmatched runs for rendering (highlight.go).
package selector

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask layout. Bits 0..60 and 62 are character buckets: a rune sets the bucket of
// every rune in its case-fold orbit, so a name can contain a rune equal
// (under fuzzy's equalFold) to a query rune only if the query rune's bucket
// bit is set in the name's mask. Buckets may be shared, which only lets
// more names through to the exact check, never fewer.
const (
	bitOther     = 42              // first of the 19 buckets shared by other ASCII bytes
	otherBuckets = 19              // ASCII bytes that are not letters, digits or separators
	bitNonASCII  = 62              // every non-ASCII rune
	flagUpper    = uint64(1) << 61 // the name has an ASCII upper-case letter
	flagNonASCII = uint64(1) << 63 // the name has a non-ASCII byte: score it rune by rune
)

// Index holds names prepared for repeated filtering. It is built once per
// list of names and is safe for concurrent use by several goroutines (it is
// never written after NewIndex returns).
type Index struct {
	text   string   // every name cut at its first NUL, concatenated
	starts []uint32 // name i is text[starts[i]:starts[i+1]]
	masks  []uint64 // presence mask per name, plus flagUpper and flagNonASCII
}

// NewIndex prepares names for filtering. Match.Index values returned later
// are positions in names. The names are copied, so the caller may reuse
// the slice. Positions are kept as int32: at most math.MaxInt32 names, of
// at most 4 GiB together.
func NewIndex(names []string) *Index {
	asciiMasks := asciiMaskTable()
	total := 0
	for _, name := range names {
		total += len(cleanName(name))
	}
	var b strings.Builder
	b.Grow(total)
	ix := &Index{
		starts: make([]uint32, 0, len(names)+1),
		masks:  make([]uint64, len(names)),
	}
	for i, name := range names {
		clean := cleanName(name)
		ix.starts = append(ix.starts, uint32(b.Len()))
		b.WriteString(clean)
		ix.masks[i] = nameMask(clean, &asciiMasks)
	}
	ix.starts = append(ix.starts, uint32(b.Len()))
	ix.text = b.String()
	return ix
}

// NewIndexText prepares names that are already back to back in one text
// (name i is text[starts[i]:starts[i+1]], len(starts) is the count plus
// one), without copying them: a million names cost only their masks. The
// text must not change while the index is used. Names holding a NUL are
// cut there, as NewIndex cuts them (then the names are copied).
func NewIndexText(text string, starts []uint32) *Index {
	n := len(starts) - 1
	if n < 0 {
		return NewIndex(nil)
	}
	if strings.IndexByte(text, 0) >= 0 {
		names := make([]string, n)
		for i := range names {
			names[i] = text[starts[i]:starts[i+1]]
		}
		return NewIndex(names)
	}
	asciiMasks := asciiMaskTable()
	ix := &Index{text: text, starts: starts[: n+1 : n+1], masks: make([]uint64, n)}
	for i := range ix.masks {
		ix.masks[i] = nameMask(text[starts[i]:starts[i+1]], &asciiMasks)
	}
	return ix
}

// Len returns the number of names in the index.
func (ix *Index) Len() int { return len(ix.masks) }

// name returns name i as fuzzy.Find sees it: cut at its first NUL.
func (ix *Index) name(i int) string { return ix.text[ix.starts[i]:ix.starts[i+1]] }

// cleanName cuts s at its first NUL rune, as fuzzy.Find does before matching.
func cleanName(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// bucket maps a rune to its mask bit. Upper-case ASCII letters share the
// bit of their lower-case letter.
func bucket(r rune) uint {
	switch {
	case r >= 'a' && r <= 'z':
		return uint(r - 'a')
	case r >= 'A' && r <= 'Z':
		return uint(r - 'A')
	case r >= '0' && r <= '9':
		return 26 + uint(r-'0')
	}
	switch r {
	case '-':
		return 36
	case '_':
		return 37
	case '.':
		return 38
	case ' ':
		return 39
	case '/':
		return 40
	case '\\':
		return 41
	}
	if r >= 0 && r < utf8.RuneSelf {
		return bitOther + uint(r)%otherBuckets
	}
	return bitNonASCII
}

// foldMask returns the bucket bits of every rune in r's case-fold orbit
// (for example 'k' also sets the non-ASCII bit because of the Kelvin sign).
func foldMask(r rune) uint64 {
	m := uint64(1) << bucket(r)
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m |= uint64(1) << bucket(f)
	}
	return m
}

// asciiMaskTable precomputes foldMask for the 128 ASCII bytes.
func asciiMaskTable() [utf8.RuneSelf]uint64 {
	var t [utf8.RuneSelf]uint64
	for c := range t {
		t[c] = foldMask(rune(c))
	}
	return t
}

// nameMask computes the presence mask of a clean name.
func nameMask(s string, asciiMasks *[utf8.RuneSelf]uint64) uint64 {
	var m uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			m |= flagNonASCII
			for _, r := range s[i:] {
				m |= foldMask(r)
				if r >= 'A' && r <= 'Z' {
					m |= flagUpper
				}
			}
			return m
		}
		m |= asciiMasks[c]
		if c-'A' < 26 {
			m |= flagUpper
		}
	}
	return m
}
