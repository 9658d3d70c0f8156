package selector

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkTop compares Top(q, k) (and FindAmong over its positions) with Find.
func checkTop(t *testing.T, ix *Index, top Matches, pos []int32, q string, k int) {
	t.Helper()
	want := ix.Find(q)
	if diff := sameMatches(top, want[:min(k, len(want))]); diff != "" {
		t.Fatalf("Top(%q, %d): %s", q, k, diff)
	}
	wantPos := make([]int32, len(want))
	for i, m := range want {
		wantPos[i] = int32(m.Index)
	}
	slices.Sort(wantPos)
	if !slices.Equal(pos, wantPos) && !(len(pos) == 0 && len(wantPos) == 0) {
		t.Fatalf("Top(%q): %d positions, want %d", q, len(pos), len(wantPos))
	}
	among, err := ix.FindAmong(context.Background(), q, pos)
	if err != nil {
		t.Fatal(err)
	}
	if diff := sameMatches(among, want); len(want) > 0 && diff != "" {
		t.Fatalf("FindAmong(%q): %s", q, diff)
	}
}

func TestTopIsFindsFirstK(t *testing.T) {
	names := append(generateNames(30000, 11), trickyNames...)
	ix := NewIndex(names)
	for _, q := range append(slices.Clone(queries), "t", "t4", "t42", "t42a", "t42api", "prod", "zzz", "-", "e") {
		for _, k := range []int{1, 5, 64, 100000} {
			top, pos := ix.Top(q, k)
			checkTop(t, ix, top, pos, q, k)
		}
	}
}

func TestTopRandomNames(t *testing.T) {
	alphabet := []string{"a", "b", "A", "B", "k", "K", "s", "-", "_", " ", ".", "/", "\\", "1",
		"\u212a", "ſ", "é", "É", "σ", "Σ", "\x00", "\xff", "aa", "ab", "Ab"}
	rng := rand.New(rand.NewPCG(5, 6))
	names := make([]string, 20000)
	for i := range names {
		names[i] = randomText(rng, 16, alphabet)
	}
	ix := NewIndex(names)
	for range 200 {
		q := randomText(rng, 4, alphabet)
		if q == "" {
			continue
		}
		k := 1 + rng.IntN(80)
		top, pos := ix.Top(q, k)
		checkTop(t, ix, top, pos, q, k)
		for _, m := range top {
			got, ok := MatchName(q, names[m.Index])
			if !ok || got.Score != m.Score || !slices.Equal(got.MatchedIndexes, m.MatchedIndexes) {
				t.Fatalf("MatchName(%q, %q) = %v %v, want %v", q, names[m.Index], got, ok, m)
			}
		}
	}
}

func TestNarrowerTopEqualsTop(t *testing.T) {
	names := append(loadNames(t, 100000), trickyNames...)
	ix := NewIndex(names)
	nw := NewNarrower(ix)
	for _, q := range []string{"t42api", "prod", "tenant-1", "zzz"} {
		for _, step := range typed(q) {
			top, pos := nw.Top(step, 64)
			checkTop(t, ix, top, pos, step, 64)
			// Find after Top scans only Top's matches and agrees.
			if diff := sameMatches(nw.Find(step), ix.Find(step)); diff != "" {
				t.Fatalf("Find(%q) after Top: %s", step, diff)
			}
		}
	}
}

func TestFindAmongStopsWhenCancelled(t *testing.T) {
	ix := NewIndex(generateNames(50000, 3))
	_, pos := ix.Top("e", 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.FindAmong(ctx, "e", pos); err == nil {
		t.Fatal("FindAmong after cancel: no error")
	}
}
