package routing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// Messages the screen's commands send back. Each carries the screen's
// route key (ui.Routed) and the token of its load, or the screen's id for
// the reads and watches that a refresh does not supersede.
type (
	// nsMsg is the namespace routed into, and how many scripts it has.
	nsMsg struct {
		key   string
		token int
		ns    string
		count int
		fresh bool // list the scripts even when cached (ctrl+r)
		err   error
	}
	// namesMsg is the namespace's scripts.
	namesMsg struct {
		key   string
		token int
		names *namesData
		err   error
	}
	// tableMsg is the routing table (or why it is not there: a
	// *cache.RoutingCostError asks for R).
	tableMsg struct {
		key   string
		token int
		data  *tableData
		err   error
	}
	// readMsg ends an explicit read of the table (R).
	readMsg struct {
		key    string
		screen uint64
		data   *tableData
		err    error
	}
	// checkMsg is the table checked against the namespace's scripts.
	checkMsg struct {
		key   string
		check *checkData
	}
)

// RouteKey routes each result to the screen that asked (ui.Routed).
func (m nsMsg) RouteKey() string    { return m.key }
func (m namesMsg) RouteKey() string { return m.key }
func (m tableMsg) RouteKey() string { return m.key }
func (m readMsg) RouteKey() string  { return m.key }
func (m checkMsg) RouteKey() string { return m.key }

// namesData is the namespace's script names and what is built from them
// off the Update goroutine: a set for the status column, an index for the
// target picker.
type namesData struct {
	ns     string
	sorted []string
	exists map[string]struct{}
	ix     *selector.Index
	at     time.Time // when they were listed
	cached bool      // from the listing cache
}

// has reports whether the namespace has script name.
func (n *namesData) has(name string) bool {
	_, ok := n.exists[name]
	return ok
}

// newNamesData prepares a namespace's scripts.
func newNamesData(ns string, names []string, at time.Time, cached bool) *namesData {
	n := &namesData{ns: ns, at: at, cached: cached, sorted: names,
		exists: make(map[string]struct{}, len(names))}
	for _, name := range names {
		n.exists[name] = struct{}{}
	}
	slices.Sort(n.sorted)
	n.ix = selector.NewIndex(n.sorted)
	return n
}

// RoutedNamespace is the dispatch namespace the routing table routes into
// when the config names none: "production" when the account has it, else
// the first namespace listed ("" when there is none).
func RoutedNamespace(nss []cfclient.Namespace) (string, int) {
	for _, n := range nss {
		if n.Name == "production" {
			return n.Name, n.ScriptCount
		}
	}
	if len(nss) > 0 {
		return nss[0].Name, nss[0].ScriptCount
	}
	return "", 0
}

// loadNamespace finds the namespace routed into, then its scripts
// (fresh: listed from the API even when cached).
func (m *Model) loadNamespace(fresh bool) tea.Cmd {
	m.nsToken++
	m.loadingNames = true
	src, key, token := m.deps.Source, m.key, m.nsToken
	ctx := throttle.WithPriority(m.ctx, throttle.Interactive)
	return func() tea.Msg {
		nss, err := src.ListNamespaces(ctx)
		if err != nil {
			return nsMsg{key: key, token: token, err: err}
		}
		ns, count := RoutedNamespace(nss)
		if ns == "" {
			return nsMsg{key: key, token: token, err: errors.New("the account has no dispatch namespace: nothing is routed into")}
		}
		return nsMsg{key: key, token: token, ns: ns, count: count, fresh: fresh}
	}
}

// handleNamespace takes the namespace routed into and loads its scripts.
func (m *Model) handleNamespace(msg nsMsg) tea.Cmd {
	if msg.token != m.nsToken {
		return nil
	}
	m.nsErr = msg.err
	if msg.err != nil {
		m.loadingNames = false
		return ui.ShowError(msg.err, "press ctrl+r to try again")
	}
	m.ns, m.nsCount = msg.ns, msg.count
	return m.loadNames(msg.fresh)
}

// loadNames reads the namespace's scripts: the cached listing when it is
// whole, else a listing (saved to the cache once complete).
func (m *Model) loadNames(fresh bool) tea.Cmd {
	src, listings, key, token, ns, count := m.deps.Source, m.deps.Listings, m.key, m.nsToken, m.ns, m.nsCount
	ctx := throttle.WithPriority(m.ctx, throttle.Interactive)
	now := m.c.Now
	return func() tea.Msg {
		if !fresh && listings != nil {
			if l, err := listings.Scripts(ns); err == nil && l.Rows.Len() == count {
				names := make([]string, l.Rows.Len())
				for i := range names {
					names[i] = l.Rows.Name(i)
				}
				return namesMsg{key: key, token: token, names: newNamesData(ns, names, l.Saved, true)}
			}
		}
		var pages [][]cfclient.Script
		var all []string
		err := src.ListScripts(ctx, ns, cfclient.TagFilter{}, func(p []cfclient.Script) error {
			pages = append(pages, p)
			for _, s := range p {
				all = append(all, s.Name)
			}
			return nil
		})
		if err != nil {
			return namesMsg{key: key, token: token, err: fmt.Errorf("list the scripts of %s: %w", ns, err)}
		}
		if listings != nil {
			_ = listings.SaveScripts(ns, pages) // a failed save costs the next open a listing
		}
		return namesMsg{key: key, token: token, names: newNamesData(ns, all, now(), false)}
	}
}

