package health

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/testenv"
	"github.com/wfpconsole/wfp/ui"
)

// TestMain keeps a developer's real credentials out of the tests.
func TestMain(m *testing.M) { testenv.Main(m) }

// TestHealthFindsTheFailingTenants reads the health of production after
// simulated traffic: the scripts that fail come first, with their counts,
// rate, main error outcome and CPU percentiles, and enter opens the first
// one's logs.
func TestHealthFindsTheFailingTenants(t *testing.T) {
	now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	env := sandboxtest.Start(t, sandbox.Options{Scripts: 60, Now: func() time.Time { return now }}, nil)
	env.Sandbox.GenerateTraffic(600)

	c := ui.NewCommon(context.Background(), func() time.Time { return now }, nil)
	c.Styles = ui.NoColorStyles()
	c.Width, c.Height = 80, 21
	m := New(c, env.Client, ui.Route{Kind: Kind, Namespace: "production"})
	msg := m.Init()()
	_, next := m.Update(msg)
	if next == nil {
		t.Fatal("the screen should schedule its next refresh")
	}
	rows := m.table.Rows()
	if len(rows) < 5 {
		t.Fatalf("%d scripts (err %v)", len(rows), m.err)
	}
	first := rows[0]
	if first.Errors == 0 || first.Requests < first.Errors || first.TopError == "" || first.CPUP99 < first.CPUP50 {
		t.Errorf("first row %+v: the most failing script, with its numbers", first)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].Errors > rows[i-1].Errors {
			t.Fatalf("rows not sorted by errors: %+v before %+v", rows[i-1], rows[i])
		}
	}
	cpu := false
	for _, r := range rows {
		if r.TopError == "exceededCpu" {
			cpu = true
		}
		if r.Namespace != "production" {
			t.Errorf("row of %q in a production health screen", r.Namespace)
		}
	}
	if !cpu {
		t.Error("no script failing with exceededCpu: the traffic makes heavy tenants")
	}
	v := m.View()
	if !strings.Contains(v, "health of production") || !strings.Contains(v, first.Script[:10]) || !strings.Contains(v, "failing") {
		t.Errorf("view:\n%s", v)
	}
	_, open := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	nav, ok := open().(ui.NavigateMsg)
	if !ok || nav.Route != (ui.Route{Kind: LogsKind, Namespace: "production", Script: first.Script}) {
		t.Errorf("enter: %+v", open())
	}
}

func TestMergeJoinsAndSorts(t *testing.T) {
	g := func(script, outcome string, vals map[string]float64) cfclient.TelemetryGroup {
		k := map[string]string{cfclient.TelemetryKeyService: script, cfclient.TelemetryKeyNamespace: "ns"}
		if outcome != "" {
			k[cfclient.TelemetryKeyOutcome] = outcome
		}
		return cfclient.TelemetryGroup{Keys: k, Values: vals}
	}
	all := []cfclient.TelemetryGroup{
		g("a", "", map[string]float64{"requests": 100, "cpu_p50": 2, "cpu_p99": 9}),
		g("b", "", map[string]float64{"requests": 10}),
		g("c", "", map[string]float64{"requests": 5}),
	}
	errs := []cfclient.TelemetryGroup{
		g("a", "exception", map[string]float64{"errors": 3}),
		g("b", "exceededCpu", map[string]float64{"errors": 2}),
		g("b", "exception", map[string]float64{"errors": 1}),
	}
	rows := merge(all, errs)
	// a and b have 3 errors each: b's rate (30%) beats a's (3%); c has none.
	if len(rows) != 3 || rows[0].Script != "b" || rows[1].Script != "a" || rows[2].Script != "c" {
		t.Fatalf("order %+v", rows)
	}
	if rows[0].TopError != "exceededCpu" || rows[0].Errors != 3 || rows[1].CPUP99 != 9 || rows[2].Errors != 0 {
		t.Errorf("rows %+v", rows)
	}
}

// TestEnterOnAnAccountScriptOpensItsLiveTail: a row outside any namespace
// (the dispatcher) has no Workers Logs screen of its own; enter opens its
// live tail.
func TestEnterOnAnAccountScriptOpensItsLiveTail(t *testing.T) {
	c := ui.NewCommon(context.Background(), time.Now, nil)
	c.Width, c.Height = 80, 21
	m := New(c, nil, ui.Route{Kind: Kind})
	m.table.SetRows([]Row{{Script: "dispatcher", Requests: 10}})
	_, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if nav, ok := cmd().(ui.NavigateMsg); !ok || nav.Route != (ui.Route{Kind: LogsKind, Script: "dispatcher", Arg: LogsLive}) {
		t.Errorf("enter: %+v", cmd())
	}
}

// TestScriptKeyOpensTheScript: s on a failing tenant opens its script
// screen (where its tier and limits change); on an account script it says
// why not. Names carry their namespace only when the rows span namespaces.
func TestScriptKeyOpensTheScript(t *testing.T) {
	c := ui.NewCommon(context.Background(), time.Now, nil)
	c.Width, c.Height = 80, 21
	m := New(c, nil, ui.Route{Kind: Kind})
	m.Update(loadedMsg{key: m.key, token: m.token, rows: []Row{
		{Namespace: "production", Script: "tenant-05123-images-prod", Requests: 3, Errors: 3, TopError: "exceededCpu"},
		{Script: "dispatcher", Requests: 10},
	}})
	v := m.View()
	if !strings.Contains(v, "tenant-05123-images-prod") || strings.Contains(v, "production/") {
		t.Errorf("one namespace: want the whole name without its namespace at 80 columns:\n%s", v)
	}
	if !strings.Contains(v, "⏱ cpu limit") {
		t.Errorf("want the outcome's glyph and word:\n%s", v)
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 's', Text: "s"})
	want := ui.Route{Kind: ui.KindScript, Namespace: "production", Script: "tenant-05123-images-prod"}
	if nav, ok := cmd().(ui.NavigateMsg); !ok || nav.Route != want {
		t.Errorf("s: %+v, want navigation to %+v", cmd(), want)
	}
	m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	if _, cmd = m.Update(tea.KeyPressMsg{Code: 's', Text: "s"}); cmd == nil {
		t.Fatal("s on the dispatcher: want a status saying why not")
	}
	if _, ok := cmd().(ui.NavigateMsg); ok {
		t.Error("s on an account script navigated")
	}
	m.Update(loadedMsg{key: m.key, token: m.token, rows: []Row{
		{Namespace: "production", Script: "a", Requests: 1},
		{Namespace: "staging", Script: "b", Requests: 1},
	}})
	if v := m.View(); !strings.Contains(v, "production/a") || !strings.Contains(v, "staging/b") {
		t.Errorf("two namespaces: want names with their namespace:\n%s", v)
	}
}
