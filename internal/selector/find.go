package selector

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"
)

// Match is one matching name, as in sahilm/fuzzy.Match without the string.
type Match struct {
	// Index is the position of the name in the slice given to NewIndex.
	Index int
	// Score is fuzzy.Find's score of the name (higher is better). Find
	// orders by it only among the names that do not contain the query as a
	// contiguous substring (see Find); FindSubstring leaves it 0.
	Score int
	// MatchedIndexes are the byte offsets in the name of the runes that
	// matched the query, one per query rune, in increasing order. When the
	// name contains the query as a contiguous substring they are the runes
	// of one occurrence (the first at a word start, else the first), not
	// fuzzy.Find's scattered positions; otherwise they are fuzzy.Find's.
	// Matches of one result share a backing array (capacity-capped, so an
	// append copies); do not modify the elements in place.
	MatchedIndexes []int
}

// Matches are matches best first, in the order Find documents.
type Matches []Match

// minPerWorker is the least number of names worth a goroutine; below it
// the start-up and merge cost more than the scan.
const minPerWorker = 4096

// Find returns the names matching query, best first. The names are exactly
// those fuzzy.Find(query, names) returns, with the same scores; the order
// puts literal matches first:
//
//  1. names that contain the query as a contiguous substring (compared
//     rune by rune under the same case folding as the fuzzy match, in the
//     name cut at its first NUL), and among those
//     - an occurrence at a word start (the start of the name, or after
//     "-", "_", ".", "/" or a space) before occurrences inside a word only,
//     - then shorter names (in runes) first,
//     - then by Index;
//  2. then every other match as fuzzy.Find orders it: by Score descending,
//     then by Index.
//
// So "/web" lists "ads-web-qa-1" before "wonka-corp-edge-b2731a", whose
// scattered w…e…b scores higher. For a substring match MatchedIndexes
// cover the chosen occurrence (see Match), so the highlight is one run.
//
// An empty query matches nothing (nil), as in fuzzy.Find; a caller that
// wants "no filter" shows every name instead. Find scans every name; use a
// Narrower for a sequence of keystrokes.
func (ix *Index) Find(query string) Matches {
	p := compile(query)
	if len(p.runes) == 0 {
		return nil
	}
	m, _ := ix.find(p, nil, runtime.GOMAXPROCS(0))
	return m
}

// FindSubstring returns, in name order, the names that contain text as a
// contiguous substring under the case folding of Find (the `=text` filter).
// MatchedIndexes are the byte offsets of the runes of the occurrence Find
// would highlight: the first one at a word start, else the first; Score is
// 0. An empty text is contained in every name: every name is returned, with
// no offsets.
func (ix *Index) FindSubstring(text string) Matches {
	p := compile(text)
	np := len(p.runes)
	if np == 0 {
		out := make(Matches, ix.Len())
		for i := range out {
			out[i].Index = i
		}
		return out
	}
	parts := ix.run(ix.Len(), runtime.GOMAXPROCS(0), func(lo, hi int, dst *part) {
		ix.scanSubstring(p, lo, hi, dst)
	})
	total := 0
	for i := range parts {
		total += len(parts[i].idxs)
	}
	if total == 0 {
		return nil
	}
	out := make(Matches, 0, total)
	for i := range parts {
		pt := &parts[i]
		for j, idx := range pt.idxs {
			out = append(out, Match{Index: int(idx), MatchedIndexes: pt.offsets(j, np)})
		}
	}
	return out
}

