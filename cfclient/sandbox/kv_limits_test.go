package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6/kv"
	"github.com/cloudflare/cloudflare-go/v6/shared"
)

// multipartBody builds a multipart body from name/value pairs.
func multipartBody(t *testing.T, fields ...string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// expectMessage checks that the error message mentions every word.
func expectMessage(t *testing.T, r rawResp, words ...string) {
	t.Helper()
	_, errs, _, _ := r.env(t)
	for _, w := range words {
		if len(errs) == 0 || !strings.Contains(errs[0].Message, w) {
			t.Errorf("error %s does not mention %q", r.Body, w)
		}
	}
}

func TestKVKeyAndValueLimits(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	ns := createKVNamespace(t, s, "ROUTING")
	mustPutValue(t, s, ns, "existing", "v", putValueOpts{metadata: `{"a":1}`})

	// The largest allowed key, value and metadata are accepted.
	longest := strings.Repeat("k", 512)
	mustPutValue(t, s, ns, longest, "v", putValueOpts{metadata: `{"m":"` + strings.Repeat("x", 1016) + `"}`})
	if got, _, err := sdkGetValue(s, ns, longest); err != nil || got != "v" {
		t.Fatalf("512-byte key = %q, %v", got, err)
	}
	biggest := bytes.Repeat([]byte{'v'}, kvMaxValueBytes)
	if r := do(t, s, http.MethodPut, kvValuePath(s, ns, "big"), biggest); r.Status != 200 {
		t.Fatalf("25 MiB value: %d %s", r.Status, r.Body)
	}
	if r := do(t, s, http.MethodGet, kvValuePath(s, ns, "big"), nil); len(r.Body) != kvMaxValueBytes {
		t.Fatalf("25 MiB value read back as %d bytes", len(r.Body))
	}
	// Metadata whitespace does not count: it is stored compact.
	mustPutValue(t, s, ns, "spaced", "v", putValueOpts{metadata: `{"m" :  "` + strings.Repeat("x", 1016) + `"   }`})

	before := kvSnapshot(s)
	tooLongKey := url.PathEscape(strings.Repeat("é", 257)) // 514 bytes
	values := kvNSPath(s, ns, "values")
	meta, metaType := multipartBody(t, "value", "v", "metadata", `{"m":"`+strings.Repeat("x", 1017)+`"}`)
	badMeta, badMetaType := multipartBody(t, "value", "v", "metadata", `{"m":`)
	noValue, noValueType := multipartBody(t, "metadata", `{"a":1}`)
	twoValues, twoValuesType := multipartBody(t, "value", "a", "value", "b")
	sdkMap, sdkMapType := multipartBody(t, "value", "v", "metadata.owner", "c1")
	for _, tc := range []struct {
		name, method, path string
		body               any
		ctype              string
		status, code       int
		words              []string
	}{
		{"put key too long", "PUT", values + "/" + tooLongKey, "v", "", 400, codeKVBadKey, []string{"512 bytes"}},
		{"get key too long", "GET", values + "/" + tooLongKey, nil, "", 400, codeKVBadKey, []string{"512 bytes"}},
		{"delete key too long", "DELETE", values + "/" + tooLongKey, nil, "", 400, codeKVBadKey, []string{"512"}},
		{"metadata key too long", "GET", kvNSPath(s, ns, "metadata", tooLongKey), nil, "", 400, codeKVBadKey, []string{"512"}},
		{"put key dot", "PUT", values + "/.", "v", "", 400, codeKVBadKey, []string{`"."`}},
		{"put key dot escaped", "PUT", values + "/%2E", "v", "", 400, codeKVBadKey, []string{`"."`}},
		{"put key dot-dot", "PUT", values + "/%2E%2E", "v", "", 400, codeKVBadKey, []string{`".."`}},
		{"put key invalid UTF-8", "PUT", values + "/%FF", "v", "", 400, codeKVBadKey, []string{"UTF-8"}},
		{"value over 25 MiB", "PUT", values + "/big", append(biggest, 'x'), "", 413, codeKVTooLarge, []string{"25 MiB"}},
		{"multipart value over 25 MiB", "PUT", values + "/big", nil, "big-multipart", 413, codeKVTooLarge, []string{"25 MiB"}},
		{"metadata over 1024 bytes", "PUT", values + "/existing", meta, metaType, 400, codeKVBadRequest, []string{"1024 bytes"}},
		{"metadata not JSON", "PUT", values + "/existing", badMeta, badMetaType, 400, codeKVBadRequest, []string{"metadata", "JSON"}},
		{"multipart without value", "PUT", values + "/existing", noValue, noValueType, 400, codeKVBadRequest, []string{`"value"`}},
		{"multipart two values", "PUT", values + "/existing", twoValues, twoValuesType, 400, codeKVBadRequest, []string{`"value"`}},
		{"multipart metadata fields", "PUT", values + "/existing", sdkMap, sdkMapType, 400, codeKVBadRequest, []string{"metadata.owner", "JSON string"}},
		{"multipart no boundary", "PUT", values + "/existing", "x", "multipart/form-data", 400, codeKVBadRequest, []string{"boundary"}},
		{"multipart truncated", "PUT", values + "/existing", noValue[:len(noValue)-10], noValueType, 400, codeKVBadRequest, []string{"multipart"}},
		{"multipart wrong boundary", "PUT", values + "/existing", noValue, "multipart/form-data; boundary=nope", 400, codeKVBadRequest, []string{"multipart"}},
		{"get missing key", "GET", values + "/nope", nil, "", 404, codeKVKeyNotFound, []string{`"nope"`}},
		{"metadata missing key", "GET", kvNSPath(s, ns, "metadata", "nope"), nil, "", 404, codeKVKeyNotFound, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ctype := tc.body, tc.ctype
			if ctype == "big-multipart" {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				fw, _ := mw.CreateFormFile("value", "big.bin")
				fw.Write(biggest)
				fw.Write([]byte{'x'})
				mw.Close()
				body, ctype = buf.Bytes(), mw.FormDataContentType()
			}
			var hdr []string
			if ctype != "" {
				hdr = []string{"Content-Type", ctype}
			}
			r := do(t, s, tc.method, tc.path, body, hdr...)
			expectAPIError(t, r, tc.status, tc.code)
			expectMessage(t, r, tc.words...)
			expectUnchanged(t, s, before)
		})
	}

	// The SDK pitfall: metadata given as a map is sent as metadata.<k>
	// fields; the sandbox refuses rather than dropping it silently.
	var p kv.NamespaceValueUpdateParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	p.Value.Value, p.Value.Present = shared.UnionString("v"), true
	p.Metadata.Value, p.Metadata.Present = map[string]any{"owner": "c1"}, true
	_, err := kvService(s).Values.Update(context.Background(), ns, "existing", p)
	expectSDKError(t, err, http.StatusBadRequest, codeKVBadRequest)
	expectUnchanged(t, s, before)
}

