package script

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/routingwatch"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/ui"
)

// now is the clock of the sandbox and of the screen, so dates are stable.
var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// world is a seeded sandbox, a client, the shared routing cache and the
// routing table as read directly (to pick scripts for the tests).
type world struct {
	t     *testing.T
	e     *sandboxtest.Env
	cache *cache.RoutingCache
	table *platform.RoutingTable
	prod  []cfclient.Script
}

func newWorld(t *testing.T) *world {
	t.Helper()
	e := sandboxtest.Start(t, sandbox.Options{Seed: 1, Now: clock}, func(o *cfclient.Options) { o.Now = clock })
	ctx := context.Background()
	table, err := e.Client.ReadRouting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, e: e, cache: cache.NewRoutingCache(e.Client, e.Store(e.Client)), table: table}
	t.Cleanup(w.cache.Close)
	err = e.Client.ListScripts(ctx, "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		w.prod = append(w.prod, p...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// find returns a production script for which ok holds.
func (w *world) find(what string, ok func(s cfclient.Script) bool) string {
	w.t.Helper()
	for _, s := range w.prod {
		if ok(s) {
			return s.Name
		}
	}
	w.t.Fatalf("the seeded production namespace has no script that %s", what)
	return ""
}

// screen opens the script screen over src (the world's client by default).
func (w *world) screen(ns, name string, width, height int, src Source) *driver {
	w.t.Helper()
	if src == nil {
		src = w.e.Client
	}
	c := ui.NewCommon(w.t.Context(), clock, nil)
	s, err := Factory(src, w.cache, w.changes())(c, ui.Route{Kind: ui.KindScript, Namespace: ns, Script: name})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(s.(ui.Closer).Close)
	return newDriver(w.t, s, width, height)
}

// open opens the screen tall enough to show everything and loads it.
func (w *world) open(ns, name string) *driver {
	d := w.screen(ns, name, 80, 200, nil)
	d.Run(d.S.Init())
	return d
}

func TestSectionsOfARoutedScript(t *testing.T) {
	w := newWorld(t)
	name := w.find("has two routes and a KV binding", func(s cfclient.Script) bool {
		return len(w.table.ByScript[s.Name]) == 2
	})
	d := w.open("production", name)
	v := d.View()
	tier, _ := w.e.Client.TierOf(tagsOf(w, name))
	for _, want := range []string{
		name, "namespace      production", "tags ", "tier           " + tier, "created", "modified",
		"handlers", "compatibility", "usage model    standard", "deployed from", "logpush",
		"LIMITS", "effective", "BINDINGS (", "ENVIRONMENT", "plain_text", "SECRETS (",
		"ROUTES (2) · routing table read", "TAIL CONSUMERS", "OBSERVABILITY",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	for _, r := range w.table.ByScript[name] {
		if !strings.Contains(v, string(r.Kind)) || !strings.Contains(v, r.Key) {
			t.Errorf("route %s %s missing:\n%s", r.Kind, r.Key, v)
		}
	}
	if strings.Contains(v, "WARNING no route") || strings.Contains(v, "loading") {
		t.Errorf("a routed, loaded script shows a no-route warning or a loading state:\n%s", v)
	}
	if d.S.Title() != name {
		t.Errorf("Title %q", d.S.Title())
	}
	if !d.S.(ui.DataAger).DataAge().Equal(now) {
		t.Errorf("DataAge %v", d.S.(ui.DataAger).DataAge())
	}
	checkWidth(t, v, 80)
}

func tagsOf(w *world, name string) []string {
	for _, s := range w.prod {
		if s.Name == name {
			return s.Tags
		}
	}
	return nil
}

func TestNoRouteWarning(t *testing.T) {
	w := newWorld(t)
	name := w.find("has no route", func(s cfclient.Script) bool { return len(w.table.ByScript[s.Name]) == 0 })
	d := w.open("production", name)
	v := d.View()
	if !strings.Contains(v, "ROUTES (0)") || !strings.Contains(v, "WARNING no route points to this script") {
		t.Errorf("an unrouted script should carry the WARNING word:\n%s", v)
	}
}

func TestLimitsSayWhichSideWins(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	name := w.find("is on the pro tier", func(s cfclient.Script) bool { return s.HasTag("tier-pro") })
	// pro is cpuMs 50, subRequests 50: the script's 20 ms is stricter, its
	// 500 subrequests are not.
	cpu, sub := 20, 500
	if _, err := w.e.Client.PatchSettings(ctx, "production", name, cfclient.SettingsPatch{
		Limits: &platform.Limits{CPUMs: &cpu, Subrequests: &sub}}); err != nil {
		t.Fatal(err)
	}
	v := w.open("production", name).View()
	for _, want := range []string{
		"tier pro", "cpu time       20 ms     50 ms            20 ms · script wins",
		"subrequests    500       50               50 · tier wins",
		"note: the script's own subrequests limit (500) is looser than tier pro's (50)", "and has no effect",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("limits lack %q:\n%s", want, v)
		}
	}
}

func TestTierNotDefinedAndAmbiguous(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	gold := w.prod[0].Name
	if _, err := w.e.Client.ReplaceTags(ctx, "production", gold, []string{"tier-gold", "customer-x"}); err != nil {
		t.Fatal(err)
	}
	v := w.open("production", gold).View()
	for _, want := range []string{"gold  WARNING tier not defined in the tier table", `WARNING tier "gold" not defined in the tier table`, "not defined"} {
		if !strings.Contains(v, want) {
			t.Errorf("a tier missing from the table: view lacks %q:\n%s", want, v)
		}
	}
	both := w.prod[1].Name
	if _, err := w.e.Client.ReplaceTags(ctx, "production", both, []string{"tier-free", "tier-pro"}); err != nil {
		t.Fatal(err)
	}
	v = w.open("production", both).View()
	if !strings.Contains(v, "WARNING ambiguous") {
		t.Errorf("two tier tags should be flagged:\n%s", v)
	}
}

func TestRoutesLoadWithoutBlockingTheRest(t *testing.T) {
	w := newWorld(t)
	name := w.find("is routed", func(s cfclient.Script) bool { return len(w.table.ByScript[s.Name]) > 0 })
	d := w.screen("production", name, 80, 200, nil)
	batch, ok := d.S.Init()().(tea.BatchMsg)
	if !ok {
		t.Fatal("Init should load the sections in parallel (a batch)")
	}
	var routes []tea.Msg
	for _, cmd := range batch {
		for _, msg := range d.Exec(cmd) {
			if _, isRoutes := msg.(routesMsg); isRoutes {
				routes = append(routes, msg)
				continue
			}
			if _, isWatch := msg.(routingwatch.StartedMsg); isWatch {
				continue // the watch would wait for progress while the routes are held
			}
			d.Send(msg)
		}
	}
	v := d.View()
	if !strings.Contains(v, "loading routing table…") || !strings.Contains(v, "ENVIRONMENT") || !strings.Contains(v, "namespace      production") {
		t.Errorf("while the routing table loads, the other sections should show:\n%s", v)
	}
	if len(routes) != 1 {
		t.Fatalf("%d routes messages", len(routes))
	}
	d.Send(routes[0])
	if v := d.View(); strings.Contains(v, "loading routing table") || !strings.Contains(v, w.table.ByScript[name][0].Key) {
		t.Errorf("after the routes arrive:\n%s", v)
	}
}

func TestSecretsNeverShowValues(t *testing.T) {
	w := newWorld(t)
	name := w.find("has a secret", func(s cfclient.Script) bool { return true })
	const value = "hunter2-super-secret-value"
	putSecret(t, w.e, "production", name, "TEST_SECRET", value)
	d := w.open("production", name)
	v := d.View()
	if !strings.Contains(v, "TEST_SECRET") || !strings.Contains(v, "secret_text") {
		t.Errorf("secret name missing:\n%s", v)
	}
	d.Press("y")
	raw := d.View()
	for _, view := range []string{v, raw, d.S.View()} {
		for _, leak := range []string{value, "sk_live_", "whsec_"} {
			if strings.Contains(view, leak) {
				t.Errorf("a secret value (%q) is on screen:\n%s", leak, view)
			}
		}
	}
}

// putSecret adds a secret through the API, as wrangler would.
func putSecret(t *testing.T, e *sandboxtest.Env, ns, script, name, value string) {
	t.Helper()
	u := fmt.Sprintf("%s/accounts/%s/workers/dispatch/namespaces/%s/scripts/%s/secrets",
		e.Sandbox.URL(), e.Sandbox.AccountID(), ns, script)
	body := fmt.Sprintf(`{"name":%q,"type":"secret_text","text":%q}`, name, value)
	req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.Sandbox.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("put secret: %s %s", resp.Status, b)
	}
}

