package selector

import (
	"testing"

	"github.com/sahilm/fuzzy"
)

// benchQueries are the queries: a typical narrow query, a broad
// one and one that matches nothing.
var benchQueries = []string{"t42api", "prod", "zzz"}

// BenchmarkFilter100k measures one keystroke's filter over 100,000 names
// (WFP_BENCH_NAMES, else generated). find/* is a stateless full Find from
// scratch; keystroke/* is the Narrower's last step after typing the query
// one character at a time (only that step is timed).
func BenchmarkFilter100k(b *testing.B) {
	names := loadNames(b, 100000)
	ix := NewIndex(names)
	for _, q := range benchQueries {
		b.Run("find/"+q, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = len(ix.Find(q))
			}
			b.ReportMetric(float64(n), "matches")
		})
	}
	for _, q := range benchQueries {
		b.Run("keystroke/"+q, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				nw := NewNarrower(ix)
				for k := 1; k < len(q); k++ {
					nw.Find(q[:k])
				}
				b.StartTimer()
				n = len(nw.Find(q))
			}
			b.ReportMetric(float64(n), "matches")
		})
	}
}

// BenchmarkSubstring100k is the =text filter: FindSubstring over 100,000
// names (a full scan each time).
func BenchmarkSubstring100k(b *testing.B) {
	names := loadNames(b, 100000)
	ix := NewIndex(names)
	for _, q := range benchQueries {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = len(ix.FindSubstring(q))
			}
			b.ReportMetric(float64(n), "matches")
		})
	}
}

// BenchmarkFuzzyFind100k is the reference: sahilm/fuzzy's Find over the
// same names, in the same run.
func BenchmarkFuzzyFind100k(b *testing.B) {
	names := loadNames(b, 100000)
	for _, q := range benchQueries {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = len(fuzzy.Find(q, names))
			}
			b.ReportMetric(float64(n), "matches")
		})
	}
}

// BenchmarkNewIndex100k is the one-off cost of preparing 100,000 names.
func BenchmarkNewIndex100k(b *testing.B) {
	names := loadNames(b, 100000)
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(names)
	}
}
