package sandbox

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6/kv"
	"github.com/cloudflare/cloudflare-go/v6/shared"
)

// kvService is the SDK's KV namespace service pointed at s.
func kvService(s *Server) *kv.NamespaceService {
	return kv.NewNamespaceService(sdkOptions(s)...)
}

// kvNSPath is the raw path of a KV namespace (plus escaped rest segments).
func kvNSPath(s *Server, nsID string, rest ...string) string {
	p := acct(s) + "/storage/kv/namespaces/" + nsID
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// kvValuePath is the raw path of a key's value, the key escaped.
func kvValuePath(s *Server, nsID, key string) string {
	return kvNSPath(s, nsID, "values", url.PathEscape(key))
}

// createKVNamespace creates a namespace through the SDK and returns its id.
func createKVNamespace(t testing.TB, s *Server, title string) string {
	t.Helper()
	var p kv.NamespaceNewParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	p.Title.Value, p.Title.Present = title, true
	ns, err := kvService(s).New(context.Background(), p)
	if err != nil {
		t.Fatalf("create KV namespace %q: %v", title, err)
	}
	return ns.ID
}

// putValueOpts are the optional parts of an SDK value PUT.
type putValueOpts struct {
	metadata string // pre-serialized JSON, "" for none
	exp, ttl float64
}

// sdkPutValue writes a value through the SDK (which escapes nothing, so the
// key is escaped here).
func sdkPutValue(s *Server, nsID, key, value string, o putValueOpts) error {
	var p kv.NamespaceValueUpdateParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	p.Value.Value, p.Value.Present = shared.UnionString(value), true
	if o.metadata != "" {
		p.Metadata.Value, p.Metadata.Present = o.metadata, true
	}
	if o.exp != 0 {
		p.Expiration.Value, p.Expiration.Present = o.exp, true
	}
	if o.ttl != 0 {
		p.ExpirationTTL.Value, p.ExpirationTTL.Present = o.ttl, true
	}
	_, err := kvService(s).Values.Update(context.Background(), nsID, url.PathEscape(key), p)
	return err
}

// mustPutValue is sdkPutValue failing the test on error.
func mustPutValue(t testing.TB, s *Server, nsID, key, value string, o putValueOpts) {
	t.Helper()
	if err := sdkPutValue(s, nsID, key, value, o); err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
}

// sdkGetValue reads a value through the SDK; it returns the bytes and the
// expiration header.
func sdkGetValue(s *Server, nsID, key string) (string, string, error) {
	var p kv.NamespaceValueGetParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	resp, err := kvService(s).Values.Get(context.Background(), nsID, url.PathEscape(key), p)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.Header.Get("expiration"), err
}

// expectSDKError checks that err is a Cloudflare API error with the status
// and first error code.
func expectSDKError(t *testing.T, err error, status, code int) {
	t.Helper()
	var api *kv.Error
	if !errors.As(err, &api) {
		t.Fatalf("error %v, want an API error %d/%d", err, status, code)
	}
	if api.StatusCode != status || len(api.Errors) == 0 || int(api.Errors[0].Code) != code {
		t.Fatalf("API error %d %+v, want %d with code %d", api.StatusCode, api.Errors, status, code)
	}
}

// kvSnapshot renders the whole KV state of s (every namespace, key, value,
// metadata and expiration, and the name index) for no-change assertions.
func kvSnapshot(s *Server) string {
	var b strings.Builder
	s.store.Read(func() {
		ids := make([]string, 0, len(s.store.KV))
		for id := range s.store.KV {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			ns := s.store.KV[id]
			fmt.Fprintf(&b, "ns %s %q index=%q\n", id, ns.Title, ns.Names())
			for _, k := range ns.Names() {
				e := ns.entry(k)
				// A checksum keeps 25 MiB values cheap to compare.
				fmt.Fprintf(&b, "  %q=%d/%08x md=%s exp=%d\n", k, len(e.Value), crc32.ChecksumIEEE(e.Value), e.Metadata, e.Expiration)
			}
		}
	})
	return b.String()
}

// expectUnchanged fails when the KV state differs from before.
func expectUnchanged(t *testing.T, s *Server, before string) {
	t.Helper()
	if after := kvSnapshot(s); after != before {
		t.Fatalf("KV state changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