func TestHostileTenantTextIsEscaped(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// A route whose key and JSON value carry terminal escapes.
	nsID, err := w.e.Client.RoutingNamespace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.e.Client.PutValue(ctx, nsID, "hostname:evil\x1b]0;pwned\x07.example.com",
		[]byte(`{"worker":"smoke-hostile-tag","note":"\u001b[2Jboom"}`)); err != nil {
		t.Fatal(err)
	}
	d := w.open("testing", "smoke-hostile-tag")
	raw := d.S.View()
	for _, bad := range []string{"\x1b[31mred", "\x1b]0;pwned", "\x07", "\x1b[2J"} {
		if strings.Contains(raw, bad) {
			t.Errorf("the raw view carries the tenant's escape %q", bad)
		}
	}
	v := d.View()
	for _, want := range []string{`note-\x1b[31mred\x1b[0m`, `evil\x1b]0;pwned\x07.example.com`, `note=\x1b[2Jboom`} {
		if !strings.Contains(v, want) {
			t.Errorf("the escape should be shown as inert text %q:\n%s", want, v)
		}
	}
	d.Press("y")
	if raw := d.S.View(); strings.Contains(raw, "\x1b[31mred") || !strings.Contains(d.View(), "note-") {
		t.Errorf("the JSON view carries the raw escape or lacks the tag:\n%s", d.View())
	}
}

