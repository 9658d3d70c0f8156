package scripts

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/ui"
)

// benchNamesEnv names a file of script names, one per line, used instead
// of the generator (the shared list is /work/shared/bench/names-100k.txt).
const benchNamesEnv = "WFP_BENCH_NAMES"

// benchNames returns the names of WFP_BENCH_NAMES, else n generated ones.
func benchNames(tb testing.TB, n int) []string {
	tb.Helper()
	path := os.Getenv(benchNamesEnv)
	if path == "" {
		tb.Logf("names: %d generated (set %s to use a file)", n, benchNamesEnv)
		return generateNames(n, 1)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s=%s: %v", benchNamesEnv, path, err)
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

// generateNames mirrors views/scripts/match's generator: n distinct names
// with the shape and mix of the shared names-100k.txt.
func generateNames(n int, seed uint64) []string {
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

// benchScripts turns names into listed scripts with shared tag lists, as a
// listing has them.
func benchScripts(names []string) []cfclient.Script {
	tiers := []string{"free", "pro", "enterprise"}
	lists := map[string][]string{}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]cfclient.Script, len(names))
	for i, n := range names {
		k := fmt.Sprintf("%d/%d/%d", i%3, i%6, i%12)
		tags, ok := lists[k]
		if !ok {
			tags = []string{"tier-" + tiers[i%3], "environment-" + genEnvs[i%6], "project-" + genServices[i%12], "team-" + genTeams[i%8]}
			lists[k] = tags
		}
		out[i] = cfclient.Script{
			Name: n, Tags: tags,
			CreatedOn:  base.Add(time.Duration(i) * time.Minute),
			ModifiedOn: base.Add(time.Duration(i*7%len(names)) * time.Minute),
		}
	}
	return out
}

// viewClient is a real cfclient.Client (never used for requests here: the
// view benchmark needs only TierOf).
func viewClient(tb testing.TB) *cfclient.Client {
	c, err := cfclient.New(cfclient.Options{BaseURL: "http://127.0.0.1:1/client/v4", AccountID: strings.Repeat("a", 32), Token: "x", ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// BenchmarkScriptsView100k is one View of the screen holding 100,000 rows
// at 120×40: unfiltered, with a fuzzy filter (highlighted matches), and
// with a tag selector.
func BenchmarkScriptsView100k(b *testing.B) {
	names := benchNames(b, 100000)
	scripts := benchScripts(names)
	for _, tc := range []struct{ name, filter string }{
		{"plain", ""}, {"fuzzy-prod", "prod"}, {"fuzzy-t42api", "t42api"}, {"tags", "-t tier-pro,!environment-dev"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := ui.NewCommon(b.Context(), nil, nil)
			c.Width, c.Height = 120, 40
			m := New(c, viewClient(b), ui.Route{Kind: ui.KindScripts, Namespace: "production"})
			m.SetSize(120, 40)
			m.replaceRows(scripts, cfclient.TagFilter{}, true)
			if tc.filter != "" {
				if cmd := m.setText(tc.filter, true); cmd != nil {
					m.Update(cmd())
				}
			}
			m.moveTo(len(m.shown) / 2)
			if len(m.shown) == 0 {
				b.Fatal("no rows shown")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
			b.ReportMetric(float64(len(m.shown)), "rows")
		})
	}
}

// heapInUse returns HeapAlloc after two collections.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkScriptsMemory100k lists a 100,000-script namespace from the
// sandbox through cfclient into the screen and reports the heap in use:
// in total (sandbox and its seeded world included) and attributable to the
// screen (after it was built, minus before). One listing per iteration;
// run with -benchtime 1x.
func BenchmarkScriptsMemory100k(b *testing.B) {
	e := sandboxtest.Start(b, sandbox.Options{Seed: 1, Scripts: 100000}, nil)
	var total, screen uint64
	for b.Loop() {
		before := heapInUse()
		h := newHarness(b, e, e.Client, "production", "")
		h.settle(h.m.Init())
		if len(h.m.all) != 100000 {
			b.Fatalf("%d rows, want 100000", len(h.m.all))
		}
		h.out, h.seen = nil, nil // the harness's own record of messages holds every page
		after := heapInUse()
		total, screen = after, after-before
		runtime.KeepAlive(h.m)
		h.m.Close()
	}
	b.ReportMetric(float64(total)/(1<<20), "MB-heap-total")
	b.ReportMetric(float64(screen)/(1<<20), "MB-heap-screen")
}

// BenchmarkOpenCached100k is opening a namespace of 100,000 scripts seen
// before: Factory + Init (the cache read) to the first View showing rows.
// The background refresh the cache handler starts is cancelled untimed.
func BenchmarkOpenCached100k(b *testing.B) {
	e := sandboxtest.Start(b, sandbox.Options{Seed: 1, Scripts: 100000}, nil)
	open(b, e, "production", "") // lists once and fills the cache
	c := ui.NewCommon(b.Context(), nil, nil)
	c.Width, c.Height = 120, 40
	factory := Factory(e.Client)
	route := ui.Route{Kind: ui.KindScripts, Namespace: "production"}
	var read time.Duration
	for b.Loop() {
		s, err := factory(c, route)
		if err != nil {
			b.Fatal(err)
		}
		s.SetSize(120, 40)
		t0 := time.Now()
		msg := s.Init()()
		read += time.Since(t0)
		s.Update(msg) // shows the rows; the refresh command is not run
		v := s.View()
		if plain := ansi.Strip(v); !strings.HasPrefix(plain, "100,000 scripts · 100,000 shown") || strings.Count(plain, "\n") < 30 {
			b.Fatalf("first view has no rows:\n%s", v)
		}
		b.StopTimer()
		s.(*Model).Close()
		b.StartTimer()
	}
	// The part spent in cfclient's CachedScripts (decoding the gob file).
	b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "ms-cache-read/op")
}
