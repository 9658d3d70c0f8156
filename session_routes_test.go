package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// A session opens the routing screen with :routes (filtered by its
// argument) and answers :route <hostname> in the footer.
func TestSessionRoutesAndRouteCommands(t *testing.T) {
	rt := testRuntime(t, 200)
	table, err := rt.Client.ReadRouting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var host platform.Route
	for _, r := range table.Routes {
		if r.Kind == platform.RouteHostname && r.Target != "" {
			host = r
			break
		}
	}
	if host.Key == "" {
		t.Fatal("the seeded table has no hostname route")
	}
	sess := testSession(t, rt, cfclient.Actor{Name: "tester@host"})
	const w, h = 120, 40
	tm := teatest.NewTestModel(t, sess.App, teatest.WithInitialTermSize(w, h))
	scr := newScreen(t, tm.Output(), w, h)
	scr.waitFor(t, "namespaces", "3 namespaces")

	tm.Type(":routes =" + host.Key)
	tm.Send(key("enter"))
	scr.waitFor(t, "the routing screen", "Routes → production", "1 shown", host.Target, "/="+host.Key+" · substring")

	tm.Type(":route " + strings.ToUpper(host.Key))
	tm.Send(key("enter"))
	scr.waitFor(t, ":route's answer", host.Key+" → "+host.Target, "1 KV read")

	tm.Send(key("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second))
}
