package selector

import (
	"slices"
	"strings"
	"testing"

	"github.com/sahilm/fuzzy"
)

func TestSegments(t *testing.T) {
	cases := []struct {
		name    string
		matched []int
		want    []Segment
	}{
		{"tenant-42-api", []int{0, 7, 8, 10, 11, 12}, []Segment{
			{"t", true}, {"enant-", false}, {"42", true}, {"-", false}, {"api", true}}},
		{"abc", nil, []Segment{{"abc", false}}},
		{"abc", []int{0, 1, 2}, []Segment{{"abc", true}}},
		{"", []int{0}, nil},
		{"éa", []int{0, 2}, []Segment{{"éa", true}}},
		// An offset inside a rune, or past the end, is ignored.
		{"éa", []int{1, 9}, []Segment{{"éa", false}}},
	}
	for _, c := range cases {
		got := Segments(c.name, c.matched)
		if !slices.Equal(got, c.want) {
			t.Errorf("Segments(%q, %v) = %+v, want %+v", c.name, c.matched, got, c.want)
		}
	}
}

func TestHighlightWithFuzzyOffsets(t *testing.T) {
	names := []string{"tenant-00042-api-prod", "FooBar-é-baz", "esc\x1b[31m-prod"}
	style := func(s string) string { return "[" + s + "]" }
	want := []string{"[t]enant-000[42]-[api]-prod", "[F]oo[B]ar-[é]-baz", `esc\x1b[31m-[prod]`} // the escape is shown, not run (termsafe.Line)
	for i, name := range names {
		q := []string{"t42api", "fbé", "prod"}[i]
		m := fuzzy.Find(q, []string{name})
		if len(m) != 1 {
			t.Fatalf("fuzzy.Find(%q, %q) found %d matches", q, name, len(m))
		}
		got := Highlight(name, m[0].MatchedIndexes, nil, style)
		if got != want[i] {
			t.Errorf("Highlight(%q, %v) = %q, want %q", name, m[0].MatchedIndexes, got, want[i])
		}
	}
	// A caller-supplied sanitizer runs on every run, matched or not.
	got := Highlight("ab\x07c", []int{3}, strings.ToUpper, style)
	if got != "AB\x07[C]" {
		t.Errorf("Highlight with ToUpper = %q, want %q", got, "AB\x07[C]")
	}
}
