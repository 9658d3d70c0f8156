package cfclient

import (
	"context"
	"net/url"
	"sort"

	"github.com/cloudflare/cloudflare-go/v6/kv"
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

// routingListing is a listing of the routing namespace's keys, possibly
// stopped part way: it can be continued from cursor.
type routingListing struct {
	id     string
	names  []string // route keys, in listing order
	keys   int      // keys listed, route or not
	pages  int      // list requests made
	cursor string   // next page; "" with done
	done   bool
}

// routingListPage is the number of keys a list request returns.
const routingListPage = kvKeysPerPage

// routingCost is the number of requests a whole read of the routing table
// takes: one list request per 1,000 keys and one bulk read per 100 route
// keys.
func routingCost(keys, routes int) int {
	return ceilDiv(max(keys, 1), routingListPage) + ceilDiv(routes, kvBulkGetMax)
}

// lowerBound is the fewest requests a whole read can take, knowing what
// has been listed so far: the pages made, at least one more when the
// listing is not done, and the bulk reads of the route keys seen.
func (l *routingListing) lowerBound() int {
	n := l.pages + ceilDiv(len(l.names), kvBulkGetMax)
	if !l.done {
		n++
	}
	return n
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// clone copies a listing so that continuing it leaves the original as is.
func (l *routingListing) clone() *routingListing {
	c := *l
	c.names = append([]string(nil), l.names...)
	return &c
}

// listPage lists the next page of keys.
func (c *Client) listRoutingPage(ctx context.Context, l *routingListing) error {
	const op = "kv.keys.list"
	var p kv.NamespaceKeyListParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	p.Limit.Value, p.Limit.Present = routingListPage, true
	if l.cursor != "" {
		p.Cursor.Value, p.Cursor.Present = l.cursor, true
	}
	res, err := c.kv.Keys.List(ctx, url.PathEscape(l.id), p)
	if err != nil {
		return c.fail(op, l.id, false, err)
	}
	l.pages++
	for _, k := range res.Result {
		l.keys++
		if c.isRouteKey(k.Name) {
			l.names = append(l.names, k.Name)
		}
	}
	next := res.ResultInfo.Cursor
	switch {
	case next == "" || len(res.Result) == 0:
		l.done, l.cursor = true, ""
	case next == l.cursor:
		return errf(ErrServer, op, l.id, "try again; report it if it persists", "the API returned the same cursor twice")
	default:
		l.cursor = next
	}
	return nil
}

// readRoutingValues reads the values of a complete listing's route keys,
// 100 per bulk read, calling progress after each.
func (c *Client) readRoutingValues(ctx context.Context, l *routingListing, progress func(read int)) (*RoutingTable, error) {
	const op = "routing.read"
	t := &RoutingTable{NamespaceID: l.id, ByScript: map[string][]Route{}}
	for start := 0; start < len(l.names); start += kvBulkGetMax {
		batch := l.names[start:min(start+kvBulkGetMax, len(l.names))]
		vals, err := c.bulkGetText(ctx, l.id, batch)
		if err != nil {
			return nil, c.fail(op, l.id, false, err)
		}
		for _, k := range batch {
			v, ok := vals[k]
			if !ok || v == nil {
				continue // deleted since the listing
			}
			t.Routes = append(t.Routes, c.ParseRoute(k, *v))
		}
		if progress != nil {
			progress(start + len(batch))
		}
	}
	t.index()
	return t, nil
}

// index sorts the routes by key and builds the reverse index.
func (t *RoutingTable) index() {
	sort.Slice(t.Routes, func(i, j int) bool { return t.Routes[i].KVKey < t.Routes[j].KVKey })
	t.ByScript = make(map[string][]Route)
	for _, r := range t.Routes {
		if r.Target != "" {
			t.ByScript[r.Target] = append(t.ByScript[r.Target], r)
		}
	}
}

// ReadRoutingProgress is ReadRouting reporting its progress: progress (if
// not nil) is called on the calling goroutine after every list page and
// every bulk read. Listed, Routes and Read never decrease.
func (c *Client) ReadRoutingProgress(ctx context.Context, progress func(RoutingReadProgress)) (*RoutingTable, error) {
	id, err := c.RoutingNamespace(ctx)
	if err != nil {
		return nil, err
	}
	l := &routingListing{id: id}
	report := func(read int) {
		if progress != nil {
			progress(RoutingReadProgress{Listed: l.keys, ListDone: l.done, Routes: len(l.names), Read: read})
		}
	}
	for !l.done {
		if err := c.listRoutingPage(ctx, l); err != nil {
			return nil, err
		}
		report(0)
	}
	return c.readRoutingValues(ctx, l, report)
}
