package selector

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

// trickyNames exercise the corners of fuzzy's loop: case, camelCase,
// every separator, Unicode case folding (Kelvin sign, long s, final sigma,
// title case), NUL cut-off, invalid UTF-8 and empty names.
var trickyNames = []string{
	"", "x", "X", "FooBarBaz", "fooBar_baz", "foo.bar/baz\\qux", "a b.c/d\\e-f_g",
	"ÉCOLE-école", "KELVIN-\u212aelvin", "\u017ftatus-ſ", "日本語-script", "ΣΑΣ-σας-ς",
	"ǅungla-ǆ", "name\x00hidden-prod", "\x00prod", "\xff\xfe-bad-utf8-prod", "prod\xff",
	"api-api-api-api", "tenant--double--dash", "UPPER-CASE-NAME", "mixedCaseName",
	"ttttttttttttttttttttt42api", "t4t4t4t4-2a2a-pipi", "PROD", "pRoD", "p-r-o-d", "prodprodprod",
	"tenant-00042-api-prod", "Tenant-00042-Api-Prod", "tenant_00042_api_prod", "\u212a", "k", "K",
	"straße-STRASSE", "İstanbul-ıstanbul", "zzz", "zZz-ZZZ", " leading space", "trailing space ",
	"tab\tname", "esc\x1b[31mred", "\u202eevil-rtl", "emoji-😀-prod",
}

// queries cover the benchmark queries, single characters, upper case,
// separators, spaces, Unicode, invalid UTF-8, NUL and queries that match
// nothing or almost everything.
var queries = []string{
	"t42api", "prod", "zzz", "t", "T", "p", "e", "-", "_", ".", "/", "\\", " ", "a b", "TENANT",
	"tenant-4", "pr-1 ", "__", "-_", "api", "Api", "aPi", "APIPROD", "user_script", "u_s", "u_s_p",
	"ps", "canary", "42", "0", "99999", "x", "corp", "wayne", "wCap", "k", "K", "\u212a", "s",
	"ſ", "é", "É", "ÉCOLE", "σ", "Σ", "ς", "ǆ", "日本", "😀", "\xff", "\x00", "a\x00", "hidden",
	"tenant-00001-api-prod", "tt", "ttt", "ee", "wbhk", "gw", "fbb", "FBB", "ss", "ß", "ı", "i",
	"ttttttttttttttttttttttt", "prdo", "e-e-e", "tn42ap", "qa", "preview-webhook", "t42apiX",
}

// refSub is the reference for the substring rank of one name, written
// apart from the package (strings.EqualFold, for-range decoding).
type refSub struct {
	ok        bool  // the name contains the query as a contiguous substring
	wordStart bool  // the chosen occurrence is at a word start
	offsets   []int // byte offsets of the chosen occurrence's runes
	runes     int   // the name's length in runes
}

// refSubstring looks for query in name cut at its first NUL (as fuzzy.Find
// sees it) and chooses the first occurrence at a word start (the start, or
// after - _ . / or a space), else the first occurrence.
func refSubstring(name, query string) refSub {
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	res := refSub{runes: utf8.RuneCountInString(name)}
	nq := utf8.RuneCountInString(query)
	if nq == 0 {
		return res
	}
	prev := rune(-1)
	for start, r := range name {
		// The nq runes from start end at end.
		end, n := start, 0
		for ; n < nq && end < len(name); n++ {
			_, size := utf8.DecodeRuneInString(name[end:])
			end += size
		}
		if n < nq {
			break
		}
		if strings.EqualFold(name[start:end], query) {
			ws := prev < 0 || strings.ContainsRune("-_./ ", prev)
			if !res.ok || ws {
				res.ok, res.wordStart, res.offsets = true, ws, nil
				for off := range name[start:end] {
					res.offsets = append(res.offsets, start+off)
				}
			}
			if ws {
				break
			}
		}
		prev = r
	}
	return res
}

