package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
	"github.com/wfpconsole/wfp/views/audit"
	"github.com/wfpconsole/wfp/views/find"
	"github.com/wfpconsole/wfp/views/health"
	"github.com/wfpconsole/wfp/views/inactive"
	"github.com/wfpconsole/wfp/views/logs"
	"github.com/wfpconsole/wfp/views/namespaces"
	"github.com/wfpconsole/wfp/views/routing"
	"github.com/wfpconsole/wfp/views/script"
	"github.com/wfpconsole/wfp/views/scripts"
	"github.com/wfpconsole/wfp/views/tenant"
	"github.com/wfpconsole/wfp/views/tiers"
)

// completeNamespaces is the completion set the namespaces screen sends.
const completeNamespaces = namespaces.CompletionSet

// factories registers the session's screens, keyed by route kind. Every
// screen talks to the Runtime's one client and caches.
func (s *Session) factories() map[string]ui.Factory {
	rt := s.Runtime
	f := map[string]ui.Factory{
		ui.KindNamespaces: namespaces.Factory(rt.Client, namespaces.Changes{Planner: rt.Planner, Applier: rt.Changes}),
		ui.KindScripts:    scripts.Factory(rt.Client, rt.Store, rt.LastUsed),
		ui.KindScript:     script.Factory(rt.Client, rt.Routing, script.Changes{Planner: rt.Planner, Applier: rt.Changes, Listings: rt.Store}),
		audit.Kind:        audit.Factory(audit.Source{Log: rt.Audit.Path(), Account: rt.Client.AccountID(), Planner: rt.Planner, Applier: rt.Changes}),
		tiers.Kind: tiers.Factory(tiers.Source{Client: rt.Client, Tiers: rt.Routing, Listings: rt.Store,
			Planner: rt.Planner, Applier: rt.Changes}),
		routing.Kind: routing.Factory(routing.Deps{Source: rt.Client, Routing: rt.Routing, Listings: rt.Store,
			Planner: rt.Planner, Applier: rt.Changes}),
		logs.Kind:   logs.Factory(logs.Deps{Open: rt.OpenLogs}),
		health.Kind: health.Factory(rt.Client),
		tenant.Kind: s.tenantFactory(),
		find.Kind:   s.findFactory(),
	}
	s.bulkFactories(f)
	return f
}

