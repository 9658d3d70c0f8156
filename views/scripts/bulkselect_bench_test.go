package scripts

import (
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// BenchmarkIdleTierFilter100k is one filter result over 100,000 scripts
// with a tag selector and idle and tier terms (the command that runs off
// the Update goroutine on each keystroke): half the scripts have a last
// use.
func BenchmarkIdleTierFilter100k(b *testing.B) {
	snap := benchScripts(benchNames(b, 100_000))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lu := &cache.LastUse{At: make(map[string]int64, len(snap)/2)}
	for i := 0; i < len(snap); i += 2 {
		lu.At[snap[i].Name] = now.Add(-time.Duration(i%400) * 24 * time.Hour).UnixMilli()
	}
	c := viewClient(b)
	m := &Model{src: c, c: &ui.Common{}}
	m.lastUseState.lu = lu
	ev := m.attrsFunc()
	list := *asRows(snap)
	ev.now = now
	for _, text := range []string{"-t environment-qa idle>90d tier:free", "idle>90d", "created>90d tier:free"} {
		q, err := selector.ParseSelection(text)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(text, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				msg := runFilter(&engine{}, "k", list, 1, "t", q, ev, 0, false)().(filterMsg)
				if msg.res.count == 0 {
					b.Fatal("nothing selected")
				}
			}
		})
	}
}
