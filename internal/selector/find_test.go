package selector

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

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

// equalMatches reports how got differs from fuzzy.Find's want, or "".
func equalMatches(got Matches, want fuzzy.Matches) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d matches, fuzzy.Find has %d", len(got), len(want))
	}
	for k := range want {
		g, w := got[k], want[k]
		if g.Index != w.Index || g.Score != w.Score || !slices.Equal(g.MatchedIndexes, w.MatchedIndexes) {
			return fmt.Sprintf("match %d: got {%d %d %v}, fuzzy.Find has {%d %d %v} (%q)",
				k, g.Index, g.Score, g.MatchedIndexes, w.Index, w.Score, w.MatchedIndexes, w.Str)
		}
	}
	return ""
}

func TestFindEqualsFuzzyFind(t *testing.T) {
	names := append(loadNames(t, 100000), trickyNames...)
	ix := NewIndex(names)
	for _, q := range queries {
		want := fuzzy.Find(q, names)
		got := ix.Find(q)
		if diff := equalMatches(got, want); diff != "" {
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
			if diff := equalMatches(got, want); diff != "" {
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

func TestFindRandomEqualsFuzzyFind(t *testing.T) {
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
		if diff := equalMatches(ix.Find(q), fuzzy.Find(q, names)); diff != "" {
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
		if diff := equalMatches(NewIndex(names).Find(query), fuzzy.Find(query, names)); diff != "" {
			t.Errorf("Find(%q) over %q: %s", query, names, diff)
		}
	})
}
