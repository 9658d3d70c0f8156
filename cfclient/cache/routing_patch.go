package cache

import (
	"maps"
	"slices"
	"strings"

	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Patch records a route change that was just written (a route put with its
// new raw value, or removed when value is nil) in the cached routing
// table, in memory and on disk, and reports whether there was a table to
// patch. Keys of the routing namespace that are not routes (the tier
// table, last-use stamps) are ignored.
//
// Why patch rather than Invalidate and read again: a read costs one request
// per 1,000 keys plus one per 100 routes (about 2,750 for 250,000 routes)
// for a change of one key, and right after a write Workers KV may still
// list or return the old value (changes take up to 60 s to reach every
// location), so a read could even undo on screen what was just written.
// The patched table keeps the time it was read (its age); R re-reads it.
//
// The shared table is never modified: the patch builds a new one that
// shares the unchanged routes' strings. A Read running meanwhile replaces
// it when it ends, with whatever KV returned to it.
func (rc *RoutingCache) Patch(kvKey string, value *string) bool {
	schema := rc.c.Schema()
	if !schema.IsRouteKey(kvKey) {
		return false
	}
	for {
		rc.mu.Lock()
		t, keys, at := rc.table, rc.keys, rc.tableAt
		rc.mu.Unlock()
		if t == nil {
			return false
		}
		next, delta := patchTable(schema, t, kvKey, value)
		rc.mu.Lock()
		if rc.table != t {
			rc.mu.Unlock()
			continue // replaced meanwhile (a read ended): patch the new one
		}
		if keys > 0 {
			keys += delta
		}
		rc.table, rc.keys = next, keys
		rc.notifyLocked()
		rc.mu.Unlock()
		// A failed save costs the next run a read; memory is right.
		_ = rc.store.saveRoutingTable(schema, rc.c.AccountID(), next, keys, at)
		return true
	}
}

// patchTable returns t with the route at kvKey set to value (removed when
// nil), and how the number of keys changed (-1, 0 or +1). Routes stay
// sorted by KV key; the reverse index is copied and only the two targets
// concerned are rebuilt.
func patchTable(schema platform.Schema, t *platform.RoutingTable, kvKey string, value *string) (*platform.RoutingTable, int) {
	i, found := slices.BinarySearchFunc(t.Routes, kvKey, func(r platform.Route, k string) int { return strings.Compare(r.KVKey, k) })
	var old, added *platform.Route
	routes := make([]platform.Route, 0, len(t.Routes)+1)
	routes = append(routes, t.Routes[:i]...)
	delta := 0
	if found {
		old = &t.Routes[i]
	}
	if value != nil {
		r := schema.ParseRoute(kvKey, *value)
		routes = append(routes, r)
		added = &routes[len(routes)-1]
		if !found {
			delta = 1
		}
	} else if found {
		delta = -1
	}
	rest := i
	if found {
		rest++
	}
	routes = append(routes, t.Routes[rest:]...)

	by := maps.Clone(t.ByScript)
	for _, target := range []string{targetOf(old), targetOf(added)} {
		if target == "" {
			continue
		}
		var list []platform.Route
		for _, r := range by[target] {
			if r.KVKey != kvKey {
				list = append(list, r)
			}
		}
		if added != nil && added.Target == target {
			at, _ := slices.BinarySearchFunc(list, kvKey, func(r platform.Route, k string) int { return strings.Compare(r.KVKey, k) })
			list = slices.Insert(list, at, *added)
		}
		if len(list) == 0 {
			delete(by, target)
		} else {
			by[target] = list
		}
	}
	return &platform.RoutingTable{NamespaceID: t.NamespaceID, Routes: routes, ByScript: by}, delta
}

// targetOf is the script a route names ("" for none or no route).
func targetOf(r *platform.Route) string {
	if r == nil {
		return ""
	}
	return r.Target
}
