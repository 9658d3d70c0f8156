package script

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/routingwatch"
	"github.com/wfpconsole/wfp/ui"
)

// costlyWorld is a world whose routing cache reads nothing by itself: the
// 50-script table costs 2 requests, more than AutoReadMax 1.
func costlyWorld(t *testing.T) *world {
	w := newWorld(t)
	w.cache.Close()
	w.cache = cache.NewRoutingCacheWithOptions(w.e.Client, w.e.Store(w.e.Client), cache.RoutingCacheOptions{AutoReadMax: 1})
	t.Cleanup(w.cache.Close)
	return w
}

func TestCostlyRoutingTableAsksBeforeReading(t *testing.T) {
	w := costlyWorld(t)
	name := w.find("is routed", func(s cfclient.Script) bool { return len(w.table.ByScript[s.Name]) > 0 })
	d := w.open("production", name)
	v := d.View()
	for _, want := range []string{"the routing table has", "keys", "reading it costs 2 API requests",
		"of background budget", "press R to read it (once, shared by every script screen)", "ROUTES\n"} {
		if !strings.Contains(v, want) {
			t.Errorf("the ask lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "loading routing table") || strings.Contains(v, "✗ error") || strings.Contains(v, "WARNING no route") {
		t.Errorf("a table waiting for R is neither loading, an error nor unrouted:\n%s", v)
	}
	checkWidth(t, v, 80)
	if p := w.cache.Progress(); p.Phase != cache.RoutingNeedsRead {
		t.Errorf("cache phase %v, want NeedsRead", p.Phase)
	}
	// ctrl+r does not read it either.
	d.Send(ui.RefreshMsg{})
	if v := d.View(); !strings.Contains(v, "press R to read it") {
		t.Errorf("after ctrl+r the table should still wait for R:\n%s", v)
	}
	d.Press("R")
	v = d.View()
	if strings.Contains(v, "press R to read it") || !strings.Contains(v, w.table.ByScript[name][0].Key) ||
		!strings.Contains(v, "routing table read just now · R re-reads") {
		t.Errorf("after R the routes should show:\n%s", v)
	}
	// Another screen shares the read.
	if v := w.open("production", name).View(); !strings.Contains(v, w.table.ByScript[name][0].Key) {
		t.Errorf("a second screen does not share the read:\n%s", v)
	}
}

func TestRoutingReadShowsProgress(t *testing.T) {
	w := costlyWorld(t)
	name := w.find("is routed", func(s cfclient.Script) bool { return len(w.table.ByScript[s.Name]) > 0 })
	d := w.open("production", name)
	m := d.S.(*Model)
	if m.watch.Running() {
		t.Fatal("a watch of the routing cache is left running while nothing loads")
	}
	w.e.Sandbox.SetFaults(sandbox.Faults{Latency: 300 * time.Millisecond})

	_, cmd := m.Update(keyMsg("R"))
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("R returned %T, want a batch (the read and the watch)", cmd)
	}
	read := make(chan tea.Msg, 1)
	go func() { read <- batch[0]() }()
	// The watch pushes snapshots; the screen's re-armed reader takes them
	// until the values are being read. Nothing polls.
	next := d.Exec(batch[1])
	deadline := time.Now().Add(20 * time.Second)
	for m.watch.Progress.Phase != cache.RoutingReading {
		if time.Now().After(deadline) || len(next) != 1 {
			t.Fatalf("the read never reached the values: %+v (%d messages)", m.watch.Progress, len(next))
		}
		_, cmd := m.Update(next[0])
		next = d.Exec(cmd)
	}
	v := d.View()
	p := m.watch.Progress
	want := "reading routing table · " + ui.Commas(p.Read) + " of " + ui.Commas(p.Routes) + " routes (" + ui.Commas(p.Listed) + " keys)"
	for _, s := range []string{want, "background, waits for API budget"} {
		if !strings.Contains(v, s) {
			t.Errorf("progress view lacks %q:\n%s", s, v)
		}
	}
	if strings.Contains(v, "press R to read it") {
		t.Errorf("the ask is still shown while reading:\n%s", v)
	}
	checkWidth(t, v, 80)
	// A snapshot of another screen is ignored (an older watch's too:
	// internal/routingwatch's tests).
	if _, cmd := m.Update(routingwatch.ProgressMsg{}); cmd != nil {
		t.Error("a foreign snapshot re-armed the reader")
	}
	msg := <-read
	w.e.Sandbox.SetFaults(sandbox.Faults{})
	d.Send(msg)
	if v := d.View(); strings.Contains(v, "reading routing table") || !strings.Contains(v, w.table.ByScript[name][0].Key) {
		t.Errorf("after the read:\n%s", v)
	}
	if m.watch.Running() {
		t.Error("the watch goes on after the read ended")
	}
}

func TestCachedRoutingTableShowsItsAge(t *testing.T) {
	w := newWorld(t)
	name := w.find("is routed", func(s cfclient.Script) bool { return len(w.table.ByScript[s.Name]) > 0 })
	w.open("production", name) // reads the table (cheap) and saves it

	// A later run, two hours on, where the table would be too costly.
	later := func() time.Time { return now.Add(2 * time.Hour) }
	client := w.e.NewClient(t, func(o *cfclient.Options) { o.Now = later })
	rc := cache.NewRoutingCacheWithOptions(client, w.e.Store(client), cache.RoutingCacheOptions{AutoReadMax: 1})
	t.Cleanup(rc.Close)
	c := ui.NewCommon(t.Context(), later, nil)
	s, err := Factory(client, rc, w.changes())(c, ui.Route{Kind: ui.KindScript, Namespace: "production", Script: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.(ui.Closer).Close)
	d := newDriver(t, s, 80, 200)
	d.Run(d.S.Init())
	v := d.View()
	if !strings.Contains(v, "routing table read 2h ago · R re-reads") || !strings.Contains(v, w.table.ByScript[name][0].Key) {
		t.Errorf("a table cached by an earlier run should show at once with its age:\n%s", v)
	}
	if strings.Contains(v, "press R to read it") {
		t.Errorf("a cached table must not ask:\n%s", v)
	}
	if p := rc.Progress(); !p.FromDisk {
		t.Errorf("progress %+v, want the table from disk", p)
	}
	d.Press("R")
	if v := d.View(); !strings.Contains(v, "routing table read just now · R re-reads") {
		t.Errorf("R should re-read a cached table:\n%s", v)
	}
}

func TestCostText(t *testing.T) {
	e := cache.RoutingEstimate{Keys: 9000, Routes: 110012, Scripts: 110012, Requests: 1212, Budget: 7 * time.Minute}
	want := "the routing table has more than 9,000 keys and the platform runs 110,012 scripts: reading it costs ~1,212 API requests or more (~7 min of background budget). press R to read it (once, shared by every script screen)"
	if got := costText(e); got != want {
		t.Errorf("costText:\n got %q\nwant %q", got, want)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 221204: "221,204", 1234567: "1,234,567"} {
		if got := ui.Commas(n); got != want {
			t.Errorf("ui.Commas(%d) = %q, want %q", n, got, want)
		}
	}
}

// At 80 columns the footer keeps R (read the routing table) when it has to
// drop keys: the screen lists its keys most useful first.
func TestFooterKeepsReadRoutesAt80(t *testing.T) {
	w := costlyWorld(t)
	name := w.find("is routed", func(s cfclient.Script) bool { return len(w.table.ByScript[s.Name]) > 0 })
	d := w.open("production", name)
	h := help.New()
	h.SetWidth(80 - 22) // what the shell leaves of 80 columns after ": command • ? help"
	if got := ansi.Strip(h.ShortHelpView(d.S.ShortHelp())); !strings.Contains(got, "R ") {
		t.Errorf("footer at 80 columns = %q, want R in it", got)
	}
}

// While the routing read waits for API budget the routes section says so,
// and about how long, instead of "loading routing table…". The wait
// arrives as a progress message: nothing in Update or View asks the cache
// or the throttle.
func TestRoutesSayWhenTheReadWaitsForBudget(t *testing.T) {
	w := newWorld(t)
	name := w.find("is routed", func(s cfclient.Script) bool { return len(w.table.ByScript[s.Name]) > 0 })
	// The sandbox sends no rate-limit headers: 10 per 30 s stand, 9
	// usable, 7 of them for background work.
	th := throttle.New(throttle.Options{Requests: 10, Window: 30 * time.Second}, throttle.NewTransport(0))
	client := w.e.NewClient(t, func(o *cfclient.Options) { o.Throttle = th })
	rc := cache.NewRoutingCache(client, nil)
	for st := client.Stats(); st.Used < st.BackgroundLimit; st = client.Stats() {
		if _, err := client.ListNamespaces(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	c := ui.NewCommon(t.Context(), time.Now, nil) // the throttle's clock
	s, err := Factory(client, rc, w.changes())(c, ui.Route{Kind: ui.KindScript, Namespace: "production", Script: name})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, s, 80, 200)
	m := d.S.(*Model)
	batch, ok := m.Init()().(tea.BatchMsg)
	if !ok || len(batch) < 2 {
		t.Fatalf("Init returned %T, want a batch ending with the watch", batch)
	}
	// The loads wait for budget on their own goroutines; the watch's
	// snapshots are fed to the screen as the runtime would.
	loads := make(chan tea.Msg, len(batch))
	for _, cmd := range batch[:len(batch)-1] {
		go func() { loads <- cmd() }()
	}
	waitRe := regexp.MustCompile(`routing table: waiting for API budget, ~(\d+) s`)
	next := d.Exec(batch[len(batch)-1]) // the started watch
	deadline := time.After(10 * time.Second)
	for len(next) == 1 {
		_, cmd := m.Update(next[0])
		if waitRe.MatchString(d.View()) || cmd == nil {
			break
		}
		got := make(chan tea.Msg, 1)
		go func() { got <- cmd() }() // the next snapshot
		select {
		case msg := <-got:
			next = []tea.Msg{msg}
		case <-deadline:
			next = nil
		}
	}
	if !waitRe.MatchString(d.View()) {
		t.Fatalf("the routes never said they wait for budget (%+v):\n%s", m.watch.Progress, d.View())
	}
	v := d.View()
	if secs, _ := strconv.Atoi(waitRe.FindStringSubmatch(v)[1]); secs < 20 || secs > 30 {
		t.Errorf("says ~%d s; the 30 s window frees the budget in 20-30 s:\n%s", secs, v)
	}
	if strings.Contains(v, "loading routing table") {
		t.Errorf("a read waiting for budget still says loading:\n%s", v)
	}
	checkWidth(t, v, 80)
	// Closing the screen and the cache ends the waits.
	s.(ui.Closer).Close()
	rc.Close()
	for range len(batch) - 1 {
		select {
		case <-loads:
		case <-time.After(10 * time.Second):
			t.Fatal("a load kept waiting after the screen and the cache closed")
		}
	}
}

// A routing cache file found damaged is dropped and the table read again;
// the screen says so once (a status in the footer), and a second screen on
// the same cache does not say it again.
func TestDamagedRoutingCacheIsSaidOnce(t *testing.T) {
	w := newWorld(t)
	name := w.find("is routed", func(s cfclient.Script) bool { return len(w.table.ByScript[s.Name]) > 0 })
	w.open("production", name) // reads the table and saves it
	path := filepath.Join(w.e.Store(w.e.Client).Dir(), "routing", "table.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the routing table was not cached on disk: %v", err)
	}
	data[len(data)/2] ^= 0x20
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	// A later run over the same cache directory.
	rc := cache.NewRoutingCache(w.e.Client, w.e.Store(w.e.Client))
	t.Cleanup(rc.Close)
	open := func() *driver {
		c := ui.NewCommon(t.Context(), clock, nil)
		s, err := Factory(w.e.Client, rc, w.changes())(c, ui.Route{Kind: ui.KindScript, Namespace: "production", Script: name})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.(ui.Closer).Close)
		d := newDriver(t, s, 80, 200)
		d.Run(d.S.Init())
		return d
	}
	said := func(d *driver) []string {
		var out []string
		for _, msg := range d.Seen {
			if s, ok := msg.(ui.StatusMsg); ok && strings.Contains(s.Text, "routing cache") {
				out = append(out, s.Text)
			}
		}
		return out
	}
	d := open()
	got := said(d)
	if len(got) != 1 || !strings.Contains(got[0], "unreadable") || !strings.Contains(got[0], "rebuilding it from the API") {
		t.Fatalf("the screen said %q, want once that the routing cache was unreadable and is being rebuilt", got)
	}
	if v := d.View(); !strings.Contains(v, w.table.ByScript[name][0].Key) || !strings.Contains(v, "routing table read just now") {
		t.Errorf("the rebuilt table should show:\n%s", v)
	}
	if got := said(open()); len(got) != 0 {
		t.Errorf("a second screen said it again: %q", got)
	}
}
