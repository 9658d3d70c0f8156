package platform

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// RouteKind says how a route matches requests.
type RouteKind string

// Route kinds of the default routing schema.
const (
	RouteHostname  RouteKind = "hostname"
	RouteSubdomain RouteKind = "subdomain"
	RoutePath      RouteKind = "path"
	RouteOther     RouteKind = "other"
)

// Route is one entry of the routing table.
type Route struct {
	Kind RouteKind
	// Key is the host, label or path prefix (the KV key without its kind
	// prefix); for RouteOther, the whole KV key.
	Key string
	// KVKey is the full KV key the route is stored under.
	KVKey string
	// Target is the script the route sends to ("" when the value names none).
	Target string
	// Raw is the KV value as stored.
	Raw string
	// Problem explains why Target is empty ("" when the value parsed).
	Problem string
}

// RoutingTable is the platform's routing table.
type RoutingTable struct {
	// NamespaceID is the KV namespace it was read from.
	NamespaceID string
	// Routes are sorted by KV key.
	Routes []Route
	// ByScript is the reverse index: target script → its routes.
	ByScript map[string][]Route
}

// NewRoutingTable sorts routes by KV key and builds the reverse index.
func NewRoutingTable(namespaceID string, routes []Route) *RoutingTable {
	t := &RoutingTable{NamespaceID: namespaceID, Routes: routes}
	sort.Slice(t.Routes, func(i, j int) bool { return t.Routes[i].KVKey < t.Routes[j].KVKey })
	t.ByScript = make(map[string][]Route)
	for _, r := range t.Routes {
		if r.Target != "" {
			t.ByScript[r.Target] = append(t.ByScript[r.Target], r)
		}
	}
	return t
}

// RoutingCheck is what is wrong between a routing table and a namespace's
// scripts.
type RoutingCheck struct {
	// Dangling routes point to a script that does not exist.
	Dangling []Route
	// Unrouted scripts have no route pointing to them (sorted).
	Unrouted []string
	// Unreadable routes have a value that names no script.
	Unreadable []Route
}

// Check compares the table with the names of the scripts of the namespace
// it routes to.
func (t *RoutingTable) Check(scripts []string) RoutingCheck {
	var rc RoutingCheck
	exists := make(map[string]bool, len(scripts))
	for _, s := range scripts {
		exists[s] = true
		if len(t.ByScript[s]) == 0 {
			rc.Unrouted = append(rc.Unrouted, s)
		}
	}
	for _, r := range t.Routes {
		switch {
		case r.Target == "":
			rc.Unreadable = append(rc.Unreadable, r)
		case !exists[r.Target]:
			rc.Dangling = append(rc.Dangling, r)
		}
	}
	sort.Strings(rc.Unrouted)
	return rc
}

// ParseRoute turns one KV key and value into a route: the key's prefix
// gives the kind; the value is a script name or a JSON object
// {"worker": "<script>", ...}.
func (s Schema) ParseRoute(kvKey, value string) Route {
	r := Route{KVKey: kvKey, Raw: value, Kind: RouteOther, Key: kvKey}
	for _, p := range []struct {
		prefix string
		kind   RouteKind
	}{{s.Routing.HostnamePrefix, RouteHostname}, {s.Routing.SubdomainPrefix, RouteSubdomain}, {s.Routing.PathPrefix, RoutePath}} {
		if p.prefix == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(kvKey, p.prefix); ok {
			r.Kind, r.Key = p.kind, rest
			break
		}
	}
	r.Target, r.Problem = RouteTarget(value)
	return r
}

// RouteTarget reads the script a route value names, or says why it names
// none.
func RouteTarget(value string) (target, problem string) {
	v := strings.TrimSpace(value)
	if strings.HasPrefix(v, "{") {
		var obj struct {
			Worker *string `json:"worker"`
		}
		if err := json.Unmarshal([]byte(v), &obj); err != nil {
			return "", "value is not valid JSON: " + err.Error()
		}
		if obj.Worker == nil {
			return "", `JSON value has no "worker" field`
		}
		v = *obj.Worker
	}
	if r := ValidScriptName(v); r != "" {
		return "", "target is not a script name: it " + r
	}
	return v, ""
}

// RouteValue is the new value of a route pointed at target: the target's
// name, or the old JSON object with "worker" replaced (its other fields
// kept).
func RouteValue(old []byte, target string) []byte {
	var obj map[string]json.RawMessage
	if len(old) > 0 && json.Unmarshal(old, &obj) == nil && obj != nil {
		name, _ := json.Marshal(target)
		obj["worker"] = name
		if b, err := json.Marshal(obj); err == nil {
			return b
		}
	}
	return []byte(target)
}

// IsRouteKey reports whether a key of the routing namespace is a route (and
// not the tier table or a last-use timestamp).
func (s Schema) IsRouteKey(k string) bool {
	return k != s.TiersKey && !(s.Routing.LastUsedPrefix != "" && strings.HasPrefix(k, s.Routing.LastUsedPrefix))
}

// RouteKVKey is the KV key of a route of kind with key, or the rule kind
// breaks.
func (s Schema) RouteKVKey(kind RouteKind, key string) (kvKey, kindRule string) {
	switch kind {
	case RouteHostname:
		return s.Routing.HostnamePrefix + key, ""
	case RouteSubdomain:
		return s.Routing.SubdomainPrefix + key, ""
	case RoutePath:
		return s.Routing.PathPrefix + key, ""
	case RouteOther:
		return key, ""
	}
	return "", "must be hostname, subdomain, path or other"
}

// ValidateRoute checks a route to be written: its kind, key, KV key and
// target. A target that names no existing script is not checked here (that
// takes a read, and is a warning the operator may override).
func (s Schema) ValidateRoute(kind RouteKind, key, target string) *RuleError {
	kvKey, kindRule := s.RouteKVKey(kind, key)
	reserved := ""
	if kvKey != "" && !s.IsRouteKey(kvKey) {
		reserved = "is reserved for the tier table or last-use timestamps"
	}
	keyField := fmt.Sprintf("route key %q", key)
	return FirstFailure(Check{"kind", kindRule}, Check{keyField, ValidRouteKey(key)},
		Check{keyField, ValidKVKey(kvKey)}, Check{keyField, reserved},
		Check{fmt.Sprintf("target %q", target), ValidScriptName(target)})
}
