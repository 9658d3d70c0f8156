package cache

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// benchThrottle gives the client a budget no benchmark run can exhaust, so
// the figures measure the cache, not Cloudflare's rate limit.
func benchThrottle(o *cfclient.Options) {
	o.Throttle = throttle.New(throttle.Options{Requests: 1 << 30, Window: time.Second}, throttle.NewTransport(0))
}

// heapMB is the live heap after a full GC, in MiB.
func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// BenchmarkCachedLoad100k loads the same listing from the on-disk cache.
func BenchmarkCachedLoad100k(b *testing.B) {
	e := newTestEnv(b, sandbox.Options{Scripts: 100000}, benchThrottle)
	if err := e.store.SaveScripts("production", listAll(b, e.c, "production")); err != nil {
		b.Fatal(err)
	}
	base := heapMB()
	var held rows.Scripts
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var err error
		var l Listing
		l, err = e.store.Scripts("production")
		held = l.Rows
		if err != nil || held.Len() != 100000 {
			b.Fatalf("loaded %d: %v", held.Len(), err)
		}
	}
	b.StopTimer()
	b.ReportMetric(heapMB()-base, "MB-listing")
	runtime.KeepAlive(held)
}

// BenchmarkCacheSave100k writes a 100,000-script listing to the on-disk
// cache (encode, fsync, rename).
func BenchmarkCacheSave100k(b *testing.B) {
	e := newTestEnv(b, sandbox.Options{Scripts: 100000}, benchThrottle)
	var pages [][]cfclient.Script
	if err := e.c.ListScripts(context.Background(), "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		pages = append(pages, p)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := e.store.SaveScripts("production", pages); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheEncode100k is the encoding part of BenchmarkCacheSave100k,
// without the file system.
func BenchmarkCacheEncode100k(b *testing.B) {
	e := newTestEnv(b, sandbox.Options{Scripts: 100000}, benchThrottle)
	var pages [][]cfclient.Script
	if err := e.c.ListScripts(context.Background(), "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		pages = append(pages, p)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	var all []cfclient.Script
	for _, p := range pages {
		all = append(all, p...)
	}
	list := rows.FromScripts(all)
	var n countingWriter
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n = 0
		if err := encodeCache(&n, e.c.AccountID(), "production", time.Now().UTC(), list); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/(1<<20), "MB-file")
}

type countingWriter int

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
