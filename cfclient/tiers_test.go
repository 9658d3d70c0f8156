package cfclient

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

const seededTiers = `{"free":{"cpuMs":10,"subRequests":5},"pro":{"cpuMs":50,"subRequests":50},"enterprise":{"cpuMs":300,"subRequests":1000}}`

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
		if err := ValidateTier(tr); !errors.Is(err, ErrValidation) {
			t.Errorf("%+v: got %v, want ErrValidation", tr, err)
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

func TestTierFromTags(t *testing.T) {
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
		tier, amb := TierFromTags(tc.tags, "tier-")
		if tier != tc.tier || amb != tc.ambiguous {
			t.Errorf("%v: got %q %v", tc.tags, tier, amb)
		}
	}
}

func TestReadAndWriteTiers(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	tiers, err := e.c.ReadTiers(ctx)
	if err != nil {
		t.Fatalf("ReadTiers: %v", err)
	}
	if len(tiers) != 3 || FindTier(tiers, "pro") == nil || FindTier(tiers, "pro").CPUMs != 50 {
		t.Fatalf("seeded tiers %+v", tiers)
	}
	id, _ := e.c.RoutingNamespace(ctx)
	// A field wfp does not know survives a rewrite.
	if err := e.c.PutValue(ctx, id, "tiers", []byte(`{"free":{"cpuMs":10,"subRequests":5,"price":0},"pro":{"cpuMs":50,"subRequests":50}}`)); err != nil {
		t.Fatal(err)
	}
	want := []Tier{{"free", 20, 5}, {"gold", 100, 200}}
	if err := e.c.WriteTiers(ctx, want); err != nil {
		t.Fatalf("WriteTiers: %v", err)
	}
	got, err := e.c.ReadTiers(ctx)
	if err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("read back %+v, %v", got, err)
	}
	raw, _ := e.c.GetValue(ctx, id, "tiers")
	var table map[string]map[string]any
	if err := json.Unmarshal(raw, &table); err != nil || table["free"]["price"] != float64(0) || table["pro"] != nil {
		t.Fatalf("stored table %s", raw)
	}
	lines := auditLines(t, e.options().AuditPath)
	last := lines[len(lines)-1]
	if last.Op != "tiers.write" || last.Before == nil || last.After == nil {
		t.Fatalf("audit %+v", last)
	}
}
