package cfclient

import (
	"context"
	"errors"

	"github.com/wfpconsole/wfp/cfclient/platform"
)

// RoutingNamespace returns the routing KV namespace's id: the configured
// one, or the one titled Routing.NamespaceTitle.
func (c *Client) RoutingNamespace(ctx context.Context) (string, error) {
	const op = "routing.namespace"
	if id := c.opts.Schema.Routing.KVNamespaceID; id != "" {
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
	title := c.opts.Schema.Routing.KVNamespaceTitle
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
func (c *Client) ReadRouting(ctx context.Context) (*platform.RoutingTable, error) {
	return c.ReadRoutingProgress(ctx, nil)
}

// SetRoute points a route at a script, creating it when missing. A value
// stored as JSON keeps its other fields; only "worker" changes.
func (c *Client) SetRoute(ctx context.Context, kind platform.RouteKind, key, target string) error {
	const op = "routing.set"
	kvKey, _ := c.opts.Schema.RouteKVKey(kind, key)
	var id string
	var current []byte
	return c.mutate(ctx, mutation{
		op: op, target: kvKey,
		validate: func() error {
			return ruleError(op, kvKey, c.opts.Schema.ValidateRoute(kind, key, target))
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
			value := platform.RouteValue(current, target)
			return string(value), c.putValue(ctx, id, kvKey, value)
		},
	})
}

// DeleteRoute removes a route.
func (c *Client) DeleteRoute(ctx context.Context, kind platform.RouteKind, key string) error {
	const op = "routing.delete"
	kvKey, kindRule := c.opts.Schema.RouteKVKey(kind, key)
	var id string
	return c.mutate(ctx, mutation{
		op: op, target: kvKey,
		validate: func() error {
			return firstFailure(op, kvKey, check{"kind", kindRule}, check{"route key", platform.ValidKVKey(kvKey)})
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
