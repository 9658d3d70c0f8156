package cfclient

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
)

// RoutingTable is the platform's routing table, read from the routing KV
// namespace per the profile's RoutingSchema.
type RoutingTable struct {
	// NamespaceID is the KV namespace it was read from.
	NamespaceID string
	// Routes are sorted by KV key.
	Routes []Route
	// ByScript is the reverse index: target script → its routes.
	ByScript map[string][]Route
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

// Check compares the table with the scripts of the namespace it routes to.
func (t *RoutingTable) Check(scripts []Script) RoutingCheck {
	var rc RoutingCheck
	exists := make(map[string]bool, len(scripts))
	for _, s := range scripts {
		exists[s.Name] = true
		if len(t.ByScript[s.Name]) == 0 {
			rc.Unrouted = append(rc.Unrouted, s.Name)
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

// ParseRoute turns one KV key and value into a route, per the schema:
// the key's prefix gives the kind; the value is a script name or a JSON
// object {"worker": "<script>", ...}.
func (c *Client) ParseRoute(kvKey, value string) Route {
	r := Route{KVKey: kvKey, Raw: value, Kind: RouteOther, Key: kvKey}
	s := c.opts.Routing
	for _, p := range []struct {
		prefix string
		kind   RouteKind
	}{{s.HostnamePrefix, RouteHostname}, {s.SubdomainPrefix, RouteSubdomain}, {s.PathPrefix, RoutePath}} {
		if rest, ok := strings.CutPrefix(kvKey, p.prefix); ok {
			r.Kind, r.Key = p.kind, rest
			break
		}
	}
	r.Target, r.Problem = routeTarget(value)
	return r
}

// routeTarget reads the script a route value names.
func routeTarget(value string) (target, problem string) {
	v := strings.TrimSpace(value)
	if strings.HasPrefix(v, "{") {
		var obj struct {
			Worker *string `json:"worker"`
		}
		if err := json.Unmarshal([]byte(v), &obj); err != nil {
			return "", "value is not valid JSON: " + oneLine(err.Error())
		}
		if obj.Worker == nil {
			return "", `JSON value has no "worker" field`
		}
		v = *obj.Worker
	}
	if r := validScriptName(v); r != "" {
		return "", "target is not a script name: it " + r
	}
	return v, ""
}

// isRouteKey reports whether a key of the routing namespace is a route (and
// not the tier table or a last-use timestamp).
func (c *Client) isRouteKey(k string) bool {
	return k != c.opts.TiersKey && !strings.HasPrefix(k, c.opts.Routing.LastUsedPrefix)
}

// RoutingNamespace returns the routing KV namespace's id: the configured
// one, or the one titled Routing.NamespaceTitle.
func (c *Client) RoutingNamespace(ctx context.Context) (string, error) {
	const op = "routing.namespace"
	if id := c.opts.Routing.NamespaceID; id != "" {
		return id, nil
	}
	c.routingMu.Lock()
	id := c.routingID
	c.routingMu.Unlock()
	if id != "" {
		return id, nil
	}
	all, err := c.ListKVNamespaces(ctx)
	if err != nil {
		return "", err
	}
	title := c.opts.Routing.NamespaceTitle
	var found []string
	for _, n := range all {
		if n.Title == title {
			found = append(found, n.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", errf(ErrNotFound, op, title, "create it, or set the routing namespace id in the profile",
			"no KV namespace is titled %q", title)
	case 1:
	default:
		return "", errf(ErrValidation, op, title, "set the routing namespace id in the profile",
			"%d KV namespaces are titled %q", len(found), title)
	}
	c.routingMu.Lock()
	c.routingID = found[0]
	c.routingMu.Unlock()
	return found[0], nil
}

// ReadRouting reads the whole routing table: every key of the routing
// namespace (but the tier table and last-use keys) and their values, 100 per
// bulk read. It costs one request per 1,000 keys plus one per 100 routes;
// see RoutingCache for reading it once per process (and from disk).
func (c *Client) ReadRouting(ctx context.Context) (*RoutingTable, error) {
	return c.ReadRoutingProgress(ctx, nil)
}

// routeKVKey is the KV key of a route.
func (c *Client) routeKVKey(kind RouteKind, key string) (string, string) {
	s := c.opts.Routing
	switch kind {
	case RouteHostname:
		return s.HostnamePrefix + key, ""
	case RouteSubdomain:
		return s.SubdomainPrefix + key, ""
	case RoutePath:
		return s.PathPrefix + key, ""
	case RouteOther:
		return key, ""
	}
	return "", "must be hostname, subdomain, path or other"
}

// SetRoute points a route at a script, creating it when missing. A value
// stored as JSON keeps its other fields; only "worker" changes.
func (c *Client) SetRoute(ctx context.Context, kind RouteKind, key, target string) error {
	const op = "routing.set"
	kvKey, kindRule := c.routeKVKey(kind, key)
	var id string
	var current []byte
	return c.mutate(ctx, mutation{
		op: op, target: kvKey,
		validate: func() error {
			reserved := ""
			if kvKey != "" && !c.isRouteKey(kvKey) {
				reserved = "is reserved for the tier table or last-use timestamps"
			}
			return firstFailure(op, kvKey, check{"kind", kindRule}, check{"route key", validRouteKey(key)},
				check{"route key", validKVKey(kvKey)}, check{"route key", reserved},
				check{"target", validScriptName(target)})
		},
		before: func(ctx context.Context) (any, error) {
			var err error
			if id, err = c.RoutingNamespace(ctx); err != nil {
				return nil, err
			}
			current, err = c.GetValue(ctx, id, kvKey)
			if errors.Is(err, ErrNotFound) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return string(current), nil
		},
		do: func(ctx context.Context) (any, error) {
			value := routeValue(current, target)
			return string(value), c.putValue(ctx, id, kvKey, value)
		},
	})
}

// routeValue is the new value of a route: the target's name, or the old
// JSON object with "worker" replaced.
func routeValue(old []byte, target string) []byte {
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

// DeleteRoute removes a route.
func (c *Client) DeleteRoute(ctx context.Context, kind RouteKind, key string) error {
	const op = "routing.delete"
	kvKey, kindRule := c.routeKVKey(kind, key)
	var id string
	return c.mutate(ctx, mutation{
		op: op, target: kvKey,
		validate: func() error {
			return firstFailure(op, kvKey, check{"kind", kindRule}, check{"route key", validKVKey(kvKey)})
		},
		before: func(ctx context.Context) (any, error) {
			var err error
			if id, err = c.RoutingNamespace(ctx); err != nil {
				return nil, err
			}
			return c.valueForAudit(ctx, id, kvKey)
		},
		do: func(ctx context.Context) (any, error) {
			return nil, c.deleteValue(ctx, id, kvKey)
		},
	})
}

// validRouteKey checks a route's host, label or path prefix.
func validRouteKey(k string) string {
	if k == "" {
		return "must not be empty"
	}
	for _, r := range k {
		if r <= ' ' || r == 0x7f {
			return "must not contain spaces or control characters"
		}
	}
	return ""
}
