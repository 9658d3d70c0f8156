package selector

import (
	"testing"

	"github.com/wfpconsole/wfp/internal/benchnames"
)

// visibleRows is how many best matches the scripts screen needs for its
// first screenful (40 rows and some to spare).
const visibleRows = 64

// typing is the six-key typing sequence.
var typing = []string{"t", "t4", "t42", "t42a", "t42ap", "t42api"}

// BenchmarkFilter1M is one keystroke's filter over the 1,000,000
// names (benchnames.Million). visible/* is what the first screenful needs:
// the best visibleRows matches and the count (Index.Top); full/* is the
// complete ranked result (Index.Find). typing-visible and typing-full are
// the six keystrokes t,4,2,a,p,i through one Narrower (all six timed,
// reported per keystroke).
func BenchmarkFilter1M(b *testing.B) {
	ix := NewIndex(benchnames.Million(b))
	for _, q := range benchQueries {
		b.Run("visible/"+q, func(b *testing.B) {
			n := 0
			for b.Loop() {
				_, pos := ix.Top(q, visibleRows)
				n = len(pos)
			}
			b.ReportMetric(float64(n), "matches")
		})
		b.Run("full/"+q, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = len(ix.Find(q))
			}
			b.ReportMetric(float64(n), "matches")
		})
	}
	b.Run("typing-visible", func(b *testing.B) {
		for b.Loop() {
			nw := NewNarrower(ix)
			for _, q := range typing {
				nw.Top(q, visibleRows)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(typing))/1e6, "ms/key")
	})
	b.Run("typing-full", func(b *testing.B) {
		for b.Loop() {
			nw := NewNarrower(ix)
			for _, q := range typing {
				nw.Find(q)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(typing))/1e6, "ms/key")
	})
}
