package review

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/ui"
)

func strp(s string) *string { return &s }

func plan(ops ...change.Op) *change.Plan {
	return change.NewPlan("ana@host", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ops...)
}

var (
	tags = change.Op{Kind: change.TagsSet, Target: change.Target{Namespace: "production", Script: "t1"},
		Before: &change.State{Tags: []string{"a"}}, After: &change.State{Tags: []string{"a", "b"}}, Requests: 3}
	routeDel = change.Op{Kind: change.RouteDelete, Target: change.Target{KVNamespace: "kv", Key: "hostname:a.com"},
		Before: &change.State{Value: strp("t1")}, Requests: 3}
	nsDel = change.Op{Kind: change.NamespaceDelete, Target: change.Target{Namespace: "staging"},
		Before: &change.State{Name: "staging", Scripts: 1204}, Requests: 3, Irreversible: "scripts cannot be restored"}
)

// The confirmation rules of docs/ux.md.
func TestConfirmationRules(t *testing.T) {
	cases := []struct {
		name       string
		production bool
		plan       *change.Plan
		phrase     string
	}{
		{"one reversible change", false, plan(tags), ""},
		{"the same on production", true, plan(tags), "apply production/t1"},
		{"a delete", false, plan(routeDel), "delete hostname:a.com"},
		{"irreversible", false, plan(nsDel), "delete staging (1,204 scripts)"},
		{"several", false, plan(tags, tags), "apply 2 changes in production"},
		{"several deletes", false, plan(routeDel, routeDel, routeDel), "delete 3 routes"},
		{"hostile key", false, plan(change.Op{Kind: change.RouteDelete, Target: change.Target{KVNamespace: "kv", Key: "hostname:a\x1bb"},
			Before: &change.State{Value: strp("t1")}}), `delete hostname:a\x1bb`},
	}
	for _, tc := range cases {
		req := Request("k", tc.production, false, tc.plan)
		if req.Phrase != tc.phrase {
			t.Errorf("%s: phrase %q, want %q", tc.name, req.Phrase, tc.phrase)
		}
		if _, ok := req.OnYes.(ConfirmedMsg); !ok {
			t.Errorf("%s: yes does not confirm the plan", tc.name)
		}
	}
	ro := Request("k", true, true, plan(nsDel))
	if !ro.ReadOnly || ro.Phrase != "" || !strings.Contains(ro.Body, "read-only") {
		t.Errorf("read-only review %+v", ro)
	}
}

// On a production profile the dialog does not confirm without the typed
// phrase: y, enter on Apply, or a wrong phrase do nothing.
func TestProductionCannotApplyWithoutThePhrase(t *testing.T) {
	req := Request("k", true, false, plan(tags))
	d := ui.NewConfirm(req, ui.DefaultStyles(true))
	press := func(keys ...string) {
		for _, k := range keys {
			var msg tea.KeyPressMsg
			switch k {
			case "enter":
				msg = tea.KeyPressMsg{Code: tea.KeyEnter}
			default:
				msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
			}
			d, _ = d.Update(msg)
		}
	}
	press("y", "enter")
	if d.Confirmed() {
		t.Fatal("a production change was confirmed without its phrase")
	}
	for _, r := range "apply production/t2" {
		press(string(r))
	}
	press("enter")
	if d.Confirmed() {
		t.Fatal("a wrong phrase confirmed the change")
	}
	d = ui.NewConfirm(req, ui.DefaultStyles(true))
	for _, r := range req.Phrase {
		press(string(r))
	}
	press("enter")
	if !d.Confirmed() {
		t.Fatal("the right phrase did not confirm")
	}
}

// The review shows every op's before and after, warnings, what cannot be
// undone, the cost and, for KV, the propagation delay.
func TestBodySaysEverything(t *testing.T) {
	route := change.Op{Kind: change.RoutePut, Target: change.Target{KVNamespace: "kv", Key: "hostname:b.com"},
		After: &change.State{Value: strp("ghost")}, Requests: 3, Warnings: []string{`script "ghost" does not exist`}}
	body := Body(plan(tags, route, nsDel))
	for _, want := range []string{"1. tags.set production/t1", "  - a", "  + a, b", "2. route.put hostname:b.com", "  - absent",
		`! script "ghost" does not exist`, "! cannot be undone: scripts cannot be restored", "9 API requests", "up to 60 s"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}
