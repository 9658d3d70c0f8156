package platform

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseRoute(t *testing.T) {
	s := DefaultSchema()
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
		r := s.ParseRoute(tc.key, tc.value)
		if r.Kind != tc.kind || r.Key != tc.rkey || r.Target != tc.target || r.KVKey != tc.key || r.Raw != tc.value {
			t.Errorf("ParseRoute(%q, %q) = %+v", tc.key, tc.value, r)
		}
		if (tc.problem == "") != (r.Problem == "") || !strings.Contains(r.Problem, tc.problem) {
			t.Errorf("ParseRoute(%q, %q) problem %q, want %q", tc.key, tc.value, r.Problem, tc.problem)
		}
	}
	custom := DefaultSchema()
	custom.Routing.HostnamePrefix, custom.Routing.PathPrefix = "host/", "p/"
	if r := custom.ParseRoute("host/x.io", "w"); r.Kind != RouteHostname || r.Key != "x.io" {
		t.Errorf("custom schema: %+v", r)
	}
	if r := custom.ParseRoute("hostname:x.io", "w"); r.Kind != RouteOther {
		t.Errorf("custom schema, default prefix: %+v", r)
	}
}

func TestRoutingCheck(t *testing.T) {
	s := DefaultSchema()
	table := &RoutingTable{ByScript: map[string][]Route{}}
	for k, v := range map[string]string{
		"hostname:a.com": "alpha", "subdomain:a": "alpha", "subdomain:gone": "deleted-tenant",
		"subdomain:bad": "{not json", "path:/b": `{"worker":"beta"}`,
	} {
		r := s.ParseRoute(k, v)
		table.Routes = append(table.Routes, r)
		if r.Target != "" {
			table.ByScript[r.Target] = append(table.ByScript[r.Target], r)
		}
	}
	rc := table.Check([]string{"alpha", "beta", "zeta", "gamma"})
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

func TestParseTiers(t *testing.T) {
	got, err := ParseTiers([]byte(seededTiers))
	if err != nil {
		t.Fatal(err)
	}
	want := []Tier{{"free", 10, 5}, {"pro", 50, 50}, {"enterprise", 300, 1000}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("tier %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	bad := map[string]string{
		`[]`:                                        "JSON object",
		`{"x":{"cpuMs":10}}`:                        "subRequests is missing",
		`{"x":{"cpuMs":"10","subRequests":5}}`:      "whole number",
		`{"x":{"cpuMs":5,"subRequests":5}}`:         "cpuMs",
		`{"x":{"cpuMs":10,"subRequests":2000}}`:     "subRequests",
		`{"Bad Name":{"cpuMs":10,"subRequests":5}}`: "name",
	}
	for in, want := range bad {
		if _, err := ParseTiers([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTiers(%s): got %v, want an error mentioning %q", in, err, want)
		}
	}
}

func TestValidateTierRanges(t *testing.T) {
	ok := []Tier{{"a", 10, 5}, {"b", 300000, 1000}, {"c-1_x", 50, 50}}
	for _, tr := range ok {
		if err := ValidateTier(tr); err != nil {
			t.Errorf("%+v: %v", tr, err)
		}
	}
	bad := []Tier{{"a", 9, 5}, {"a", 300001, 5}, {"a", 10, 4}, {"a", 10, 1001}, {"", 10, 5}, {"A", 10, 5}}
	for _, tr := range bad {
		var re *RuleError
		if err := ValidateTier(tr); !errors.As(err, &re) {
			t.Errorf("%+v: got %v, want a *RuleError", tr, err)
		}
	}
}

func TestEffectiveLimitsStricterWins(t *testing.T) {
	pro := &Tier{Name: "pro", CPUMs: 50, SubRequests: 50}
	cases := []struct {
		name     string
		tier     *Tier
		script   Limits
		cpu, sub EffectiveLimit
	}{
		{"tier only", pro, Limits{}, EffectiveLimit{50, FromTier}, EffectiveLimit{50, FromTier}},
		{"script tighter", pro, Limits{CPUMs: intp(25), Subrequests: intp(10)},
			EffectiveLimit{25, FromScript}, EffectiveLimit{10, FromScript}},
		{"script looser has no effect", pro, Limits{CPUMs: intp(30000), Subrequests: intp(500)},
			EffectiveLimit{50, FromTier}, EffectiveLimit{50, FromTier}},
		{"equal", pro, Limits{CPUMs: intp(50)}, EffectiveLimit{50, FromBoth}, EffectiveLimit{50, FromTier}},
		{"no tier", nil, Limits{CPUMs: intp(200)}, EffectiveLimit{200, FromScript}, EffectiveLimit{}},
		{"nothing", nil, Limits{}, EffectiveLimit{}, EffectiveLimit{}},
	}
	for _, tc := range cases {
		got := EffectiveLimits(tc.tier, tc.script)
		if got.CPUMs != tc.cpu || got.SubRequests != tc.sub {
			t.Errorf("%s: got %+v, want cpu %+v sub %+v", tc.name, got, tc.cpu, tc.sub)
		}
	}
}

func TestTierOf(t *testing.T) {
	s := DefaultSchema()
	cases := []struct {
		tags      []string
		tier      string
		ambiguous bool
	}{
		{[]string{"customer-1", "tier-pro"}, "pro", false},
		{[]string{"customer-1"}, "", false},
		{[]string{"tier-", "tier-free"}, "free", false},
		{[]string{"tier-free", "tier-pro"}, "free", true},
		{[]string{"tier-pro", "tier-pro"}, "pro", false},
	}
	for _, tc := range cases {
		tier, amb := s.TierOf(tc.tags)
		if tier != tc.tier || amb != tc.ambiguous {
			t.Errorf("%v: got %q %v", tc.tags, tier, amb)
		}
	}
}

func intp(n int) *int { return &n }

func TestCustomerOf(t *testing.T) {
	s := DefaultSchema()
	if c, amb := s.CustomerOf([]string{"tier-pro", "customer-42"}); c != "42" || amb {
		t.Fatalf("CustomerOf = %q %v", c, amb)
	}
	if c, amb := s.CustomerOf([]string{"customer-1", "customer-2"}); c != "1" || !amb {
		t.Fatalf("two customers: %q %v", c, amb)
	}
}

func TestSchemaValidateNamesTheField(t *testing.T) {
	s := DefaultSchema()
	s.TiersKey = ".."
	if re := s.Validate(); re == nil || !strings.Contains(re.Error(), "tiers key") {
		t.Fatalf("Validate = %v, want an error naming the tiers key", re)
	}
	s = DefaultSchema()
	s.TierTagPrefix = "tier,"
	if re := s.Validate(); re == nil || !strings.Contains(re.Error(), "tier tag prefix") {
		t.Fatalf("Validate = %v, want an error naming the tier tag prefix", re)
	}
	if re := DefaultSchema().Validate(); re != nil {
		t.Fatalf("default schema invalid: %v", re)
	}
}

func TestValidateRoute(t *testing.T) {
	s := DefaultSchema()
	cases := []struct {
		kind        RouteKind
		key, target string
		field       string
	}{
		{RouteHostname, "a.com", "tenant-1", ""},
		{"bogus", "a.com", "tenant-1", "kind"},
		{RouteHostname, "", "tenant-1", "route key"},
		{RouteHostname, "a b", "tenant-1", "route key"},
		{RouteOther, "tiers", "tenant-1", "route key"},
		{RouteOther, "last-used:x", "tenant-1", "route key"},
		{RouteHostname, "a.com", "Bad Name", "target"},
	}
	for _, tc := range cases {
		re := s.ValidateRoute(tc.kind, tc.key, tc.target)
		if tc.field == "" {
			if re != nil {
				t.Errorf("%v %q %q: %v", tc.kind, tc.key, tc.target, re)
			}
			continue
		}
		// The field names the value, quoted (escaped).
		want := fmt.Sprintf("%s %q", tc.field, tc.key)
		switch tc.field {
		case "kind":
			want = "kind"
		case "target":
			want = fmt.Sprintf("%s %q", tc.field, tc.target)
		}
		if re == nil || re.Field != want {
			t.Errorf("%v %q %q: got %v, want field %s", tc.kind, tc.key, tc.target, re, want)
		}
	}
}

func TestRouteValueKeepsOtherJSONFields(t *testing.T) {
	got := string(RouteValue([]byte(`{"worker":"old","tier":"pro"}`), "new"))
	if got != `{"tier":"pro","worker":"new"}` {
		t.Fatalf("RouteValue = %s", got)
	}
	if got := string(RouteValue([]byte("old"), "new")); got != "new" {
		t.Fatalf("plain value: %s", got)
	}
}

const seededTiers = `{"free":{"cpuMs":10,"subRequests":5},"pro":{"cpuMs":50,"subRequests":50},"enterprise":{"cpuMs":300,"subRequests":1000}}`
