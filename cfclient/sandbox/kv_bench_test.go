package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
)

// kvBenchNamespace fills a new namespace of s with n routing keys
// ("hostname:t000042.example.com") and returns its id and the sorted names.
func kvBenchNamespace(b *testing.B, s *Server, n int) (string, []string) {
	b.Helper()
	id := createKVNamespace(b, s, "ROUTING")
	keys := make([]string, n)
	ents := make([]*KVEntry, n)
	for i := range n {
		keys[i] = fmt.Sprintf("hostname:t%06d.example.com", (i*7919)%n)
		ents[i] = &KVEntry{Value: []byte(`{"worker":"tenant"}`)}
	}
	s.store.Write(func() bool {
		s.store.KV[id].putMany(keys, ents)
		return true
	})
	slices.Sort(keys)
	return id, keys
}

// BenchmarkKVListKeys100k lists one 1000-key page from a cursor in the
// middle of a 100,000-key namespace, over loopback HTTP.
//
//	go test ./cfclient/sandbox -run '^$' -bench KVListKeys100k -benchtime 200x
func BenchmarkKVListKeys100k(b *testing.B) {
	s := startSandbox(b, Options{Empty: true})
	ns, names := kvBenchNamespace(b, s, 100000)
	url := s.URL() + kvNSPath(s, ns, "keys") + "?prefix=hostname:t0&cursor=" + encodeCursor(names[50000])
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token())
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n < 1000*30 {
			b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
		}
	}
}

// BenchmarkKVBulkInsert10kInto100k adds 10,000 new keys to a 100,000-key
// namespace (the store side of a bulk write: map and sorted index).
//
//	go test ./cfclient/sandbox -run '^$' -bench KVBulkInsert -benchtime 20x
func BenchmarkKVBulkInsert10kInto100k(b *testing.B) {
	base := NewKVNamespace(newKVNamespaceID(), "t")
	var keys []string
	var ents []*KVEntry
	for i := range 110000 {
		keys = append(keys, fmt.Sprintf("hostname:t%06d.example.com", (i*7919)%110000))
		ents = append(ents, &KVEntry{Value: []byte("v")})
	}
	base.putMany(keys[:100000], ents[:100000])
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		k := &KVNamespace{keys: sortedMap[*KVEntry]{slices.Clone(base.keys.names), slices.Clone(base.keys.vals)}}
		b.StartTimer()
		k.putMany(keys[100000:], ents[100000:])
		if k.Len() != 110000 {
			b.Fatalf("%d names", k.Len())
		}
	}
}
