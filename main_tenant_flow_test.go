package main

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
	"github.com/wfpconsole/wfp/views/find"
)

// TestTenantFlow is support investigating one customer: :tenant lists
// their scripts in every namespace, enter opens one, esc comes back.
func TestTenantFlow(t *testing.T) {
	const w, h = 80, 24
	rt := testRuntime(t, 200)
	// The seed fixes the world: the first production script's customer.
	var customer string
	err := rt.Client.ListScripts(t.Context(), "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		for _, s := range p {
			for _, tag := range s.Tags {
				if c, ok := strings.CutPrefix(tag, "customer-"); ok && customer == "" {
					customer = c
				}
			}
		}
		return nil
	})
	if err != nil || customer == "" {
		t.Fatalf("no customer in the sandbox: %v", err)
	}
	tm, scr := startConsole(t, rt, cfclient.Actor{Name: "support@host", ReadOnly: true}, w, h)
	scr.waitFor(t, "namespaces", "3 namespaces")
	tm.Type(":tenant " + customer)
	tm.Send(key("enter"))
	scr.waitFor(t, "tenant", "customer "+customer+" · tag customer-"+customer, "SCRIPT", "NAMESPACE", "ERR15m", "1 script in 3 namespaces")
	if strings.Contains(scr.text(), "no script is tagged") {
		t.Fatalf("the customer's scripts are missing:\n%s", scr.text())
	}
	tm.Send(key("enter"))
	scr.waitFor(t, "script", "LIMITS")
	tm.Send(key("esc"))
	scr.waitFor(t, "back", "customer "+customer)
	tm.Send(key("ctrl+c"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second)).(*ui.App)
	view := maskAPICount(ansi.Strip(final.View().Content))
	golden.RequireEqual(t, []byte(view))
}

// TestFindSearchesEveryNamespaceCacheFirst: :find lists the namespaces it
// has no cached listing of, once; the next search costs one request.
func TestFindSearchesEveryNamespaceCacheFirst(t *testing.T) {
	rt := testRuntime(t, 300)
	d := find.Deps{Source: rt.Client, Listings: rt.Store}
	first, err := find.Search(t.Context(), d, "GATEWAY")
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Rows) == 0 || first.Namespaces != 3 || first.Cached != 0 || first.Requests < 4 {
		t.Fatalf("first search: %d rows, %+v", len(first.Rows), first)
	}
	for _, r := range first.Rows {
		if !strings.Contains(r.Script, "gateway") {
			t.Errorf("%s/%s does not match", r.Namespace, r.Script)
		}
	}
	before := settledUsed(t, rt)
	again, err := find.Search(t.Context(), d, "gateway")
	if err != nil {
		t.Fatal(err)
	}
	if again.Cached != 3 || again.Requests != 1 || len(again.Rows) != len(first.Rows) {
		t.Fatalf("second search: %+v, want all 3 cached and 1 request", again)
	}
	if sent := settledUsed(t, rt) - before; sent != 1 {
		t.Errorf("second search sent %d requests, want 1 (the namespaces)", sent)
	}
}
