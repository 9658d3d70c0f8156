package scripts

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/screentest"
	"github.com/wfpconsole/wfp/ui"
)

// TestMain clears the variables cloudflare-go reads from the environment,
// so a developer's real credentials can never reach a test.
func TestMain(m *testing.M) { screentest.Main(m) }

// recorder wraps the real client (no mock: every call goes to the sandbox
// over loopback) and records the listings asked for.
type recorder struct {
	*cfclient.Client
	mu    sync.Mutex
	lists []listCall
	// onPage, when set, is called on the listing goroutine after page
	// (1-based) of listing call (0-based) is handed over, before the next
	// request: a test can switch the sandbox's faults on at an exact page.
	onPage func(call, page int)
}

type listCall struct {
	filter cfclient.TagFilter
	prio   throttle.Priority
}

func (r *recorder) ListScripts(ctx context.Context, ns string, f cfclient.TagFilter, fn func([]cfclient.Script) error) error {
	r.mu.Lock()
	call := len(r.lists)
	r.lists = append(r.lists, listCall{filter: f, prio: throttle.PriorityFrom(ctx)})
	hook := r.onPage
	r.mu.Unlock()
	page := 0
	return r.Client.ListScripts(ctx, ns, f, func(p []cfclient.Script) error {
		err := fn(p)
		page++
		if hook != nil {
			hook(call, page)
		}
		return err
	})
}

func (r *recorder) calls() []listCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]listCall(nil), r.lists...)
}

// harness drives one screen like the Bubble Tea runtime: commands run on
// their own goroutines, their messages are fed back to Update one at a
// time, batches are expanded, until nothing is running.
type harness struct {
	t       testing.TB
	e       *sandboxtest.Env
	src     *recorder
	c       *ui.Common
	m       *Model
	out     chan tea.Msg
	running int
	seen    []tea.Msg
	// after, when set, is called after each message is handled.
	after func(tea.Msg)
	now   time.Time
}

// newEnv starts a sandbox with n production scripts.
func newEnv(t testing.TB, n int) *sandboxtest.Env {
	return sandboxtest.Start(t, sandbox.Options{Seed: 1, Scripts: n}, func(o *cfclient.Options) {
		o.Throttle = throttle.New(throttle.Options{}, closingTransport(t))
	})
}

// closingTransport is the client transport, its idle connections closed
// when the test ends, before the sandbox shuts down. The screen sends
// requests concurrently (the listing and the script count), so the
// transport may dial a connection it then never uses; the sandbox's
// graceful shutdown would wait 5 s for such a connection's first request.
func closingTransport(t testing.TB) *http.Transport {
	tr := throttle.NewTransport(0)
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// newHarness builds the screen for namespace ns (arg: initial filter) on
// the client of e, sized 120×40, without running Init.
func newHarness(t testing.TB, e *sandboxtest.Env, client *cfclient.Client, ns, arg string) *harness {
	t.Helper()
	h := &harness{t: t, e: e, src: &recorder{Client: client}, out: make(chan tea.Msg, 64),
		now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	h.c = ui.NewCommon(t.Context(), func() time.Time { return h.now }, nil)
	h.c.Width, h.c.Height = 120, 40
	s, err := Factory(h.src, e.Store(client), cache.NewLastUsedCache(client))(h.c, ui.Route{Kind: ui.KindScripts, Namespace: ns, Arg: arg})
	if err != nil {
		t.Fatalf("factory: %v", err)
	}
	h.m = s.(*Model)
	h.m.SetSize(120, 40)
	t.Cleanup(h.m.Close)
	return h
}

// open builds the screen and runs Init to quiescence.
func open(t testing.TB, e *sandboxtest.Env, ns, arg string) *harness {
	t.Helper()
	h := newHarness(t, e, e.Client, ns, arg)
	h.settle(h.m.Init())
	return h
}

// exec starts cmd on its own goroutine.
func (h *harness) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	h.running++
	go func() { h.out <- cmd() }()
}

// dispatch handles one message: batches start their commands; anything
// else goes to Update.
func (h *harness) dispatch(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.exec(c)
		}
	default:
		h.seen = append(h.seen, msg)
		h.send(msg)
	}
}

// send feeds msg to Update and starts the returned command.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	s, cmd := h.m.Update(msg)
	if s != h.m {
		h.t.Fatalf("Update returned another screen")
	}
	if h.after != nil {
		h.after(msg)
	}
	h.exec(cmd)
}

// settle runs cmd and everything it leads to until nothing is running.
func (h *harness) settle(cmd tea.Cmd) {
	h.t.Helper()
	h.exec(cmd)
	timeout := time.After(60 * time.Second)
	for h.running > 0 {
		select {
		case msg := <-h.out:
			h.running--
			h.dispatch(msg)
		case <-timeout:
			h.t.Fatalf("commands still running after 60s (%d)", h.running)
		}
	}
}

// press feeds keys by name and settles after each.
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.settle(h.update(keyMsg(k)))
	}
}

// update feeds one message without running the command it returns.
func (h *harness) update(msg tea.Msg) tea.Cmd {
	_, cmd := h.m.Update(msg)
	return cmd
}

// typeText types s into the screen, settling after each rune.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.settle(h.update(tea.KeyPressMsg{Code: r, Text: string(r)}))
	}
}

// view returns the ANSI-stripped view.
func (h *harness) view() string { return ansi.Strip(h.m.View()) }

// lines returns the stripped view's lines.
func (h *harness) lines() []string { return strings.Split(h.view(), "\n") }

// title returns the first line of the stripped view.
func (h *harness) title() string { return h.lines()[0] }

// shownNames returns the names of the rows shown, in order.
func (h *harness) shownNames() []string {
	out := make([]string, len(h.m.shown))
	for i, p := range h.m.shown {
		out[i] = h.m.all.Name(int(p))
	}
	return out
}

// listAll lists a namespace directly through the client (the reference).
func listAll(t *testing.T, c *cfclient.Client, ns string, f cfclient.TagFilter) []cfclient.Script {
	t.Helper()
	var out []cfclient.Script
	err := c.ListScripts(t.Context(), ns, f, func(p []cfclient.Script) error {
		out = append(out, p...)
		return nil
	})
	if err != nil {
		t.Fatalf("list %s: %v", ns, err)
	}
	return out
}

// feed feeds keys by name to a component (the filter bar, the facets
// panel) and returns it as its last Update left it.
func feed[C interface{ Update(tea.Msg) (C, tea.Cmd) }](c C, keys ...string) C {
	for _, k := range keys {
		c, _ = c.Update(keyMsg(k))
	}
	return c
}

// keyMsg builds a key press by name ("j", "esc", "ctrl+r", "space", "N").
var keyMsg = screentest.Key

// cachedAt is when the production listing in e's cache was saved.
func cachedAt(t testing.TB, e *sandboxtest.Env) time.Time {
	t.Helper()
	l, err := e.Store(e.Client).Scripts("production")
	if err != nil {
		t.Fatal(err)
	}
	return l.Saved
}

// asRows is scripts in the screen's compact form.
func asRows(scripts []cfclient.Script) *rows.Scripts {
	r := rows.FromScripts(scripts)
	return &r
}
