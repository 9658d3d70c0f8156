package sandbox

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6/kv"
	"github.com/cloudflare/cloudflare-go/v6/shared"
)

// bulkItem builds one SDK bulk-write item.
func bulkItem(key, value string) kv.NamespaceBulkUpdateParamsBody {
	var b kv.NamespaceBulkUpdateParamsBody
	b.Key.Value, b.Key.Present = key, true
	b.Value.Value, b.Value.Present = value, true
	return b
}

// sdkBulkWrite writes items through the SDK and checks the count.
func sdkBulkWrite(t testing.TB, s *Server, ns string, items []kv.NamespaceBulkUpdateParamsBody) {
	t.Helper()
	var p kv.NamespaceBulkUpdateParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	p.Body = items
	res, err := kvService(s).BulkUpdate(context.Background(), ns, p)
	if err != nil {
		t.Fatalf("bulk write: %v", err)
	}
	if int(res.SuccessfulKeyCount) != len(items) || res.UnsuccessfulKeys == nil || len(res.UnsuccessfulKeys) != 0 {
		t.Fatalf("bulk write result %+v for %d items", res, len(items))
	}
}

func TestKVBulkWriteGetDelete(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Empty: true, Now: clock.Now})
	ns := createKVNamespace(t, s, "ROUTING")
	ctx := context.Background()
	now := clock.Now().Unix()

	withMeta := bulkItem("hostname:a.com", `{"worker":"tenant-1"}`)
	withMeta.Metadata.Value, withMeta.Metadata.Present = map[string]any{"owner": "c1"}, true
	withMeta.ExpirationTTL.Value, withMeta.ExpirationTTL.Present = 3600, true
	b64 := bulkItem("blob", base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 255}))
	b64.Base64.Value, b64.Base64.Present = true, true
	abs := bulkItem("abs", "x")
	abs.Expiration.Value, abs.Expiration.Present = float64(now+600), true
	sdkBulkWrite(t, s, ns, []kv.NamespaceBulkUpdateParamsBody{
		withMeta, b64, abs, bulkItem("a/b c%d", "tenant-2"), bulkItem("dup", "first"), bulkItem("dup", "second"),
	})
	r := do(t, s, http.MethodGet, kvValuePath(s, ns, "blob"), nil)
	if string(r.Body) != "\x00\x01\x02\xff" {
		t.Fatalf("base64 item stored as %q", r.Body)
	}
	if got, _, _ := sdkGetValue(s, ns, "dup"); got != "second" {
		t.Fatalf("duplicate key in a bulk: %q, want the last", got)
	}
	if _, exp, _ := sdkGetValue(s, ns, "abs"); exp != strconv.FormatInt(now+600, 10) {
		t.Fatalf("abs expiration header %q", exp)
	}

	// Bulk get as text, through the SDK.
	var gp kv.NamespaceBulkGetParams
	gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
	gp.Keys.Value, gp.Keys.Present = []string{"hostname:a.com", "a/b c%d"}, true
	gp.Type.Value, gp.Type.Present = kv.NamespaceBulkGetParamsTypeText, true
	res, err := kvService(s).BulkGet(ctx, ns, gp)
	if err != nil {
		t.Fatal(err)
	}
	text, ok := res.AsUnion().(kv.NamespaceBulkGetResponseWorkersKVBulkGetResult)
	if !ok || len(text.Values) != 2 || text.Values["hostname:a.com"] != shared.UnionString(`{"worker":"tenant-1"}`) ||
		text.Values["a/b c%d"] != shared.UnionString("tenant-2") {
		t.Fatalf("bulk get text = %#v (%s)", res.AsUnion(), res.JSON.RawJSON())
	}
	// A missing key is null. (The SDK's typed union has no null variant, so
	// it leaves Values nil without an error; callers read the raw body.)
	gp.Keys.Value = []string{"a/b c%d", "missing"}
	if res, err = kvService(s).BulkGet(ctx, ns, gp); err != nil {
		t.Fatal(err)
	}
	if got := res.JSON.RawJSON(); got != `{"values":{"a/b c%d":"tenant-2","missing":null}}` {
		t.Fatalf("bulk get with a missing key = %s", got)
	}

	// As JSON with metadata: raw, since the SDK's union cannot tell the two
	// result shapes apart (both are objects). "dup" holds "second", which is
	// not JSON, so type json refuses the call.
	bulkGet := func(body map[string]any) rawResp {
		return do(t, s, http.MethodPost, kvNSPath(s, ns, "bulk", "get"), body)
	}
	r = bulkGet(map[string]any{"keys": []string{"hostname:a.com", "dup"}, "type": "json", "withMetadata": true})
	expectAPIError(t, r, http.StatusBadRequest, codeKVBadRequest)
	do(t, s, http.MethodPut, kvValuePath(s, ns, "dup"), `[1,2]`)
	r = bulkGet(map[string]any{"keys": []string{"hostname:a.com", "dup", "missing"}, "type": "json", "withMetadata": true})
	want := `{"values":{"dup":{"value":[1,2],"metadata":null},"hostname:a.com":{"value":{"worker":"tenant-1"},` +
		`"metadata":{"owner":"c1"},"expiration":` + strconv.FormatInt(now+3600, 10) + `},"missing":null}}`
	if _, _, got, _ := r.env(t); string(got) != want {
		t.Fatalf("bulk get json with metadata = %s\nwant %s", got, want)
	}
	r = bulkGet(map[string]any{"keys": []string{"hostname:a.com", "a/b c%d"}, "withMetadata": true})
	want = `{"values":{"a/b c%d":{"value":"tenant-2","metadata":null},"hostname:a.com":{"value":"{\"worker\":\"tenant-1\"}",` +
		`"metadata":{"owner":"c1"},"expiration":` + strconv.FormatInt(now+3600, 10) + `}}}`
	if _, _, got, _ := r.env(t); string(got) != want {
		t.Fatalf("bulk get text with metadata = %s\nwant %s", got, want)
	}
	r = bulkGet(map[string]any{"keys": []string{"dup"}, "type": "json"})
	if _, _, got, _ := r.env(t); string(got) != `{"values":{"dup":[1,2]}}` {
		t.Fatalf("bulk get json = %s", got)
	}

	// Bulk delete through the SDK (missing keys count as deleted), then the
	// deprecated DELETE …/bulk.
	var dp kv.NamespaceBulkDeleteParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	dp.Body = []string{"hostname:a.com", "a/b c%d", "never-existed"}
	dres, err := kvService(s).BulkDelete(ctx, ns, dp)
	if err != nil || dres.SuccessfulKeyCount != 3 || len(dres.UnsuccessfulKeys) != 0 {
		t.Fatalf("bulk delete = %+v, %v", dres, err)
	}
	r = do(t, s, http.MethodDelete, kvNSPath(s, ns, "bulk"), []string{"blob", "dup"})
	if ok, _, got, _ := r.env(t); !ok || string(got) != `{"successful_key_count":2,"unsuccessful_keys":[]}` {
		t.Fatalf("deprecated bulk delete = %d %s", r.Status, r.Body)
	}
	r = do(t, s, http.MethodGet, kvNSPath(s, ns, "keys"), nil)
	if _, _, got, _ := r.env(t); string(got) != `[{"name":"abs","expiration":`+strconv.FormatInt(now+600, 10)+`}]` {
		t.Fatalf("keys left = %s", got)
	}
}

