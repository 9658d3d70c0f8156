package routing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/ui"
)

// :route <hostname> answers "which script serves this host?" the way the
// dispatch Worker resolves a request, one KV read per key it tries and no
// table scan:
//
//  1. hostname:<host> — the host as a URL gives it to the Worker
//     (url.hostname: lower case, without scheme, port, path or user);
//  2. only when that key is absent, subdomain:<label> — the host's first
//     label (url.hostname.split(".")[0]).
//
// So a host with a hostname route costs one request, any other two (plus,
// once per process, the lookup of the routing namespace's id when the
// config names it by title). Workers KV is eventually consistent: a route
// written in the last 60 s may not be seen yet, here or by the Worker.

// KV is what a lookup reads; *cfclient.Client satisfies it.
type KV interface {
	RoutingNamespace(ctx context.Context) (string, error)
	GetValue(ctx context.Context, nsID, key string) ([]byte, error)
	Schema() platform.Schema
}

var _ KV = (*cfclient.Client)(nil)

// Answer is what a lookup found.
type Answer struct {
	// Host is the host looked up (normalised).
	Host string
	// Tried are the KV keys read, in order.
	Tried []string
	// Route is the route that answered; nil when no key exists.
	Route *platform.Route
}

// Host normalises what the operator typed into the host a URL gives the
// dispatch Worker: "https://Shop.Example.com:8443/x" → "shop.example.com".
func Host(input string) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return "", errors.New("name a host, as in :route shop.example.com")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("%q is not a host name", input)
	}
	host := strings.ToLower(u.Hostname())
	for _, r := range host {
		if r >= utf8.RuneSelf {
			return "", fmt.Errorf("%q is not ASCII: give its xn-- (punycode) form, which is what the dispatcher sees", host)
		}
	}
	return host, nil
}

// Lookup resolves input as the dispatch Worker does (see above).
func Lookup(ctx context.Context, kv KV, input string) (Answer, error) {
	host, err := Host(input)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Host: host}
	schema := kv.Schema()
	id, err := kv.RoutingNamespace(ctx)
	if err != nil {
		return a, err
	}
	label, _, _ := strings.Cut(host, ".")
	for _, k := range []struct {
		kind platform.RouteKind
		key  string
	}{{platform.RouteHostname, host}, {platform.RouteSubdomain, label}} {
		kvKey, _ := schema.RouteKVKey(k.kind, k.key)
		a.Tried = append(a.Tried, kvKey)
		v, err := kv.GetValue(ctx, id, kvKey)
		if errors.Is(err, cfclient.ErrNotFound) {
			continue
		}
		if err != nil {
			return a, fmt.Errorf("read %s: %w", kvKey, err)
		}
		r := schema.ParseRoute(kvKey, string(v))
		a.Route = &r
		return a, nil
	}
	return a, nil
}

// Text is the answer in one line, for the footer.
func (a Answer) Text() string {
	reads := ui.Plural(len(a.Tried), "KV read", "KV reads")
	switch {
	case a.Route == nil:
		return fmt.Sprintf("%s: no route (%s absent, %s): the dispatcher answers 404", a.Host, strings.Join(a.Tried, " and "), reads)
	case a.Route.Target == "":
		return fmt.Sprintf("%s: %s names no script (%s; %s)", a.Host, a.Route.KVKey, a.Route.Problem, reads)
	}
	return fmt.Sprintf("%s → %s (%s · %s)", a.Host, a.Route.Target, a.Route.KVKey, reads)
}

// LookupCmd is :route's command: the lookup as an interactive request,
// its answer in the footer.
func LookupCmd(ctx context.Context, kv KV, input string) tea.Cmd {
	ctx = throttle.WithPriority(ctx, throttle.Interactive)
	return func() tea.Msg {
		a, err := Lookup(ctx, kv, input)
		if err != nil {
			st := ui.StatusFromError(err)
			st.Text = ":route " + st.Text
			return st
		}
		return ui.StatusMsg{Level: ui.LevelInfo, Text: a.Text()}
	}
}