// rankedLikeFuzzy reports how got, the result of Find(query), differs from
// what it must be given fuzzy.Find's want, or "": the same names with the
// same scores; first the names containing query literally, word-start
// occurrences first, then shorter names, then by index, each with the
// offsets of its chosen occurrence; then the other matches exactly as
// fuzzy.Find has them (order, scores and offsets).
func rankedLikeFuzzy(got Matches, want fuzzy.Matches, query string) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d matches, fuzzy.Find has %d", len(got), len(want))
	}
	type ref struct {
		w   fuzzy.Match
		sub refSub
	}
	var subs, tail []ref
	byIndex := make(map[int]fuzzy.Match, len(want))
	for _, w := range want {
		byIndex[w.Index] = w
		r := ref{w, refSubstring(w.Str, query)}
		if r.sub.ok {
			subs = append(subs, r)
		} else {
			tail = append(tail, r)
		}
	}
	seen := make(map[int]bool, len(got))
	for k, g := range got {
		w, ok := byIndex[g.Index]
		if !ok || seen[g.Index] {
			return fmt.Sprintf("match %d: index %d is not in fuzzy.Find's set (or repeated)", k, g.Index)
		}
		seen[g.Index] = true
		if g.Score != w.Score {
			return fmt.Sprintf("match %d (%q): score %d, fuzzy.Find has %d", k, w.Str, g.Score, w.Score)
		}
	}
	slices.SortStableFunc(subs, func(a, b ref) int {
		if a.sub.wordStart != b.sub.wordStart {
			if a.sub.wordStart {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.sub.runes, b.sub.runes), cmp.Compare(a.w.Index, b.w.Index))
	})
	for k, r := range append(subs, tail...) {
		g := got[k]
		wantOffsets := r.w.MatchedIndexes
		if r.sub.ok {
			wantOffsets = r.sub.offsets
		}
		if g.Index != r.w.Index || !slices.Equal(g.MatchedIndexes, wantOffsets) {
			what := "fuzzy-only"
			if r.sub.ok {
				what = "substring"
			}
			return fmt.Sprintf("match %d: got {%d %d %v}, want %s match {%d %d %v} (%q)",
				k, g.Index, g.Score, g.MatchedIndexes, what, r.w.Index, r.w.Score, wantOffsets, r.w.Str)
		}
	}
	return ""
}

func TestFindRanksFuzzyFindSet(t *testing.T) {
	names := append(loadNames(t, 100000), trickyNames...)
	ix := NewIndex(names)
	for _, q := range queries {
		want := fuzzy.Find(q, names)
		got := ix.Find(q)
		if diff := rankedLikeFuzzy(got, want, q); diff != "" {
			t.Errorf("Find(%q): %s", q, diff)
		}
	}
	if got := ix.Find(""); got != nil {
		t.Errorf("Find(\"\") = %d matches, want none as fuzzy.Find", len(got))
	}
}

func TestFindWorkerCountsAgree(t *testing.T) {
	names := append(generateNames(30000, 7), trickyNames...)
	ix := NewIndex(names)
	for _, q := range []string{"prod", "t42api", "e", "zzz", "É"} {
		want := fuzzy.Find(q, names)
		for _, workers := range []int{1, 2, 3, 7} {
			got, idxs := ix.find(compile(q), nil, workers)
			if diff := rankedLikeFuzzy(got, want, q); diff != "" {
				t.Errorf("find(%q) with %d workers: %s", q, workers, diff)
			}
			if !slices.IsSorted(idxs) || len(idxs) != len(want) {
				t.Errorf("find(%q) with %d workers: %d positions, sorted %v; want %d sorted",
					q, workers, len(idxs), slices.IsSorted(idxs), len(want))
			}
		}
	}
}

// randomText draws runes from an alphabet rich in the cases fuzzy treats
// specially, so that scores with camelCase, separator and adjacency
// bonuses, and Unicode folding, are all compared.
func randomText(rng *rand.Rand, maxLen int, alphabet []string) string {
	var b strings.Builder
	for range rng.IntN(maxLen + 1) {
		b.WriteString(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

func TestFindRandomRanksFuzzyFindSet(t *testing.T) {
	alphabet := []string{"a", "b", "A", "B", "k", "K", "s", "-", "_", " ", ".", "/", "\\", "1",
		"\u212a", "ſ", "é", "É", "σ", "Σ", "\x00", "\xff", "aa", "ab", "Ab"}
	rng := rand.New(rand.NewPCG(3, 4))
	names := make([]string, 20000)
	for i := range names {
		names[i] = randomText(rng, 16, alphabet)
	}
	ix := NewIndex(names)
	for range 300 {
		q := randomText(rng, 5, alphabet)
		if diff := rankedLikeFuzzy(ix.Find(q), fuzzy.Find(q, names), q); diff != "" {
			t.Fatalf("Find(%q): %s", q, diff)
		}
	}
}

func TestFindInverseIsComplement(t *testing.T) {
	names := append(generateNames(20000, 5), trickyNames...)
	ix := NewIndex(names)
	for _, q := range []string{"prod", "t42api", "zzz", "É", "\u212a", "", "a\x00"} {
		matched := make([]bool, len(names))
		for _, m := range fuzzy.Find(q, names) {
			matched[m.Index] = true
		}
		var want []int
		for i, ok := range matched {
			if !ok {
				want = append(want, i)
			}
		}
		if got := ix.FindInverse(q); !slices.Equal(got, want) {
			t.Errorf("FindInverse(%q): %d names, want %d (the names fuzzy.Find does not return)", q, len(got), len(want))
		}
	}
}

func FuzzFind(f *testing.F) {
	for _, name := range trickyNames {
		f.Add(name, "prod")
	}
	for _, q := range queries {
		f.Add("tenant-00042-Api-prod", q)
	}
	f.Fuzz(func(t *testing.T, name, query string) {
		names := []string{name, strings.ToUpper(name), name + name}
		if diff := rankedLikeFuzzy(NewIndex(names).Find(query), fuzzy.Find(query, names), query); diff != "" {
			t.Errorf("Find(%q) over %q: %s", query, names, diff)
		}
	})
}
