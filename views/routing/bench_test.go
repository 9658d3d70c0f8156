package routing

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/benchnames"
	"github.com/wfpconsole/wfp/ui"
)

// benchWorld builds a routing table of n routes in memory, as a large
// platform has it: a subdomain route per tenant (a fifth as JSON values),
// a custom hostname for one tenant in four, 1% of routes dangling and a
// few unreadable values; and the namespace's scripts.
func benchWorld(tb testing.TB, n int) (*platform.RoutingTable, []cfclient.Script) {
	tb.Helper()
	schema := platform.DefaultSchema()
	names := benchnames.Generate(n*4/5+1, 1)
	routes := make([]platform.Route, 0, n)
	scripts := make([]cfclient.Script, 0, len(names))
	for i, name := range names {
		if len(routes) >= n {
			break
		}
		if i%100 != 7 { // 1% of the targets were deleted: dangling
			scripts = append(scripts, cfclient.Script{Name: name})
		}
		label := subdomainLabel(name)
		value := name
		switch {
		case i%5 == 0:
			value = `{"worker":"` + name + `","tier":"pro"}`
		case i%1000 == 3:
			value = "{not json"
		}
		routes = append(routes, schema.ParseRoute("subdomain:"+label, value))
		if i%4 == 0 && len(routes) < n {
			routes = append(routes, schema.ParseRoute("hostname:app."+label+".example.com", name))
		}
	}
	return platform.NewRoutingTable("bench", routes), scripts
}

// benchModel is the screen holding the table and the scripts, as after
// its loads, at width × height.
func benchModel(tb testing.TB, t *platform.RoutingTable, scripts []cfclient.Script, width, height int) *Model {
	tb.Helper()
	c, err := cfclient.New(cfclient.Options{BaseURL: "http://127.0.0.1:1/client/v4", AccountID: strings.Repeat("a", 32), Token: "x", ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	common := ui.NewCommon(tb.Context(), clock, nil)
	common.Width, common.Height = width, height
	m := New(common, Deps{Source: c}, ui.Route{Kind: Kind})
	m.SetSize(width, height)
	m.ns, m.nsCount = "production", len(scripts)
	names := make([]string, len(scripts))
	for i, s := range scripts {
		names[i] = s.Name
	}
	m.names = newNamesData("production", names, now, true)
	m.setTable(newTableData(t, now), nil, "")
	m.handleCheck(checkMsg{check: newCheckData(m.data, m.names)})
	m.syncKeys()
	return m
}

// BenchmarkRoutingView250k is the routing screen over 250,000 routes at
// 120×40: a frame (View) unfiltered and filtered, and the filter's
// keystrokes — every key of the query typed from an empty filter (the
// first, broadest key included), through Update as the operator types it.
// ms/key is the mean per keystroke, p95-ms/key and max-ms/key the 95th
// percentile and the slowest (wall time: on a busy machine the tail is
// the scheduler's; -cpu 1 gives the cost on one core).
func BenchmarkRoutingView250k(b *testing.B) {
	const n = 250000
	t, scripts := benchWorld(b, n)
	if len(t.Routes) != n {
		b.Fatalf("%d routes, want %d", len(t.Routes), n)
	}
	m := benchModel(b, t, scripts, 120, 40)
	if m.check == nil || m.check.dangling == 0 || m.data.unreadable == 0 {
		b.Fatal("the bench table has no dangling or unreadable route")
	}
	for _, tc := range []struct{ name, filter string }{{"plain", ""}, {"fuzzy-prod", "prod"}, {"substring-api", "=api"}} {
		b.Run("frame-"+tc.name, func(b *testing.B) {
			m.setFilter(tc.filter, true)
			m.table.SetCursor(m.table.Len() / 2)
			if m.table.Len() == 0 {
				b.Fatal("no rows shown")
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
			b.ReportMetric(float64(m.table.Len()), "rows")
		})
	}
	m.setFilter("", true)
	for _, q := range []string{"t42api", "prod", "tenant-00042", "example.com", "=prod", "!prod"} {
		b.Run("keystroke-"+strings.TrimLeft(q, "=!")+kindSuffix(q), func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				b.StopTimer()
				m.Update(tea.KeyPressMsg{Code: tea.KeyEscape}) // leave the input
				m.setFilter("", true)
				m.filter.routes.reset(m.data.ix) // no history of an earlier run
				m.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
				if !m.filter.typing || m.filter.input.Value() != "" {
					b.Fatal("/ did not open an empty filter")
				}
				b.StartTimer()
				for _, r := range q {
					t0 := time.Now()
					m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
					times = append(times, time.Since(t0))
				}
			}
			var total time.Duration
			for _, d := range times {
				total += d
			}
			slices.Sort(times)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(total)/float64(len(times)), "ms/key")
			b.ReportMetric(ms(times[len(times)*95/100]), "p95-ms/key")
			b.ReportMetric(ms(times[len(times)-1]), "max-ms/key")
			if m.filter.input.Value() != q {
				b.Fatalf("typed %q, the filter is %q", q, m.filter.input.Value())
			}
			b.ReportMetric(float64(m.table.Len()), "rows")
		})
	}
}

// kindSuffix names a query's kind in a benchmark name.
func kindSuffix(q string) string {
	switch {
	case strings.HasPrefix(q, "="):
		return "-substring"
	case strings.HasPrefix(q, "!"):
		return "-inverse"
	}
	return ""
}

// The bench world is what the benchmark says it is.
func TestBenchWorld(t *testing.T) {
	table, scripts := benchWorld(t, 5000)
	m := benchModel(t, table, scripts, 120, 40)
	v := m.View()
	for _, want := range []string{"Routes → production · 5,000 routes · 5,000 shown", "dangling", "unreadable"} {
		if !strings.Contains(v, want) && !strings.Contains(fmt.Sprint(m.problems()), want) {
			t.Errorf("bench screen lacks %q:\n%s", want, v)
		}
	}
	checkWidth(t, v, 120)
}
