package selector

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"
)

// Top is the first screenful of a keystroke: the k best matches of Find,
// and how many there are, without ranking the rest. Scoring is what Find
// spends its time on; Top scores a name only while it could still be among
// the k best (a fuzzy-only match ranks after every substring match, so a
// worker that has seen k substring matches stops scoring), and finds the
// winners' offsets at the end.

// Top returns the first k matches of Find(query), in Find's order and with
// the same scores and offsets, and the positions of every match of
// Find(query) in increasing order (their count is the result's size;
// FindAmong ranks them all). An empty query matches nothing.
func (ix *Index) Top(query string, k int) (Matches, []int32) {
	p := compile(query)
	if len(p.runes) == 0 {
		return nil, nil
	}
	return ix.top(p, nil, k)
}

// FindAmong returns what Find(query) returns, scanning only the positions
// in cand (increasing; nil: every name). cand must hold every match, as the
// positions Top returned for query (or for a query it narrows) do. When
// ctx ends first it stops early and returns ctx's error (the result is then
// meaningless).
func (ix *Index) FindAmong(ctx context.Context, query string, cand []int32) (Matches, error) {
	p := compile(query)
	if len(p.runes) == 0 {
		return nil, nil
	}
	p.done = ctx.Done()
	m, _ := ix.find(p, cand, runtime.GOMAXPROCS(0))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rank %d matches: %w", len(cand), err)
	}
	return m, nil
}

// MatchName returns the Match Find(query) would return for name (Index 0),
// or false when name does not match. A screen drawing many rows for one
// query compiles it once with NewMatcher instead.
func MatchName(query, name string) (Match, bool) {
	return NewMatcher(query).Match(name)
}

// Matcher matches single names against one query: the scores and offsets
// for the rows a screen shows, without keeping them for every match.
type Matcher struct {
	p          *pattern
	asciiMasks [utf8.RuneSelf]uint64
}

// NewMatcher compiles query for Match.
func NewMatcher(query string) *Matcher {
	return &Matcher{p: compile(query), asciiMasks: asciiMaskTable()}
}

// Match returns the Match Find(query) would return for name (Index 0: the
// caller knows the row), or false when name does not match or the query is
// empty.
func (mt *Matcher) Match(name string) (Match, bool) {
	p := mt.p
	np := len(p.runes)
	if np == 0 {
		return Match{}, false
	}
	s := cleanName(name)
	m := nameMask(s, &mt.asciiMasks)
	if m&p.mask != p.mask {
		return Match{}, false
	}
	fast := p.ascii && m&flagNonASCII == 0
	if fast && !subseqASCII(s, p.lower, m&flagUpper != 0) {
		return Match{}, false
	}
	mi := make([]int, np)
	var score, got int
	if fast {
		score, got = scoreASCII(s, p.lower, mi)
	} else {
		score, got = scoreGeneric(s, p.runes, mi)
	}
	if got != np {
		return Match{}, false
	}
	// As in scan: a name holding the query literally is highlighted at
	// that occurrence.
	if fast {
		if at, _ := indexASCII(s, p.lowerStr, m&flagUpper != 0); at >= 0 {
			for r := range np {
				mi[r] = at + r
			}
		}
	} else if at, _ := indexFold(s, p.runes); at >= 0 {
		runeOffsets(s, at, mi)
	}
	return Match{Score: score, MatchedIndexes: mi}, true
}

// topEntry is a candidate for the k best: class 0 substring matches, 1
// fuzzy-only; key orders within the class (see topLess); idx breaks ties.
type topEntry struct {
	class uint8
	key   int
	idx   int32
}

// topLess is Find's order: substring matches (at a word start before
// inside a word, then shorter) before fuzzy-only ones (higher score
// first), then by position.
func topCmp(a, b topEntry) int {
	if c := cmp.Compare(a.class, b.class); c != 0 {
		return c
	}
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.idx, b.idx)
}