// scanSubstring finds the names lo..hi-1 that contain p contiguously and
// stores them, with the offsets of the chosen occurrence, in dst.
func (ix *Index) scanSubstring(p *pattern, lo, hi int, dst *part) {
	var local part
	np := len(p.runes)
	for i := lo; i < hi; i++ {
		m := ix.masks[i]
		if m&p.mask != p.mask {
			continue
		}
		s := ix.name(i)
		var at int
		if p.ascii && m&flagNonASCII == 0 {
			if at, _ = indexASCII(s, p.lowerStr, m&flagUpper != 0); at < 0 {
				continue
			}
		} else if at, _ = indexFold(s, p.runes); at < 0 {
			continue
		}
		base := len(local.mi)
		local.mi = reserve(local.mi, np)[:base+np]
		runeOffsets(s, at, local.mi[base:])
		local.idxs = append(reserve(local.idxs, 1), int32(i))
	}
	*dst = local
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
// scores and substring keys, and their matched offsets, len(p.runes) per
// match.
type part struct {
	idxs   []int32
	scores []int
	// subs[j] is noSubstring when match j does not contain the query
	// contiguously, else subKey of its length and occurrence.
	subs []int32
	mi   []int
}

// noSubstring marks a match that is fuzzy only.
const noSubstring = -1

// maxSubLen caps the rune length kept in a substring key; longer names
// (none in practice) tie among themselves and fall back to Index order.
const maxSubLen = 1<<30 - 1

// subKey packs a substring match's rank: the name's rune length, and
// whether its occurrence is inside a word (1) rather than at a word start
// (0).
func subKey(runes int, wordStart bool) int32 {
	k := int32(min(runes, maxSubLen)) << 1
	if !wordStart {
		k |= 1
	}
	return k
}

// find scans the names listed in cand (all names when cand is nil), which
// must be in increasing order, with up to maxWorkers goroutines, and
// returns the matches in Find's order plus their name positions in
// increasing order (for a Narrower to scan next time).
func (ix *Index) find(p *pattern, cand []int32, maxWorkers int) (Matches, []int32) {
	n := ix.Len()
	if cand != nil {
		n = len(cand)
	}
	parts := ix.run(n, maxWorkers, func(lo, hi int, dst *part) { ix.scan(p, cand, lo, hi, dst) })
	return merge(parts, len(p.runes))
}

// run splits positions 0..n-1 over up to maxWorkers goroutines (fewer
// when there are not minPerWorker positions each), calls scan for each
// range and returns the parts in range order.
func (ix *Index) run(n, maxWorkers int, scan func(lo, hi int, dst *part)) []part {
	workers := max(1, min(maxWorkers, n/minPerWorker))
	parts := make([]part, workers)
	if workers == 1 {
		scan(0, n, &parts[0])
		return parts
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() { scan(lo, hi, &parts[w]) })
	}
	wg.Wait()
	return parts
}

// scan matches positions lo..hi-1 of cand (of all names when cand is nil)
// against p and stores the matches in out. It works on a local part and
// writes out once: parts of different workers share cache lines.
func (ix *Index) scan(p *pattern, cand []int32, lo, hi int, dst *part) {
	var local part
	out := &local
	defer func() { *dst = local }()
	// In chunks, so a cancelled scan (FindAmong) stops soon while the
	// inner loop stays as tight as before.
	for c := lo; c < hi; c += scanChunk {
		if p.done != nil && stopped(p.done) {
			return
		}
		ix.scanRange(p, cand, c, min(c+scanChunk, hi), out)
	}
}

// scanChunk is how many positions scan looks at between checks for
// cancellation.
const scanChunk = 4096

// scanRange is scan's loop over positions lo..hi-1.
func (ix *Index) scanRange(p *pattern, cand []int32, lo, hi int, out *part) {
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
		// A fuzzy match: does the name also contain the query literally?
		// Then its offsets become that occurrence's.
		sub := int32(noSubstring)
		if fast {
			if at, ws := indexASCII(s, p.lowerStr, m&flagUpper != 0); at >= 0 {
				for r := range np {
					out.mi[base+r] = at + r
				}
				sub = subKey(len(s), ws)
			}
		} else if at, ws := indexFold(s, p.runes); at >= 0 {
			runeOffsets(s, at, out.mi[base:base+np])
			sub = subKey(utf8.RuneCountInString(s), ws)
		}
		out.idxs = append(reserve(out.idxs, 1), int32(i))
		out.scores = append(reserve(out.scores, 1), score)
		out.subs = append(reserve(out.subs, 1), sub)
	}
}

