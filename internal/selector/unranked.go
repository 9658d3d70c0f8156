package selector

import "runtime"

// The unranked queries: the same match sets as Find, FindSubstring and
// FindInverse, as positions in increasing order, without scores, offsets or
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
	return ix.positions(within, func(i int) bool { return ix.matches(p, i) })
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

// NotMatching returns the positions of the names FindInverse(text)
// returns, in increasing order, considering only within: those Find(text)
// does not return. An empty text excludes nothing.
func (ix *Index) NotMatching(text string, within []int32) []int32 {
	p := compile(text)
	if len(p.runes) == 0 {
		return ix.positions(within, func(int) bool { return true })
	}
	return ix.positions(within, func(i int) bool { return !ix.matches(p, i) })
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
// holds, in increasing order, scanning in parallel.
func (ix *Index) positions(within []int32, keep func(i int) bool) []int32 {
	n := ix.Len()
	if within != nil {
		n = len(within)
	}
	parts := ix.run(n, runtime.GOMAXPROCS(0), func(lo, hi int, dst *part) {
		var out []int32
		for k := lo; k < hi; k++ {
			i := k
			if within != nil {
				i = int(within[k])
			}
			if keep(i) {
				out = append(reserve(out, 1), int32(i))
			}
		}
		dst.idxs = out
	})
	total := 0
	for i := range parts {
		total += len(parts[i].idxs)
	}
	out := make([]int32, 0, total)
	for i := range parts {
		out = append(out, parts[i].idxs...)
	}
	return out
}

// Narrows reports whether every name a fuzzy query later matches is also
// matched by earlier (earlier is a case-folded subsequence of later), so
// Matching(later, Matching(earlier, nil)) is Matching(later, nil). It is
// false for an empty earlier, which matches nothing.
func Narrows(earlier, later string) bool {
	return earlier != "" && foldSubsequence([]rune(earlier), []rune(later))
}
