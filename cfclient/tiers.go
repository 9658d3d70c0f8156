package cfclient

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// The tier table's reads and writes; its format, the rules and the
// effective-limit rule are in package platform.

// ReadTiers reads the tier table from the routing namespace. No table yet
// is an empty list.
func (c *Client) ReadTiers(ctx context.Context) ([]platform.Tier, error) {
	const op = "tiers.read"
	id, err := c.RoutingNamespace(ctx)
	if err != nil {
		return nil, err
	}
	b, err := c.GetValue(ctx, id, c.opts.Schema.TiersKey)
	if errors.Is(err, ErrNotFound) {
		return []platform.Tier{}, nil
	}
	if err != nil {
		return nil, err
	}
	tiers, err := platform.ParseTiers(b)
	if err != nil {
		return nil, errf(ErrValidation, op, c.opts.Schema.TiersKey,
			"fix the value of the "+c.opts.Schema.TiersKey+" key (wfp can rewrite it from the tiers view)", "%s", termsafe.OneLine(err.Error(), 300))
	}
	return tiers, nil
}

// WriteTiers replaces the tier table. Tiers not in the list are removed;
// fields of existing tiers that wfp does not know are kept.
func (c *Client) WriteTiers(ctx context.Context, tiers []platform.Tier) error {
	const op = "tiers.write"
	var id string
	var current []byte
	return c.mutate(ctx, mutation{
		op: op, target: c.opts.Schema.TiersKey,
		validate: func() error { return platform.ValidateTiers(tiers) },
		before: func(ctx context.Context) (any, error) {
			var err error
			if id, err = c.RoutingNamespace(ctx); err != nil {
				return nil, err
			}
			current, err = c.GetValue(ctx, id, c.opts.Schema.TiersKey)
			if errors.Is(err, ErrNotFound) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return json.RawMessage(current), nil
		},
		do: func(ctx context.Context) (any, error) {
			value, err := platform.EncodeTiers(current, tiers)
			if err != nil {
				return nil, err
			}
			return json.RawMessage(value), c.putValue(ctx, id, c.opts.Schema.TiersKey, value)
		},
	})
}

// TierOf returns the tier a script's tags name ("" when none). ambiguous is
// true when the tags name more than one tier; the first one is returned.
func (c *Client) TierOf(tags []string) (tier string, ambiguous bool) {
	return c.opts.Schema.TierOf(tags)
}