func TestKVMissingNamespaceAndAccount(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	ns := createKVNamespace(t, s, "ROUTING")
	mustPutValue(t, s, ns, "k", "v", putValueOpts{})
	before := kvSnapshot(s)
	missing := strings.Repeat("0f", 16)
	otherAcct := "/accounts/" + missing + "/storage/kv/namespaces/" + ns
	for _, id := range []string{missing, "nope", "../" + ns} {
		id := url.PathEscape(id)
		for _, tc := range []struct {
			method, rest string
			body         any
		}{
			{"GET", "keys", nil},
			{"GET", "values/k", nil},
			{"PUT", "values/k", "v"},
			{"DELETE", "values/k", nil},
			{"GET", "metadata/k", nil},
			{"PUT", "bulk", `[{"key":"a","value":"b"}]`},
			{"DELETE", "bulk", `["k"]`},
			{"POST", "bulk/delete", `["k"]`},
			{"POST", "bulk/get", `{"keys":["k"]}`},
		} {
			t.Run(tc.method+" "+id+" "+tc.rest, func(t *testing.T) {
				r := do(t, s, tc.method, kvNSPath(s, id, tc.rest), tc.body)
				if id == missing {
					expectAPIError(t, r, http.StatusNotFound, codeKVNSNotFound)
					expectMessage(t, r, missing)
				} else {
					expectAPIError(t, r, http.StatusBadRequest, 7003)
				}
				r = do(t, s, tc.method, otherAcct+"/"+tc.rest, tc.body)
				expectAPIError(t, r, http.StatusForbidden, 10000)
				expectUnchanged(t, s, before)
			})
		}
	}
}

