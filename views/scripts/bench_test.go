package scripts

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/benchnames"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/ui"
)

// benchNames returns the names of $WFP_BENCH_NAMES, else n generated ones.
func benchNames(tb testing.TB, n int) []string { return benchnames.Load(tb, n) }

// benchScripts turns names into listed scripts with shared tag lists, as a
// listing has them.
func benchScripts(names []string) []cfclient.Script {
	tiers := []string{"free", "pro", "enterprise"}
	envs := []string{"dev", "staging", "prod", "qa", "preview", "canary"}
	services := []string{"api", "auth", "billing", "cron", "edge", "gateway", "images", "queue", "search", "web", "webhook", "worker"}
	teams := []string{"ads", "support", "growth", "identity", "platform", "payments", "media", "infra"}
	lists := map[string][]string{}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]cfclient.Script, len(names))
	for i, n := range names {
		k := fmt.Sprintf("%d/%d/%d", i%3, i%6, i%12)
		tags, ok := lists[k]
		if !ok {
			tags = []string{"tier-" + tiers[i%3], "environment-" + envs[i%6], "project-" + services[i%12], "team-" + teams[i%8]}
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
// at 120×40: unfiltered, with a fuzzy or substring filter (highlighted
// matches), and with a tag selector.
func BenchmarkScriptsView100k(b *testing.B) {
	benchView(b, benchScripts(benchNames(b, 100000)))
}

// benchView times one View at 120×40 of a screen holding scripts, with
// each filter settled (both steps of a large ranked filter run).
func benchView(b *testing.B, list []cfclient.Script) {
	scripts := *asRows(list)
	for _, tc := range []struct{ name, filter string }{
		{"plain", ""}, {"fuzzy-prod", "prod"}, {"fuzzy-t42api", "t42api"}, {"substring-prod", "=prod"},
		{"tags", "-t tier-pro,!environment-dev"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := ui.NewCommon(b.Context(), nil, nil)
			c.Width, c.Height = 120, 40
			m := New(c, viewClient(b), nil, ui.Route{Kind: ui.KindScripts, Namespace: "production"})
			m.SetSize(120, 40)
			m.replaceRows(scripts, cfclient.TagFilter{}, true)
			if tc.filter != "" {
				settleFilter(m, m.setText(tc.filter, true))
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
		if h.m.all.Len() != 100000 {
			b.Fatalf("%d rows, want 100000", h.m.all.Len())
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
	factory := Factory(e.Client, e.Store(e.Client), nil)
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
	// The part spent reading the listing cache (decoding its file).
	b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "ms-cache-read/op")
}
