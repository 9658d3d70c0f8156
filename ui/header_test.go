package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

func TestBudgetGauge(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		b     BudgetInfo
		text  string
		level gaugeLevel
	}{
		{"plenty", BudgetInfo{Used: 87, Limit: 1200, Window: 5 * time.Minute}, "API 87/1200 · 5m", gaugeOK},
		{"yellow", BudgetInfo{Used: 1087, Limit: 1200, Window: 5 * time.Minute}, "API 1087/1200 · 5m !", gaugeWarn},
		{"red", BudgetInfo{Used: 1150, Limit: 1200, Window: 5 * time.Minute}, "API 1150/1200 · 5m !!", gaugeCritical},
		{"paused", BudgetInfo{Used: 1200, Limit: 1200, Window: 5 * time.Minute, PausedUntil: now.Add(41*time.Second + 300*time.Millisecond)}, "API 1200/1200 · paused 42s", gaugeCritical},
		{"pause over", BudgetInfo{Used: 10, Limit: 1200, Window: 5 * time.Minute, PausedUntil: now.Add(-time.Second)}, "API 10/1200 · 5m", gaugeOK},
		{"unknown limit", BudgetInfo{}, "", gaugeOK},
		{"odd window", BudgetInfo{Used: 1, Limit: 10, Window: 90 * time.Second}, "API 1/10 · 1m30s", gaugeOK},
		{"full", BudgetInfo{Used: 108, Limit: 108, Window: 5 * time.Minute}, "API 108/108 · 5m !!", gaugeCritical},
		// Never more used than allowed: the excess is its own state.
		{"over", BudgetInfo{Used: 109, Limit: 108, Window: 5 * time.Minute}, "API 108/108 +1 over · 5m !!", gaugeCritical},
		{"over on a short window", BudgetInfo{Used: 70, Limit: 54, Window: 10 * time.Second}, "API 54/54 +16 over · 10s !!", gaugeCritical},
		{"paused over", BudgetInfo{Used: 1210, Limit: 1080, Window: 5 * time.Minute, PausedUntil: now.Add(3 * time.Second)}, "API 1080/1080 +130 over · paused 3s", gaugeCritical},
	}
	for _, tc := range cases {
		text, level := budgetGauge(tc.b, now)
		if text != tc.text || level != tc.level {
			t.Errorf("%s: gauge = %q level %d, want %q level %d", tc.name, text, level, tc.text, tc.level)
		}
	}
}

func TestRenderHeaderBadges(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	st := DefaultStyles(true)
	cases := []struct {
		name    string
		info    HeaderInfo
		want    []string
		notWant []string
	}{
		{"sandbox rw", HeaderInfo{Profile: "default", Sandbox: true}, []string{" SANDBOX ", " RW "}, []string{"PRODUCTION", " RO ", "default"}},
		{"production ro", HeaderInfo{Profile: "prod", Production: true, ReadOnly: true, Jobs: 1}, []string{" PRODUCTION ", " RO ", "1 job"}, []string{"SANDBOX", " RW "}},
		{"paused", HeaderInfo{Profile: "p", Budget: BudgetInfo{Used: 5, Limit: 1200, PausedUntil: now.Add(42 * time.Second), QueuedInteractive: 2, QueuedBackground: 3}}, []string{"paused 42s", "5 queued"}, nil},
		{"live account", HeaderInfo{Profile: "ops", Account: "0123456789abcdef0123456789abcdef"}, []string{" LIVE ", " RW ", "acct 0123456789abcdef0123456789abcdef"}, []string{"SANDBOX", "PRODUCTION"}},
		{"hostile profile", HeaderInfo{Profile: "p\x1b[2J", Account: "a\u202eb"}, []string{`acct a\u202eb`}, []string{"\x1b[2J", "\u202e"}},
	}
	for _, tc := range cases {
		raw := renderHeader(&st, tc.info, now, 80)
		line := ansi.Strip(raw)
		if w := ansi.StringWidth(line); w != 80 {
			t.Errorf("%s: header is %d wide, want 80: %q", tc.name, w, line)
		}
		for _, s := range tc.want {
			if !strings.Contains(line, s) {
				t.Errorf("%s: header %q lacks %q", tc.name, line, s)
			}
		}
		for _, s := range tc.notWant {
			if strings.Contains(raw, s) {
				t.Errorf("%s: header %q contains %q", tc.name, line, s)
			}
		}
	}
}

