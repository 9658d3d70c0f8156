package cfclient

import (
	"context"
	"net/url"
	"slices"

	"github.com/cloudflare/cloudflare-go/v6/kv"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// RoutingReadProgress is how far a read of the routing table has got.
type RoutingReadProgress struct {
	// Listed is the number of keys listed so far (every key of the routing
	// namespace, tier table and last-use keys included).
	Listed int
	// ListDone is true once the listing is complete.
	ListDone bool
	// Routes is the number of route keys among the listed ones: the values
	// to read (exact once ListDone).
	Routes int
	// Read is the number of route values read so far.
	Read int
}

// RoutingListing is a read of the routing table, possibly stopped part
// way (for its cost, or by a failure): ListRoutingPage continues the
// listing from Cursor, and ReadRoutingValues continues the values from the
// first unread batch, so a failed read resumes instead of starting over.
type RoutingListing struct {
	ID     string   // the routing KV namespace
	Names  []string // route keys, in listing order
	Keys   int      // keys listed, route or not
	Pages  int      // list requests made
	Cursor string   // next page; "" with Done
	Done   bool
	// Read is how many of Names have their values read (whole bulk reads),
	// Routes the routes parsed from them.
	Read   int
	Routes []platform.Route
}

// routingListPage is the number of keys a list request returns.
const routingListPage = kvKeysPerPage

// RoutingCost is the number of requests a whole read of the routing table
// takes: one list request per 1,000 keys and one bulk read per 100 route
// keys.
func RoutingCost(keys, routes int) int {
	return ceilDiv(max(keys, 1), routingListPage) + ceilDiv(routes, kvBulkGetMax)
}

// LowerBound is the fewest requests a whole read can take, knowing what
// has been listed so far: the pages made, at least one more when the
// listing is not done, and the bulk reads of the route keys seen.
func (l *RoutingListing) LowerBound() int {
	n := l.Pages + ceilDiv(len(l.Names), kvBulkGetMax)
	if !l.Done {
		n++
	}
	return n
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Clone copies a listing so that continuing it leaves the original as is.
func (l *RoutingListing) Clone() *RoutingListing {
	c := *l
	c.Names = append([]string(nil), l.Names...)
	c.Routes = append([]platform.Route(nil), l.Routes...)
	return &c
}

// ListRoutingPage lists the next page of l's keys, keeping the route keys.
func (c *Client) ListRoutingPage(ctx context.Context, l *RoutingListing) error {
	const op = "kv.keys.list"
	var p kv.NamespaceKeyListParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	p.Limit.Value, p.Limit.Present = routingListPage, true
	if l.Cursor != "" {
		p.Cursor.Value, p.Cursor.Present = l.Cursor, true
	}
	res, err := c.kv.Keys.List(ctx, url.PathEscape(l.ID), p)
	if err != nil {
		return c.fail(op, l.ID, false, err)
	}
	l.Pages++
	for _, k := range res.Result {
		l.Keys++
		if c.opts.Schema.IsRouteKey(k.Name) {
			l.Names = append(l.Names, k.Name)
		}
	}
	next := res.ResultInfo.Cursor
	switch {
	case next == "" || len(res.Result) == 0:
		l.Done, l.Cursor = true, ""
	case next == l.Cursor:
		return errf(ErrServer, op, l.ID, "try again; report it if it persists", "the API returned the same cursor twice")
	default:
		l.Cursor = next
	}
	return nil
}

// ReadRoutingValues reads the values of a complete listing's route keys,
// 100 per bulk read, calling progress after each, and parses them with the
// client's schema. It starts at l.Read and records each bulk read in l
// (Read, Routes) as it lands, so after a failure calling it again on the
// same listing continues from the first unread batch.
func (c *Client) ReadRoutingValues(ctx context.Context, l *RoutingListing, progress func(read int)) (*platform.RoutingTable, error) {
	const op = "routing.read"
	for l.Read < len(l.Names) {
		batch := l.Names[l.Read:min(l.Read+kvBulkGetMax, len(l.Names))]
		vals, err := c.bulkGetText(ctx, l.ID, batch)
		if err != nil {
			return nil, c.fail(op, l.ID, false, err)
		}
		for _, k := range batch {
			v, ok := vals[k]
			if !ok || v == nil {
				continue // deleted since the listing
			}
			l.Routes = append(l.Routes, c.opts.Schema.ParseRoute(k, *v))
		}
		l.Read += len(batch)
		if progress != nil {
			progress(l.Read)
		}
	}
	return platform.NewRoutingTable(l.ID, slices.Clone(l.Routes)), nil
}

// ReadRoutingProgress is ReadRouting reporting its progress: progress (if
// not nil) is called on the calling goroutine after every list page and
// every bulk read. Listed, Routes and Read never decrease.
func (c *Client) ReadRoutingProgress(ctx context.Context, progress func(RoutingReadProgress)) (*platform.RoutingTable, error) {
	id, err := c.RoutingNamespace(ctx)
	if err != nil {
		return nil, err
	}
	l := &RoutingListing{ID: id}
	report := func(read int) {
		if progress != nil {
			progress(RoutingReadProgress{Listed: l.Keys, ListDone: l.Done, Routes: len(l.Names), Read: read})
		}
	}
	for !l.Done {
		if err := c.ListRoutingPage(ctx, l); err != nil {
			return nil, err
		}
		report(0)
	}
	return c.ReadRoutingValues(ctx, l, report)
}
