package scripts

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/internal/benchnames"
	"github.com/wfpconsole/wfp/ui"
)

// million1M returns the 1,000,000 names as listed scripts with
// tags shaped like the sandbox's: a tier, one of 240,000 customers (so
// most tag lists are distinct, as in a real listing), an environment, a
// project, and "beta" on some; each with its own id and etag; in name
// order, as listed.
func million1M(tb testing.TB) []cfclient.Script {
	names := benchnames.Million(tb)
	slices.Sort(names) // listings come sorted by name
	tiers := []string{"tier-free", "tier-pro", "tier-enterprise"}
	envs := []string{"environment-dev", "environment-staging", "environment-prod", "environment-qa"}
	projects := []string{"project-api", "project-auth", "project-web", "project-queue", "project-edge", "project-cron"}
	handlers := []string{"fetch"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	customers := make([]string, 240000)
	for i := range customers {
		customers[i] = fmt.Sprintf("customer-%06d", i)
	}
	out := make([]cfclient.Script, len(names))
	for i, n := range names {
		c := (i * 7919) % len(customers)
		tags := []string{tiers[c%3], customers[c], envs[i%4], projects[i%6]}
		if i%17 == 0 {
			tags = append(tags, "beta")
		}
		out[i] = cfclient.Script{
			Name: n, Tags: tags, Handlers: handlers,
			Tag:               fmt.Sprintf("%032x", i),
			ETag:              fmt.Sprintf("%064x", i*31),
			CompatibilityDate: "2025-01-01", UsageModel: "standard",
			CreatedOn:  base.Add(time.Duration(i) * time.Second),
			ModifiedOn: base.Add(time.Duration(i*7%len(names)) * time.Second),
		}
	}
	return out
}

// BenchmarkScriptsView1M is one View of the screen holding 1,000,000 rows
// at 120×40 (the frame budget is 2 ms).
func BenchmarkScriptsView1M(b *testing.B) { benchView(b, million1M(b)) }

// BenchmarkTagCounts1M counts the tags of 1,000,000 rows for the facets
// panel (about 240,000 distinct tags).
func BenchmarkTagCounts1M(b *testing.B) {
	scripts := asRows(million1M(b))
	n := 0
	for b.Loop() {
		tags, _ := tagCounts(scripts, nil)
		n = len(tags)
	}
	b.ReportMetric(float64(n), "tags")
}

// BenchmarkOpenCached1M is opening a namespace of 1,000,000 scripts seen
// before: Factory + Init (the cache read) to the first View showing rows.
// The cache is written from generated rows (no sandbox in the process), so
// MB-heap is the live heap after a GC with the screen holding the 1M rows,
// and MB-file the cache file's size. The refresh the cache handler starts
// is never run (the client points at a closed port).
func BenchmarkOpenCached1M(b *testing.B) {
	dir := b.TempDir()
	client := viewClient(b)
	store := cache.New(dir, "http://127.0.0.1:1/client/v4", client.AccountID(), nil)
	scripts := million1M(b)
	if err := store.SaveScripts("production", [][]cfclient.Script{scripts}); err != nil {
		b.Fatal(err)
	}
	scripts = nil
	files, _ := filepath.Glob(filepath.Join(store.Dir(), "*.gob"))
	var size int64
	if len(files) == 1 {
		if st, err := os.Stat(files[0]); err == nil {
			size = st.Size()
		}
	}
	c := ui.NewCommon(b.Context(), nil, nil)
	c.Width, c.Height = 120, 40
	factory := Factory(client, store, nil)
	route := ui.Route{Kind: ui.KindScripts, Namespace: "production"}
	base := heapInUse()
	var heap uint64
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
		s.Update(msg)
		v := s.View()
		if plain := ansi.Strip(v); !strings.HasPrefix(plain, "1,000,000 scripts · 1,000,000 shown") || strings.Count(plain, "\n") < 30 {
			b.Fatalf("first view has no rows:\n%s", v)
		}
		b.StopTimer()
		heap = heapInUse() - base
		s.(*Model).Close()
		runtime.KeepAlive(s)
		b.StartTimer()
	}
	b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "ms-cache-read/op")
	b.ReportMetric(float64(heap)/(1<<20), "MB-heap")
	b.ReportMetric(float64(size)/(1<<20), "MB-file")
}

// settleFilter runs cmd and the commands its messages lead to (the filter's
// phases) until none is left.
func settleFilter(m *Model, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// BenchmarkSort1M is pressing M (newest first) then N on 1,000,000 rows:
// the sort runs on the Update goroutine, so it is a key's latency.
func BenchmarkSort1M(b *testing.B) {
	scripts := *asRows(million1M(b))
	c := ui.NewCommon(b.Context(), nil, nil)
	c.Width, c.Height = 120, 40
	m := New(c, viewClient(b), nil, ui.Route{Kind: ui.KindScripts, Namespace: "production"})
	m.SetSize(120, 40)
	m.replaceRows(scripts, cfclient.TagFilter{}, true)
	for _, k := range []struct {
		name string
		key  sortKey
	}{{"modified", byModified}, {"created", byCreated}, {"name", byName}} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				m.sortBy = byName // a new column each time: its natural order
				m.setSort(k.key)
			}
		})
	}
}
