package logs

import (
	"testing"

	"github.com/wfpconsole/wfp/cfclient/tail"
	"github.com/wfpconsole/wfp/ui"
)

// BenchmarkTailIngest is one trace-v1 message decoded, matched against a
// filter (a structured term and a text term) and appended to the 100,000
// ring: the per-event cost of a live tail. Target: ≥ 50,000 events/s on
// one core (≤ 20 µs/op; see the events/s metric).
func BenchmarkTailIngest(b *testing.B) {
	msgs := make([][]byte, 512)
	for i := range msgs {
		msgs[i] = traceMsg(i)
	}
	f, err := parseFilter("!status:4xx cart")
	if err != nil {
		b.Fatal(err)
	}
	buf := newBuffer(DefaultCapacity)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ev, err := tail.DecodeTrace(msgs[i%len(msgs)])
		if err != nil {
			b.Fatal(err)
		}
		buf.add(&ev, f)
	}
	b.StopTimer()
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "events/s")
	}
}

// fullModel is a logs screen holding n events.
func fullModel(b *testing.B, n int) *Model {
	b.Helper()
	m := newTestModel(b, ui.Route{Kind: Kind, Namespace: "production"}, make(chan tail.Item), DefaultCapacity)
	const distinct = 2000
	evs := make([]*tail.Event, distinct)
	for i := range evs {
		evs[i] = traceEvent(b, i)
	}
	items := make([]tail.Item, 0, 4096)
	for i := range n {
		ev := *evs[i%distinct]
		ev.ID = ev.ID + "-" + string(rune('a'+i%26)) + itoa(i)
		items = append(items, tail.Item{Event: &ev})
		if len(items) == cap(items) {
			feed(m, items...)
			items = items[:0]
		}
	}
	feed(m, items...)
	return m
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

// BenchmarkFrame renders the screen (80×24) with 100,000 events buffered,
// following the newest. Target: ≤ 2 ms.
func BenchmarkFrame(b *testing.B) {
	m := fullModel(b, DefaultCapacity)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_ = m.View()
	}
}

// BenchmarkFilter applies a filter (a structured term and a text term)
// over 100,000 buffered events. Target: ≤ 20 ms.
func BenchmarkFilter(b *testing.B) {
	m := fullModel(b, DefaultCapacity)
	filters := []string{"status:5xx checkout", "outcome:exception cart/1"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m.applyFilter(filters[i%2])
	}
	b.StopTimer()
	if len(m.buf.shown) == 0 {
		b.Fatal("the filter kept nothing")
	}
}

// BenchmarkBatchFullRing applies one reader batch (66 events: 2,000/s in
// a 33 ms frame) to a screen whose ring is full, following, and renders
// the frame: the steady state of a busy tail.
func BenchmarkBatchFullRing(b *testing.B) {
	m := fullModel(b, DefaultCapacity)
	batch := make([]tail.Item, 66)
	evs := make([]*tail.Event, 512)
	for i := range evs {
		evs[i] = traceEvent(b, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		for j := range batch {
			ev := *evs[(i*66+j)%len(evs)]
			batch[j] = tail.Item{Event: &ev}
		}
		feed(m, batch...)
		_ = m.View()
	}
}
