package cfclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// namedMutation is one call of every kind that changes something.
type namedMutation struct {
	name string
	op   string
	call func(ctx context.Context, c *Client) error
}

// allMutations lists every mutating method with valid input, aimed at the
// seeded world (kvID is the routing KV namespace, or any id).
func allMutations(kvID string) []namedMutation {
	return []namedMutation{
		{"CreateNamespace", "namespace.create", func(ctx context.Context, c *Client) error {
			_, err := c.CreateNamespace(ctx, "created-by-test")
			return err
		}},
		{"RenameNamespace", "namespace.rename", func(ctx context.Context, c *Client) error {
			_, err := c.RenameNamespace(ctx, "created-by-test", "created-renamed")
			return err
		}},
		{"DeleteNamespace", "namespace.delete", func(ctx context.Context, c *Client) error {
			return c.DeleteNamespace(ctx, "created-renamed")
		}},
		{"ReplaceTags", "script.tags.replace", func(ctx context.Context, c *Client) error {
			_, err := c.ReplaceTags(ctx, "testing", "smoke-untagged", []string{"a", "b"})
			return err
		}},
		{"AddTag", "script.tags.add", func(ctx context.Context, c *Client) error {
			return c.AddTag(ctx, "testing", "smoke-untagged", "added")
		}},
		{"RemoveTag", "script.tags.remove", func(ctx context.Context, c *Client) error {
			return c.RemoveTag(ctx, "testing", "smoke-untagged", "added")
		}},
		{"PatchSettings", "script.settings.patch", func(ctx context.Context, c *Client) error {
			_, err := c.PatchSettings(ctx, "testing", "smoke-untagged", SettingsPatch{Limits: &platform.Limits{CPUMs: intp(50)}})
			return err
		}},
		{"DeleteScript", "script.delete", func(ctx context.Context, c *Client) error {
			return c.DeleteScript(ctx, "testing", "smoke-unlimited", false)
		}},
		{"BulkDeleteByTags", "scripts.bulk_delete", func(ctx context.Context, c *Client) error {
			_, err := c.BulkDeleteByTags(ctx, "testing", TagFilter{Has: []string{"nothing-has-this"}}, 10)
			return err
		}},
		{"PutValue", "kv.value.put", func(ctx context.Context, c *Client) error {
			return c.PutValue(ctx, kvID, "k1", []byte("v1"))
		}},
		{"DeleteValue", "kv.value.delete", func(ctx context.Context, c *Client) error {
			return c.DeleteValue(ctx, kvID, "k1")
		}},
		{"BulkPutValues", "kv.bulk.put", func(ctx context.Context, c *Client) error {
			_, err := c.BulkPutValues(ctx, kvID, []KVPair{{Key: "k2", Value: "v2"}})
			return err
		}},
		{"BulkDeleteValues", "kv.bulk.delete", func(ctx context.Context, c *Client) error {
			return c.BulkDeleteValues(ctx, kvID, []string{"k2"})
		}},
		{"SetRoute", "routing.set", func(ctx context.Context, c *Client) error {
			return c.SetRoute(ctx, platform.RouteHostname, "new.example.com", "some-script")
		}},
		{"DeleteRoute", "routing.delete", func(ctx context.Context, c *Client) error {
			return c.DeleteRoute(ctx, platform.RouteHostname, "new.example.com")
		}},
		{"WriteTiers", "tiers.write", func(ctx context.Context, c *Client) error {
			return c.WriteTiers(ctx, []platform.Tier{{Name: "free", CPUMs: 10, SubRequests: 5}})
		}},
	}
}

func TestReadOnlyRefusesEveryMutationWithoutARequest(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, func(o *Options) { o.ReadOnly = true })
	ctx := testCtx(t)
	for _, m := range allMutations("0123456789abcdef0123456789abcdef") {
		err := m.call(ctx, e.c)
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s in read-only mode: got %v, want ErrReadOnly", m.name, err)
		}
		if Hint(err) == "" {
			t.Errorf("%s: read-only error has no hint", m.name)
		}
	}
	if n := e.requests.Load(); n != 0 {
		t.Fatalf("read-only client sent %d requests, want 0", n)
	}
	lines := auditLines(t, e.auditPath())
	if len(lines) != len(allMutations("")) {
		t.Fatalf("got %d audit lines for %d refused mutations", len(lines), len(allMutations("")))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l.Result, "refused: ") {
			t.Errorf("audit result %q, want refused", l.Result)
		}
	}
}

