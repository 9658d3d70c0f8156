package inactive

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/screentest"
	"github.com/wfpconsole/wfp/ui"
)

func TestMain(m *testing.M) { screentest.Main(m) }

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

type planned struct {
	ns    string
	names []string
	note  string
}

func namesOf(ss []cfclient.Script) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func openInactive(t *testing.T, n int, arg string) (*screentest.Driver, *sandboxtest.Env, *[]planned) {
	t.Helper()
	e := sandboxtest.Start(t, sandbox.Options{Seed: 5, Scripts: n, Now: func() time.Time { return testNow }}, nil)
	c := ui.NewCommon(t.Context(), func() time.Time { return testNow }, nil)
	c.Width, c.Height = 100, 30
	var plans []planned
	d := Deps{Source: e.Client, LastUse: cache.NewLastUsedCache(e.Client), Listings: e.Store(e.Client), PricePerScript: 0.02,
		Plan: func(req change.BulkRequest, selector, source string) tea.Cmd {
			if req.Action != change.ActionCleanup || source != ":inactive" {
				t.Errorf("plan %s from %s", req.Action, source)
			}
			plans = append(plans, planned{req.Namespace, namesOf(req.Scripts), selector})
			return nil
		}}
	s, err := Factory(d)(c, ui.Route{Kind: Kind, Namespace: "production", Arg: arg})
	if err != nil {
		t.Fatal(err)
	}
	dr := screentest.NewDriver(t, s, 100, 30)
	dr.Run(s.Init())
	return dr, e, &plans
}

func TestInactiveListsIdleScriptsWithSavings(t *testing.T) {
	dr, e, plans := openInactive(t, 600, "90")
	m := dr.S.(*Model)
	// The truth, read independently: every value too.
	lu, err := cache.NewLastUsedCache(e.Client).Load(t.Context(), cache.LastUsedLoad{ValueReads: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var all []cfclient.Script
	e.Client.ListScripts(t.Context(), "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		all = append(all, p...)
		return nil
	})
	want := 0
	for _, s := range all {
		at, st := lu.State(s.Name)
		if st == cache.Never || at.Before(testNow.Add(-90*24*time.Hour)) {
			want++
		}
	}
	if want == 0 || m.table.Len() != want {
		t.Fatalf("rows %d, the platform has %d scripts idle for 90 days", m.table.Len(), want)
	}
	v := dr.View()
	title := strings.Split(v, "\n")[0]
	if !strings.Contains(title, "of 600 idle ≥ 90 days") || !strings.Contains(title, usd(float64(want)*0.02)+"/month") {
		t.Errorf("title %q (want %d idle, %s)", title, want, usd(float64(want)*0.02))
	}
	if !strings.Contains(v, "never used counts as idle") || !strings.Contains(v, "LAST USED") || !strings.Contains(v, "TENANT") {
		t.Errorf("view:\n%s", v)
	}
	// Longest idle first: the never-used ones lead.
	rows := m.table.Rows()
	for i := 1; i < len(rows); i++ {
		if rows[i].last.Before(rows[i-1].last) {
			t.Fatalf("row %d (%v) before row %d (%v)", i-1, rows[i-1].last, i, rows[i].last)
		}
	}
	// Marks (three, then shift+space from the third to the cursor on the
	// fourth) and the cleanup plan: the marked rows, or all shown.
	dr.Press("space", "space", "space")
	dr.Send(tea.KeyPressMsg{Code: tea.KeySpace, Mod: tea.ModShift})
	dr.Press("P")
	if len(*plans) != 1 || len((*plans)[0].names) != 4 || (*plans)[0].note != "idle>90d (never used counts)" {
		t.Fatalf("plans %+v", *plans)
	}
	if !strings.Contains(strings.Split(dr.View(), "\n")[0], "4 marked ($0.08)") {
		t.Errorf("title %q", strings.Split(dr.View(), "\n")[0])
	}
	dr.Press("ctrl+\\", "P")
	if got := len((*plans)[1].names); got != want {
		t.Errorf("plan with no marks took %d scripts, want all %d shown", got, want)
	}
}

func TestParseDaysNamesTheRule(t *testing.T) {
	for _, s := range []string{"0", "x", "-3", "4000"} {
		if _, err := ParseDays(s); err == nil || !strings.Contains(err.Error(), "from 1 to 3650") {
			t.Errorf("%q: %v", s, err)
		}
	}
	if n, err := ParseDays("90d"); n != 90 || err != nil {
		t.Errorf("90d: %d %v", n, err)
	}
}
