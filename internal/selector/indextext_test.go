package selector

import (
	"reflect"
	"strings"
	"testing"
)

// An index over names already back to back finds what NewIndex finds,
// with and without a NUL in some name (then it copies, cutting there).
func TestNewIndexTextAgreesWithNewIndex(t *testing.T) {
	for _, names := range [][]string{
		{"tenant-00042-api-prod", "acme-web", "", "prodprod", "PROD", "ünïcode-prod"},
		trickyNames,
	} {
		var b strings.Builder
		starts := []uint32{0}
		for _, n := range names {
			b.WriteString(n)
			starts = append(starts, uint32(b.Len()))
		}
		shared, copied := NewIndexText(b.String(), starts), NewIndex(names)
		if shared.Len() != len(names) {
			t.Fatalf("Len %d, want %d", shared.Len(), len(names))
		}
		for _, q := range []string{"prod", "t42api", "P", "ü", "zzz", "a-p"} {
			if got, want := shared.Find(q), copied.Find(q); !reflect.DeepEqual(got, want) {
				t.Errorf("Find(%q): %v, want %v", q, got, want)
			}
			if got, want := shared.FindSubstring(q), copied.FindSubstring(q); !reflect.DeepEqual(got, want) {
				t.Errorf("FindSubstring(%q): %v, want %v", q, got, want)
			}
		}
	}
	if ix := NewIndexText("", []uint32{0}); ix.Len() != 0 || len(ix.Find("a")) != 0 {
		t.Error("empty index finds something")
	}
}