func TestReadOnlyWithoutAuditPathIsAllowed(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	c := e.client(t, func(o *Options) { o.ReadOnly, o.Audit = true, nil })
	if err := c.AddTag(testCtx(t), "ns", "s", "t"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("got %v, want ErrReadOnly", err)
	}
}

func TestValidationRefusesBeforeSendingAndIsAudited(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	ctx := testCtx(t)
	nine := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"nine tags", func() error { _, err := e.c.ReplaceTags(ctx, "ns", "s", nine); return err }, "tags"},
		{"comma in tag", func() error { return e.c.AddTag(ctx, "ns", "s", "a,b") }, "tag"},
		{"ampersand in tag", func() error { _, err := e.c.ReplaceTags(ctx, "ns", "s", []string{"a&b"}); return err }, "tags[0]"},
		{"bad script name", func() error { return e.c.DeleteScript(ctx, "ns", "Bad Name", false) }, "script"},
		{"script name starting with -", func() error { return e.c.AddTag(ctx, "ns", "-x", "t") }, "script"},
		{"empty bulk filter", func() error { _, err := e.c.BulkDeleteByTags(ctx, "ns", TagFilter{}, 0); return err }, "tag filter"},
		{"cpu too low", func() error {
			_, err := e.c.PatchSettings(ctx, "ns", "s", SettingsPatch{Limits: &platform.Limits{CPUMs: intp(9)}})
			return err
		}, "limits.cpu_ms"},
		{"subrequests too high", func() error {
			_, err := e.c.PatchSettings(ctx, "ns", "s", SettingsPatch{Limits: &platform.Limits{Subrequests: intp(1001)}})
			return err
		}, "limits.subrequests"},
		{"empty patch", func() error { _, err := e.c.PatchSettings(ctx, "ns", "s", SettingsPatch{}); return err }, "settings patch"},
		{"tier cpu", func() error { return e.c.WriteTiers(ctx, []platform.Tier{{Name: "x", CPUMs: 300001, SubRequests: 5}}) }, "cpuMs"},
		{"tier subrequests", func() error { return e.c.WriteTiers(ctx, []platform.Tier{{Name: "x", CPUMs: 10, SubRequests: 4}}) }, "subRequests"},
		{"duplicate tier", func() error {
			return e.c.WriteTiers(ctx, []platform.Tier{{Name: "x", CPUMs: 10, SubRequests: 5}, {Name: "x", CPUMs: 20, SubRequests: 5}})
		}, "appears twice"},
		{"empty kv key", func() error { return e.c.PutValue(ctx, "id", "", []byte("v")) }, "key"},
		{"dot kv key", func() error { return e.c.PutValue(ctx, "id", ".", []byte("v")) }, "key"},
		{"dotdot kv key", func() error { return e.c.DeleteValue(ctx, "id", "..") }, "key"},
		{"long kv key", func() error { return e.c.PutValue(ctx, "id", strings.Repeat("k", 513), nil) }, "512"},
		{"empty bulk put", func() error { _, err := e.c.BulkPutValues(ctx, "id", nil); return err }, "pairs"},
		{"short ttl", func() error {
			_, err := e.c.BulkPutValues(ctx, "id", []KVPair{{Key: "a", Value: "b", ExpirationTTL: 59}})
			return err
		}, "expiration_ttl"},
		{"bad namespace name", func() error { _, err := e.c.CreateNamespace(ctx, "Has Space"); return err }, "name"},
		{"route target", func() error { return e.c.SetRoute(ctx, platform.RouteHostname, "a.com", "Not A Script") }, "target"},
		{"route kind", func() error { return e.c.SetRoute(ctx, platform.RouteKind("bogus"), "a.com", "s") }, "kind"},
		{"route onto tiers key", func() error { return e.c.SetRoute(ctx, platform.RouteOther, "tiers", "s") }, "reserved"},
	}
	for _, tc := range cases {
		err := tc.call()
		if !errors.Is(err, ErrValidation) {
			t.Errorf("%s: got %v, want ErrValidation", tc.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %q does not name %q", tc.name, err, tc.field)
		}
	}
	if n := e.requests.Load(); n != 0 {
		t.Fatalf("invalid input sent %d requests, want 0", n)
	}
	lines := auditLines(t, e.auditPath())
	if len(lines) != len(cases) {
		t.Fatalf("%d audit lines for %d refusals", len(lines), len(cases))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l.Result, "refused: ") || l.Actor != "tester@testhost" || l.Profile != "test" {
			t.Errorf("bad refusal record %+v", l)
		}
	}
}

