package sandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// benchSandbox is an unstarted 2,000-script sandbox on the fixed clock.
func benchSandbox(b *testing.B, ring int) *Server {
	b.Helper()
	s, err := New(Options{Seed: 1, Scripts: 2000, Now: fixedSeedNow, RateLimit: RateLimit{Off: true}, TelemetryEvents: ring})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkTrafficRequest makes simulated requests (route pick, limits,
// logs, event ids, Workers Logs ring) with no tail open.
//
//	go test ./cfclient/sandbox -run '^$' -bench TrafficRequest -benchtime 20000x
func BenchmarkTrafficRequest(b *testing.B) {
	s := benchSandbox(b, 0)
	b.ReportAllocs()
	for b.Loop() {
		s.GenerateTraffic(1)
	}
}

// BenchmarkTelemetryRingHeap fills the Workers Logs ring to its default
// capacity (50,000 events) and reports the heap it holds.
//
//	go test ./cfclient/sandbox -run '^$' -bench TelemetryRingHeap -benchtime 1x
func BenchmarkTelemetryRingHeap(b *testing.B) {
	for b.Loop() {
		s := benchSandbox(b, 0)
		base := heapMB()
		for s.events.len() < defaultTelemetryCap {
			s.GenerateTraffic(1000)
		}
		b.ReportMetric(heapMB()-base, "heap-MB")
		b.ReportMetric((heapMB()-base)*(1<<20)/float64(s.events.len()), "bytes/event")
		runtime.KeepAlive(s)
	}
}

// fullRing is a sandbox whose ring holds its default 50,000 events.
func fullRing(b *testing.B) *Server {
	s := benchSandbox(b, 0)
	for s.events.len() < defaultTelemetryCap {
		s.GenerateTraffic(1000)
	}
	return s
}

// serveQuery runs one telemetry query through the handler.
func serveQuery(b *testing.B, s *Server, body string) {
	req := httptest.NewRequest(http.MethodPost, APIPrefix+"/accounts/"+s.AccountID()+"/workers/observability/telemetry/query",
		strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.Token())
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatalf("query: %d %s", w.Code, w.Body)
	}
}

// BenchmarkTelemetryHealthQuery is the health screen's query (per script:
// requests, errors, CPU p50/p99 over 15 minutes) over a full ring, with
// the per-interval series and without (ignoreSeries).
//
//	go test ./cfclient/sandbox -run '^$' -bench TelemetryHealthQuery -benchtime 20x
func BenchmarkTelemetryHealthQuery(b *testing.B) {
	s := fullRing(b)
	to := fixedSeedNow().UnixMilli()
	body := fmt.Sprintf(`{"queryId":"health","view":"calculations","timeframe":{"from":%d,"to":%d},"parameters":{
		"groupBys":[{"type":"string","value":"$workers.scriptName"}],
		"calculations":[{"operator":"count","alias":"requests"},{"operator":"count","key":"$metadata.error","alias":"errors"},
		{"operator":"p50","key":"$workers.cpuTimeMs","alias":"cpu_p50"},{"operator":"p99","key":"$workers.cpuTimeMs","alias":"cpu_p99"}],
		"orderBy":{"value":"errors"},"limit":1000}%s}`, to-15*60*1000, to, "%s")
	for _, c := range []struct{ name, extra string }{{"series", ""}, {"ignoreSeries", `,"ignoreSeries":true`}} {
		b.Run(c.name, func(b *testing.B) {
			q := fmt.Sprintf(body, c.extra)
			b.ReportAllocs()
			for b.Loop() {
				serveQuery(b, s, q)
			}
		})
	}
}

// BenchmarkTelemetryEventsPage is one poll of a script's logs (events view,
// 100 events, a scriptName filter) over a full ring.
//
//	go test ./cfclient/sandbox -run '^$' -bench TelemetryEventsPage -benchtime 50x
func BenchmarkTelemetryEventsPage(b *testing.B) {
	s := fullRing(b)
	evs := s.events.snapshot(0, fixedSeedNow().UnixMilli())
	name := evs[len(evs)-1].script
	to := fixedSeedNow().UnixMilli()
	body := fmt.Sprintf(`{"queryId":"logs","view":"events","limit":100,"timeframe":{"from":%d,"to":%d},"parameters":{
		"filters":[{"key":"$workers.scriptName","operation":"eq","type":"string","value":%q}]}}`, to-3600_000, to, name)
	b.ReportAllocs()
	for b.Loop() {
		serveQuery(b, s, body)
	}
}