func TestRawJSONToggle(t *testing.T) {
	w := newWorld(t)
	d := w.open("production", w.prod[0].Name)
	d.Press("y")
	v := d.View()
	for _, want := range []string{"JSON of " + w.prod[0].Name, `"script": {`, `"settings": {`, `"id": "` + w.prod[0].Name + `"`} {
		if !strings.Contains(v, want) {
			t.Errorf("JSON view lacks %q:\n%s", want, v)
		}
	}
	checkWidth(t, v, 80)
	d.S.SetSize(80, 24)
	top := d.View()
	if !strings.Contains(top, "j/k scroll") || strings.Contains(top, `"settings": {`) {
		t.Errorf("at 80×24 the JSON should scroll:\n%s", top)
	}
	d.Press("G")
	if v := d.View(); !strings.Contains(v, `"usage_model"`) || strings.Contains(v, "JSON of") {
		t.Errorf("G in the JSON view should reach the end:\n%s", v)
	}
	if !d.S.(ui.Escaper).WantsEsc() {
		t.Error("esc should close the JSON view first")
	}
	d.Press("esc")
	if v := d.View(); strings.Contains(v, `"settings"`) || !strings.Contains(v, "LIMITS") {
		t.Errorf("esc should return to the details:\n%s", v)
	}
	d.Press("y", "y")
	if v := d.View(); strings.Contains(v, `"settings"`) {
		t.Errorf("y twice should toggle the JSON view off:\n%s", v)
	}
}

