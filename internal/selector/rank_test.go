package selector

import (
	"slices"
	"testing"
)

// found returns the names of ms, in order.
func found(names []string, ms Matches) []string {
	out := make([]string, len(ms))
	for k, m := range ms {
		out[k] = names[m.Index]
	}
	return out
}

// The two orders operators reported: a scattered fuzzy match with a high
// score ranked above a name that contains the query.
func TestFindRanksReportedCases(t *testing.T) {
	names := []string{"wonka-corp-edge-b2731a", "ads-web-qa-1", "ads-web-preview-1", "ads-api-dev-1"}
	ix := NewIndex(names)
	for _, c := range []struct {
		q, first, below string
	}{
		{"web", "ads-web-qa-1", "wonka-corp-edge-b2731a"},
		{"api", "ads-api-dev-1", "ads-web-preview-1"},
	} {
		got := found(names, ix.Find(c.q))
		i, j := slices.Index(got, c.first), slices.Index(got, c.below)
		if i != 0 || j < 0 {
			t.Errorf("/%s = %q, want %q first and %q matched below it", c.q, got, c.first, c.below)
		}
	}
	// The same over the realistic names, by the Narrower as typed.
	all := append(loadNames(t, 100000), names...)
	ix = NewIndex(all)
	nw := NewNarrower(ix)
	for _, q := range append(typed("web"), typed("api")...) {
		ms := nw.Find(q)
		if diff := sameMatches(ms, ix.Find(q)); diff != "" {
			t.Fatalf("Narrower.Find(%q): %s", q, diff)
		}
		rank := func(name string) int { return slices.Index(found(all, ms), name) }
		switch q {
		case "web":
			if a, b := rank("ads-web-qa-1"), rank("wonka-corp-edge-b2731a"); a < 0 || b < 0 || a > b {
				t.Errorf("/web over %d names: ads-web-qa-1 at %d, wonka-corp-edge-b2731a at %d", len(all), a, b)
			}
		case "api":
			if a, b := rank("ads-api-dev-1"), rank("ads-web-preview-1"); a < 0 || b < 0 || a > b {
				t.Errorf("/api over %d names: ads-api-dev-1 at %d, ads-web-preview-1 at %d", len(all), a, b)
			}
		}
	}
}

func TestFindOrdersSubstringMatches(t *testing.T) {
	names := []string{
		"a-p-i-scattered",  // 0: fuzzy only
		"tapioca",          // 1: inside a word, 7 runes
		"api-gateway-prod", // 2: word start (the name's start), 16 runes
		"capi",             // 3: inside a word, 4 runes
		"ads-api-1",        // 4: word start after "-", 9 runes
		"rapi-api",         // 5: inside at 1, word start at 5: a word start
		"xapiyapi",         // 6: inside a word twice: the first
		"ads.api",          // 7: word start after "."
		"ads_API",          // 8: word start after "_", case folded
		"ads/api",          // 9: word start after "/"
		"ads api",          // 10: word start after a space
		"adsApi",           // 11: camelCase is not a word start
		"ads\\api",         // 12: nor is a backslash
		"b-api",            // 13: word start, 5 runes: the shortest word start
		"zapi",             // 14: inside, 4 runes, after capi by index
	}
	ix := NewIndex(names)
	want := []struct {
		name    string
		offsets []int
	}{
		{"b-api", []int{2, 3, 4}},
		{"ads.api", []int{4, 5, 6}},
		{"ads_API", []int{4, 5, 6}},
		{"ads/api", []int{4, 5, 6}},
		{"ads api", []int{4, 5, 6}},
		{"rapi-api", []int{5, 6, 7}},
		{"ads-api-1", []int{4, 5, 6}},
		{"api-gateway-prod", []int{0, 1, 2}},
		{"capi", []int{1, 2, 3}},
		{"zapi", []int{1, 2, 3}},
		{"adsApi", []int{3, 4, 5}},
		{"tapioca", []int{1, 2, 3}},  // 7 runes, index 1
		{"ads\\api", []int{4, 5, 6}}, // 7 runes, index 12
		{"xapiyapi", []int{1, 2, 3}},
		{"a-p-i-scattered", nil}, // fuzzy's offsets, checked below
	}
	ms := ix.Find("API")
	if len(ms) != len(want) {
		t.Fatalf("Find(API) = %q, want %d matches", found(names, ms), len(want))
	}
	for k, w := range want {
		m := ms[k]
		if names[m.Index] != w.name {
			t.Fatalf("Find(API) = %q\nmatch %d is %q, want %q", found(names, ms), k, names[m.Index], w.name)
		}
		if w.offsets != nil && !slices.Equal(m.MatchedIndexes, w.offsets) {
			t.Errorf("%q: offsets %v, want the occurrence %v", w.name, m.MatchedIndexes, w.offsets)
		}
	}
	if last := ms[len(ms)-1]; !slices.Equal(last.MatchedIndexes, []int{0, 2, 4}) {
		t.Errorf("a-p-i-scattered: offsets %v, want fuzzy's [0 2 4]", last.MatchedIndexes)
	}
	// A substring match is highlighted as one run.
	segs := Segments("rapi-api", ms[5].MatchedIndexes)
	if !slices.Equal(segs, []Segment{{"rapi-", false}, {"api", true}}) {
		t.Errorf("Segments of rapi-api = %+v", segs)
	}
}

