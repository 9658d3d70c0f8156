package selector

import (
	"unicode"
	"unicode/utf8"
)

// The scoring rules of sahilm/fuzzy v0.1.3, copied unchanged.
const (
	firstCharMatchBonus            = 10
	matchFollowingSeparatorBonus   = 20
	camelCaseMatchBonus            = 20
	adjacentMatchBonus             = 5
	unmatchedLeadingCharPenalty    = -5
	maxUnmatchedLeadingCharPenalty = -15
)

// pattern is a compiled query.
type pattern struct {
	runes []rune // the query as fuzzy.Find sees it ([]rune(query))
	ascii bool   // every rune is ASCII: lower holds the query
	lower []byte // the query in lower case, when ascii
	// lowerStr is lower as a string, for the substring search.
	lowerStr string
	mask     uint64 // bucket bits every matching name must have
	// done, when not nil, stops a scan early once closed (FindAmong).
	done <-chan struct{}
}

// compile prepares query for scanning.
func compile(query string) *pattern {
	p := &pattern{runes: []rune(query), ascii: true}
	for _, r := range p.runes {
		p.mask |= uint64(1) << bucket(r)
		if r >= utf8.RuneSelf {
			p.ascii = false
		}
	}
	if p.ascii {
		p.lower = make([]byte, len(p.runes))
		for i, r := range p.runes {
			p.lower[i] = lowerASCII(byte(r))
		}
		p.lowerStr = string(p.lower)
	}
	return p
}

// lowerASCII maps 'A'..'Z' to 'a'..'z' and leaves every other byte alone.
func lowerASCII(c byte) byte {
	if c-'A' < 26 {
		return c + 'a' - 'A'
	}
	return c
}

// isSeparatorByte reports the separators of sahilm/fuzzy: / - _ space . \
func isSeparatorByte(c byte) bool {
	switch c {
	case '/', '-', '_', ' ', '.', '\\':
		return true
	}
	return false
}

// isSeparator is isSeparatorByte for runes.
func isSeparator(r rune) bool {
	return r < utf8.RuneSelf && r >= 0 && isSeparatorByte(byte(r))
}

// subseqASCII reports whether the lower-case ASCII query pat is a
// case-insensitive subsequence of the ASCII name s, which is exactly when
// fuzzy.Find matches s. upper says whether s has upper-case letters; most
// names have none, and their bytes can be compared as they are.
func subseqASCII(s string, pat []byte, upper bool) bool {
	if !upper {
		k := 0
		for i := 0; i < len(s); i++ {
			if s[i] == pat[k] {
				k++
				if k == len(pat) {
					return true
				}
			}
		}
		return false
	}
	k := 0
	want := pat[0]
	for i := 0; i < len(s); i++ {
		if lowerASCII(s[i]) == want {
			k++
			if k == len(pat) {
				return true
			}
			want = pat[k]
		}
	}
	return false
}

// subseqFold reports whether pat is a subsequence of s under equalFold,
// which is exactly when fuzzy.Find matches s.
func subseqFold(s string, pat []rune) bool {
	k := 0
	for _, r := range s {
		if equalFold(r, pat[k]) {
			k++
			if k == len(pat) {
				return true
			}
		}
	}
	return false
}

// scoreASCII is the matching loop of fuzzy.FindFromIterNoSort for an ASCII
// name and an ASCII query (pat in lower case), where equalFold reduces to
// comparing lower-case bytes and the rune position j-1 is the previous
// rune. It writes the matched byte offsets to mi (len(mi) >= len(pat)) and
// returns the score and how many offsets it wrote; the name matches when
// that count is len(pat).
func scoreASCII(s string, pat []byte, mi []int) (score, n int) {
	pi := 0
	bestScore := -1
	matchedIndex := -1
	currAdjacentMatchBonus := 0
	var last byte
	for j := 0; j < len(s); j++ {
		c := s[j]
		if lowerASCII(c) == pat[pi] {
			sc := 0
			if j == 0 {
				sc += firstCharMatchBonus
			} else {
				if last-'a' < 26 && c-'A' < 26 {
					sc += camelCaseMatchBonus
				}
				if isSeparatorByte(last) {
					sc += matchFollowingSeparatorBonus
				}
			}
			if n > 0 && mi[n-1] == j-1 {
				bonus := currAdjacentMatchBonus*2 + adjacentMatchBonus
				sc += bonus
				currAdjacentMatchBonus += bonus
			}
			if sc > bestScore {
				bestScore = sc
				matchedIndex = j
			}
		}
		// fuzzy commits the best position for the current query rune when
		// the next byte equals the next query rune, or at the end.
		commit := j+1 == len(s) || (pi+1 < len(pat) && lowerASCII(s[j+1]) == pat[pi+1])
		if commit && matchedIndex > -1 {
			if n == 0 {
				bestScore += max(matchedIndex*unmatchedLeadingCharPenalty, maxUnmatchedLeadingCharPenalty)
			}
			score += bestScore
			mi[n] = matchedIndex
			n++
			bestScore = -1
			pi++
		}
		last = c
	}
	score += n - len(s)
	return score, n
}

// scoreGeneric is the matching loop of fuzzy.FindFromIterNoSort, rune by
// rune, for names or queries with non-ASCII text. Results as scoreASCII.
func scoreGeneric(s string, pat []rune, mi []int) (score, n int) {
	pi := 0
	bestScore := -1
	matchedIndex := -1
	currAdjacentMatchBonus := 0
	var last rune
	lastIndex := 0
	nextc, nextSize := utf8.DecodeRuneInString(s)
	for j := 0; j < len(s); {
		c, size := nextc, nextSize
		if equalFold(c, pat[pi]) {
			sc := 0
			if j == 0 {
				sc += firstCharMatchBonus
			}
			if unicode.IsLower(last) && unicode.IsUpper(c) {
				sc += camelCaseMatchBonus
			}
			if j != 0 && isSeparator(last) {
				sc += matchFollowingSeparatorBonus
			}
			if n > 0 && mi[n-1] == lastIndex {
				bonus := currAdjacentMatchBonus*2 + adjacentMatchBonus
				sc += bonus
				currAdjacentMatchBonus += bonus
			}
			if sc > bestScore {
				bestScore = sc
				matchedIndex = j
			}
		}
		var nextp rune
		if pi < len(pat)-1 {
			nextp = pat[pi+1]
		}
		if j+size < len(s) {
			nextc, nextSize = utf8.DecodeRuneInString(s[j+size:])
		} else {
			nextc, nextSize = 0, 0
		}
		if (equalFold(nextp, nextc) || nextc == 0) && matchedIndex > -1 {
			if n == 0 {
				bestScore += max(matchedIndex*unmatchedLeadingCharPenalty, maxUnmatchedLeadingCharPenalty)
			}
			score += bestScore
			mi[n] = matchedIndex
			n++
			bestScore = -1
			pi++
		}
		lastIndex = j
		last = c
		j += size
	}
	score += n - len(s)
	return score, n
}

// equalFold is sahilm/fuzzy's equalFold (taken from strings.EqualFold):
// whether tr and sr are in the same Unicode simple case-fold orbit.
func equalFold(tr, sr rune) bool {
	if tr == sr {
		return true
	}
	if tr < sr {
		tr, sr = sr, tr
	}
	if tr < utf8.RuneSelf {
		return 'A' <= sr && sr <= 'Z' && tr == sr+'a'-'A'
	}
	r := unicode.SimpleFold(sr)
	for r != sr && r < tr {
		r = unicode.SimpleFold(r)
	}
	return r == tr
}
