package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/kv"
)

// awkwardKeys are key names that need escaping on the URL.
var awkwardKeys = []string{
	"hostname:shop.example.com", "path:/api/v1/", "100%", "with space", "a/b c%d",
	"?q=1&r=2#frag", "plus+sign", "ünïcødé:ключ", "..a", "%2F",
}

func TestKVValueRoundTrip(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	ns := createKVNamespace(t, s, "ROUTING")
	ctx := context.Background()

	for i, key := range awkwardKeys {
		val := "worker-" + strconv.Itoa(i)
		mustPutValue(t, s, ns, key, val, putValueOpts{})
		got, exp, err := sdkGetValue(s, ns, key)
		if err != nil || got != val || exp != "" {
			t.Fatalf("get %q = %q (expiration %q), %v; want %q", key, got, exp, err, val)
		}
	}
	// The listing shows the decoded names, sorted, without absent fields.
	r := do(t, s, http.MethodGet, kvNSPath(s, ns, "keys"), nil)
	var items []map[string]any
	_, _, res, info := r.env(t)
	if err := json.Unmarshal(res, &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != len(awkwardKeys) || string(info) != `{"count":10,"cursor":""}` {
		t.Fatalf("listing %s info %s", res, info)
	}
	seen := map[string]bool{}
	for i, it := range items {
		if len(it) != 1 {
			t.Errorf("item %v has fields besides name", it)
		}
		name := it["name"].(string)
		seen[name] = true
		if i > 0 && items[i-1]["name"].(string) >= name {
			t.Errorf("listing not sorted at %q", name)
		}
	}
	for _, k := range awkwardKeys {
		if !seen[k] {
			t.Errorf("key %q missing from listing", k)
		}
	}

	// Metadata through the SDK, pre-serialized as the doc says.
	mustPutValue(t, s, ns, "tiers", `{"free":{"cpuMs":10}}`, putValueOpts{metadata: `{"owner":"c1","n":2}`})
	var mp kv.NamespaceMetadataGetParams
	mp.AccountID.Value, mp.AccountID.Present = s.AccountID(), true
	md, err := kvService(s).Metadata.Get(ctx, ns, "tiers", mp)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := (*md).(map[string]any); !ok || m["owner"] != "c1" || m["n"] != 2.0 {
		t.Fatalf("metadata = %#v", *md)
	}
	// A key without metadata has null metadata.
	r = do(t, s, http.MethodGet, kvNSPath(s, ns, "metadata", "plus+sign"), nil)
	if ok, _, res, _ := r.env(t); !ok || string(res) != "null" {
		t.Fatalf("metadata of a key without = %s", r.Body)
	}
	// A raw PUT replaces the value and drops the metadata.
	r = do(t, s, http.MethodPut, kvValuePath(s, ns, "tiers"), `{"pro":{}}`, "Content-Type", "application/json")
	if ok, _, res, _ := r.env(t); !ok || string(res) != "null" {
		t.Fatalf("raw put = %d %s", r.Status, r.Body)
	}
	r = do(t, s, http.MethodGet, kvValuePath(s, ns, "tiers"), nil)
	if string(r.Body) != `{"pro":{}}` || r.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("raw get = %q %q", r.Body, r.Header.Get("Content-Type"))
	}
	if md, err = kvService(s).Metadata.Get(ctx, ns, "tiers", mp); err != nil || *md != nil {
		t.Fatalf("metadata after raw put = %v, %v", md, err)
	}

	// Binary values survive a raw PUT, with any content type.
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	do(t, s, http.MethodPut, kvValuePath(s, ns, "bin"), bin, "Content-Type", "image/png")
	if r = do(t, s, http.MethodGet, kvValuePath(s, ns, "bin"), nil); !bytes.Equal(r.Body, bin) {
		t.Fatalf("binary value = %v", r.Body)
	}
	// An empty value is a value.
	do(t, s, http.MethodPut, kvValuePath(s, ns, "empty"), []byte{})
	if r = do(t, s, http.MethodGet, kvValuePath(s, ns, "empty"), nil); r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("empty value = %d %q", r.Status, r.Body)
	}

	// Multipart with the value as a file part, as curl -F value=@file sends.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("value", "route.json")
	fw.Write([]byte(`{"worker":"tenant-1"}`))
	mw.WriteField("metadata", `{"by": "ops"}`)
	mw.Close()
	r = do(t, s, http.MethodPut, kvValuePath(s, ns, "hostname:b.com"), buf.Bytes(), "Content-Type", mw.FormDataContentType())
	if r.Status != 200 {
		t.Fatalf("multipart file put = %d %s", r.Status, r.Body)
	}
	if got, _, _ := sdkGetValue(s, ns, "hostname:b.com"); got != `{"worker":"tenant-1"}` {
		t.Fatalf("multipart file value = %q", got)
	}
	r = do(t, s, http.MethodGet, kvNSPath(s, ns, "keys")+"?prefix=hostname:b", nil)
	if _, _, res, _ := r.env(t); string(res) != `[{"name":"hostname:b.com","metadata":{"by":"ops"}}]` {
		t.Fatalf("listing with metadata = %s", res)
	}

	// Delete through the SDK; the key is gone; deleting again is fine.
	var dp kv.NamespaceValueDeleteParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	for range 2 {
		if _, err := kvService(s).Values.Delete(ctx, ns, "a%2Fb%20c%25d", dp); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = sdkGetValue(s, ns, "a/b c%d")
	expectSDKError(t, err, http.StatusNotFound, codeKVKeyNotFound)
	_, err = kvService(s).Metadata.Get(ctx, ns, "a%2Fb%20c%25d", mp)
	expectSDKError(t, err, http.StatusNotFound, codeKVKeyNotFound)
}