func TestKVListKeysPaging(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	ns := createKVNamespace(t, s, "ROUTING")
	var want []string
	var items []kv.NamespaceBulkUpdateParamsBody
	for i := range 2500 {
		key := fmt.Sprintf("hostname:t%04d.example.com", (i*7919)%2500) // written out of order
		want = append(want, key)
		items = append(items, bulkItem(key, "tenant"))
	}
	sdkBulkWrite(t, s, ns, items)
	var extra []kv.NamespaceBulkUpdateParamsBody
	for i := range 20 {
		key := fmt.Sprintf("tiers:%02d", i)
		want = append(want, key)
		extra = append(extra, bulkItem(key, "{}"))
	}
	sdkBulkWrite(t, s, ns, extra)
	slices.Sort(want)

	// list auto-pages through the SDK; pages counts the pages the SDK's
	// cursor paging (GetNextPage, which the auto-pager uses) goes through.
	params := func(prefix string, limit int) kv.NamespaceKeyListParams {
		var p kv.NamespaceKeyListParams
		p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
		if prefix != "" {
			p.Prefix.Value, p.Prefix.Present = prefix, true
		}
		if limit != 0 {
			p.Limit.Value, p.Limit.Present = float64(limit), true
		}
		return p
	}
	list := func(prefix string, limit int) []string {
		var names []string
		pager := kvService(s).Keys.ListAutoPaging(context.Background(), ns, params(prefix, limit))
		for pager.Next() {
			names = append(names, pager.Current().Name)
		}
		if err := pager.Err(); err != nil {
			t.Fatal(err)
		}
		return names
	}
	pages := func(prefix string, limit int) int {
		n := 0
		page, err := kvService(s).Keys.List(context.Background(), ns, params(prefix, limit))
		for ; err == nil && page != nil && len(page.Result) > 0; page, err = page.GetNextPage() {
			n++
		}
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := list("", 0); !slices.Equal(got, want) {
		t.Fatalf("auto-paged %d keys, want %d in order", len(got), len(want))
	}
	if got := list("", 300); !slices.Equal(got, want) {
		t.Fatalf("auto-paged with limit 300: %d keys", len(got))
	}
	if n := pages("", 300); n != 9 {
		t.Fatalf("2520 keys with limit 300 took %d pages, want 9", n)
	}
	if got := list("tiers:", 10); !slices.Equal(got, want[2500:]) {
		t.Fatalf("prefix tiers: = %v", got)
	}
	if n := pages("tiers:", 10); n != 2 {
		t.Fatalf("20 keys with limit 10 took %d pages, want 2", n)
	}
	if got := list("hostname:t12", 0); len(got) != 100 || got[0] != "hostname:t1200.example.com" {
		t.Fatalf("prefix hostname:t12 = %d keys from %v", len(got), got[:1])
	}
	if got := list("nothing", 0); len(got) != 0 {
		t.Fatalf("prefix nothing = %v", got)
	}

	// The raw pages: a full page has a cursor; the last page's is "" even
	// when it is exactly full.
	path := kvNSPath(s, ns, "keys")
	r := do(t, s, http.MethodGet, path, nil)
	_, _, _, info := r.env(t)
	if string(info) != `{"count":1000,"cursor":"`+encodeCursor(want[999])+`"}` {
		t.Fatalf("first page info %s", info)
	}
	r = do(t, s, http.MethodGet, path+"?prefix=tiers:&limit=10&cursor="+encodeCursor("tiers:09"), nil)
	if _, _, res, info := r.env(t); string(info) != `{"count":10,"cursor":""}` || len(res) < 10 {
		t.Fatalf("last full page info %s", info)
	}

	before := kvSnapshot(s)
	for _, q := range []string{"limit=9", "limit=1001", "limit=abc", "limit=10.5", "cursor=%21%21", "cursor=="} {
		r := do(t, s, http.MethodGet, path+"?"+q, nil)
		expectAPIError(t, r, http.StatusBadRequest, codeKVBadRequest)
	}
	expectUnchanged(t, s, before)
}
