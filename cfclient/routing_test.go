package cfclient

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

func TestReadRoutingFromTheSeededWorld(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Scripts: 300}, nil)
	ctx := testCtx(t)
	table, err := e.c.ReadRouting(ctx)
	if err != nil {
		t.Fatalf("ReadRouting: %v", err)
	}
	if len(table.Routes) < 200 {
		t.Fatalf("only %d routes", len(table.Routes))
	}
	kinds := map[platform.RouteKind]int{}
	jsonValues := 0
	for _, r := range table.Routes {
		kinds[r.Kind]++
		if r.KVKey == "tiers" || strings.HasPrefix(r.KVKey, "last-used:") {
			t.Fatalf("non-route key in the table: %q", r.KVKey)
		}
		if strings.HasPrefix(r.Raw, "{") && r.Target != "" {
			jsonValues++
		}
	}
	if kinds[platform.RouteSubdomain] == 0 || kinds[platform.RouteHostname] == 0 || jsonValues == 0 {
		t.Fatalf("kinds %v, %d JSON values", kinds, jsonValues)
	}
	for script, rs := range table.ByScript {
		for _, r := range rs {
			if r.Target != script {
				t.Fatalf("reverse index: %q lists %+v", script, r)
			}
		}
	}
	var scripts []string
	if err := e.c.ListScripts(ctx, "production", TagFilter{}, func(p []Script) error {
		for _, s := range p {
			scripts = append(scripts, s.Name)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rc := table.Check(scripts)
	if len(rc.Dangling) < 3 {
		t.Errorf("%d dangling routes, the seed has at least 3", len(rc.Dangling))
	}
	if len(rc.Unrouted) == 0 || len(rc.Unrouted) > len(scripts)/5 {
		t.Errorf("%d of %d scripts unrouted", len(rc.Unrouted), len(scripts))
	}
	if len(rc.Unreadable) == 0 {
		t.Error("the seeded hostile route value should be unreadable")
	}
}

func TestRoutingNamespaceByIDOrTitle(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	id, err := e.c.RoutingNamespace(ctx)
	if err != nil || len(id) != 32 {
		t.Fatalf("by title: %q %v", id, err)
	}
	byID := e.client(t, func(o *Options) { o.Schema.Routing.KVNamespaceID = "0123456789abcdef0123456789abcdef" })
	before := e.requests.Load()
	if got, err := byID.RoutingNamespace(ctx); err != nil || got != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("by id: %q %v", got, err)
	}
	if e.requests.Load() != before {
		t.Fatal("a configured id should need no request")
	}
	missing := e.client(t, func(o *Options) { o.Schema.Routing.KVNamespaceTitle = "NO-SUCH-TITLE" })
	if _, err := missing.RoutingNamespace(ctx); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "NO-SUCH-TITLE") {
		t.Fatalf("missing title: %v", err)
	}
}

func TestSetAndDeleteRoute(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	id, err := e.c.RoutingNamespace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.SetRoute(ctx, platform.RouteHostname, "new.example.com", "target-one"); err != nil {
		t.Fatalf("SetRoute: %v", err)
	}
	if v, err := e.c.GetValue(ctx, id, "hostname:new.example.com"); err != nil || string(v) != "target-one" {
		t.Fatalf("stored %q %v", v, err)
	}
	// A JSON value keeps its other fields.
	if err := e.c.PutValue(ctx, id, "path:/shop", []byte(`{"worker":"old","tier":"pro"}`)); err != nil {
		t.Fatal(err)
	}
	if err := e.c.SetRoute(ctx, platform.RoutePath, "/shop", "target-two"); err != nil {
		t.Fatal(err)
	}
	v, _ := e.c.GetValue(ctx, id, "path:/shop")
	var obj map[string]string
	if err := json.Unmarshal(v, &obj); err != nil || obj["worker"] != "target-two" || obj["tier"] != "pro" {
		t.Fatalf("JSON route rewritten as %s", v)
	}
	if err := e.c.DeleteRoute(ctx, platform.RouteHostname, "new.example.com"); err != nil {
		t.Fatalf("DeleteRoute: %v", err)
	}
	if _, err := e.c.GetValue(ctx, id, "hostname:new.example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	lines := auditLines(t, e.auditPath())
	set := lines[len(lines)-2]
	if set.Op != "routing.set" || set.Before != `{"worker":"old","tier":"pro"}` || set.Result != "ok" {
		t.Fatalf("audit of the JSON route update: %+v", set)
	}
	del := lines[len(lines)-1]
	if del.Op != "routing.delete" || del.Before != "target-one" {
		t.Fatalf("audit of the delete: %+v", del)
	}
}

// A read of the routing table survives a flaky API: its bulk reads are
// POSTs that only read, so the throttle retries them like the listing's
// GETs. Before, one 500 or dropped connection on a bulk read failed the
// whole read (4 of 6 script opens at error-rate=0.2).
func TestReadRoutingRetriesItsBulkReads(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Seed: 3, Scripts: 2000}, nil)
	ctx := testCtx(t)
	want, err := e.c.ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bulk := (len(want.Routes) + 99) / 100; bulk < 15 {
		t.Fatalf("%d bulk reads; the test needs a table of many", bulk)
	}
	for _, f := range []sandbox.Faults{{ErrorRate: 0.2}, {DropRate: 0.1}} {
		e.sb.SetFaults(f)
		c := e.client(t, func(o *Options) {
			o.Throttle = throttle.New(throttle.Options{MaxRetries: 8, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond}, nil)
		})
		before := e.requests.Load()
		got, err := c.ReadRouting(ctx)
		if err != nil {
			t.Fatalf("faults %+v: ReadRouting failed: %v", f, err)
		}
		if len(got.Routes) != len(want.Routes) {
			t.Fatalf("faults %+v: %d routes, want %d", f, len(got.Routes), len(want.Routes))
		}
		t.Logf("faults %+v: read %d routes in %d requests", f, len(got.Routes), e.requests.Load()-before)
	}
	e.sb.SetFaults(sandbox.Faults{})
}
