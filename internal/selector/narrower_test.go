package selector

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sahilm/fuzzy"
)

// sameMatches reports how two results of this package differ, or "".
func sameMatches(got, want Matches) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d matches, want %d", len(got), len(want))
	}
	for k := range want {
		g, w := got[k], want[k]
		if g.Index != w.Index || g.Score != w.Score || !slices.Equal(g.MatchedIndexes, w.MatchedIndexes) {
			return fmt.Sprintf("match %d: got {%d %d %v}, want {%d %d %v}", k, g.Index, g.Score, g.MatchedIndexes, w.Index, w.Score, w.MatchedIndexes)
		}
	}
	return ""
}

// typed returns the queries seen while typing q one rune at a time.
func typed(q string) []string {
	var out []string
	for k := range q {
		if k > 0 {
			out = append(out, q[:k])
		}
	}
	return append(out, q)
}

func TestNarrowerEqualsFind(t *testing.T) {
	names := append(loadNames(t, 100000), trickyNames...)
	ix := NewIndex(names)
	// Keystroke sessions: typing, backspacing, editing in the middle,
	// changing case, pasting, Unicode, and queries that match nothing.
	var session []string
	session = append(session, typed("t42api")...)
	session = append(session, "t42ap", "t42a", "t42", "t4", "t", "", "p")
	session = append(session, typed("prod")...)
	session = append(session, "PROD", "pRod", "pXrod", "prd", "prod", "prodzzz", "zzz", "zz", "z")
	session = append(session, typed("tenant-00042-api")...)
	session = append(session, typed("ÉCOLE")...)
	session = append(session, "\u212a", "k", "kk", "\u212a\u212a", "ſ", "s", "\xff", "a\x00", "a")
	// Queries whose literal matches rank first: typed, widened by
	// backspace, re-cased and narrowed to a longer literal.
	session = append(session, typed("web")...)
	session = append(session, "we", "WEB", "web-q", "ads-web", "ads-w")
	session = append(session, typed("ads-api-dev")...)
	session = append(session, "api", "Api", "pi", "api-", "-api-", "corp-edge", "edge-b")
	nw := NewNarrower(ix)
	for _, q := range session {
		got := nw.Find(q)
		if diff := sameMatches(got, ix.Find(q)); diff != "" {
			t.Fatalf("Narrower.Find(%q) after %q: %s", q, session, diff)
		}
	}
	// Spot-check the session against the reference itself.
	for _, q := range []string{"t42api", "prodzzz", "pRod", "ÉCOLE", "kk", "web", "ads-api-dev", "-api-"} {
		if diff := rankedLikeFuzzy(nw.Find(q), fuzzy.Find(q, names), q); diff != "" {
			t.Errorf("Narrower.Find(%q): %s", q, diff)
		}
	}
}

func TestNarrowerScansOnlyEarlierMatches(t *testing.T) {
	ix := NewIndex(generateNames(50000, 11))
	nw := NewNarrower(ix)
	nw.Find("t4")
	if nw.scanned != ix.Len() {
		t.Fatalf("first query scanned %d names, want all %d", nw.scanned, ix.Len())
	}
	t4 := len(ix.Find("t4"))
	nw.Find("t42")
	if nw.scanned != t4 {
		t.Errorf("t42 after t4 scanned %d names, want the %d matches of t4", nw.scanned, t4)
	}
	t42 := len(ix.Find("t42"))
	nw.Find("T42API") // contains t42 up to case
	if nw.scanned != t42 {
		t.Errorf("T42API after t42 scanned %d names, want the %d matches of t42", nw.scanned, t42)
	}
	nw.Find("t") // backspace past every entry: nothing earlier is contained in "t"
	if nw.scanned != ix.Len() {
		t.Errorf("t scanned %d names, want all %d", nw.scanned, ix.Len())
	}
	nw.Find("t42") // back to a remembered query: only its own matches
	if nw.scanned != t42 {
		t.Errorf("t42 again scanned %d names, want its %d matches", nw.scanned, t42)
	}
	nw.Reset()
	nw.Find("t42")
	if nw.scanned != ix.Len() {
		t.Errorf("after Reset scanned %d names, want all %d", nw.scanned, ix.Len())
	}
}

func TestNarrowerBoundsMemory(t *testing.T) {
	names := generateNames(20000, 13)
	ix := NewIndex(names)
	nw := NewNarrower(ix)
	// Many broad, unrelated queries: the history must stay within limits
	// and results must stay exact as entries are evicted.
	for i := range 100 {
		q := string(rune('a'+i%26)) + string(rune('a'+(i*7)%26))
		if i%3 == 0 {
			q = q[:1]
		}
		if diff := sameMatches(nw.Find(q), ix.Find(q)); diff != "" {
			t.Fatalf("Narrower.Find(%q) at step %d: %s", q, i, diff)
		}
		total := 0
		for _, e := range nw.entries {
			total += len(e.idxs)
		}
		if len(nw.entries) > maxNarrowerEntries || (len(nw.entries) > 1 && total > narrowerBudget*ix.Len()) {
			t.Fatalf("step %d: %d entries holding %d positions, limits %d entries and %d positions",
				i, len(nw.entries), total, maxNarrowerEntries, narrowerBudget*ix.Len())
		}
	}
}

func TestFoldSubsequence(t *testing.T) {
	cases := []struct {
		sub, q string
		want   bool
	}{
		{"", "abc", true},
		{"t42", "t42api", true},
		{"pd", "prod", true},
		{"PROD", "prod", true},
		{"k", "\u212a", true},
		{"ab", "ba", false},
		{"prod", "pro", false},
		{"é", "e", false},
	}
	for _, c := range cases {
		if got := foldSubsequence([]rune(c.sub), []rune(c.q)); got != c.want {
			t.Errorf("foldSubsequence(%q, %q) = %v, want %v", c.sub, c.q, got, c.want)
		}
	}
}
