package selector

import (
	"runtime"
	"slices"
	"strings"
)

// The unranked queries: the same match sets as Find and FindSubstring, as
// positions in increasing order, without scores, offsets or
// ranking. They are for tables that keep their own order and filter more
// rows than ranking can afford on every keystroke (the routing table's
// 250,000 routes): a broad fuzzy query scores every name it matches, and
// the scoring, not the match, is what Find spends its time on.
//
// Each takes within, the positions to consider (increasing; nil means every
// name), so a caller narrows as typing does: every name a query matches
// also matched any query that is a case-folded subsequence of it
// (Matching), or a substring of it (Containing).

// Matching returns the positions of the names Find(query) returns, in
// increasing order, considering only within. An empty query matches
// nothing (nil), as in Find.
func (ix *Index) Matching(query string, within []int32) []int32 {
	p := compile(query)
	if len(p.runes) == 0 {
		return nil
	}
	if exactBucket(p) {
		// One letter, digit or separator: an ASCII name has its bucket bit
		// exactly when it has the rune (in either case), so the mask
		// answers without a look at the name. The first key typed, the
		// broadest query, is the one that needs it.
		return ix.positions(within, func(i int) bool {
			m := ix.masks[i]
			if m&flagNonASCII == 0 {
				return m&p.mask != 0
			}
			return ix.matches(p, i)
		})
	}
	return ix.positions(within, func(i int) bool {
		m := ix.masks[i]
		if m&p.mask != p.mask {
			return false
		}
		if p.ascii && m&(flagNonASCII|flagUpper) == 0 {
			return subseqBytes(ix.name(i), p.lower)
		}
		return ix.matches(p, i)
	})
}

// subseqBytes reports whether pat is a subsequence of s, byte for byte:
// for a name with no upper-case or non-ASCII letter and a lower-case
// ASCII query, exactly subseqASCII's answer, found with strings.IndexByte
// (vectorised), two to five times faster on route-sized names.
func subseqBytes(s string, pat []byte) bool {
	for _, c := range pat {
		i := strings.IndexByte(s, c)
		if i < 0 {
			return false
		}
		s = s[i+1:]
	}
	return true
}

// exactBucket reports whether p is one rune whose bucket no other ASCII
// rune but its other case shares: a letter, a digit or a separator.
func exactBucket(p *pattern) bool {
	return len(p.runes) == 1 && bucket(p.runes[0]) < bitOther
}

// Containing returns the positions of the names FindSubstring(text)
// returns, in increasing order, considering only within. An empty text is
// contained in every name considered.
func (ix *Index) Containing(text string, within []int32) []int32 {
	p := compile(text)
	if len(p.runes) == 0 {
		return ix.positions(within, func(int) bool { return true })
	}
	return ix.positions(within, func(i int) bool { return ix.contains(p, i) })
}

// contains reports whether name i contains p contiguously under Find's
// case folding.
func (ix *Index) contains(p *pattern, i int) bool {
	m := ix.masks[i]
	if m&p.mask != p.mask {
		return false
	}
	s := ix.name(i)
	if p.ascii && m&flagNonASCII == 0 {
		at, _ := indexASCII(s, p.lowerStr, m&flagUpper != 0)
		return at >= 0
	}
	at, _ := indexFold(s, p.runes)
	return at >= 0
}

// positions returns the positions of within (all when nil) for which keep
// holds, in increasing order, scanning in parallel. Each worker writes its
// matches into its own range of one slice (a range never holds more
// matches than positions), which is then closed up: one allocation, no
// growing.
func (ix *Index) positions(within []int32, keep func(i int) bool) []int32 {
	n := ix.Len()
	if within != nil {
		n = len(within)
	}
	out := make([]int32, n)
	parts := ix.run(n, runtime.GOMAXPROCS(0), func(lo, hi int, dst *part) {
		k := lo
		for j := lo; j < hi; j++ {
			i := j
			if within != nil {
				i = int(within[j])
			}
			if keep(i) {
				out[k] = int32(i)
				k++
			}
		}
		dst.idxs = out[lo:k]
	})
	total := 0
	for i := range parts {
		total += copy(out[total:], parts[i].idxs)
	}
	if total < n/4 {
		// A narrow result: callers keep results to narrow the next query,
		// so do not hold on to the whole slice.
		return slices.Clone(out[:total])
	}
	return out[:total:total]
}

// Narrows reports whether every name a fuzzy query later matches is also
// matched by earlier (earlier is a case-folded subsequence of later), so
// Matching(later, Matching(earlier, nil)) is Matching(later, nil). It is
// false for an empty earlier, which matches nothing.
func Narrows(earlier, later string) bool {
	return earlier != "" && foldSubsequence([]rune(earlier), []rune(later))
}