func TestFitsAt80x24AndScrolls(t *testing.T) {
	w := newWorld(t)
	d := w.screen("production", w.prod[0].Name, 80, 24, nil)
	d.Run(d.S.Init())
	v := d.View()
	checkWidth(t, v, 80)
	if n := strings.Count(v, "\n") + 1; n > 24 {
		t.Errorf("%d lines at height 24", n)
	}
	if !strings.Contains(v, "j/k scroll") || strings.Contains(v, "OBSERVABILITY") {
		t.Errorf("the details should not fit in 24 lines and say how to scroll:\n%s", v)
	}
	d.Press("G")
	if v := d.View(); !strings.Contains(v, "OBSERVABILITY") {
		t.Errorf("G should scroll to the end:\n%s", v)
	}
	d.Press("g")
	if v := d.View(); !strings.Contains(v, "namespace      production") {
		t.Errorf("g should scroll to the top:\n%s", v)
	}
	d.Press("j", "pgdown", "ctrl+d")
	if v := d.View(); strings.Contains(v, "namespace      production") {
		t.Errorf("j/pgdown should scroll down:\n%s", v)
	}
}

func TestNoColorIsLegible(t *testing.T) {
	w := newWorld(t)
	name := w.find("has no route", func(s cfclient.Script) bool { return len(w.table.ByScript[s.Name]) == 0 })
	c := ui.NewCommon(t.Context(), clock, nil)
	c.Styles = ui.NoColorStyles()
	s, _ := Factory(w.e.Client, w.cache, w.changes())(c, ui.Route{Kind: ui.KindScript, Namespace: "production", Script: name})
	d := newDriver(t, s, 80, 200)
	d.Run(d.S.Init())
	if sgr, ok := findColourSGR(d.S.View()); ok {
		t.Errorf("NO_COLOR view sets a colour: %q", sgr)
	}
	if !strings.Contains(d.View(), "WARNING no route") {
		t.Error("the warning must be a word under NO_COLOR")
	}
}

func TestForbiddenSectionKeepsTheRest(t *testing.T) {
	w := newWorld(t)
	// A proxy in front of the sandbox refuses the secrets endpoint the way
	// Cloudflare does for a token without the permission.
	target, _ := url.Parse(w.e.Sandbox.URL())
	target.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/secrets") {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusForbidden)
			rw.Write([]byte(`{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`))
			return
		}
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	client := w.e.NewClient(t, func(o *cfclient.Options) { o.BaseURL = srv.URL + sandbox.APIPrefix })
	d := w.screen("production", w.prod[0].Name, 80, 200, client)
	d.Run(d.S.Init())
	v := d.View()
	for _, want := range []string{"✗ error:", "Authentication", "Workers Scripts Read", "ENVIRONMENT", "LIMITS", "ROUTES ("} {
		if !strings.Contains(v, want) {
			t.Errorf("with secrets forbidden the view lacks %q:\n%s", want, v)
		}
	}
}

func TestRefreshDoesNotReReadTheRoutingTableButRDoes(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	name := w.prod[0].Name
	d := w.open("production", name)
	if err := w.e.Client.SetRoute(ctx, platform.RoutePath, "/refreshed-route", name); err != nil {
		t.Fatal(err)
	}
	// Another screen on the same cache still sees the cached table.
	if v := w.open("production", name).View(); strings.Contains(v, "/refreshed-route") {
		t.Fatalf("the cache was read again without R:\n%s", v)
	}
	d.Send(ui.RefreshMsg{})
	if v := d.View(); strings.Contains(v, "/refreshed-route") || !strings.Contains(v, "R re-reads") {
		t.Errorf("ctrl+r must not re-read the routing table (R does):\n%s", v)
	}
	d.Press("R")
	if v := d.View(); !strings.Contains(v, "/refreshed-route") || !strings.Contains(v, "routing table read just now · R re-reads") {
		t.Errorf("R should re-read the routing table:\n%s", v)
	}
	// The other screens share the new table.
	if v := w.open("production", name).View(); !strings.Contains(v, "/refreshed-route") {
		t.Errorf("a new screen does not see the re-read table:\n%s", v)
	}
}

