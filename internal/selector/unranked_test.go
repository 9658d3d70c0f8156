package selector

import (
	"slices"
	"testing"
)

// positionsOf returns the sorted positions of ms.
func positionsOf(ms Matches) []int32 {
	out := make([]int32, 0, len(ms))
	for _, m := range ms {
		out = append(out, int32(m.Index))
	}
	slices.Sort(out)
	return out
}

// The unranked queries keep exactly the names of their ranked
// counterparts, in name order, with any number of workers' worth of
// names, and within narrows the scan without changing the answer.
func TestUnrankedSetsEqualRankedOnes(t *testing.T) {
	names := append(generateNames(30000, 9), trickyNames...)
	ix := NewIndex(names)
	for _, q := range queries {
		want := positionsOf(ix.Find(q))
		if got := ix.Matching(q, nil); !slices.Equal(got, want) {
			t.Errorf("Matching(%q): %d names, want %d (Find's)", q, len(got), len(want))
		}
		if sub := positionsOf(ix.FindSubstring(q)); !slices.Equal(ix.Containing(q, nil), sub) {
			t.Errorf("Containing(%q) differs from FindSubstring", q)
		}
	}
	// Typing narrows: each step scans the previous step's names only.
	for _, q := range []string{"tenant-00042", "t42api", "ΣΑΣ", "KELVIN"} {
		var within []int32
		for k := 1; k <= len([]rune(q)); k++ {
			prefix := string([]rune(q)[:k])
			if k > 1 && !Narrows(string([]rune(q)[:k-1]), prefix) {
				t.Fatalf("Narrows(%q, %q) = false", string([]rune(q)[:k-1]), prefix)
			}
			within = ix.Matching(prefix, within)
			if want := ix.Matching(prefix, nil); !slices.Equal(within, want) {
				t.Fatalf("narrowed Matching(%q): %d names, want %d", prefix, len(within), len(want))
			}
		}
	}
	// Containing narrows by substring: a name containing "prod-1" contains "prod".
	within := ix.Containing("prod", nil)
	if got, want := ix.Containing("prod-1", within), ix.Containing("prod-1", nil); !slices.Equal(got, want) {
		t.Errorf("narrowed Containing: %d, want %d", len(got), len(want))
	}
	if Narrows("", "x") || Narrows("xy", "x") || !Narrows("tp", "T42aPi") {
		t.Error("Narrows: wrong answer for an empty, longer or case-folded earlier query")
	}
	if got := ix.Containing("", []int32{3, 5}); !slices.Equal(got, []int32{3, 5}) {
		t.Errorf("Containing(\"\") within {3,5} = %v", got)
	}
}
