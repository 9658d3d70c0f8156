package sandbox

import (
	"io"
	"net/http"
	"net/url"
	"testing"
)

// BenchmarkListPage100k serves one 1000-script page from the middle of a
// 100,000-script namespace over loopback HTTP (request, JSON encoding,
// transfer and reading the body).
//
//	go test ./cfclient/sandbox -run '^$' -bench ListPage100k -benchtime 200x
func BenchmarkListPage100k(b *testing.B) {
	s := startSandbox(b, Options{Empty: true})
	fillNamespace(s, "big", 100000, parityTags)
	cases := []struct{ name, query string }{
		{"page", "limit=1000&cursor=" + url.QueryEscape(encodeScriptCursor("script-049999"))},
		// Every 42nd script matches: the scan covers 42,000 scripts.
		{"filtered", "limit=1000&tags=" + url.QueryEscape("even:yes,three:yes,a:b:yes") +
			"&cursor=" + url.QueryEscape(encodeScriptCursor("script-000000"))},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req, err := http.NewRequest(http.MethodGet, s.URL()+nsPath(s, "big", "scripts")+"?"+c.query, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+s.Token())
			var size int64
			b.ReportAllocs()
			for b.Loop() {
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				size, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(size)/1024, "KiB/page")
		})
	}
}
