package routing

import (
	"slices"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/selector"
)

// tableData is a routing table and what is built from it off the Update
// goroutine: a row per route, the filter's index over "key target", and
// the duplicate groups.
type tableData struct {
	t  *platform.RoutingTable
	at time.Time
	// rows point into t.Routes, which nobody modifies (a patch builds a
	// new table): 8 bytes a row, so a filter over 250,000 routes copies
	// 2 MB, not 24.
	rows []*platform.Route
	ix   *selector.Index
	// dup maps the KV key of every route of a duplicate group to the
	// others of its group.
	dup        map[string][]string
	unreadable int
}

// filterText is what the filter matches a route against: its key and its
// target, one space apart (route keys have no spaces).
func filterText(r *platform.Route) string {
	if r.Target == "" {
		return r.Key
	}
	return r.Key + " " + r.Target
}

// newTableData prepares a table for the screen.
func newTableData(t *platform.RoutingTable, at time.Time) *tableData {
	d := &tableData{t: t, at: at, rows: make([]*platform.Route, len(t.Routes))}
	texts := make([]string, len(t.Routes))
	for i := range t.Routes {
		r := &t.Routes[i]
		d.rows[i] = r
		texts[i] = filterText(r)
		if r.Target == "" {
			d.unreadable++
		}
	}
	d.ix = selector.NewIndex(texts)
	d.dup = duplicates(t.Routes)
	return d
}

// duplicates finds the hostname and subdomain routes whose keys are equal
// once lower-cased (see the package comment) and maps each one's KV key to
// the others of its group. Two such keys differ, so at least one has an
// upper-case letter: only those are grouped, and each group is completed
// with its lower-case key when the table has it (routes are sorted by KV
// key).
func duplicates(routes []platform.Route) map[string][]string {
	type group struct{ keys []string }
	groups := map[string]*group{}
	var order []string
	for i := range routes {
		r := &routes[i]
		if r.Kind != platform.RouteHostname && r.Kind != platform.RouteSubdomain {
			continue
		}
		low := strings.ToLower(r.Key)
		if low == r.Key {
			continue
		}
		prefix := r.KVKey[:len(r.KVKey)-len(r.Key)]
		g := groups[prefix+low]
		if g == nil {
			g = &group{}
			groups[prefix+low] = g
			order = append(order, prefix+low)
		}
		g.keys = append(g.keys, r.KVKey)
	}
	var dup map[string][]string
	for _, lowKey := range order {
		g := groups[lowKey]
		if _, ok := slices.BinarySearchFunc(routes, lowKey, func(r platform.Route, k string) int { return strings.Compare(r.KVKey, k) }); ok {
			g.keys = append(g.keys, lowKey)
		}
		if len(g.keys) < 2 {
			continue
		}
		slices.Sort(g.keys)
		if dup == nil {
			dup = map[string][]string{}
		}
		for _, k := range g.keys {
			others := make([]string, 0, len(g.keys)-1)
			for _, o := range g.keys {
				if o != k {
					others = append(others, o)
				}
			}
			dup[k] = others
		}
	}
	return dup
}

// checkData is a table checked against the namespace's scripts.
type checkData struct {
	data     *tableData
	names    *namesData
	dangling int
	unrouted []string        // scripts no route names, sorted
	ix       *selector.Index // the filter's index over unrouted
}

// newCheckData checks data against names (platform.RoutingTable.Check).
func newCheckData(data *tableData, names *namesData) *checkData {
	rc := data.t.Check(names.sorted)
	return &checkData{data: data, names: names, dangling: len(rc.Dangling), unrouted: rc.Unrouted,
		ix: selector.NewIndex(rc.Unrouted)}
}

// status is what is wrong with a route.
type status int

const (
	statusUnknown    status = iota // the namespace's scripts are not known yet
	statusOK                       // routes to a script that exists
	statusDuplicate                // see duplicates
	statusDangling                 // the target is not a script of the namespace
	statusUnreadable               // the value names no script
)

// String is the word the STATUS column shows.
func (s status) String() string {
	switch s {
	case statusOK:
		return "ok"
	case statusDuplicate:
		return "duplicate"
	case statusDangling:
		return "dangling"
	case statusUnreadable:
		return "unreadable"
	}
	return "…"
}

// statusOf is a route's status: unreadable, dangling, duplicate, then ok.
func (m *Model) statusOf(r *platform.Route) status {
	switch {
	case r.Target == "":
		return statusUnreadable
	case m.names != nil && !m.names.has(r.Target):
		return statusDangling
	case m.data != nil && m.data.dup[r.KVKey] != nil:
		return statusDuplicate
	case m.names == nil:
		return statusUnknown
	}
	return statusOK
}