func TestEveryMutationWritesExactlyOneAuditLine(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	kvID, err := e.c.RoutingNamespace(ctx)
	if err != nil {
		t.Fatalf("RoutingNamespace: %v", err)
	}
	path := e.auditPath()
	for i, m := range allMutations(kvID) {
		callErr := m.call(ctx, e.c)
		lines := auditLines(t, path)
		if len(lines) != i+1 {
			t.Fatalf("after %s: %d audit lines, want %d", m.name, len(lines), i+1)
		}
		last := lines[i]
		if last.Op != m.op || last.Account != e.sb.AccountID() || last.Time.IsZero() {
			t.Errorf("%s: record %+v", m.name, last)
		}
		// Every call is valid against the seeded world, so each succeeds.
		if callErr != nil || last.Result != "ok" {
			t.Errorf("%s: call error %v, audit result %q", m.name, callErr, last.Result)
		}
	}
	assertNoToken(t, path, e.sb.Token())
}

func TestFailedMutationIsAuditedAsError(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	err := e.c.DeleteScript(ctx, "production", "no-such-script-here", false)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete missing script: got %v, want ErrNotFound", err)
	}
	lines := auditLines(t, e.auditPath())
	if len(lines) != 1 || !strings.HasPrefix(lines[0].Result, "error: ") {
		t.Fatalf("audit %+v, want one error record", lines)
	}
}

func TestConcurrentMutationsNeverInterleaveAuditLines(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	var names []string
	err := e.c.ListScripts(ctx, "production", TagFilter{}, func(p []Script) error {
		for _, s := range p {
			names = append(names, s.Name)
		}
		return nil
	})
	if err != nil || len(names) < 16 {
		t.Fatalf("list: %v (%d scripts)", err, len(names))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tags := []string{fmt.Sprintf("batch-%d", i), strings.Repeat("x", 60)}
			_, err := e.c.ReplaceTags(ctx, "production", names[i], tags)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("ReplaceTags: %v", err)
		}
	}
	lines := auditLines(t, e.auditPath()) // fails on any line that is not JSON
	if len(lines) != 16 {
		t.Fatalf("%d audit lines, want 16", len(lines))
	}
	for _, l := range lines {
		if l.Result != "ok" || l.Op != "script.tags.replace" {
			t.Errorf("record %+v", l)
		}
	}
	assertNoToken(t, e.auditPath(), e.sb.Token())
}

func TestUnwritableAuditLogRefusesWithoutARequest(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	blocker := filepath.Join(e.dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := e.client(t, func(o *Options) { o.Audit = audit.New(filepath.Join(blocker, "audit.jsonl")) })
	err := c.AddTag(testCtx(t), "ns", "s", "t")
	if !errors.Is(err, ErrAudit) {
		t.Fatalf("got %v, want ErrAudit", err)
	}
	if n := e.requests.Load(); n != 0 {
		t.Fatalf("sent %d requests without an audit log", n)
	}
}

func TestAuditFileMode(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	_ = e.c.AddTag(testCtx(t), "ns", "s", "a,b") // refused, still audited
	st, err := os.Stat(e.auditPath())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode %v, want 0600", st.Mode().Perm())
	}
}

// assertNoToken fails if the token appears anywhere in the file.
func assertNoToken(t *testing.T, path, token string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Fatal("audit log is empty")
	}
	if strings.Contains(string(b), token) {
		t.Fatal("the API token appears in the audit log")
	}
}
