package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// topCounts names the three largest counts, ties by name, as sorting every
// key would.
func TestTopCountsIsTheSortedTop(t *testing.T) {
	sorted := func(m map[string]int) string {
		keys := slices.Collect(maps.Keys(m))
		slices.SortFunc(keys, func(a, b string) int {
			if m[a] != m[b] {
				return m[b] - m[a]
			}
			return strings.Compare(a, b)
		})
		var parts []string
		for i, k := range keys {
			if i == 3 {
				parts = append(parts, fmt.Sprintf("+%d more", len(keys)-3))
				break
			}
			name := k
			if name == "" {
				name = "none"
			}
			parts = append(parts, fmt.Sprintf("%s %d", name, m[k]))
		}
		if len(parts) == 0 {
			return "-"
		}
		return strings.Join(parts, ", ")
	}
	for _, m := range []map[string]int{
		{},
		{"": 5},
		{"acme": 3, "globex": 3, "": 9},
		{"a": 1, "b": 2, "c": 3, "d": 4, "e": 4, "f": 1},
		{"x": 7, "y": 7, "z": 7, "w": 7, "v": 7},
	} {
		if got, want := topCounts(m, "none"), sorted(m); got != want {
			t.Errorf("topCounts(%v) = %q, want %q", m, got, want)
		}
	}
}
