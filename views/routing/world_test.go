package routing

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/screentest"
	"github.com/wfpconsole/wfp/internal/testenv"
	"github.com/wfpconsole/wfp/ui"
)

func TestMain(m *testing.M) { screentest.Main(m) }

// The package's tests use the shared driver under short local names.
type driver = screentest.Driver

var checkWidth = screentest.CheckWidth

// now is the clock of the sandbox and the screen, so ages are stable.
var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// world is a seeded sandbox served on loopback with its requests counted,
// a client, the process's routing and listing caches, the change
// pipeline, and the routing table and production's scripts as read
// directly (to choose routes and check the screen against).
type world struct {
	t       *testing.T
	sb      *sandbox.Server
	srv     *testenv.Server
	client  *cfclient.Client
	dir     string
	store   *cache.Store
	rc      *cache.RoutingCache
	planner *change.Planner
	applier *change.Applier
	table   *platform.RoutingTable
	prod    []string
}

// newWorld starts a 50-script sandbox (Seed 1); autoReadMax is the
// routing cache's AutoReadMax (0: the default, which reads this table by
// itself).
func newWorld(t *testing.T, autoReadMax int) *world {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Seed: 1, Scripts: 50, Now: clock, RateLimit: sandbox.RateLimit{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, sb: sb, srv: testenv.Serve(t, sb), dir: t.TempDir()}
	w.client = w.newClient(nil)
	w.store = cache.New(filepath.Join(w.dir, "cache"), w.client.BaseURL(), w.client.AccountID(), w.client.Now)
	w.rc = cache.NewRoutingCacheWithOptions(w.client, w.store, cache.RoutingCacheOptions{AutoReadMax: autoReadMax})
	t.Cleanup(w.rc.Close)
	w.planner = change.NewPlanner(w.client)
	w.applier = change.NewApplier(w.client, audit.New(w.auditPath()), "test")
	w.reread()
	return w
}

// newClient is a client of the counted sandbox; mod adjusts its options.
func (w *world) newClient(mod func(*cfclient.Options)) *cfclient.Client {
	w.t.Helper()
	o := cfclient.Options{
		BaseURL: w.srv.URL, AccountID: w.sb.AccountID(), Token: w.sb.Token(),
		Profile: "test", Actor: "tester@testhost", Audit: audit.New(w.auditPath()),
		HTTPTimeout: 30 * time.Second, Now: clock,
	}
	if mod != nil {
		mod(&o)
	}
	c, err := cfclient.New(o)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) auditPath() string { return filepath.Join(w.dir, "state", "audit.jsonl") }

// reread reads the routing table and production's scripts directly.
func (w *world) reread() {
	w.t.Helper()
	ctx := context.Background()
	table, err := w.client.ReadRouting(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	w.table = table
	w.prod = nil
	err = w.client.ListScripts(ctx, "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		for _, s := range p {
			w.prod = append(w.prod, s.Name)
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// deps are the screen's dependencies in this world.
func (w *world) deps() Deps {
	return Deps{Source: w.client, Routing: w.rc, Listings: w.store, Planner: w.planner, Applier: w.applier}
}

// common is a session's ui.Common (acting as ana, read-write unless ro).
func (w *world) common(ro bool) *ui.Common {
	ctx := cfclient.WithActor(w.t.Context(), cfclient.Actor{Name: "ana@host", ReadOnly: ro})
	c := ui.NewCommon(ctx, clock, nil)
	c.ReadOnly = ro
	return c
}

// open opens the screen for arg at width × height and loads it.
func (w *world) open(c *ui.Common, arg string, width, height int) *driver {
	w.t.Helper()
	s, err := Factory(w.deps())(c, ui.Route{Kind: Kind, Arg: arg})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(s.(ui.Closer).Close)
	d := screentest.NewDriver(w.t, s, width, height)
	d.Run(d.S.Init())
	return d
}

// model is the screen under the driver.
func model(d *driver) *Model { return d.S.(*Model) }

// route returns a route of the table for which ok holds.
func (w *world) route(what string, ok func(r platform.Route) bool) platform.Route {
	w.t.Helper()
	for _, r := range w.table.Routes {
		if ok(r) {
			return r
		}
	}
	w.t.Fatalf("the seeded routing table has no route that %s", what)
	return platform.Route{}
}

// exists reports whether production has script name.
func (w *world) exists(name string) bool {
	for _, s := range w.prod {
		if s == name {
			return true
		}
	}
	return false
}

// value is a KV value of the routing namespace as the API has it now
// ("" and false when absent).
func (w *world) value(kvKey string) (string, bool) {
	w.t.Helper()
	ctx := context.Background()
	id, err := w.client.RoutingNamespace(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	v, err := w.client.GetValue(ctx, id, kvKey)
	if err != nil {
		return "", false
	}
	return string(v), true
}

// confirmOf returns the last review the screen asked for (the App would
// show it as the confirm dialog).
func confirmOf(t *testing.T, d *driver) ui.ConfirmRequest {
	t.Helper()
	for i := len(d.Seen) - 1; i >= 0; i-- {
		if c, ok := d.Seen[i].(ui.ConfirmMsg); ok {
			return c.Request
		}
	}
	t.Fatalf("no review was asked for; the screen:\n%s", d.View())
	return ui.ConfirmRequest{}
}

// rowOf returns the line of the view showing kvKey's route (by its key
// and target), or "".
func rowOf(view string, r platform.Route) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, " "+r.Key+" ") && (r.Target == "" || strings.Contains(l, r.Target)) {
			return l
		}
	}
	return ""
}