func TestKVExpiration(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Empty: true, Now: clock.Now})
	ns := createKVNamespace(t, s, "ROUTING")
	now := clock.Now().Unix()

	mustPutValue(t, s, ns, "ttl", "a", putValueOpts{ttl: 60})
	mustPutValue(t, s, ns, "abs", "b", putValueOpts{exp: float64(now + 120)})
	mustPutValue(t, s, ns, "both", "c", putValueOpts{exp: float64(now + 9999), ttl: 300})
	mustPutValue(t, s, ns, "forever", "d", putValueOpts{})
	for key, want := range map[string]int64{"ttl": now + 60, "abs": now + 120, "both": now + 300} {
		_, exp, err := sdkGetValue(s, ns, key)
		if err != nil || exp != strconv.FormatInt(want, 10) {
			t.Errorf("%s: expiration header %q, %v; want %d", key, exp, err, want)
		}
	}
	r := do(t, s, http.MethodGet, kvNSPath(s, ns, "keys")+"?prefix=ttl", nil)
	if _, _, res, _ := r.env(t); string(res) != `[{"name":"ttl","expiration":`+strconv.FormatInt(now+60, 10)+`}]` {
		t.Fatalf("listing = %s", res)
	}

	before := kvSnapshot(s)
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"expiration_ttl=59", codeKVBadTTL},
		{"expiration_ttl=0", codeKVBadTTL},
		{"expiration_ttl=-60", codeKVBadTTL},
		{"expiration_ttl=abc", codeKVBadTTL},
		{"expiration_ttl=60.5", codeKVBadTTL},
		{"expiration=" + strconv.FormatInt(now-1, 10) + "&expiration_ttl=30", codeKVBadTTL},
		{"expiration=" + strconv.FormatInt(now-1, 10), codeKVBadExpiration},
		{"expiration=" + strconv.FormatInt(now+59, 10), codeKVBadExpiration},
		{"expiration=soon", codeKVBadExpiration},
	} {
		r := do(t, s, http.MethodPut, kvValuePath(s, ns, "ttl")+"?"+tc.query, "new")
		expectAPIError(t, r, http.StatusBadRequest, tc.code)
		expectUnchanged(t, s, before)
	}
	err := sdkPutValue(s, ns, "ttl", "new", putValueOpts{ttl: 30})
	expectSDKError(t, err, http.StatusBadRequest, codeKVBadTTL)
	expectUnchanged(t, s, before)

	clock.Advance(61e9)
	_, _, err = sdkGetValue(s, ns, "ttl")
	expectSDKError(t, err, http.StatusNotFound, codeKVKeyNotFound)
	r = do(t, s, http.MethodGet, kvNSPath(s, ns, "metadata", "ttl"), nil)
	expectAPIError(t, r, http.StatusNotFound, codeKVKeyNotFound)
	r = do(t, s, http.MethodGet, kvNSPath(s, ns, "keys"), nil)
	if _, _, res, _ := r.env(t); string(res) != `[{"name":"abs","expiration":`+strconv.FormatInt(now+120, 10)+
		`},{"name":"both","expiration":`+strconv.FormatInt(now+300, 10)+`},{"name":"forever"}]` {
		t.Fatalf("listing after expiry = %s", res)
	}
	r = do(t, s, http.MethodPost, kvNSPath(s, ns, "bulk", "get"), map[string]any{"keys": []string{"ttl", "abs"}})
	if _, _, res, _ := r.env(t); string(res) != `{"values":{"abs":"b","ttl":null}}` {
		t.Fatalf("bulk get after expiry = %s", res)
	}
	// An expired key can be written again.
	mustPutValue(t, s, ns, "ttl", "again", putValueOpts{})
	if got, exp, err := sdkGetValue(s, ns, "ttl"); got != "again" || exp != "" || err != nil {
		t.Fatalf("rewritten key = %q %q %v", got, exp, err)
	}
	clock.Advance(60e9)
	if _, _, err := sdkGetValue(s, ns, "abs"); err == nil {
		t.Fatal("abs did not expire")
	}
}

