package sandbox

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// fixedSeedNow is the fixed clock of the benchmarks.
func fixedSeedNow() time.Time { return time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC) }

const fixedAccountID = "0123456789abcdef0123456789abcdef"

// seed100k builds a 100,000-script world.
func seed100k() *Store {
	st := NewStore(fixedAccountID)
	seedWorld(st, Options{Seed: 1, Scripts: 100000, Now: fixedSeedNow})
	return st
}

// heapMB is the live heap after a full collection, in MiB.
func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// BenchmarkSeed100k seeds a 100,000-script world. It reports the live heap
// the world occupies (heap-MB) measured after a GC.
//
//	go test ./cfclient/sandbox -run '^$' -bench Seed100k -benchtime 5x
func BenchmarkSeed100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		seed100k()
	}
	b.StopTimer()
	base := heapMB()
	st := seed100k()
	b.ReportMetric(heapMB()-base, "heap-MB")
	runtime.KeepAlive(st)
}

// BenchmarkStateSave100k encodes a 100,000-script world to a state file.
func BenchmarkStateSave100k(b *testing.B) {
	st := seed100k()
	path := filepath.Join(b.TempDir(), "state")
	b.ResetTimer()
	for b.Loop() {
		if err := writeState(path, st); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
}

// BenchmarkStateLoad100k decodes a 100,000-script state file, and reports
// the live heap of the loaded world.
func BenchmarkStateLoad100k(b *testing.B) {
	var buf bytes.Buffer
	if err := encodeState(&buf, seed100k()); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ResetTimer()
	for b.Loop() {
		if _, err := decodeState(bufio.NewReader(bytes.NewReader(data))); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	base := heapMB()
	st, err := decodeState(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(heapMB()-base, "heap-MB")
	runtime.KeepAlive(st)
	runtime.KeepAlive(data)
}

// BenchmarkSeed1M seeds the 1,000,000-script world `wfp sandbox --scripts
// 1000000` serves (production 1M, staging 100k, the routing KV). It reports
// the live heap of the world after a GC (heap-MB). It takes seconds per
// seed; run it once:
//
//	go test ./cfclient/sandbox -run '^$' -bench Seed1M -benchtime 1x
func BenchmarkSeed1M(b *testing.B) {
	var st *Store
	base := heapMB()
	for b.Loop() {
		st = nil
		st = NewStore(fixedAccountID)
		seedWorld(st, Options{Seed: 1, Scripts: 1000000, Now: fixedSeedNow})
	}
	b.StopTimer()
	b.ReportMetric(heapMB()-base, "heap-MB")
	runtime.KeepAlive(st)
}
