package cfclient

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

func TestKVOperations(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Scripts: 1200}, nil)
	ctx := testCtx(t)
	nss, err := e.c.ListKVNamespaces(ctx)
	if err != nil {
		t.Fatalf("ListKVNamespaces: %v", err)
	}
	titles := map[string]string{}
	for _, n := range nss {
		titles[n.Title] = n.ID
	}
	id := titles["ROUTING"]
	if id == "" || titles["tenant-cache"] == "" {
		t.Fatalf("KV namespaces %+v", nss)
	}

	// More than one page of keys (1000 per page).
	used, err := e.c.ListKVKeys(ctx, id, "last-used:")
	if err != nil {
		t.Fatalf("ListKVKeys: %v", err)
	}
	if len(used) < 1001 {
		t.Fatalf("%d last-used keys, want more than a page", len(used))
	}
	for _, k := range used {
		if !strings.HasPrefix(k.Name, "last-used:") {
			t.Fatalf("key %q outside the prefix", k.Name)
		}
	}

	key := "odd key/with%chars?#"
	if err := e.c.PutValue(ctx, id, key, []byte("value one")); err != nil {
		t.Fatalf("PutValue: %v", err)
	}
	if v, err := e.c.GetValue(ctx, id, key); err != nil || string(v) != "value one" {
		t.Fatalf("GetValue: %q %v", v, err)
	}
	if err := e.c.PutValue(ctx, id, key, []byte("value two")); err != nil {
		t.Fatal(err)
	}
	if err := e.c.DeleteValue(ctx, id, key); err != nil {
		t.Fatalf("DeleteValue: %v", err)
	}
	if _, err := e.c.GetValue(ctx, id, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetValue after delete: %v", err)
	}

	failed, err := e.c.BulkPutValues(ctx, id, []KVPair{{Key: "bulk:a", Value: "1"}, {Key: "bulk:b", Value: "2", ExpirationTTL: 3600}})
	if err != nil || len(failed) != 0 {
		t.Fatalf("BulkPutValues: %v %v", failed, err)
	}
	keys, _ := e.c.ListKVKeys(ctx, id, "bulk:")
	if len(keys) != 2 || keys[1].Expiration == 0 {
		t.Fatalf("bulk keys %+v", keys)
	}
	if err := e.c.BulkDeleteValues(ctx, id, []string{"bulk:a", "bulk:b"}); err != nil {
		t.Fatalf("BulkDeleteValues: %v", err)
	}
	if keys, _ := e.c.ListKVKeys(ctx, id, "bulk:"); len(keys) != 0 {
		t.Fatalf("after bulk delete %+v", keys)
	}

	lines := auditLines(t, e.auditPath())
	if len(lines) != 5 {
		t.Fatalf("%d audit lines, want 5", len(lines))
	}
	if lines[0].Before != nil || lines[0].After != "value one" || lines[1].Before != "value one" || lines[2].Before != "value two" {
		t.Fatalf("value audit %+v %+v %+v", lines[0], lines[1], lines[2])
	}
}

// Values written from several goroutines at once all land, byte for byte,
// under keys holding "/", "%" and spaces (run with -race: the SDK's multipart
// encoder would race here).
func TestKVConcurrentPutValue(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 1}, nil)
	ctx := testCtx(t)
	nss, err := e.c.ListKVNamespaces(ctx)
	if err != nil || len(nss) == 0 {
		t.Fatalf("ListKVNamespaces: %v", err)
	}
	id := nss[0].ID
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("concurrent/%d %%2F", i)
			errs <- e.c.PutValue(ctx, id, key, []byte(fmt.Sprintf("v\x00%d\n", i)))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("PutValue: %v", err)
		}
	}
	for i := range n {
		key := fmt.Sprintf("concurrent/%d %%2F", i)
		got, err := e.c.GetValue(ctx, id, key)
		if err != nil || string(got) != fmt.Sprintf("v\x00%d\n", i) {
			t.Errorf("GetValue(%q) = %q, %v", key, got, err)
		}
	}
	if err := e.c.PutValue(ctx, id, "empty", nil); err != nil {
		t.Fatalf("PutValue of an empty value: %v", err)
	}
	if got, err := e.c.GetValue(ctx, id, "empty"); err != nil || len(got) != 0 {
		t.Errorf("empty value read back as %q, %v", got, err)
	}
}
