package selector

import (
	"strings"
	"testing"
	"time"
)

func TestParseSelectionCombinesTerms(t *testing.T) {
	cases := []struct {
		in    string
		kind  Kind
		text  string
		tags  []string
		attrs []string
	}{
		{"idle>30d", Fuzzy, "", nil, []string{"idle>30d"}},
		{"api idle>30d", Fuzzy, "api", nil, []string{"idle>30d"}},
		{"created>90d api", Fuzzy, "api", nil, []string{"created>90d"}},
		{"-t ephemeral,idle>90d", Tags, "", []string{"ephemeral"}, []string{"idle>90d"}},
		{"-t ephemeral idle>90d tier:free", Tags, "", []string{"ephemeral"}, []string{"idle>90d", "tier:free"}},
		{"-t idle>90d", Fuzzy, "", nil, []string{"idle>90d"}},
		{`-t "tier:pro"`, Tags, "", []string{"tier:pro"}, nil},
		{`\idle>30d`, Fuzzy, "idle>30d", nil, nil},
		{"=shop modified<2026-01-01", Substring, "shop", nil, []string{"modified<2026-01-01"}},
		{"!qa,created<7d", Inverse, "qa", nil, []string{"created<7d"}},
		{"idler", Fuzzy, "idler", nil, nil},
	}
	for _, c := range cases {
		q, err := ParseSelection(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		var tags, attrs []string
		for _, tt := range q.Terms {
			tags = append(tags, tt.Tag)
		}
		for _, a := range q.Attrs {
			attrs = append(attrs, a.String())
		}
		if q.Kind != c.kind || q.Text != c.text || strings.Join(tags, "|") != strings.Join(c.tags, "|") || strings.Join(attrs, "|") != strings.Join(c.attrs, "|") {
			t.Errorf("%q: got kind %v text %q tags %q attrs %q; want %v %q %q %q", c.in, q.Kind, q.Text, tags, attrs, c.kind, c.text, c.tags, c.attrs)
		}
	}
}

func TestParseSelectionErrorsNameTermAndRule(t *testing.T) {
	cases := map[string]string{
		"idle>30x":            `term "idle>30x"`,
		"idle>30":             "unit must be h, d, w or y",
		"created>=90d":        "operator must be >",
		"created>":            "give a duration",
		"modified<2026-13-01": "neither a duration",
		"tier:":               "name a tier",
		"idle>9999999y":       "at most 100 years",
		"idle>1d idle>1d":     "given twice",
		"idle=3d":             "operator must be >",
	}
	for in, want := range cases {
		_, err := ParseSelection(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to contain %q", in, err, want)
		}
	}
}

func TestAttrTermHolds(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	old := Attrs{Created: now.Add(-100 * day), Modified: now.Add(-100 * day), LastUsed: now.Add(-40 * day), Tier: "free"}
	fresh := Attrs{Created: now.Add(-2 * day), Modified: now.Add(-day), LastUsed: now.Add(-time.Hour), Tier: "pro"}
	never := Attrs{Created: now.Add(-2 * day), Tier: "free"}
	cases := []struct {
		term           string
		old, fresh, nv bool
	}{
		{"created>90d", true, false, false},
		{"created<7d", false, true, true},
		{"idle>30d", true, false, true}, // never used counts as idle
		{"idle<30d", false, true, false},
		{"modified<2026-03-01", true, false, true}, // before the date (never modified: zero)
		{"modified>2026-03-01", false, true, false},
		{"tier:free", true, false, true},
	}
	for _, c := range cases {
		term, err := ParseAttrTerm(c.term)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct {
			name string
			a    Attrs
			want bool
		}{{"old", old, c.old}, {"fresh", fresh, c.fresh}, {"never", never, c.nv}} {
			if got := term.Holds(x.a, now); got != x.want {
				t.Errorf("%s on %s: %v, want %v", c.term, x.name, got, x.want)
			}
		}
	}
}
