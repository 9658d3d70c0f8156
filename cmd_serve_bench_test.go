package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkServeLoad is the load figure of `wfp serve`: sessions (default
// 20) connect over SSH at once and browse one big namespace (default
// 100,000 scripts) of a counting sandbox, each moving its cursor. It
// reports the requests the sandbox saw for one session and for all, the
// heap each session adds, and the keystroke latency (a key sent until the
// session's screen changed) at p50 and p99. One iteration is the whole
// run; use -benchtime=1x:
//
//	go test -run '^$' -bench BenchmarkServeLoad -benchtime=1x .
//
// WFP_LOAD_SCRIPTS and WFP_LOAD_SESSIONS change the sizes.
func BenchmarkServeLoad(b *testing.B) {
	scripts, sessions := envInt("WFP_LOAD_SCRIPTS", 100_000), envInt("WFP_LOAD_SESSIONS", 20)
	const keys = 20
	want := ui0(scripts) + " scripts"
	for range b.N {
		users := map[string]string{}
		for i := range sessions {
			users[fmt.Sprintf("u%02d", i)] = "viewer"
		}
		e := startServeEnv(b, scripts, users)
		// One session first: what browsing the namespace costs alone.
		first := e.open(b, "u00", 100, 30)
		first.scr.waitFor(b, "namespaces", "3 namespaces")
		first.typeKeys(b, "\r")
		first.scr.waitFor(b, "listing", want)
		one := e.settle()

		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		terms := []*sshTerm{first}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 1; i < sessions; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := e.open(b, fmt.Sprintf("u%02d", i), 100, 30)
				s.scr.waitFor(b, "namespaces", "3 namespaces")
				s.typeKeys(b, "\r")
				s.scr.waitFor(b, "listing", want)
				mu.Lock()
				terms = append(terms, s)
				mu.Unlock()
			}()
		}
		wg.Wait()
		all := e.settle()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)

		// Keystrokes, every session at once.
		var lat []time.Duration
		for _, s := range terms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				for range keys {
					prev := s.scr.text()
					start := time.Now()
					s.typeKeys(b, "j")
					for s.scr.text() == prev && time.Since(start) < 5*time.Second {
						time.Sleep(2 * time.Millisecond) // a tighter poll of 20 emulators starves the server it measures
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		slices.Sort(lat)
		b.ReportMetric(float64(one), "req-1-session")
		b.ReportMetric(float64(all), "req-all-sessions")
		b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/float64(sessions-1)/(1<<20), "MiB/session")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "key-p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "key-p99-ms")
	}
}

// envInt reads a positive integer from the environment, else def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// ui0 writes n with thousands separators, as the screens do.
func ui0(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
