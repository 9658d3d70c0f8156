package selector

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
)

// Match is one matching name, as in sahilm/fuzzy.Match without the string.
type Match struct {
	// Index is the position of the name in the slice given to NewIndex.
	Index int
	// Score ranks the match; higher is better.
	Score int
	// MatchedIndexes are the byte offsets in the name of the runes that
	// matched the query, one per query rune, in increasing order. Matches
	// of one result share a backing array (capacity-capped, so an append
	// copies); do not modify the elements in place.
	MatchedIndexes []int
}

// Matches are matches best first: by Score descending, then by Index
// ascending, which is the order fuzzy.Find's sort.Stable produces.
type Matches []Match

// minPerWorker is the least number of names worth a goroutine; below it
// the start-up and merge cost more than the scan.
const minPerWorker = 4096

// Find returns the names matching query, best first, exactly as
// fuzzy.Find(query, names) does: same names, scores, matched offsets and
// order. An empty query matches nothing (nil), as in fuzzy.Find; a caller
// that wants "no filter" shows every name instead. Find scans every name;
// use a Narrower for a sequence of keystrokes.
func (ix *Index) Find(query string) Matches {
	p := compile(query)
	if len(p.runes) == 0 {
		return nil
	}
	m, _ := ix.find(p, nil, runtime.GOMAXPROCS(0))
	return m
}

// FindInverse returns, in name order, the positions of the names that
// Find(text) would not return: names that do not contain text as a fuzzy
// (case-folded subsequence) match. An empty text excludes nothing, since
// an empty query matches no name, so every position is returned.
func (ix *Index) FindInverse(text string) []int {
	p := compile(text)
	out := make([]int, 0, ix.Len())
	for i := range ix.Len() {
		if len(p.runes) == 0 || !ix.matches(p, i) {
			out = append(out, i)
		}
	}
	return out
}

// matches reports whether name i matches p, without scoring it.
func (ix *Index) matches(p *pattern, i int) bool {
	m := ix.masks[i]
	if m&p.mask != p.mask {
		return false
	}
	if p.ascii && m&flagNonASCII == 0 {
		return subseqASCII(ix.name(i), p.lower, m&flagUpper != 0)
	}
	return subseqFold(ix.name(i), p.runes)
}

// part is what one worker found: matching names in name order, their
// scores, and their matched offsets, len(p.runes) per match.
type part struct {
	idxs   []int32
	scores []int
	mi     []int
}

// find scans the names listed in cand (all names when cand is nil), which
// must be in increasing order, with up to maxWorkers goroutines, and
// returns the sorted matches plus their name positions in increasing order
// (for a Narrower to scan next time).
func (ix *Index) find(p *pattern, cand []int32, maxWorkers int) (Matches, []int32) {
	n := ix.Len()
	if cand != nil {
		n = len(cand)
	}
	workers := max(1, min(maxWorkers, n/minPerWorker))
	parts := make([]part, workers)
	if workers == 1 {
		ix.scan(p, cand, 0, n, &parts[0])
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := w*n/workers, (w+1)*n/workers
			wg.Go(func() { ix.scan(p, cand, lo, hi, &parts[w]) })
		}
		wg.Wait()
	}
	return merge(parts, len(p.runes))
}

// scan matches positions lo..hi-1 of cand (of all names when cand is nil)
// against p and stores the matches in out. It works on a local part and
// writes out once: parts of different workers share cache lines.
func (ix *Index) scan(p *pattern, cand []int32, lo, hi int, dst *part) {
	var local part
	out := &local
	defer func() { *dst = local }()
	np := len(p.runes)
	for k := lo; k < hi; k++ {
		i := k
		if cand != nil {
			i = int(cand[k])
		}
		m := ix.masks[i]
		if m&p.mask != p.mask {
			continue
		}
		s := ix.text[ix.starts[i]:ix.starts[i+1]]
		fast := p.ascii && m&flagNonASCII == 0
		if fast && !subseqASCII(s, p.lower, m&flagUpper != 0) {
			continue
		}
		base := len(out.mi)
		out.mi = reserve(out.mi, np)[:base+np]
		var score, got int
		if fast {
			score, got = scoreASCII(s, p.lower, out.mi[base:])
		} else {
			score, got = scoreGeneric(s, p.runes, out.mi[base:])
		}
		if got != np {
			out.mi = out.mi[:base]
			continue
		}
		out.idxs = append(reserve(out.idxs, 1), int32(i))
		out.scores = append(reserve(out.scores, 1), score)
	}
}

// reserve returns s with room for n more elements, doubling the capacity
// when it grows: append grows large slices by only 1.25x, and the copies
// then cost more than the scan of a broad query.
func reserve[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	grown := make([]T, len(s), 2*cap(s)+max(n, 256))
	copy(grown, s)
	return grown
}

// maxCountingRange bounds the score range sorted by counting; wider ranges
// (long runs of adjacent matches grow scores geometrically) use a
// comparison sort with the same order.
const maxCountingRange = 1 << 16

// merge joins the parts in order and sorts the matches by score
// descending, keeping name order among equal scores.
func merge(parts []part, np int) (Matches, []int32) {
	total := 0
	for i := range parts {
		total += len(parts[i].idxs)
	}
	if total == 0 {
		return nil, []int32{} // not nil: a nil candidate list means every name
	}
	idxs := make([]int32, 0, total)
	lo, hi := math.MaxInt, math.MinInt
	for i := range parts {
		idxs = append(idxs, parts[i].idxs...)
		for _, s := range parts[i].scores {
			lo, hi = min(lo, s), max(hi, s)
		}
	}
	out := make(Matches, total)
	if hi-lo >= maxCountingRange {
		k := 0
		for i := range parts {
			k = parts[i].fill(out, k, np)
		}
		slices.SortStableFunc(out, func(a, b Match) int { return cmp.Compare(b.Score, a.Score) })
		return out, idxs
	}
	// Stable counting sort: slot 0 holds the highest score.
	next := make([]int, hi-lo+2)
	for i := range parts {
		for _, s := range parts[i].scores {
			next[hi-s+1]++
		}
	}
	for k := 1; k < len(next); k++ {
		next[k] += next[k-1]
	}
	for i := range parts {
		pt := &parts[i]
		for j, s := range pt.scores {
			pos := next[hi-s]
			next[hi-s]++
			out[pos] = Match{Index: int(pt.idxs[j]), Score: s, MatchedIndexes: pt.offsets(j, np)}
		}
	}
	return out, idxs
}

// offsets returns the matched offsets of match j, capped so an append by
// the caller cannot overwrite the next match's offsets.
func (pt *part) offsets(j, np int) []int {
	return pt.mi[j*np : (j+1)*np : (j+1)*np]
}

// fill copies the part's matches to out from position k, in name order.
func (pt *part) fill(out Matches, k, np int) int {
	for j, s := range pt.scores {
		out[k] = Match{Index: int(pt.idxs[j]), Score: s, MatchedIndexes: pt.offsets(j, np)}
		k++
	}
	return k
}
