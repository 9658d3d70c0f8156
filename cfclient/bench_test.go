package cfclient

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// benchThrottle gives the client a budget no benchmark run can exhaust, so
// the figures measure the client, not Cloudflare's rate limit.
func benchThrottle(o *Options) {
	o.Throttle = throttle.New(throttle.Options{Requests: 1 << 30, Window: time.Second}, throttle.NewTransport(0))
}

// heapMB is the live heap after a full GC, in MiB.
func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// BenchmarkListNamespace100k lists a 100,000-script namespace cold from the
// sandbox over loopback (rate limit off): 100 pages, decode and interning. "MB-listing" is the live heap the listing itself holds.
func BenchmarkListNamespace100k(b *testing.B) {
	e := newTestEnv(b, sandbox.Options{Scripts: 100000}, benchThrottle)
	ctx := context.Background()
	base := heapMB()
	var held []Script
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		held = held[:0:0]
		err := e.c.ListScripts(ctx, "production", TagFilter{}, func(p []Script) error {
			held = append(held, p...)
			return nil
		})
		if err != nil || len(held) != 100000 {
			b.Fatalf("listed %d: %v", len(held), err)
		}
	}
	b.StopTimer()
	b.ReportMetric(heapMB()-base, "MB-listing")
	runtime.KeepAlive(held)
}