// stopped reports whether done is closed.
func stopped(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
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

// maxCountingRange bounds the key range sorted by counting; wider ranges
// (long runs of adjacent matches grow scores geometrically) use a
// comparison sort with the same order.
const maxCountingRange = 1 << 16

// merge joins the parts in name order and sorts the matches into Find's
// order: the substring matches first, by word start, rune length, then
// name order; then the others by score descending, then name order.
func merge(parts []part, np int) (Matches, []int32) {
	total, nsub := 0, 0
	lo, hi := math.MaxInt, math.MinInt // scores of the fuzzy-only matches
	longest := 0                       // rune length of the longest substring match
	for i := range parts {
		pt := &parts[i]
		total += len(pt.idxs)
		for j, sub := range pt.subs {
			if sub == noSubstring {
				lo, hi = min(lo, pt.scores[j]), max(hi, pt.scores[j])
			} else {
				nsub++
				longest = max(longest, int(sub>>1))
			}
		}
	}
	if total == 0 {
		return nil, []int32{} // not nil: a nil candidate list means every name
	}
	idxs := make([]int32, 0, total)
	for i := range parts {
		idxs = append(idxs, parts[i].idxs...)
	}
	out := make(Matches, total)
	if nsub > 0 {
		// Key: occurrences inside a word after every word start, then by
		// length.
		stride := longest + 1
		sortInto(out[:nsub], parts, np, 2*stride, func(pt *part, j int) (int, bool) {
			sub := pt.subs[j]
			return int(sub&1)*stride + int(sub>>1), sub != noSubstring
		})
	}
	if nsub < total {
		// Key: the highest score first.
		sortInto(out[nsub:], parts, np, hi-lo+1, func(pt *part, j int) (int, bool) {
			return hi - pt.scores[j], pt.subs[j] == noSubstring
		})
	}
	return out, idxs
}

// sortInto writes to out the matches of parts that key accepts, ordered by
// their key (0 <= key < keys) ascending and, among equal keys, in name
// order: a stable counting sort when the key range is small, else a stable
// comparison sort. out must have room for exactly the accepted matches.
func sortInto(out Matches, parts []part, np, keys int, key func(pt *part, j int) (int, bool)) {
	if keys >= maxCountingRange {
		type keyed struct {
			key int
			m   Match
		}
		all := make([]keyed, 0, len(out))
		for i := range parts {
			pt := &parts[i]
			for j := range pt.idxs {
				if k, ok := key(pt, j); ok {
					all = append(all, keyed{k, pt.match(j, np)})
				}
			}
		}
		slices.SortStableFunc(all, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
		for i := range all {
			out[i] = all[i].m
		}
		return
	}
	next := make([]int, keys+1)
	for i := range parts {
		pt := &parts[i]
		for j := range pt.idxs {
			if k, ok := key(pt, j); ok {
				next[k+1]++
			}
		}
	}
	for k := 1; k < len(next); k++ {
		next[k] += next[k-1]
	}
	for i := range parts {
		pt := &parts[i]
		for j := range pt.idxs {
			if k, ok := key(pt, j); ok {
				out[next[k]] = pt.match(j, np)
				next[k]++
			}
		}
	}
}

// match returns match j of the part.
func (pt *part) match(j, np int) Match {
	return Match{Index: int(pt.idxs[j]), Score: pt.scores[j], MatchedIndexes: pt.offsets(j, np)}
}

// offsets returns the matched offsets of match j, capped so an append by
// the caller cannot overwrite the next match's offsets.
func (pt *part) offsets(j, np int) []int {
	return pt.mi[j*np : (j+1)*np : (j+1)*np]
}
