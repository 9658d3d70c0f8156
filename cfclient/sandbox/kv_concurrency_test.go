package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6/kv"
)

// checkKVIndex fails when a namespace's sorted name index does not match
// its keys exactly.
func checkKVIndex(t *testing.T, s *Server, ns string) []string {
	t.Helper()
	var names []string
	var keys int
	s.store.Read(func() {
		names = slices.Clone(s.store.KV[ns].Names())
		keys = s.store.KV[ns].Len()
	})
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) || len(names) != keys {
		t.Fatalf("index of %d names (sorted %v) for %d keys", len(names), slices.IsSorted(names), keys)
	}
	return names
}

// rawPutValue writes a value with the multipart body cloudflare-go sends for
// Values.Update (one form field "value"), built with mime/multipart. The
// concurrent tests use it instead of the SDK: cloudflare-go v6.10.0's form
// encoder shares a cached encoder's state between goroutines when it encodes
// a union field such as the value (internal/apiform/encoder.go:72 reads
// e.root while another call's cache miss writes it), a data race in the
// SDK, not in the sandbox, that -race reports.
func rawPutValue(s *Server, nsID, key, value string) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("value", value); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	status, b, err := send(s, http.MethodPut, kvValuePath(s, nsID, key), buf.Bytes(), mw.FormDataContentType())
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("status %d: %s", status, b)
	}
	return nil
}

// TestKVConcurrentWriters races value PUTs (raw multipart, see rawPutValue),
// bulk writes and deletes, listings, reads and namespace creates through
// the SDK (JSON bodies only, which its encoder handles safely), under -race.
func TestKVConcurrentWriters(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	ns := createKVNamespace(t, s, "ROUTING")
	ctx := context.Background()
	const writers, rounds = 6, 15

	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*8)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				own := fmt.Sprintf("w%d:%03d", w, i)
				if err := rawPutValue(s, ns, own, "v"); err != nil {
					errs <- fmt.Errorf("put %s: %w", own, err)
				}
				// Bulk batches large enough to take the merge path, over
				// keys every writer shares.
				var items []kv.NamespaceBulkUpdateParamsBody
				for j := range smallBatch + 4 {
					items = append(items, bulkItem(fmt.Sprintf("shared:%02d", (i+j)%40), own))
				}
				var bp kv.NamespaceBulkUpdateParams
				bp.AccountID.Value, bp.AccountID.Present = s.AccountID(), true
				bp.Body = items
				if _, err := kvService(s).BulkUpdate(ctx, ns, bp); err != nil {
					errs <- fmt.Errorf("bulk write: %w", err)
				}
				var dp kv.NamespaceBulkDeleteParams
				dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
				for j := range smallBatch + 2 {
					dp.Body = append(dp.Body, fmt.Sprintf("shared:%02d", (i*3+j)%40))
				}
				if _, err := kvService(s).BulkDelete(ctx, ns, dp); err != nil {
					errs <- fmt.Errorf("bulk delete: %w", err)
				}
				var lp kv.NamespaceKeyListParams
				lp.AccountID.Value, lp.AccountID.Present = s.AccountID(), true
				lp.Limit.Value, lp.Limit.Present = 10, true
				pager := kvService(s).Keys.ListAutoPaging(ctx, ns, lp)
				for pager.Next() {
				}
				if err := pager.Err(); err != nil {
					errs <- fmt.Errorf("list: %w", err)
				}
				if got, _, err := sdkGetValue(s, ns, own); err != nil || got != "v" {
					errs <- fmt.Errorf("get %s = %q, %v", own, got, err)
				}
			}
		}()
	}
	// Racing creates of one title: exactly one wins.
	created := make(chan string, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p kv.NamespaceNewParams
			p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
			p.Title.Value, p.Title.Present = "race", true
			_, err := kvService(s).New(ctx, p)
			var api *kv.Error
			switch {
			case err == nil:
				created <- "ok"
			case !errors.As(err, &api) || api.StatusCode != http.StatusBadRequest || api.Errors[0].Code != codeKVTitleExists:
				errs <- fmt.Errorf("racing create: %w", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(created)
	for err := range errs {
		t.Error(err)
	}
	if n := len(created); n != 1 {
		t.Errorf("%d racing creates of one title succeeded, want 1", n)
	}

	names := checkKVIndex(t, s, ns)
	for w := range writers {
		for i := range rounds {
			if _, found := slices.BinarySearch(names, fmt.Sprintf("w%d:%03d", w, i)); !found {
				t.Errorf("key w%d:%03d lost", w, i)
			}
		}
	}
}

func TestKVPutManyDeleteManyKeepIndex(t *testing.T) {
	k := NewKVNamespace(newKVNamespaceID(), "t")
	var keys []string
	var ents []*KVEntry
	for i := range 100 {
		keys = append(keys, fmt.Sprintf("k%03d", (i*37)%100))
		ents = append(ents, &KVEntry{Value: []byte{byte(i)}})
	}
	k.putMany(keys[:5], ents[:5]) // one at a time
	k.putMany(keys, ents)         // merge
	k.putMany(keys[:3], ents[:3]) // existing keys only
	if len(k.keys.vals) != 100 || len(k.keys.names) != 100 || !slices.IsSorted(k.keys.names) {
		t.Fatalf("after puts: %d keys, %d names, sorted %v", len(k.keys.vals), len(k.keys.names), slices.IsSorted(k.keys.names))
	}
	if k.deleteMany([]string{"nope"}) {
		t.Fatal("deleting a missing key reported a change")
	}
	if !k.deleteMany(keys[:3]) || !k.deleteMany(keys[3:50]) {
		t.Fatal("deletes reported no change")
	}
	if len(k.keys.vals) != 50 || !slices.Equal(k.keys.names, slices.Sorted(slices.Values(keys[50:]))) {
		t.Fatalf("after deletes: %d keys, names %v", len(k.keys.vals), k.keys.names)
	}
}

func TestKVChangesArePersisted(t *testing.T) {
	opts := Options{Empty: true, StatePath: filepath.Join(t.TempDir(), "state")}
	s := startSandbox(t, opts)
	ns := createKVNamespace(t, s, "ROUTING")
	gone := createKVNamespace(t, s, "gone")
	mustPutValue(t, s, ns, "a/b", "1", putValueOpts{metadata: `{"m":1}`})
	sdkBulkWrite(t, s, ns, []kv.NamespaceBulkUpdateParamsBody{bulkItem("x", "2"), bulkItem("y", "3")})
	do(t, s, http.MethodPost, kvNSPath(s, ns, "bulk", "delete"), []string{"y"})
	do(t, s, http.MethodPut, kvNSPath(s, ns), map[string]string{"title": "ROUTING-2"})
	do(t, s, http.MethodDelete, kvNSPath(s, gone), nil)
	want := kvSnapshot(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := startSandbox(t, opts)
	if got := kvSnapshot(s2); got != want {
		t.Fatalf("reloaded KV state:\n%s\nwant:\n%s", got, want)
	}
	checkKVIndex(t, s2, ns)
	if got, _, err := sdkGetValue(s2, ns, "a/b"); err != nil || got != "1" {
		t.Fatalf("reloaded value = %q, %v", got, err)
	}
}
