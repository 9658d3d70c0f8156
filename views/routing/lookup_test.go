package routing

import (
	"context"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/ui"
)

// :route reads as the dispatch Worker does: the hostname key (one request
// when it exists, counted at the sandbox), then the first label's
// subdomain key; never the table.
func TestRouteLookupCost(t *testing.T) {
	w := newWorld(t, 0)
	ctx := context.Background()
	// The routing namespace's id is found once per process (newWorld's
	// read of the table did it); a lookup then reads values only.
	if _, err := w.client.RoutingNamespace(ctx); err != nil {
		t.Fatal(err)
	}
	lookup := func(input string, wantReads int64) Answer {
		t.Helper()
		before := w.srv.Requests.Load()
		a, err := Lookup(ctx, w.client, input)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", input, err)
		}
		if got := w.srv.Requests.Load() - before; got != wantReads {
			t.Errorf("Lookup(%q) sent %d requests, want %d", input, got, wantReads)
		}
		return a
	}

	host := w.route("is a hostname route", func(r platform.Route) bool { return r.Kind == platform.RouteHostname && r.Target != "" })
	a := lookup("https://"+strings.ToUpper(host.Key)+":8443/some/path", 1)
	if a.Route == nil || a.Route.KVKey != host.KVKey || a.Route.Target != host.Target || len(a.Tried) != 1 {
		t.Fatalf("hostname answer %+v, want %s → %s", a, host.KVKey, host.Target)
	}
	if want := host.Key + " → " + host.Target + " (" + host.KVKey + " · 1 KV read)"; a.Text() != want {
		t.Errorf("answer %q, want %q", a.Text(), want)
	}

	sub := w.route("is a subdomain route", func(r platform.Route) bool { return r.Kind == platform.RouteSubdomain && r.Target != "" })
	a = lookup(sub.Key+".no-hostname-route.example", 2)
	if a.Route == nil || a.Route.KVKey != sub.KVKey || a.Route.Target != sub.Target ||
		strings.Join(a.Tried, ",") != "hostname:"+sub.Key+".no-hostname-route.example,"+sub.KVKey {
		t.Errorf("subdomain fallback %+v", a)
	}

	a = lookup("nobody.nowhere.example", 2)
	if a.Route != nil || !strings.Contains(a.Text(), "no route") || !strings.Contains(a.Text(), "404") {
		t.Errorf("absent host: %+v (%s)", a, a.Text())
	}

	a = lookup("hostile-tenant.example.com", 2)
	if a.Route == nil || a.Route.Target != "" || !strings.Contains(a.Text(), "names no script") {
		t.Errorf("unreadable value: %+v", a)
	}
	// The command answers in the footer; the App sanitizes status text.
	msg := LookupCmd(ctx, w.client, host.Key)()
	if st, ok := msg.(ui.StatusMsg); !ok || st.Level != ui.LevelInfo || !strings.Contains(st.Text, "→ "+host.Target) {
		t.Errorf("LookupCmd: %#v", msg)
	}
}

func TestHostIsWhatTheURLGivesTheWorker(t *testing.T) {
	for in, want := range map[string]string{
		"Shop.Example.COM":               "shop.example.com",
		" https://a.b.example:8443/x?y ": "a.b.example",
		"http://user:pw@host.example/":   "host.example",
		"localhost":                      "localhost",
		"xn--mnchen-3ya.de/path":         "xn--mnchen-3ya.de",
	} {
		if got, err := Host(in); err != nil || got != want {
			t.Errorf("Host(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "   ", "münchen.de", "http://"} {
		if got, err := Host(in); err == nil {
			t.Errorf("Host(%q) = %q, want an error", in, got)
		}
	}
}
