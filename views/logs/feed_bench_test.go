package logs

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/tail"
	"github.com/wfpconsole/wfp/ui"
)

// BenchmarkFeed2000PerSecond is the harness for the sustained-load figures:
// a source delivers 2,000 events a second (decoded from trace-v1 messages,
// as the live tail does) for WFP_FEED_SECONDS (default 10; the reported
// figures use 60) into a logs screen with the default 100,000-event ring,
// and one goroutine plays Bubble Tea's loop: it runs the screen's re-armed,
// paced reader, applies each batch with Update and renders a frame with
// View; every 250 ms a key press (k or G) is queued into the same loop.
//
// Reported: frames/s (data frames: one per batch; Bubble Tea renders no
// more than that for data), max-frames/s (the busiest second), key-ms (the
// worst time from a key's arrival to its frame rendered, waiting behind any
// batch in progress), heap-MB (the live heap after a GC at the end, with the
// ring full) and peak-heap-MB (the largest heap in use seen, sampled every
// second). Run with -benchtime=1x.
func BenchmarkFeed2000PerSecond(b *testing.B) {
	seconds := 10
	if s, err := strconv.Atoi(os.Getenv("WFP_FEED_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	msgs := make([][]byte, 1000)
	for i := range msgs {
		msgs[i] = traceMsg(i)
	}
	for range b.N {
		ch := make(chan tail.Item, 4096)
		m := newTestModel(b, ui.Route{Kind: Kind, Namespace: "production"}, ch, DefaultCapacity)
		stop := make(chan struct{})
		// The source: 2 events every millisecond.
		go func() {
			defer close(ch)
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			start := time.Now()
			sent := 0
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				due := int(time.Since(start).Seconds() * 2000)
				for ; sent < due; sent++ {
					ev, err := tail.DecodeTrace(msgs[sent%len(msgs)])
					if err != nil {
						panic(err)
					}
					ev.ID += strconv.Itoa(sent)
					select {
					case ch <- tail.Item{Event: &ev}:
					case <-stop:
						return
					}
				}
			}
		}()
		// The loop: messages from the reader and from the keyboard.
		msgsCh := make(chan tea.Msg, 16)
		runCmd := func(cmd tea.Cmd) {
			if cmd != nil {
				go func() { msgsCh <- cmd() }()
			}
		}
		runCmd(m.wait(false))
		type keyAt struct {
			k  tea.KeyPressMsg
			at time.Time
		}
		keys := make(chan keyAt, 16)
		go func() {
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			i := 0
			for {
				select {
				case <-stop:
					return
				case now := <-t.C:
					k := tea.KeyPressMsg{Code: 'k', Text: "k"}
					if i%2 == 1 {
						k = tea.KeyPressMsg{Code: 'G', Text: "G"}
					}
					i++
					keys <- keyAt{k, now}
				}
			}
		}()
		var frames, perSecond []int
		var keyLat, work []time.Duration
		var peak uint64
		second := time.NewTicker(time.Second)
		end := time.After(time.Duration(seconds) * time.Second)
		cur := 0
		b.ResetTimer()
	loop:
		for {
			select {
			case msg := <-msgsCh:
				t0 := time.Now()
				_, cmd := m.Update(msg)
				_ = m.View()
				work = append(work, time.Since(t0))
				cur++
				runCmd(cmd)
			case k := <-keys:
				t0 := time.Now()
				m.Update(k.k)
				_ = m.View()
				work = append(work, time.Since(t0))
				keyLat = append(keyLat, time.Since(k.at))
			case <-second.C:
				perSecond = append(perSecond, cur)
				frames = append(frames, cur)
				cur = 0
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			case <-end:
				break loop
			}
		}
		b.StopTimer()
		close(stop)
		second.Stop()
		runtime.GC()
		var mem runtime.MemStats
		runtime.ReadMemStats(&mem)
		total := 0
		for _, f := range frames {
			total += f
		}
		b.ReportMetric(float64(total)/float64(len(frames)), "frames/s")
		b.ReportMetric(float64(slices.Max(perSecond)), "max-frames/s")
		slices.Sort(keyLat)
		slices.Sort(work)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(keyLat[len(keyLat)/2]), "key-p50-ms")
		b.ReportMetric(ms(keyLat[len(keyLat)*99/100]), "key-p99-ms")
		b.ReportMetric(ms(keyLat[len(keyLat)-1]), "key-max-ms")
		b.ReportMetric(ms(work[len(work)*99/100]), "update+view-p99-ms")
		b.ReportMetric(ms(work[len(work)-1]), "update+view-max-ms")
		b.ReportMetric(float64(mem.HeapAlloc)/(1<<20), "heap-MB")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(m.buf.n), "events-held")
		runtime.KeepAlive(m)
	}
}
