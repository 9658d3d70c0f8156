package logs

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wfpconsole/wfp/cfclient/tail"
	"github.com/wfpconsole/wfp/ui"
)

var nsRoute = ui.Route{Kind: Kind, Namespace: "production"}

func TestFollowPauseAndResume(t *testing.T) {
	m := newTestModel(t, nsRoute, make(chan tail.Item), 0)
	for i := range 5 {
		feed(m, events(traceEvent(t, i))...)
	}
	if m.table.Len() != 5 || m.table.Cursor() != 4 {
		t.Fatalf("following: %d rows, cursor %d; want 5 rows, cursor on the newest", m.table.Len(), m.table.Cursor())
	}
	press(m, "space")
	feed(m, events(traceEvent(t, 5), traceEvent(t, 6), traceEvent(t, 7))...)
	if m.table.Len() != 5 {
		t.Errorf("paused: the table shows %d rows, want the 5 it had", m.table.Len())
	}
	if v := m.View(); !strings.Contains(v, "paused · +3 new") || !strings.Contains(v, "8 events") {
		t.Errorf("paused view should say 8 events and +3 new:\n%s", v)
	}
	press(m, "space")
	if m.table.Len() != 8 || m.table.Cursor() != 7 || strings.Contains(m.View(), "paused") {
		t.Errorf("resumed: %d rows, cursor %d", m.table.Len(), m.table.Cursor())
	}
	// Moving up stops following; G follows again.
	press(m, "k")
	if m.following {
		t.Error("moving up should stop following")
	}
	feed(m, events(traceEvent(t, 8))...)
	if !strings.Contains(m.View(), "+1 new") {
		t.Errorf("after k, a new event is counted:\n%s", m.View())
	}
	press(m, "G")
	if !m.following || m.table.Cursor() != 8 {
		t.Errorf("G should follow again (cursor %d)", m.table.Cursor())
	}
}