// handleNames takes the namespace's scripts and checks the table.
func (m *Model) handleNames(msg namesMsg) tea.Cmd {
	if msg.token != m.nsToken {
		return nil
	}
	m.loadingNames = false
	m.namesErr = msg.err
	if msg.err != nil {
		return ui.ShowError(msg.err, "dangling routes cannot be told until the scripts are listed; ctrl+r tries again")
	}
	m.names = msg.names
	m.form.namesChanged(m.names)
	return m.runCheck()
}

// loadTable takes the table from the routing cache (loading it when cheap)
// and watches the cache's progress meanwhile.
func (m *Model) loadTable() tea.Cmd {
	m.tableToken++
	m.tableLoading = true
	routing, key, token, ctx := m.deps.Routing, m.key, m.tableToken, m.ctx
	load := func() tea.Msg {
		t, at, err := routing.Table(ctx)
		if err != nil {
			return tableMsg{key: key, token: token, err: err}
		}
		return tableMsg{key: key, token: token, data: newTableData(t, at)}
	}
	return tea.Batch(load, m.watch.Start())
}

// handleTable takes a load's table, or the question of its cost.
func (m *Model) handleTable(msg tableMsg) tea.Cmd {
	if msg.token != m.tableToken {
		return nil
	}
	m.tableLoading = false
	defer func() { m.watch.EndIfIdle(m.busy()) }()
	return m.setTable(msg.data, msg.err, "press R to read it")
}

// setTable shows a new table (or keeps the old one when the load failed);
// a table too costly to read without asking is a question (cost), not an
// error.
func (m *Model) setTable(data *tableData, err error, hint string) tea.Cmd {
	var cost *cache.RoutingCostError
	switch {
	case errors.As(err, &cost):
		e := cost.Estimate
		m.cost, m.tableErr = &e, nil
		return nil
	case err != nil:
		m.tableErr = err
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return ui.ShowError(err, hint)
	}
	m.cost, m.tableErr = nil, nil
	m.data = data
	m.check = nil
	m.filter.routes.reset(data.ix)
	m.table.SetRows(data.rows)
	m.refilter(false)
	return m.runCheck()
}

// readTable reads the whole table whatever it costs (R), unless a read
// started here runs. The read is shared by every screen and goes on when
// this one closes.
func (m *Model) readTable() tea.Cmd {
	if m.reading {
		return nil
	}
	m.reading = true
	m.tableErr = nil
	routing, ctx, key, id := m.deps.Routing, m.ctx, m.key, m.id
	read := func() tea.Msg {
		if err := routing.Read(ctx); err != nil {
			return readMsg{key: key, screen: id, err: err}
		}
		t, at, err := routing.Table(ctx)
		if err != nil {
			return readMsg{key: key, screen: id, err: err}
		}
		return readMsg{key: key, screen: id, data: newTableData(t, at)}
	}
	return tea.Batch(read, m.watch.Start())
}

// handleRead takes the table an R read brought.
func (m *Model) handleRead(msg readMsg) tea.Cmd {
	if msg.screen != m.id {
		return nil
	}
	m.reading = false
	defer func() { m.watch.EndIfIdle(m.busy()) }()
	return m.setTable(msg.data, msg.err, "press R to try again")
}

// runCheck checks the table against the namespace's scripts in a command,
// once both are in.
func (m *Model) runCheck() tea.Cmd {
	data, names, key := m.data, m.names, m.key
	if data == nil || names == nil {
		return nil
	}
	return func() tea.Msg { return checkMsg{key: key, check: newCheckData(data, names)} }
}

// handleCheck takes a check that is of the table and names shown.
func (m *Model) handleCheck(msg checkMsg) {
	if msg.check.data != m.data || msg.check.names != m.names {
		return // the table or the names changed since: a newer check comes
	}
	m.check = msg.check
	m.filter.scripts.reset(m.check.ix)
	m.scripts.SetRows(m.check.unrouted)
	m.refilter(false)
}

// Watching the routing cache

// busy reports whether the table is loading or being read: the time to
// watch the routing cache's progress.
func (m *Model) busy() bool { return m.tableLoading || m.reading }
