package cfclient

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

func TestParseRoute(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	cases := []struct {
		key, value   string
		kind         RouteKind
		rkey, target string
		problem      string
	}{
		{"hostname:shop.example.com", "tenant-1-web", RouteHostname, "shop.example.com", "tenant-1-web", ""},
		{"subdomain:acme", " tenant_2 \n", RouteSubdomain, "acme", "tenant_2", ""},
		{"path:/api/v1", "api-worker", RoutePath, "/api/v1", "api-worker", ""},
		{"legacy-route", "old-worker", RouteOther, "legacy-route", "old-worker", ""},
		{"hostname:a.com", `{"worker":"json-target","tier":"pro"}`, RouteHostname, "a.com", "json-target", ""},
		{"hostname:b.com", `{"tier":"pro"}`, RouteHostname, "b.com", "", "worker"},
		{"hostname:c.com", `{"worker":`, RouteHostname, "c.com", "", "not valid JSON"},
		{"subdomain:evil", "\x1b[2Jevil\x07", RouteSubdomain, "evil", "", "not a script name"},
		{"subdomain:upper", "Upper-Case", RouteSubdomain, "upper", "", "not a script name"},
	}
	for _, tc := range cases {
		r := e.c.ParseRoute(tc.key, tc.value)
		if r.Kind != tc.kind || r.Key != tc.rkey || r.Target != tc.target || r.KVKey != tc.key || r.Raw != tc.value {
			t.Errorf("ParseRoute(%q, %q) = %+v", tc.key, tc.value, r)
		}
		if (tc.problem == "") != (r.Problem == "") || !strings.Contains(r.Problem, tc.problem) {
			t.Errorf("ParseRoute(%q, %q) problem %q, want %q", tc.key, tc.value, r.Problem, tc.problem)
		}
	}
	custom := e.client(t, func(o *Options) { o.Routing.HostnamePrefix, o.Routing.PathPrefix = "host/", "p/" })
	if r := custom.ParseRoute("host/x.io", "w"); r.Kind != RouteHostname || r.Key != "x.io" {
		t.Errorf("custom schema: %+v", r)
	}
	if r := custom.ParseRoute("hostname:x.io", "w"); r.Kind != RouteOther {
		t.Errorf("custom schema, default prefix: %+v", r)
	}
}

func TestRoutingCheck(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	table := &RoutingTable{ByScript: map[string][]Route{}}
	for k, v := range map[string]string{
		"hostname:a.com": "alpha", "subdomain:a": "alpha", "subdomain:gone": "deleted-tenant",
		"subdomain:bad": "{not json", "path:/b": `{"worker":"beta"}`,
	} {
		r := e.c.ParseRoute(k, v)
		table.Routes = append(table.Routes, r)
		if r.Target != "" {
			table.ByScript[r.Target] = append(table.ByScript[r.Target], r)
		}
	}
	rc := table.Check([]Script{{Name: "alpha"}, {Name: "beta"}, {Name: "zeta"}, {Name: "gamma"}})
	if len(rc.Dangling) != 1 || rc.Dangling[0].Target != "deleted-tenant" {
		t.Errorf("dangling %+v", rc.Dangling)
	}
	if strings.Join(rc.Unrouted, ",") != "gamma,zeta" {
		t.Errorf("unrouted %v", rc.Unrouted)
	}
	if len(rc.Unreadable) != 1 || rc.Unreadable[0].KVKey != "subdomain:bad" {
		t.Errorf("unreadable %+v", rc.Unreadable)
	}
}

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
	kinds := map[RouteKind]int{}
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
	if kinds[RouteSubdomain] == 0 || kinds[RouteHostname] == 0 || jsonValues == 0 {
		t.Fatalf("kinds %v, %d JSON values", kinds, jsonValues)
	}
	for script, rs := range table.ByScript {
		for _, r := range rs {
			if r.Target != script {
				t.Fatalf("reverse index: %q lists %+v", script, r)
			}
		}
	}
	var scripts []Script
	if err := e.c.ListScripts(ctx, "production", TagFilter{}, func(p []Script) error {
		scripts = append(scripts, p...)
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
	byID := e.client(t, func(o *Options) { o.Routing.NamespaceID = "0123456789abcdef0123456789abcdef" })
	before := e.requests.Load()
	if got, err := byID.RoutingNamespace(ctx); err != nil || got != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("by id: %q %v", got, err)
	}
	if e.requests.Load() != before {
		t.Fatal("a configured id should need no request")
	}
	missing := e.client(t, func(o *Options) { o.Routing.NamespaceTitle = "NO-SUCH-TITLE" })
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
	if err := e.c.SetRoute(ctx, RouteHostname, "new.example.com", "target-one"); err != nil {
		t.Fatalf("SetRoute: %v", err)
	}
	if v, err := e.c.GetValue(ctx, id, "hostname:new.example.com"); err != nil || string(v) != "target-one" {
		t.Fatalf("stored %q %v", v, err)
	}
	// A JSON value keeps its other fields.
	if err := e.c.PutValue(ctx, id, "path:/shop", []byte(`{"worker":"old","tier":"pro"}`)); err != nil {
		t.Fatal(err)
	}
	if err := e.c.SetRoute(ctx, RoutePath, "/shop", "target-two"); err != nil {
		t.Fatal(err)
	}
	v, _ := e.c.GetValue(ctx, id, "path:/shop")
	var obj map[string]string
	if err := json.Unmarshal(v, &obj); err != nil || obj["worker"] != "target-two" || obj["tier"] != "pro" {
		t.Fatalf("JSON route rewritten as %s", v)
	}
	if err := e.c.DeleteRoute(ctx, RouteHostname, "new.example.com"); err != nil {
		t.Fatalf("DeleteRoute: %v", err)
	}
	if _, err := e.c.GetValue(ctx, id, "hostname:new.example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	lines := auditLines(t, e.options().AuditPath)
	set := lines[len(lines)-2]
	if set.Op != "routing.set" || set.Before != `{"worker":"old","tier":"pro"}` || set.Result != "ok" {
		t.Fatalf("audit of the JSON route update: %+v", set)
	}
	del := lines[len(lines)-1]
	if del.Op != "routing.delete" || del.Before != "target-one" {
		t.Fatalf("audit of the delete: %+v", del)
	}
}