func TestFilterTerms(t *testing.T) {
	m := newTestModel(t, nsRoute, make(chan tail.Item), 0)
	var evs []*tail.Event
	for i := range 100 {
		evs = append(evs, traceEvent(t, i))
	}
	feed(m, events(evs...)...)
	count := func(pred func(*tail.Event) bool) int {
		n := 0
		for _, ev := range evs {
			if pred(ev) {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		filter string
		want   func(*tail.Event) bool
	}{
		{"status:5xx", func(e *tail.Event) bool { return e.Status >= 500 }},
		{"status:404", func(e *tail.Event) bool { return e.Status == 404 }},
		{"outcome:exception", func(e *tail.Event) bool { return e.Outcome == "exception" }},
		{"outcome:error", func(e *tail.Event) bool { return e.Errored() }},
		{"outcome:cpu", func(e *tail.Event) bool { return e.Outcome == "exceededCpu" }},
		{"level:error", func(e *tail.Event) bool { return len(e.Exceptions) > 0 }},
		{"script:tenant-00003-", func(e *tail.Event) bool { return e.Script == "tenant-00003-api-prod" }},
		{"method:post", func(e *tail.Event) bool { return e.Method == "POST" }},
		{"!outcome:ok CHECKOUT", func(e *tail.Event) bool {
			return e.Outcome != "ok" && strings.Contains(e.FirstLine()+" "+joinLogs(e), "checkout")
		}},
		{"shop5.example.com/cart", func(e *tail.Event) bool { return strings.Contains(e.URL, "shop5.example.com/cart") }},
	} {
		press(m, "/")
		typeText(m, c.filter)
		press(m, "enter")
		want := count(c.want)
		if want == 0 {
			t.Fatalf("%s: the fixture has no matching event", c.filter)
		}
		if got := m.table.Len(); got != want {
			t.Errorf("/%s: %d shown, want %d", c.filter, got, want)
		}
		press(m, "esc") // clears the filter
		if m.table.Len() != 100 {
			t.Fatalf("esc should clear /%s: %d shown", c.filter, m.table.Len())
		}
	}
	// A wrong term says which and why, and leaves the previous filter.
	press(m, "/")
	typeText(m, "status:5xx")
	typeText(m, " level:loud")
	if v := m.View(); !strings.Contains(v, "level:loud: one of debug, log, info, warn, error") {
		t.Errorf("an invalid term should be explained:\n%s", v)
	}
	press(m, "esc")
	if m.table.Len() != 100 {
		t.Errorf("esc should drop the filter being typed: %d shown", m.table.Len())
	}
}

func joinLogs(e *tail.Event) string {
	var s []string
	for _, l := range e.Logs {
		s = append(s, l.Text)
	}
	return strings.Join(s, " ")
}

func TestDetailShowsTheWholeEvent(t *testing.T) {
	m := newTestModel(t, nsRoute, make(chan tail.Item), 0)
	feed(m, events(traceEvent(t, 6))...) // an exception
	press(m, "enter")
	v := m.View()
	for _, want := range []string{"exception", "TypeError: Cannot read properties", "at handle (index.js:42:17)",
		"authorization: REDACTED", "cpu 7 ms · wall 16 ms", "(error) checkout failed", "tier-pro"} {
		if !strings.Contains(m.detailView.View()+v, want) && !strings.Contains(detailText(m.buf.shown[0].ev), want) {
			t.Errorf("the detail lacks %q:\n%s", want, detailText(m.buf.shown[0].ev))
		}
	}
	press(m, "esc")
	if m.detail {
		t.Error("esc should close the detail")
	}
}

func TestWriteJSONLines(t *testing.T) {
	m := newTestModel(t, nsRoute, make(chan tail.Item), 0)
	for i := range 7 {
		feed(m, events(traceEvent(t, i))...)
	}
	cmd := press(m, "w")
	if cmd == nil {
		t.Fatal("w returned no command")
	}
	msg := cmd().(writtenMsg)
	if msg.err != nil || msg.n != 7 {
		t.Fatalf("written %+v", msg)
	}
	_, status := m.Update(msg)
	if st, ok := status().(ui.StatusMsg); !ok || !strings.Contains(st.Text, msg.path) || !strings.Contains(st.Text, "7 events") {
		t.Errorf("the footer should name the file: %+v", status())
	}
	f, err := os.Open(msg.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ev, err := tail.DecodeTrace(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if ev.Script != m.buf.shown[n].ev.Script || ev.Outcome != m.buf.shown[n].ev.Outcome {
			t.Errorf("line %d: %s %s", n, ev.Script, ev.Outcome)
		}
		n++
	}
	if n != 7 {
		t.Errorf("%d lines, want 7", n)
	}
}

func TestRingKeepsTheNewest(t *testing.T) {
	m := newTestModel(t, nsRoute, make(chan tail.Item), 10)
	press(m, "/")
	typeText(m, "outcome:ok")
	press(m, "enter")
	for i := range 25 {
		feed(m, events(traceEvent(t, i))...)
	}
	if m.buf.n != 10 {
		t.Fatalf("ring holds %d, want 10", m.buf.n)
	}
	for _, e := range m.buf.shown {
		if e.seq < 15 || e.ev.Outcome != "ok" {
			t.Errorf("shown holds an entry that left the ring or fails the filter: seq %d %s", e.seq, e.ev.Outcome)
		}
	}
	if !strings.Contains(m.View(), "15 rotated out") {
		t.Errorf("the stats line should count what left the ring:\n%s", m.View())
	}
}

func TestTenantTextIsSanitized(t *testing.T) {
	m := newTestModel(t, nsRoute, make(chan tail.Item), 0)
	ev := traceEvent(t, 1)
	ev.Script = "evil\x1b[31mred"
	ev.Logs[0].Text = "log\x1b]52;c;AAAA\x07line"
	feed(m, events(ev)...)
	for _, v := range []string{m.View(), func() string { press(m, "enter"); return m.View() }()} {
		if strings.ContainsRune(v, 0x1b) && strings.Contains(v, "\x1b[31mred") || strings.Contains(v, "\x1b]52") {
			t.Errorf("raw escape reached the screen: %q", v)
		}
		if !strings.Contains(v, `\x1b`) {
			t.Errorf("the escape should be shown escaped: %q", v)
		}
	}
}

func TestTagSelectorKeepsItsScripts(t *testing.T) {
	m := newTestModel(t, ui.Route{Kind: Kind, Namespace: "production", Arg: "customer-3"}, make(chan tail.Item), 0)
	for i := range 200 {
		feed(m, events(traceEvent(t, i))...)
	}
	if m.buf.n != 3 { // i%97 == 3: 3, 100, 197
		t.Errorf("the selector kept %d events, want 3", m.buf.n)
	}
	if !strings.Contains(m.View(), "logs of production -t customer-3") {
		t.Errorf("the title should name the selection:\n%s", m.View())
	}
	if _, err := New(m.c, Deps{}, ui.Route{Kind: Kind, Namespace: "production", Arg: "a&b"}); err == nil {
		t.Error("a bad selector should be refused, naming the rule")
	}
}

func TestStateAndStatsLine(t *testing.T) {
	m := newTestModel(t, ui.Route{Kind: Kind, Script: "dispatcher", Arg: ArgLive}, make(chan tail.Item), 0)
	if !strings.Contains(m.View(), "connecting") {
		t.Errorf("before any state: %s", m.View())
	}
	feed(m, tail.Item{State: &tail.State{Phase: tail.Reconnecting, Next: m.c.Now().Add(4e9), Attempt: 2, PerMinute: 3}})
	feed(m, events(traceEvent(t, 6), traceEvent(t, 1))...)
	v := m.View()
	for _, want := range []string{"live tail of dispatcher", "0.2 ev/s", "0.1 err/s", "reconnecting in 4 s (attempt 2) · 3 req/min"} {
		if !strings.Contains(v, want) {
			t.Errorf("stats lack %q:\n%s", want, v)
		}
	}
	// A closed stream stops the reader.
	_, cmd := m.Update(itemsMsg{key: m.key, token: m.token, closed: true})
	if cmd != nil || !m.closed {
		t.Error("a closed stream must not re-arm the reader")
	}
	// A batch of a superseded stream is dropped.
	m.Update(itemsMsg{key: m.key, token: m.token - 1, items: events(traceEvent(t, 3))})
	if m.buf.n != 2 {
		t.Error("a stale batch was applied")
	}
}

func TestReaderIsRearmedAndPaced(t *testing.T) {
	ch := make(chan tail.Item, 10)
	m := newTestModel(t, nsRoute, ch, 0)
	ch <- tail.Item{Event: traceEvent(t, 1)}
	ch <- tail.Item{Event: traceEvent(t, 2)}
	msg := m.wait(true)().(itemsMsg)
	if len(msg.items) != 2 {
		t.Fatalf("one batch should take what waits: %d", len(msg.items))
	}
	_, next := m.Update(msg)
	if next == nil {
		t.Fatal("the reader must be re-armed")
	}
	close(ch)
	if got := next().(itemsMsg); !got.closed {
		t.Error("the re-armed reader should report the closed stream")
	}
	var _ tea.Msg = msg
}

func TestRefreshRestartsOnlyAnEndedStream(t *testing.T) {
	opened := 0
	c := newTestModel(t, nsRoute, make(chan tail.Item), 0).c
	m, err := New(c, Deps{Open: func(context.Context, Target) <-chan tail.Item { opened++; return make(chan tail.Item) }}, nsRoute)
	if err != nil {
		t.Fatal(err)
	}
	m.Init()
	m.Update(ui.RefreshMsg{})
	if opened != 1 {
		t.Errorf("ctrl+r restarted a live stream (%d opens)", opened)
	}
	feed(m, tail.Item{State: &tail.State{Phase: tail.Failed, Err: "forbidden"}})
	m.Update(ui.RefreshMsg{})
	if opened != 2 {
		t.Errorf("ctrl+r should restart a failed stream (%d opens)", opened)
	}
}

// TestScriptKeyAndPathColumn: s opens the script screen of the event under
// the cursor (where an operator raises its tier); a screen of one script
// shows paths without the host every line shares.
func TestScriptKeyAndPathColumn(t *testing.T) {
	one := ui.Route{Kind: Kind, Namespace: "production", Script: "s"}
	m := newTestModel(t, one, make(chan tail.Item), 0)
	ev := traceEvent(t, 1)
	ev.Namespace, ev.Script = "production", "tenant-1"
	ev.URL = "https://tenant-1.tenants.example/jobs/sync"
	feed(m, events(ev)...)
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "PATH") || strings.Contains(v, "HOST/PATH") || !strings.Contains(v, "/jobs/sync") || strings.Contains(v, "tenant-1.tenants") {
		t.Errorf("one script: want the path column without the host:\n%s", v)
	}
	cmd := press(m, "s")
	want := ui.Route{Kind: ui.KindScript, Namespace: "production", Script: "tenant-1"}
	if cmd == nil {
		t.Fatal("s: no command")
	}
	if nav, ok := cmd().(ui.NavigateMsg); !ok || nav.Route != want {
		t.Errorf("s: %+v, want navigation to %+v", cmd(), want)
	}
	acct := traceEvent(t, 2)
	acct.Namespace, acct.Script = "", "dispatcher"
	feed(m, events(acct)...)
	if cmd = press(m, "s"); cmd == nil {
		t.Fatal("s on an account script: want a status saying why not")
	}
	if _, ok := cmd().(ui.NavigateMsg); ok {
		t.Error("s on an account script navigated")
	}
}