// With the kv-stale fault on, reads of a key answer its previous value for
// the window after a write (get, bulk get; a delete likewise), then the new
// one: Workers KV's eventual consistency, for tests of precondition checks.
func TestKVStaleReadsLagBehindWrites(t *testing.T) {
	f, err := ParseFaults("kv-stale=30s")
	if err != nil || f.KVStale != 30*time.Second {
		t.Fatalf("ParseFaults: %+v, %v", f, err)
	}
	for _, bad := range []string{"kv-stale=-1s", "kv-stale=1h", "kv-stale=x"} {
		if _, err := ParseFaults(bad); err == nil || !strings.Contains(err.Error(), "kv-stale") {
			t.Errorf("%s: %v, want an error naming kv-stale", bad, err)
		}
	}
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := startSandbox(t, Options{Empty: true, Now: clock, Faults: Faults{KVStale: 30 * time.Second}})
	ns := createKVNamespace(t, s, "STALE")
	get := func() string {
		v, _, err := sdkGetValue(s, ns, "k")
		if err != nil {
			return "<absent>"
		}
		return v
	}
	bulk := func() string {
		r := do(t, s, http.MethodPost, kvNSPath(s, ns, "bulk", "get"), map[string]any{"keys": []string{"k"}})
		_, _, res, _ := r.env(t)
		var out struct{ Values map[string]*string }
		if err := json.Unmarshal(res, &out); err != nil || out.Values["k"] == nil {
			return "<absent>"
		}
		return *out.Values["k"]
	}
	mustPutValue(t, s, ns, "k", "v1", putValueOpts{})
	advance(time.Minute) // the first write's window is over
	if got := get(); got != "v1" {
		t.Fatalf("after the window: %q", got)
	}
	mustPutValue(t, s, ns, "k", "v2", putValueOpts{})
	if got := get(); got != "v1" {
		t.Errorf("right after a write: %q, want the previous value", got)
	}
	if got := bulk(); got != "v1" {
		t.Errorf("bulk get right after a write: %q, want the previous value", got)
	}
	advance(31 * time.Second)
	if got := get(); got != "v2" {
		t.Errorf("after the window: %q, want the new value", got)
	}
	do(t, s, http.MethodDelete, kvValuePath(s, ns, "k"), nil)
	if got := get(); got != "v2" {
		t.Errorf("right after a delete: %q, want the deleted value", got)
	}
	advance(31 * time.Second)
	if got := get(); got != "<absent>" {
		t.Errorf("after the delete's window: %q", got)
	}
}
