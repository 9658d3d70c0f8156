package main

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/ui"
	"github.com/wfpconsole/wfp/views/find"
	"github.com/wfpconsole/wfp/views/tenant"
)

// tenantFactory is the :tenant screen on the runtime's client and caches.
func (s *Session) tenantFactory() ui.Factory {
	rt := s.Runtime
	return tenant.Factory(tenant.Deps{Source: rt.Client, Routing: rt.Routing, LastUse: rt.LastUsed, AuditLog: rt.Audit.Path()})
}

// tenantCommand is :tenant <customer>.
func tenantCommand() ui.Command {
	return ui.Command{
		Name: "tenant",
		Args: "<customer>",
		Help: "a customer's scripts in every namespace: tier, hosts, use, errors, changes",
		Run: func(_ ui.Route, args []string, _ ui.Completions) (tea.Cmd, error) {
			if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
				return nil, errors.New("name one customer, as in :tenant acme")
			}
			return ui.Navigate(ui.Route{Kind: tenant.Kind, Arg: args[0]}), nil
		},
	}
}

// findFactory is the :find screen on the runtime's client and listing
// cache.
func (s *Session) findFactory() ui.Factory {
	return find.Factory(find.Deps{Source: s.Runtime.Client, Listings: s.Runtime.Store})
}

// findCommand is :find <text>.
func findCommand() ui.Command {
	return ui.Command{
		Name: "find",
		Args: "<text>",
		Help: "scripts whose name contains text, in every namespace (cached listings first)",
		Run: func(_ ui.Route, args []string, _ ui.Completions) (tea.Cmd, error) {
			text := strings.TrimSpace(strings.Join(args, " "))
			if text == "" {
				return nil, errors.New("name a text, as in :find tenant-42")
			}
			return ui.Navigate(ui.Route{Kind: find.Kind, Arg: text}), nil
		},
	}
}