// topPart is one worker's share: every match in position order, and its
// best entries (sorted, at most k).
type topPart struct {
	idxs []int32
	best []topEntry
}

// offer keeps e when it is among the k best seen.
func (tp *topPart) offer(e topEntry, k int) {
	if len(tp.best) == k && topCmp(e, tp.best[k-1]) >= 0 {
		return
	}
	at, _ := slices.BinarySearchFunc(tp.best, e, topCmp)
	if len(tp.best) < k {
		tp.best = append(tp.best, topEntry{})
	}
	copy(tp.best[at+1:], tp.best[at:len(tp.best)-1])
	tp.best[at] = e
}

// top scans cand (all names when nil) in parallel and returns the k best
// matches and every match's position.
func (ix *Index) top(p *pattern, cand []int32, k int) (Matches, []int32) {
	k = max(k, 1)
	n := ix.Len()
	if cand != nil {
		n = len(cand)
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), n/minPerWorker))
	parts := make([]topPart, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() { ix.scanTop(p, cand, lo, hi, k, &parts[w]) })
	}
	wg.Wait()
	total := 0
	var best []topEntry
	for i := range parts {
		total += len(parts[i].idxs)
		best = append(best, parts[i].best...)
	}
	slices.SortFunc(best, topCmp)
	best = best[:min(k, len(best))]
	idxs := make([]int32, 0, total)
	for i := range parts {
		idxs = append(idxs, parts[i].idxs...)
	}
	out := make(Matches, 0, len(best))
	for _, e := range best {
		if m, ok := ix.matchAt(p, int(e.idx)); ok {
			out = append(out, m)
		}
	}
	return out, idxs
}

// scanTop is one worker of top over positions lo..hi-1 of cand.
func (ix *Index) scanTop(p *pattern, cand []int32, lo, hi, k int, dst *topPart) {
	var local topPart
	local.best = make([]topEntry, 0, k)
	np := len(p.runes)
	scratch := make([]int, np)
	nsub := 0
	single := exactBucket(p)
	for j := lo; j < hi; j++ {
		i := j
		if cand != nil {
			i = int(cand[j])
		}
		m := ix.masks[i]
		if m&p.mask != p.mask {
			continue
		}
		s := ix.name(i)
		fast := p.ascii && m&flagNonASCII == 0
		switch {
		case fast && single:
			// The mask bit is the rune itself (see Matching).
		case fast && m&flagUpper == 0:
			if !subseqBytes(s, p.lower) {
				continue
			}
		case fast:
			if !subseqASCII(s, p.lower, true) {
				continue
			}
		default:
			if !subseqFold(s, p.runes) {
				continue
			}
		}
		local.idxs = append(reserve(local.idxs, 1), int32(i))
		var at int
		var ws bool
		var runes int
		if fast {
			at, ws = indexASCII(s, p.lowerStr, m&flagUpper != 0)
			runes = len(s)
		} else {
			at, ws = indexFold(s, p.runes)
			runes = utf8.RuneCountInString(s)
		}
		if at >= 0 {
			nsub++
			sub := subKey(runes, ws)
			local.offer(topEntry{class: 0, key: int(sub&1)<<31 | int(sub>>1), idx: int32(i)}, k)
			continue
		}
		if nsub >= k {
			continue // k substring matches rank before any fuzzy-only one
		}
		var score int
		if fast {
			score, _ = scoreASCII(s, p.lower, scratch)
		} else {
			score, _ = scoreGeneric(s, p.runes, scratch)
		}
		local.offer(topEntry{class: 1, key: -score, idx: int32(i)}, k)
	}
	*dst = local
}

// matchAt is name i's Match as Find returns it, or false when it does not
// match.
func (ix *Index) matchAt(p *pattern, i int) (Match, bool) {
	var one part
	ix.scan(p, []int32{int32(i)}, 0, 1, &one)
	if len(one.idxs) == 0 {
		return Match{}, false
	}
	return one.match(0, len(p.runes)), true
}