func TestFindSubstringFoldsCaseLikeFind(t *testing.T) {
	names := []string{"KELVIN-\u212aelvin", "kelvin", "ſtatus", "STATUS-x", "école-É", "x\x00kel", "\xff-bad"}
	ix := NewIndex(names)
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"kel", []string{"KELVIN-\u212aelvin", "kelvin"}}, // not after the NUL
		{"\u212aEL", []string{"KELVIN-\u212aelvin", "kelvin"}},
		{"status", []string{"ſtatus", "STATUS-x"}},
		{"É", []string{"école-É"}},
		{"\xff", []string{"\xff-bad"}},
		{"zzz", nil},
	} {
		if got := found(names, ix.FindSubstring(c.q)); !slices.Equal(got, c.want) {
			t.Errorf("FindSubstring(%q) = %q, want %q", c.q, got, c.want)
		}
	}
	// KELVIN-Kelvin: the first occurrence is at the start (a word start).
	if ms := ix.FindSubstring("elvin"); len(ms) != 2 || !slices.Equal(ms[0].MatchedIndexes, []int{1, 2, 3, 4, 5}) {
		t.Errorf("FindSubstring(elvin) = %+v", ms)
	}
	if ms := ix.FindSubstring("kelvin"); len(ms) != 2 || !slices.Equal(ms[0].MatchedIndexes, []int{0, 1, 2, 3, 4, 5}) {
		t.Errorf("FindSubstring(kelvin) = %+v", ms)
	}
	if ms := ix.FindSubstring(""); len(ms) != len(names) {
		t.Errorf("FindSubstring(\"\") = %d names, want every one", len(ms))
	}
}

// FindSubstring keeps exactly the names whose Find match is a substring
// one, in name order, with the same offsets.
func TestFindSubstringAgreesWithFind(t *testing.T) {
	names := append(generateNames(30000, 9), trickyNames...)
	ix := NewIndex(names)
	for _, q := range queries {
		var want Matches
		for _, m := range ix.Find(q) {
			if refSubstring(names[m.Index], q).ok {
				want = append(want, Match{Index: m.Index, MatchedIndexes: m.MatchedIndexes})
			}
		}
		slices.SortFunc(want, func(a, b Match) int { return a.Index - b.Index })
		if diff := sameMatches(ix.FindSubstring(q), want); diff != "" {
			t.Errorf("FindSubstring(%q): %s", q, diff)
		}
	}
}