func TestStaleAnswersAreDropped(t *testing.T) {
	w := newWorld(t)
	d := w.open("production", w.prod[0].Name)
	m := d.S.(*Model)
	old := loadedMsg[cfclient.ScriptDetails]{key: m.key, token: m.token - 1,
		val: cfclient.ScriptDetails{Script: cfclient.Script{Name: "x", Handlers: []string{"stale-handler"}}}}
	d.Send(old)
	foreign := old
	foreign.token, foreign.key = m.token, "script\x00other"
	d.Send(foreign)
	d.Send(routesMsg{key: m.key, token: m.token - 1, routes: []platform.Route{{Kind: "hostname", Key: "stale.example.com"}}})
	if v := d.View(); strings.Contains(v, "stale-handler") || strings.Contains(v, "stale.example.com") {
		t.Errorf("a stale answer was shown:\n%s", v)
	}
}

func TestCopyName(t *testing.T) {
	w := newWorld(t)
	d := w.open("production", w.prod[0].Name)
	d.TakeSeen()
	d.Press("c")
	want := ui.CopyCmd(w.prod[0].Name)()
	for _, m := range d.TakeSeen() {
		if reflect.DeepEqual(m, want) {
			return
		}
	}
	t.Error("c did not copy the script name")
}

func TestSummaries(t *testing.T) {
	cases := []struct{ raw, want string }{
		{``, "off (not configured)"},
		{`{"enabled":false}`, "disabled"},
		{`{"enabled":true,"head_sampling_rate":0.1,"logs":{"enabled":true,"invocation_logs":true}}`,
			"enabled · head sampling 10% · logs on (with invocation logs)"},
		{`{"enabled":true}`, "enabled · head sampling 100% (default)"},
	}
	for _, c := range cases {
		if got := observabilitySummary([]byte(c.raw)); got != c.want {
			t.Errorf("observability %s = %q, want %q", c.raw, got, c.want)
		}
	}
	b := cfclient.Binding{Name: "K", Type: "secret_text", Raw: []byte(`{"name":"K","type":"secret_text","text":"leak"}`)}
	if got := bindingSummary(b); strings.Contains(got, "leak") {
		t.Errorf("secret binding summary %q shows a value", got)
	}
	kv := cfclient.Binding{Name: "C", Type: "kv_namespace", Raw: []byte(`{"name":"C","type":"kv_namespace","namespace_id":"abc"}`)}
	if got := bindingSummary(kv); got != "kv abc" {
		t.Errorf("kv summary %q", got)
	}
	if got := routeExtras(`{"worker":"w","tier":"pro","maintenance":true}`); got != "maintenance=true tier=pro" {
		t.Errorf("route extras %q", got)
	}
}

// findColourSGR reports the first SGR sequence in s that sets a colour.
func findColourSGR(s string) (string, bool) {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return "", false
		}
		s = s[i+2:]
		j := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != ';' && r != ':' })
		if j < 0 {
			return "", false
		}
		if s[j] != 'm' {
			continue
		}
		for _, p := range bytes.FieldsFunc([]byte(s[:j]), func(r rune) bool { return r == ';' || r == ':' }) {
			var n int
			fmt.Sscanf(string(p), "%d", &n)
			if (n >= 30 && n <= 49) || (n >= 90 && n <= 107) {
				return s[:j+1], true
			}
		}
	}
}

// changes is the change pipeline on the world's client, auditing to its
// log, with the listing cache for tag completion.
func (w *world) changes() Changes {
	return Changes{
		Planner:  change.NewPlanner(w.e.Client),
		Applier:  change.NewApplier(w.e.Client, audit.New(w.e.AuditPath()), "test"),
		Listings: w.e.Store(w.e.Client),
	}
}