func TestKVBulkValidation(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	ns := createKVNamespace(t, s, "ROUTING")
	mustPutValue(t, s, ns, "existing", "v", putValueOpts{})
	before := kvSnapshot(s)

	// Every bad item is the third, after two good ones: nothing is written.
	good := `{"key":"a","value":"1"},{"key":"b","value":"2","metadata":{"x":1},"expiration_ttl":60},`
	bulk := func(third string) string { return "[" + good + third + "]" }
	tooMany := "[" + strings.Repeat(`{"key":"k","value":"v"},`, kvMaxBulkItems) + `{"key":"k","value":"v"}]`
	for _, tc := range []struct {
		name, method, rest, body string
		status, code             int
		words                    []string
	}{
		{"no key", "PUT", "bulk", bulk(`{"value":"v"}`), 400, codeKVBadKey, []string{"items[2].key", "required"}},
		{"empty key", "PUT", "bulk", bulk(`{"key":"","value":"v"}`), 400, codeKVBadKey, []string{"items[2].key", "empty"}},
		{"long key", "PUT", "bulk", bulk(`{"key":"` + strings.Repeat("k", 513) + `","value":"v"}`), 400, codeKVBadKey, []string{"items[2].key", "512"}},
		{"dot-dot key", "PUT", "bulk", bulk(`{"key":"..","value":"v"}`), 400, codeKVBadKey, []string{"items[2].key"}},
		{"key not a string", "PUT", "bulk", bulk(`{"key":7,"value":"v"}`), 400, codeKVBadRequest, []string{"items[2]", `"key"`}},
		{"no value", "PUT", "bulk", bulk(`{"key":"c"}`), 400, codeKVBadRequest, []string{"items[2].value", "required"}},
		{"null value", "PUT", "bulk", bulk(`{"key":"c","value":null}`), 400, codeKVBadRequest, []string{"items[2].value"}},
		{"value not a string", "PUT", "bulk", bulk(`{"key":"c","value":5}`), 400, codeKVBadRequest, []string{"items[2]", `"value"`}},
		{"bad base64", "PUT", "bulk", bulk(`{"key":"c","value":"!!","base64":true}`), 400, codeKVBadRequest, []string{"items[2].value", "base64"}},
		{"ttl below 60", "PUT", "bulk", bulk(`{"key":"c","value":"v","expiration_ttl":59}`), 400, codeKVBadTTL, []string{"items[2].expiration_ttl", "60"}},
		{"expiration past", "PUT", "bulk", bulk(`{"key":"c","value":"v","expiration":1000}`), 400, codeKVBadExpiration, []string{"items[2].expiration"}},
		{"expiration not a number", "PUT", "bulk", bulk(`{"key":"c","value":"v","expiration":"soon"}`), 400, codeKVBadExpiration, []string{"items[2]", "expiration"}},
		{"ttl an object", "PUT", "bulk", bulk(`{"key":"c","value":"v","expiration_ttl":{}}`), 400, codeKVBadTTL, []string{"items[2].expiration_ttl"}},
		{"metadata too big", "PUT", "bulk", bulk(`{"key":"c","value":"v","metadata":"` + strings.Repeat("m", 1023) + `"}`), 400, codeKVBadRequest, []string{"items[2].metadata", "1024"}},
		{"item not an object", "PUT", "bulk", bulk(`"c"`), 400, codeKVBadRequest, []string{"items[2]", "object"}},
		{"body an object", "PUT", "bulk", `{"key":"c","value":"v"}`, 400, codeKVBadRequest, []string{"JSON array"}},
		{"malformed JSON", "PUT", "bulk", "[" + good, 400, codeKVBadRequest, []string{"JSON"}},
		{"too many items", "PUT", "bulk", tooMany, 400, codeKVBadRequest, []string{"10000", "10001"}},
		{"delete item not a string", "POST", "bulk/delete", `["existing","a",3]`, 400, codeKVBadRequest, []string{"items[2]"}},
		{"delete empty key", "POST", "bulk/delete", `["existing","a",""]`, 400, codeKVBadKey, []string{"items[2]", "empty"}},
		{"deprecated delete empty key", "DELETE", "bulk", `["existing","a",""]`, 400, codeKVBadKey, []string{"items[2]"}},
		{"delete body an object", "POST", "bulk/delete", `{"keys":["existing"]}`, 400, codeKVBadRequest, []string{"JSON array"}},
		{"get no keys", "POST", "bulk/get", `{"keys":[]}`, 400, codeKVBulkGetNoKeys, []string{"at least one"}},
		{"get keys absent", "POST", "bulk/get", `{"type":"text"}`, 400, codeKVBulkGetNoKeys, []string{"keys"}},
		{"get 101 keys", "POST", "bulk/get", `{"keys":["` + strings.Repeat(`k","`, 100) + `k"]}`, 400, codeKVBadRequest, []string{"100"}},
		{"get bad type", "POST", "bulk/get", `{"keys":["existing"],"type":"xml"}`, 400, codeKVBadRequest, []string{"xml"}},
		{"get bad key", "POST", "bulk/get", `{"keys":["existing","."]}`, 400, codeKVBadKey, []string{"keys[1]"}},
		{"get malformed", "POST", "bulk/get", `{"keys":`, 400, codeKVBadRequest, []string{"JSON"}},
		{"get non-JSON value as json", "POST", "bulk/get", `{"keys":["existing"],"type":"json"}`, 400, codeKVBadRequest, []string{"existing", "JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, tc.method, kvNSPath(s, ns, tc.rest), tc.body, "Content-Type", "application/json")
			expectAPIError(t, r, tc.status, tc.code)
			expectMessage(t, r, tc.words...)
			expectUnchanged(t, s, before)
		})
	}

	// A value over 25 MiB inside a bulk item names the item.
	big := fmt.Sprintf(`{"key":"c","value":"%s"}`, strings.Repeat("v", kvMaxValueBytes+1))
	r := do(t, s, http.MethodPut, kvNSPath(s, ns, "bulk"), bulk(big))
	expectAPIError(t, r, http.StatusRequestEntityTooLarge, codeKVTooLarge)
	expectMessage(t, r, "items[2].value", "25 MiB")
	expectUnchanged(t, s, before)

	// Exactly 10,000 items is allowed.
	var b strings.Builder
	b.WriteString("[")
	for i := range kvMaxBulkItems {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"key":"k%05d","value":"v"}`, i)
	}
	b.WriteString("]")
	r = do(t, s, http.MethodPut, kvNSPath(s, ns, "bulk"), b.String())
	if ok, _, res, _ := r.env(t); !ok || string(res) != `{"successful_key_count":10000,"unsuccessful_keys":[]}` {
		t.Fatalf("10,000 items: %d %s", r.Status, r.Body)
	}
	if n := len(kvSnapshotNames(s, ns)); n != 10001 {
		t.Fatalf("%d keys after writing 10,000, want 10001", n)
	}
}

// kvSnapshotNames returns the namespace's name index.
func kvSnapshotNames(s *Server, ns string) []string {
	var names []string
	s.store.Read(func() { names = append(names, s.store.KV[ns].Names()...) })
	return names
}