func TestRenderHeaderDropsLowPrioritySegments(t *testing.T) {
	now := time.Now()
	st := DefaultStyles(true)
	info := HeaderInfo{
		Profile: "production-eu-west", Account: "0123456789abcdef0123456789abcdef", Production: true, Jobs: 3,
		Budget: BudgetInfo{Used: 1087, Limit: 1200, Window: 5 * time.Minute, QueuedBackground: 40},
	}
	wide := ansi.Strip(renderHeader(&st, info, now, 120))
	for _, s := range []string{"acct 0123", "40 queued", "3 jobs", "API 1087/1200"} {
		if !strings.Contains(wide, s) {
			t.Errorf("120 wide header %q lacks %q", wide, s)
		}
	}
	narrow := ansi.Strip(renderHeader(&st, info, now, 60))
	if ansi.StringWidth(narrow) != 60 {
		t.Errorf("60 wide header is %d wide: %q", ansi.StringWidth(narrow), narrow)
	}
	for _, s := range []string{"PRODUCTION", "RW", "API 1087/1200"} {
		if !strings.Contains(narrow, s) {
			t.Errorf("60 wide header %q lost %q", narrow, s)
		}
	}
	if strings.Contains(narrow, "acct") {
		t.Errorf("60 wide header kept the account before the gauge: %q", narrow)
	}
	tiny := ansi.Strip(renderHeader(&st, info, now, 20))
	if ansi.StringWidth(tiny) > 20 || !strings.Contains(tiny, "PRODUCTION") {
		t.Errorf("20 wide header = %q", tiny)
	}
}

func TestRenderCrumbs(t *testing.T) {
	st := DefaultStyles(true)
	got := ansi.Strip(renderCrumbs(&st, []string{"acct", "production", "tenant-00042-api-prod"}, "refreshed 3m ago", 80))
	if !strings.HasPrefix(got, "acct ▸ production ▸ tenant-00042-api-prod") || !strings.HasSuffix(got, "refreshed 3m ago") {
		t.Errorf("crumbs = %q", got)
	}
	long := []string{"account-with-a-long-name", "namespace-with-a-long-name", "tenant-00042-with-a-long-script-name"}
	got = ansi.Strip(renderCrumbs(&st, long, "", 60))
	if ansi.StringWidth(got) > 60 || !strings.Contains(got, "tenant-00042") || !strings.HasPrefix(got, "… ▸ ") {
		t.Errorf("narrow crumbs = %q", got)
	}
	if got := ansi.Strip(renderCrumbs(&st, []string{"a\x1b]52;c;x\x07"}, "", 40)); strings.ContainsRune(got, 0x1b) {
		t.Errorf("crumbs not sanitized: %q", got)
	}
}

func TestRouteKey(t *testing.T) {
	a := Route{Kind: KindScripts, Namespace: "prod", Arg: "-t tier-pro"}
	if a.Key() != (Route{Kind: KindScripts, Namespace: "prod", Arg: "-t tier-pro"}).Key() {
		t.Error("equal routes have different keys")
	}
	distinct := []Route{
		{Kind: KindScript, Namespace: "p", Script: "s"},
		{Kind: KindScript, Namespace: "ps"},
		{Kind: KindScript, Namespace: "p/", Script: ""},
		{Kind: KindScript, Namespace: "p", Script: "/"},
		{Kind: KindScripts, Namespace: "p"},
	}
	seen := map[string]Route{}
	for _, r := range distinct {
		if prev, dup := seen[r.Key()]; dup {
			t.Errorf("routes %+v and %+v share key %q", prev, r, r.Key())
		}
		seen[r.Key()] = r
	}
}
