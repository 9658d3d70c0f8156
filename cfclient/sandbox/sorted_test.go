package sandbox

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// sort orders what add appended, keeping the last value of a repeated name,
// whatever the order of the adds.
func TestSortedMapSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 2, 3, 10, 1000} {
		var m sortedMap[int]
		want := map[string]int{}
		for i := range n {
			name := fmt.Sprint(r.IntN(n + 1)) // repeats some
			m.add(name, i)
			want[name] = i
		}
		repeated := m.sort()
		if len(m.names) != len(want) || len(m.vals) != len(want) || !slices.IsSorted(m.names) {
			t.Fatalf("n=%d: %d names, %d values, sorted %v; want %d", n, len(m.names), len(m.vals), slices.IsSorted(m.names), len(want))
		}
		for i, name := range m.names {
			if m.vals[i] != want[name] {
				t.Errorf("n=%d: %s = %d, want the last added %d", n, name, m.vals[i], want[name])
			}
		}
		if (repeated != "") != (len(want) < n) {
			t.Errorf("n=%d: repeated %q with %d distinct of %d", n, repeated, len(want), n)
		}
	}
}
