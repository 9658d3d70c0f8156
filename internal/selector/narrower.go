package selector

import "runtime"

// Limits of a Narrower's memory: how many earlier queries it keeps, and
// how many name positions in total (as a multiple of the index size).
const (
	maxNarrowerEntries = 32
	narrowerBudget     = 4 // index sizes: 400,000 positions (1.6 MB) for 100k names
)

// Narrower filters an Index keystroke by keystroke. It remembers which
// names matched recent queries; when a new query contains an earlier one
// as a case-folded subsequence (typing a character, pasting in the middle)
// every name it matches also matched the earlier query, so only those names
// are scanned. Going back to an earlier query (backspace) rescans only that
// query's own matches. Results are always identical to Index.Find: the
// same names, scores, offsets and order (substring matches first), since
// where a name ranks depends only on the name and its position.
//
// A Narrower is not safe for concurrent use; use one per filter input and
// make a new one when the names change (a new Index).
type Narrower struct {
	ix      *Index
	entries []narrowEntry
	clock   uint64 // increases on every Find; orders entries for eviction
	scanned int    // names the last Find scanned (for tests)
}

// narrowEntry is one earlier query and the positions it matched.
type narrowEntry struct {
	runes []rune
	idxs  []int32 // in increasing order
	used  uint64
}

// NewNarrower returns a Narrower over ix with no history.
func NewNarrower(ix *Index) *Narrower {
	return &Narrower{ix: ix}
}

// Find returns exactly what ix.Find(query) returns, scanning as few names
// as the history allows.
func (nw *Narrower) Find(query string) Matches {
	m, _ := nw.run(query, func(p *pattern, cand []int32) (Matches, []int32) {
		return nw.ix.find(p, cand, runtime.GOMAXPROCS(0))
	})
	return m
}

// Top returns exactly what ix.Top(query, k) returns, scanning as few names
// as the history allows; it remembers every match's position, so a Find
// of the same query afterwards scans only the matches.
func (nw *Narrower) Top(query string, k int) (Matches, []int32) {
	return nw.run(query, func(p *pattern, cand []int32) (Matches, []int32) {
		return nw.ix.top(p, cand, k)
	})
}

// run compiles query, picks the narrowest earlier query it narrows, scans
// that query's matches (or every name) with scan, and remembers the
// positions scan matched.
func (nw *Narrower) run(query string, scan func(p *pattern, cand []int32) (Matches, []int32)) (Matches, []int32) {
	p := compile(query)
	if len(p.runes) == 0 {
		return nil, nil
	}
	nw.clock++
	base := -1
	for k, e := range nw.entries {
		if (base < 0 || len(e.idxs) < len(nw.entries[base].idxs)) && foldSubsequence(e.runes, p.runes) {
			base = k
		}
	}
	var cand []int32
	nw.scanned = nw.ix.Len()
	if base >= 0 {
		cand = nw.entries[base].idxs
		nw.scanned = len(cand)
		nw.entries[base].used = nw.clock
		if len(nw.entries[base].runes) == len(p.runes) {
			// The same query up to case folding: the same names match, no
			// need to remember it twice.
			return scan(p, cand)
		}
	}
	m, idxs := scan(p, cand)
	nw.remember(narrowEntry{runes: p.runes, idxs: idxs, used: nw.clock})
	return m, idxs
}

// Reset forgets every earlier query.
func (nw *Narrower) Reset() {
	nw.entries = nil
}

// remember adds e and evicts the least recently used entries beyond the
// limits.
func (nw *Narrower) remember(e narrowEntry) {
	nw.entries = append(nw.entries, e)
	total := 0
	for _, e := range nw.entries {
		total += len(e.idxs)
	}
	for len(nw.entries) > 1 && (len(nw.entries) > maxNarrowerEntries || total > narrowerBudget*nw.ix.Len()) {
		oldest := 0
		for k, e := range nw.entries {
			if e.used < nw.entries[oldest].used {
				oldest = k
			}
		}
		total -= len(nw.entries[oldest].idxs)
		nw.entries = append(nw.entries[:oldest], nw.entries[oldest+1:]...)
	}
}

// foldSubsequence reports whether sub is a subsequence of q under
// equalFold. Case folding is an equivalence, so then every name containing
// q as a fuzzy match contains sub too.
func foldSubsequence(sub, q []rune) bool {
	k := 0
	for _, r := range q {
		if k < len(sub) && equalFold(sub[k], r) {
			k++
		}
	}
	return k == len(sub)
}
