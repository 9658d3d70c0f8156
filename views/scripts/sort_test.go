package scripts

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
)

// The radix sort by time gives exactly the comparison sort's order: ties
// by name, newest first or last, with times outside the keys' range (the
// zero time, year 3000) ordered too.
func TestSortByTimeIsTheComparisonOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var in []cfclient.Script
	for i := range 5000 {
		at := func() time.Time {
			switch rng.IntN(20) {
			case 0:
				return time.Time{}
			case 1:
				return time.Date(3000+rng.IntN(3), 1, 1, 0, 0, 0, 0, time.UTC)
			case 2:
				return time.Date(1500, 1, 1, 0, 0, 0, rng.IntN(3), time.UTC)
			}
			return base.Add(time.Duration(rng.IntN(50)) * time.Hour).Add(time.Duration(rng.IntN(3)))
		}
		in = append(in, cfclient.Script{Name: fmt.Sprintf("s-%05d", rng.IntN(1e5)*10+i%10), CreatedOn: at(), ModifiedOn: at()})
	}
	m := &Model{all: *asRows(in)}
	m.byName = make([]int32, len(in))
	for i := range m.byName {
		m.byName[i] = int32(i)
	}
	slices.SortStableFunc(m.byName, m.cmpName)
	for _, by := range []sortKey{byModified, byCreated} {
		for _, desc := range []bool{false, true} {
			m.sortBy, m.sortDesc = by, desc
			want := slices.Clone(m.byName)
			slices.SortStableFunc(want, m.cmpOrder())
			if got := m.sortByTime(by == byCreated, desc); !slices.Equal(got, want) {
				t.Errorf("sort %v desc=%v differs from the comparison sort", by, desc)
			}
		}
	}
}
