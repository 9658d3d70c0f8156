// Package benchnames gives tests and benchmarks realistic script names: the
// file named by $WFP_BENCH_NAMES (the shared names-100k.txt), else a
// deterministic generator of the same shape and mix.
package benchnames

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// Env names a file of script names, one per line, that tests and
// benchmarks use instead of the generator (the shared list is
// /work/shared/bench/names-100k.txt).
const Env = "WFP_BENCH_NAMES"

// Load returns the names of the file named by WFP_BENCH_NAMES when it
// is set, else n generated names, and says which in the test log.
func Load(tb testing.TB, n int) []string {
	tb.Helper()
	path := os.Getenv(Env)
	if path == "" {
		tb.Logf("names: %d generated (set %s to use a file)", n, Env)
		return Generate(n, 1)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s=%s: %v", Env, path, err)
	}
	names := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	tb.Logf("names: %d from %s", len(names), path)
	return names
}

var (
	genServices  = []string{"api", "auth", "billing", "cron", "edge", "gateway", "images", "queue", "search", "web", "webhook", "worker"}
	genEnvs      = []string{"dev", "staging", "prod", "qa", "preview", "canary"}
	genTeams     = []string{"ads", "support", "growth", "identity", "platform", "payments", "media", "infra"}
	genCompanies = []string{"acme", "cyberdyne", "globex", "hooli", "initech", "stark", "tyrell", "umbrella", "wayne", "wonka"}
)

// Generate returns n distinct names with the shape and mix of the
// shared names-100k.txt: 56% tenant-NNNNN-svc-env, 11% user_script_N_env,
// 11% pr-N-preview-svc, 10% team-svc-env-N, 11% company-corp-svc-hex6.
// The same seed gives the same names.
func Generate(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	seen := make(map[string]bool, n)
	names := make([]string, 0, n)
	for len(names) < n {
		var name string
		switch k := rng.IntN(1000); {
		case k < 562:
			name = fmt.Sprintf("tenant-%05d-%s-%s", rng.IntN(100000), pick(genServices), pick(genEnvs))
		case k < 675:
			name = fmt.Sprintf("user_script_%d_%s", rng.IntN(1000000), pick(genEnvs))
		case k < 788:
			name = fmt.Sprintf("pr-%d-preview-%s", 1+rng.IntN(19999), pick(genServices))
		case k < 886:
			name = fmt.Sprintf("%s-%s-%s-%d", pick(genTeams), pick(genServices), pick(genEnvs), rng.IntN(20))
		default:
			name = fmt.Sprintf("%s-corp-%s-%06x", pick(genCompanies), pick(genServices), rng.IntN(1<<24))
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

// Million returns the deterministic 1,000,000-name set: the
// 100,000 names of Load (the file of WFP_BENCH_NAMES, else generated), each
// as it is, then each with the suffixes -r1 … -r9.
func Million(tb testing.TB) []string {
	tb.Helper()
	base := Load(tb, 100000)
	out := make([]string, 0, 10*len(base))
	out = append(out, base...)
	for r := 1; r <= 9; r++ {
		suffix := fmt.Sprintf("-r%d", r)
		for _, n := range base {
			out = append(out, n+suffix)
		}
	}
	return out
}
