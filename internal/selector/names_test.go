package selector

import (
	"testing"

	"github.com/wfpconsole/wfp/internal/benchnames"
)

// loadNames returns the names of $WFP_BENCH_NAMES, else n generated ones.
func loadNames(tb testing.TB, n int) []string { return benchnames.Load(tb, n) }

// generateNames returns n generated names (the same seed, the same names).
func generateNames(n int, seed uint64) []string { return benchnames.Generate(n, seed) }
