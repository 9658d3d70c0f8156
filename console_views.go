package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
	"github.com/wfpconsole/wfp/views/namespaces"
	"github.com/wfpconsole/wfp/views/script"
	"github.com/wfpconsole/wfp/views/scripts"
)

// factories registers the screens, keyed by route kind.
func (con *console) factories() map[string]ui.Factory {
	return map[string]ui.Factory{
		ui.KindNamespaces: namespaces.Factory(recordingNamespaces{con.client, con.names}),
		ui.KindScripts:    scripts.Factory(con.client),
		ui.KindScript:     script.Factory(con.client, con.routing),
	}
}

// commands are the console's commands next to the shell's :q and :help.
func (con *console) commands() []ui.Command {
	complete := func(_ ui.Route, args []string) []string {
		if len(args) > 0 {
			return nil
		}
		return con.names.get()
	}
	return []ui.Command{
		{
			Name:    "ns",
			Aliases: []string{"namespaces"},
			Help:    "dispatch namespaces of the account",
			Run: func(ui.Route, []string) (tea.Cmd, error) {
				return ui.Navigate(ui.Route{Kind: ui.KindNamespaces}), nil
			},
		},
		{
			Name:     "scripts",
			Aliases:  []string{"s"},
			Args:     "[namespace]",
			Help:     "scripts of a namespace (the current one without an argument)",
			Complete: complete,
			Run: func(cur ui.Route, args []string) (tea.Cmd, error) {
				ns, err := con.namespaceArg(cur, args)
				if err != nil {
					return nil, err
				}
				return ui.Navigate(ui.Route{Kind: ui.KindScripts, Namespace: ns}), nil
			},
		},
		{
			Name:     "tags",
			Args:     "[namespace]",
			Help:     "every tag of a namespace with its count; enter filters by it",
			Complete: complete,
			Run: func(cur ui.Route, args []string) (tea.Cmd, error) {
				ns, err := con.namespaceArg(cur, args)
				if err != nil {
					return nil, err
				}
				show := func() tea.Msg { return scripts.ShowTagsMsg{Namespace: ns} }
				return tea.Sequence(ui.Navigate(ui.Route{Kind: ui.KindScripts, Namespace: ns}), show), nil
			},
		},
	}
}

// namespaceArg is the namespace a command names, or the current screen's.
// A name the last listing does not have is refused without a request (the
// listing may be old: :ns refreshes it).
func (con *console) namespaceArg(cur ui.Route, args []string) (string, error) {
	switch {
	case len(args) > 1:
		return "", errors.New("takes at most one argument: a namespace")
	case len(args) == 1:
		known := con.names.get()
		if len(known) > 0 && !slices.Contains(known, args[0]) {
			return "", fmt.Errorf("no namespace %q (known: %s; :ns lists them again)", args[0], strings.Join(known, ", "))
		}
		return args[0], nil
	case cur.Namespace != "":
		return cur.Namespace, nil
	}
	return "", errors.New("name a namespace, or run it from a namespace's screens")
}

// namespaceNames remembers the namespace names last listed, for the command
// line's completion (which must not do I/O).
type namespaceNames struct {
	mu    sync.Mutex
	names []string
}

func (n *namespaceNames) set(nss []cfclient.Namespace) {
	names := make([]string, 0, len(nss))
	for _, ns := range nss {
		names = append(names, ns.Name)
	}
	sort.Strings(names)
	n.mu.Lock()
	n.names = names
	n.mu.Unlock()
}

func (n *namespaceNames) get() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.names...)
}

// recordingNamespaces is the namespaces screen's source: the client, noting
// the names it lists for completion.
type recordingNamespaces struct {
	c     *cfclient.Client
	names *namespaceNames
}

func (r recordingNamespaces) ListNamespaces(ctx context.Context) ([]cfclient.Namespace, error) {
	nss, err := r.c.ListNamespaces(ctx)
	if err == nil {
		r.names.set(nss)
	}
	return nss, err
}
