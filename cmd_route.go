package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// routeUsage is the help of `wfp route`.
const routeUsage = `usage: wfp route get <host> [--namespace NS] [--json]

Says where the platform's dispatch Worker sends requests for host, as it
resolves them: the hostname:<host> route, else the subdomain:<first label>
route of the routing KV namespace (one or two requests). With --namespace,
also whether the target script exists there (one more). Workers KV may
answer a value up to 60 s old.

` + commonUsage + `
exit status: 0 a route, 1 no route (or a failure), 64 bad usage
`

// routeJSON is a route as `wfp route get --json` prints it.
type routeJSON struct {
	Host    string `json:"host"`
	Key     string `json:"key"`
	Kind    string `json:"kind"`
	Value   string `json:"value"`
	Target  string `json:"target,omitempty"`
	Problem string `json:"problem,omitempty"`
	// Exists is set with --namespace: whether the target is deployed there.
	Exists *bool `json:"exists,omitempty"`
}

// runRoute runs `wfp route get`.
func runRoute(args []string, h headlessEnv) int {
	if len(args) == 0 || args[0] != "get" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(h.stdout, routeUsage)
			return exitOK
		}
		return h.usage("route", "want the subcommand get")
	}
	fs := flag.NewFlagSet("wfp route get", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c commonFlags
	setRO := c.register(fs)
	ns := fs.String("namespace", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, code, done := h.parseArgs(fs, args[1:], "route get", routeUsage)
	if done {
		return code
	}
	setRO()
	if len(pos) != 1 || pos[0] == "" {
		return h.usage("route get", "want one host")
	}
	host := strings.ToLower(strings.TrimSuffix(pos[0], "."))
	rt, err := h.openRuntime(c)
	if err != nil {
		return h.fail("route get", err)
	}
	defer rt.Close()
	ctx, stop := h.context()
	defer stop()
	id, err := rt.Client.RoutingNamespace(ctx)
	if err != nil {
		return h.fail("route get", err)
	}
	schema := rt.Client.Schema()
	var r *platform.Route
	for _, k := range []struct {
		kind platform.RouteKind
		key  string
	}{{platform.RouteHostname, host}, {platform.RouteSubdomain, strings.Split(host, ".")[0]}} {
		kvKey, _ := schema.RouteKVKey(k.kind, k.key)
		v, err := rt.Client.GetValue(ctx, id, kvKey)
		if errors.Is(err, cfclient.ErrNotFound) {
			continue
		}
		if err != nil {
			return h.fail("route get", err)
		}
		route := schema.ParseRoute(kvKey, string(v))
		r = &route
		break
	}
	if r == nil {
		fmt.Fprintf(h.stderr, "wfp route get: no route for %s (neither hostname:%s nor subdomain:%s)\n",
			termsafe.Line(host), termsafe.Line(host), termsafe.Line(strings.Split(host, ".")[0]))
		return exitFailure
	}
	out := routeJSON{Host: host, Key: r.KVKey, Kind: string(r.Kind), Value: r.Raw, Target: r.Target, Problem: r.Problem}
	if *ns != "" && r.Target != "" {
		_, err := rt.Client.GetScript(ctx, *ns, r.Target)
		exists := err == nil
		if err != nil && !errors.Is(err, cfclient.ErrNotFound) {
			return h.fail("route get", err)
		}
		out.Exists = &exists
	}
	if *asJSON {
		return writeJSON(h, out)
	}
	fmt.Fprintf(h.stdout, "%s → %s (key %s)\n", termsafe.Line(host), orDash(termsafe.Line(out.Target)), termsafe.Line(out.Key))
	if out.Problem != "" {
		fmt.Fprintf(h.stdout, "  the value names no script: %s\n", termsafe.Line(out.Problem))
	}
	if out.Value != out.Target {
		fmt.Fprintf(h.stdout, "  value: %s\n", termsafe.Line(out.Value))
	}
	if out.Exists != nil {
		if *out.Exists {
			fmt.Fprintf(h.stdout, "  %s exists in %s\n", termsafe.Line(out.Target), termsafe.Line(*ns))
		} else {
			fmt.Fprintf(h.stdout, "  %s does not exist in %s: the route dangles\n", termsafe.Line(out.Target), termsafe.Line(*ns))
		}
	}
	return exitOK
}