// commands are the console's commands next to the shell's :q and :help.
func (s *Session) commands() []ui.Command {
	complete := func(_ ui.Route, args []string, sets ui.Completions) []string {
		if len(args) > 0 {
			return nil
		}
		return sets.Get(completeNamespaces)
	}
	rt := s.Runtime
	return append([]ui.Command{
		{
			Name:    "ns",
			Aliases: []string{"namespaces"},
			Help:    "dispatch namespaces of the account",
			Run: func(ui.Route, []string, ui.Completions) (tea.Cmd, error) {
				return ui.Navigate(ui.Route{Kind: ui.KindNamespaces}), nil
			},
		},
		{
			Name:     "scripts",
			Aliases:  []string{"s"},
			Args:     "[namespace]",
			Help:     "scripts of a namespace (the current one without an argument)",
			Complete: complete,
			Run: func(cur ui.Route, args []string, sets ui.Completions) (tea.Cmd, error) {
				ns, err := namespaceArg(cur, args, sets.Get(completeNamespaces))
				if err != nil {
					return nil, err
				}
				return ui.Navigate(ui.Route{Kind: ui.KindScripts, Namespace: ns}), nil
			},
		},
		{
			Name: "audit",
			Help: "every change made, newest first; u undoes one, U its plan",
			Run: func(ui.Route, []string, ui.Completions) (tea.Cmd, error) {
				return ui.Navigate(ui.Route{Kind: audit.Kind}), nil
			},
		},
		{
			Name: "tiers",
			Help: "the tier table and how many scripts are on each tier",
			Run: func(ui.Route, []string, ui.Completions) (tea.Cmd, error) {
				return ui.Navigate(ui.Route{Kind: tiers.Kind}), nil
			},
		},
		{
			Name: "routes",
			Args: "[filter]",
			Help: "the routing table and each route's status; a adds, e repoints, d deletes",
			Run: func(_ ui.Route, args []string, _ ui.Completions) (tea.Cmd, error) {
				r := ui.Route{Kind: routing.Kind}
				if len(args) > 0 {
					r.Arg = "/" + strings.Join(args, " ")
				}
				return ui.Navigate(r), nil
			},
		},
		{
			Name: "route",
			Args: "<hostname>",
			Help: "which script serves a host (one KV read: hostname:, then subdomain:)",
			Run: func(_ ui.Route, args []string, _ ui.Completions) (tea.Cmd, error) {
				if len(args) != 1 {
					return nil, errors.New("name one host, as in :route shop.example.com")
				}
				if _, err := routing.Host(args[0]); err != nil {
					return nil, err
				}
				return routing.LookupCmd(s.Common.Context(), rt.Client, args[0]), nil
			},
		},
		{
			Name:     "inactive",
			Args:     "[namespace] [days]",
			Help:     "scripts idle for N days (default 30; never used counts), their tenant, tier and what removing them saves",
			Complete: complete,
			Run: func(cur ui.Route, args []string, sets ui.Completions) (tea.Cmd, error) {
				r := ui.Route{Kind: inactive.Kind}
				if n := len(args); n > 0 {
					if _, err := inactive.ParseDays(args[n-1]); err == nil {
						r.Arg, args = strings.TrimSuffix(args[n-1], "d"), args[:n-1]
					} else if n == 2 {
						return nil, err
					}
				}
				ns, err := namespaceArg(cur, args, sets.Get(completeNamespaces))
				if known := sets.Get(completeNamespaces); err != nil && len(args) == 0 {
					// The dispatcher's namespace, as :routes assumes.
					ns, err = "production", nil
					if len(known) > 0 && !slices.Contains(known, ns) {
						ns = known[0]
					}
				}
				if err != nil {
					return nil, err
				}
				r.Namespace = ns
				return ui.Navigate(r), nil
			},
		},
		{
			Name:     "logs",
			Args:     "[namespace] [tags]",
			Help:     "Workers Logs of a namespace, or of a tag selection (tier-pro,!env-dev)",
			Complete: complete,
			Run: func(cur ui.Route, args []string, sets ui.Completions) (tea.Cmd, error) {
				return logsCommand(cur, args, sets.Get(completeNamespaces))
			},
		},
		{
			Name: "tail",
			Args: "<account script>",
			Help: "the live tail of an account script (the dispatch Worker)",
			Run: func(_ ui.Route, args []string, _ ui.Completions) (tea.Cmd, error) {
				if len(args) != 1 {
					return nil, errors.New("name one account script, as in :tail dispatcher")
				}
				return ui.Navigate(ui.Route{Kind: logs.Kind, Script: args[0], Arg: logs.ArgLive}), nil
			},
		},
		{
			Name:     "health",
			Args:     "[namespace]",
			Help:     "requests, errors and CPU per script, last 15 min; enter: its logs",
			Complete: complete,
			Run: func(_ ui.Route, args []string, sets ui.Completions) (tea.Cmd, error) {
				if len(args) > 1 {
					return nil, errors.New("takes at most one argument: a namespace")
				}
				r := ui.Route{Kind: health.Kind}
				if len(args) == 1 {
					ns, err := namespaceArg(ui.Route{}, args, sets.Get(completeNamespaces))
					if err != nil {
						return nil, err
					}
					r.Namespace = ns
				}
				return ui.Navigate(r), nil
			},
		},
		{
			Name:     "tags",
			Args:     "[namespace]",
			Help:     "every tag of a namespace with its count; enter filters by it",
			Complete: complete,
			Run: func(cur ui.Route, args []string, sets ui.Completions) (tea.Cmd, error) {
				ns, err := namespaceArg(cur, args, sets.Get(completeNamespaces))
				if err != nil {
					return nil, err
				}
				r := ui.Route{Kind: ui.KindScripts, Namespace: ns}
				show := func() tea.Msg { return scripts.ShowTagsMsg{Route: r} }
				return tea.Sequence(ui.Navigate(r), show), nil
			},
		},
	}, s.jobsCommand(), tenantCommand(), findCommand())
}

// namespaceArg is the namespace a command names, or the current screen's.
// A name the last listing (known) does not have is refused without a
// request (the listing may be old: :ns refreshes it).
func namespaceArg(cur ui.Route, args, known []string) (string, error) {
	switch {
	case len(args) > 1:
		return "", errors.New("takes at most one argument: a namespace")
	case len(args) == 1:
		if len(known) > 0 && !slices.Contains(known, args[0]) {
			return "", fmt.Errorf("no namespace %q (known: %s; :ns lists them again)", args[0], strings.Join(known, ", "))
		}
		return args[0], nil
	case cur.Namespace != "":
		return cur.Namespace, nil
	}
	return "", errors.New("name a namespace, or run it from a namespace's screens")
}

// logsCommand is :logs [namespace] [selector]: a first word that is a known
// namespace (or any word when the namespaces are not listed yet and the
// screen has none) names the namespace; the rest is a tag selector.
func logsCommand(cur ui.Route, args, known []string) (tea.Cmd, error) {
	ns := cur.Namespace
	rest := args
	switch {
	case len(args) > 0 && (slices.Contains(known, args[0]) || (len(known) == 0 && ns == "")):
		ns, rest = args[0], args[1:]
	case len(args) > 0 && len(known) > 0 && ns == "":
		return nil, fmt.Errorf("no namespace %q (known: %s)", args[0], strings.Join(known, ", "))
	}
	if ns == "" {
		return nil, errors.New("name a namespace, as in :logs production, or run it from a namespace's screens")
	}
	r := ui.Route{Kind: logs.Kind, Namespace: ns, Arg: strings.Join(rest, " ")}
	if r.Arg != "" {
		if _, err := selector.ParseQuery("-t " + r.Arg); err != nil {
			return nil, fmt.Errorf("tag selector: %w", err)
		}
	}
	return ui.Navigate(r), nil
}
