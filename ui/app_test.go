package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"image/color"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

func TestNavigatePushAndBackKeepsState(t *testing.T) {
	h := newHarness(t)
	h.press("j", "j")
	root := h.active()
	if root.cursor != 2 {
		t.Fatalf("root cursor = %d, want 2", root.cursor)
	}

	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "production"}}))
	scripts := h.active()
	if scripts == root || scripts.title != "production" {
		t.Fatalf("active screen = %q, want the production scripts screen", scripts.title)
	}
	h.press("j", "j", "j")
	h.run(h.press("enter")) // the test screen navigates to script-3
	if got := h.active().title; got != "script-3" {
		t.Fatalf("after enter, active = %q, want script-3", got)
	}
	if !strings.Contains(h.lines()[1], "sandbox ▸ production ▸ script-3") {
		t.Errorf("breadcrumbs line = %q", h.lines()[1])
	}

	detail := h.active()
	h.press("esc")
	if h.active() != scripts || scripts.cursor != 3 {
		t.Fatalf("after esc: active %q cursor %d, want production cursor 3", h.active().title, h.active().cursor)
	}
	if !detail.closed {
		t.Error("popped screen was not closed")
	}
	h.send(BackMsg{})
	if h.active() != root || root.cursor != 2 {
		t.Fatalf("after back: active %q cursor %d, want root cursor 2", h.active().title, h.active().cursor)
	}
	if !strings.Contains(h.view(), "acct cursor=2") {
		t.Errorf("root view lost its cursor:\n%s", h.view())
	}

	// esc at the root does nothing: no quit, same screen.
	if cmd := h.press("esc"); cmd != nil {
		t.Errorf("esc at root returned a command: %v", execCmd(cmd))
	}
	if h.active() != root || len(h.app.stack) != 1 {
		t.Error("esc at root changed the stack")
	}
}

func TestNavigateToRouteOnStackReusesIt(t *testing.T) {
	h := newHarness(t)
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "production"}}))
	h.press("j")
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScript, Namespace: "production", Script: "a"}}))
	built := h.built
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "production"}}))
	if h.built != built {
		t.Errorf("navigating to a route on the stack built a new screen")
	}
	if got := h.active(); got.title != "production" || got.cursor != 1 || len(h.app.stack) != 2 {
		t.Errorf("active %q cursor %d depth %d, want production cursor 1 depth 2", got.title, got.cursor, len(h.app.stack))
	}
}

func TestNavigateErrorsShowStatus(t *testing.T) {
	h := newHarness(t)
	h.send(NavigateMsg{Route: Route{Kind: "tiers"}})
	if !strings.Contains(h.lines()[23], `error: no screen for "tiers"`) {
		t.Errorf("footer = %q", h.lines()[23])
	}
	h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "broken"}})
	if !strings.Contains(h.lines()[23], `open scripts: namespace "broken" is broken`) {
		t.Errorf("footer = %q", h.lines()[23])
	}
	if len(h.app.stack) != 1 {
		t.Errorf("failed navigation changed the stack depth to %d", len(h.app.stack))
	}
}

func TestEscClearsScreenFilterBeforeGoingBack(t *testing.T) {
	h := newHarness(t)
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "production"}}))
	h.press("/")
	h.typeText("tenant?:")
	h.press("enter")
	s := h.active()
	if s.filter != "tenant?:" {
		t.Fatalf("filter = %q: global keys were stolen while the screen captured input", s.filter)
	}
	if h.app.showHelp || h.app.cmd.active {
		t.Fatal("? or : opened an overlay while the screen was capturing")
	}
	h.press("esc")
	if h.active() != s || s.filter != "" {
		t.Fatalf("first esc should clear the filter and stay; active %q filter %q", h.active().title, s.filter)
	}
	h.press("esc")
	if h.active().title != "acct" {
		t.Fatalf("second esc should go back; active %q", h.active().title)
	}
}

func TestRefreshKeyReachesActiveScreen(t *testing.T) {
	h := newHarness(t)
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "production"}}))
	h.press("ctrl+r")
	if h.active().refreshes != 1 {
		t.Errorf("refreshes = %d, want 1", h.active().refreshes)
	}
	if root := h.app.stack[0].screen.(*testScreen); root.refreshes != 0 {
		t.Errorf("inactive screen got %d refreshes", root.refreshes)
	}
}

type loadedMsg struct{ token int }

// routedMsg is a result for the screen with route key key.
type routedMsg struct {
	key   string
	token int
}

func (m routedMsg) RouteKey() string { return m.key }

func TestRoutedMessagesReachOnlyTheScreenThatAsked(t *testing.T) {
	h := newHarness(t)
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "production"}}))
	root := h.app.stack[0].screen.(*testScreen)
	active := h.active()
	// A result for the root screen, which is not active, reaches it alone.
	h.send(routedMsg{key: Route{Kind: KindNamespaces}.Key(), token: 7})
	if len(root.msgs) != 1 || root.msgs[0] != (routedMsg{key: Route{Kind: KindNamespaces}.Key(), token: 7}) {
		t.Errorf("root got %v, want the routed message", root.msgs)
	}
	if len(active.msgs) != 0 {
		t.Errorf("the active screen got %v, another screen's result", active.msgs)
	}
	// A result for a screen that is gone is dropped.
	h.send(routedMsg{key: Route{Kind: KindScript, Script: "gone"}.Key()})
	if len(root.msgs) != 1 || len(active.msgs) != 0 {
		t.Errorf("a result for a closed screen was delivered: root %v active %v", root.msgs, active.msgs)
	}
	// Any other message reaches the active screen only.
	h.send(loadedMsg{token: 8})
	if len(active.msgs) != 1 || active.msgs[0] != (loadedMsg{token: 8}) || len(root.msgs) != 1 {
		t.Errorf("unrouted message: active %v root %v, want the active screen only", active.msgs, root.msgs)
	}
}

func TestHelpOverlayShowsLiveBindings(t *testing.T) {
	h := newHarness(t, Command{Name: "scripts", Args: "[namespace]", Help: "list scripts", Run: func(Route, []string, Completions) (tea.Cmd, error) { return nil, nil }})
	h.press("?")
	v := h.view()
	for _, want := range []string{"j  down", "/  filter", "enter  open", ":       command", "ctrl+r  refresh", ":scripts [namespace]", "list scripts", ":q", "global", "commands"} {
		if !strings.Contains(v, want) {
			t.Errorf("help overlay lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "secret-disabled") {
		t.Error("help overlay shows a disabled binding")
	}
	h.press("j") // keys other than close are swallowed by the overlay
	if h.active().cursor != 0 || !h.app.showHelp {
		t.Error("a key leaked through the help overlay or closed it")
	}
	h.press("esc")
	if h.app.showHelp {
		t.Fatal("esc did not close help")
	}

	// Live: rebinding on the screen changes the overlay.
	h.active().down.SetHelp("j", "next row")
	h.press("?")
	if v := h.view(); !strings.Contains(v, "j  next row") {
		t.Errorf("help overlay not generated from live bindings:\n%s", v)
	}
	h.press("?")
	if h.app.showHelp {
		t.Error("? did not close help")
	}
}

func TestUnknownCommandNamesIt(t *testing.T) {
	h := newHarness(t)
	h.press(":")
	h.typeText("frobnicate now")
	h.press("enter")
	footer := h.lines()[23]
	if !strings.Contains(footer, "error: unknown command :frobnicate") {
		t.Errorf("footer = %q", footer)
	}
	if h.app.cmd.active {
		t.Error("command line still open after enter")
	}
}

func TestCommandRunsAndErrorsNameTheCommand(t *testing.T) {
	scripts := Command{
		Name: "scripts", Args: "[namespace]", Help: "list scripts",
		Run: func(cur Route, args []string, _ Completions) (tea.Cmd, error) {
			ns := cur.Namespace
			if len(args) > 0 {
				ns = args[0]
			}
			if ns == "" {
				return nil, errors.New("which namespace? give one")
			}
			return Navigate(Route{Kind: KindScripts, Namespace: ns}), nil
		},
	}
	h := newHarness(t, scripts)
	h.press(":")
	h.typeText("scripts")
	h.press("enter")
	if footer := h.lines()[23]; !strings.Contains(footer, "error: :scripts: which namespace? give one") {
		t.Errorf("footer = %q", footer)
	}
	h.press(":")
	h.typeText("scripts staging")
	h.run(h.press("enter"))
	if got := h.active().route; got.Kind != KindScripts || got.Namespace != "staging" {
		t.Errorf("active route = %+v, want scripts in staging", got)
	}
}

func TestStatusMessageClearing(t *testing.T) {
	h := newHarness(t)
	h.send(StatusMsg{Level: LevelWarn, Text: "slow down", Hint: "budget is low"})
	if footer := h.lines()[23]; !strings.Contains(footer, "! warning: slow down — budget is low") {
		t.Fatalf("footer = %q", footer)
	}
	h.press("j")
	if h.app.hasStatus || strings.Contains(h.view(), "slow down") {
		t.Fatal("status not cleared by the next key")
	}
	if footer := h.lines()[23]; !strings.Contains(footer, "j down") || !strings.Contains(footer, "? help") {
		t.Errorf("footer after clearing = %q, want short help", footer)
	}

	// A timeout for an older message does not clear a newer one.
	h.send(StatusMsg{Text: "first"})
	old := h.app.statusSeq
	h.send(StatusMsg{Text: "second"})
	h.send(statusTimeoutMsg{owner: h.app.owner, seq: old})
	if !strings.Contains(h.view(), "second") {
		t.Fatal("stale timeout cleared the newer status")
	}
	h.send(statusTimeoutMsg{owner: new(byte), seq: h.app.statusSeq})
	if !h.app.hasStatus {
		t.Fatal("another app's timeout cleared the status")
	}
	h.send(statusTimeoutMsg{owner: h.app.owner, seq: h.app.statusSeq})
	if h.app.hasStatus {
		t.Fatal("timeout did not clear the status")
	}
	// The scheduled command really delivers the timeout.
	h.run(h.send(StatusMsg{Text: "third"}))
	if h.app.hasStatus {
		t.Error("status still shown after its timeout command ran")
	}
}

func TestStatusFromExplainerError(t *testing.T) {
	h := newHarness(t)
	err := errorsWrap(explained{reason: "token lacks Workers Scripts:Edit", hint: "create a token with that permission"})
	h.run(nil)
	h.send(execCmd(ShowError(err, "fallback"))[0])
	footer := h.lines()[23]
	if !strings.Contains(footer, "error: token lacks Workers Scripts:Edit — create a token") {
		t.Errorf("footer = %q", footer)
	}
	m := execCmd(ShowError(errors.New("boom"), "try again"))[0].(StatusMsg)
	if m.Text != "boom" || m.Hint != "try again" || m.Level != LevelError {
		t.Errorf("plain error status = %+v", m)
	}
}

type explained struct{ reason, hint string }

func (e explained) Error() string             { return e.reason }
func (e explained) Explain() (string, string) { return e.reason, e.hint }

func errorsWrap(err error) error { return errors.Join(errors.New("context"), err) }

func TestTooSmallTerminal(t *testing.T) {
	h := newHarness(t)
	h.send(tea.WindowSizeMsg{Width: 50, Height: 10})
	if got := h.view(); got != "50×10 < 60×12: terminal too small for wfp" {
		t.Errorf("view = %q", got)
	}
	h.press("j", ":")
	if h.active().cursor != 0 || h.app.cmd.active {
		t.Error("keys acted on a screen the operator cannot see")
	}
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if !strings.Contains(h.view(), "acct cursor=0") {
		t.Error("screen not shown again after growing the terminal")
	}
}

func TestResizePropagatesLazily(t *testing.T) {
	h := newHarness(t)
	root := h.active()
	if got := root.lastSize(); got != [2]int{80, 21} {
		t.Fatalf("root size = %v, want 80×21 (24 minus header, crumbs, footer)", got)
	}
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "production"}}))
	top := h.active()
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	if got := top.lastSize(); got != [2]int{100, 27} {
		t.Errorf("active size = %v, want 100×27", got)
	}
	if n := len(root.sizes); n != 1 {
		t.Errorf("inactive screen resized %d times before becoming active", n)
	}
	h.press("esc")
	if got := root.lastSize(); got != [2]int{100, 27} {
		t.Errorf("root size after back = %v, want 100×27", got)
	}
	if h.app.c.Width != 100 || h.app.c.Height != 27 {
		t.Errorf("Common size = %d×%d", h.app.c.Width, h.app.c.Height)
	}
}

func TestViewAt80x24(t *testing.T) {
	h := newHarness(t)
	h.active().age = h.now.Add(-12 * time.Second)
	lines := h.lines()
	if len(lines) != 24 {
		t.Fatalf("view has %d lines, want 24", len(lines))
	}
	for i, l := range lines {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
	want := map[int][]string{
		0:  {"SANDBOX", "RW", "acct acct-0001", "API 12/1200 · 5m"},
		1:  {"sandbox", "refreshed 12s ago"},
		2:  {"acct cursor=0 filter=\"\""},
		22: {"row 20 xxx"},
		23: {"j down • / filter • enter open ", " : command • ? help"},
	}
	for i, subs := range want {
		for _, s := range subs {
			if !strings.Contains(lines[i], s) {
				t.Errorf("line %d = %q, want it to contain %q", i, lines[i], s)
			}
		}
	}
	v := h.app.View()
	if !v.AltScreen || v.MouseMode != tea.MouseModeNone {
		t.Errorf("view AltScreen=%v MouseMode=%v, want alt screen and no mouse", v.AltScreen, v.MouseMode)
	}
	if v.WindowTitle != "wfp · sandbox" {
		t.Errorf("window title = %q", v.WindowTitle)
	}
}

func TestProductionFrame(t *testing.T) {
	h := newHarness(t)
	h.info = HeaderInfo{Profile: "prod-eu", Account: "acct-9", Production: true, ReadOnly: true,
		Budget: BudgetInfo{Used: 1087, Limit: 1200, Window: 5 * time.Minute}}
	h.send(HeaderMsg{Info: h.info})
	lines := h.lines()
	if len(lines) != 24 {
		t.Fatalf("framed view has %d lines", len(lines))
	}
	if !strings.HasPrefix(lines[0], "┏━ PRODUCTION ━") || !strings.HasSuffix(lines[0], "┓") || !strings.HasPrefix(lines[23], "┗") {
		t.Errorf("no frame: first %q last %q", lines[0], lines[23])
	}
	for _, want := range []string{"PRODUCTION", "RO", "acct acct-9", "API 1087/1200 · 5m !"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("header %q lacks %q", lines[1], want)
		}
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != 80 {
			t.Errorf("framed line %d is %d wide: %q", i, w, l)
		}
	}
	if got := h.active().lastSize(); got != [2]int{78, 19} {
		t.Errorf("content size in production = %v, want 78×19", got)
	}
}

func TestHeaderTickIDs(t *testing.T) {
	h := newHarness(t)
	calls := 0
	h.app.c.Header = func() HeaderInfo { calls++; return h.info }
	other := HeaderInfo{Profile: "other", Account: "acct-other"}
	if cmd := h.send(headerTickMsg{owner: new(byte), seq: h.app.tickSeq, info: other}); cmd != nil || reflect.DeepEqual(h.app.info, other) {
		t.Error("another app's tick was handled")
	}
	seq := h.app.tickSeq
	mine := HeaderInfo{Profile: "mine", Account: "acct-mine"}
	if cmd := h.send(headerTickMsg{owner: h.app.owner, seq: seq, info: mine}); cmd == nil || !reflect.DeepEqual(h.app.info, mine) {
		t.Fatal("own tick did not show its snapshot and re-arm")
	}
	if cmd := h.send(headerTickMsg{owner: h.app.owner, seq: seq, info: other}); cmd != nil || !reflect.DeepEqual(h.app.info, mine) {
		t.Error("a superseded tick chain was re-armed or shown")
	}
	// Update never takes a snapshot itself: only the commands do.
	h.press("j")
	h.send(RefreshMsg{})
	if calls != 0 {
		t.Errorf("Update called the header func %d times; snapshots are taken in commands", calls)
	}
	msg := h.app.headerNow()()
	if got, ok := msg.(headerNowMsg); !ok || !reflect.DeepEqual(got.info, h.info) || calls != 1 {
		t.Fatalf("headerNow produced %#v (calls %d)", msg, calls)
	}
}

func TestQuit(t *testing.T) {
	h := newHarness(t)
	if msgs := execCmd(h.press("ctrl+c")); len(msgs) != 1 || msgs[0] != (tea.QuitMsg{}) {
		t.Fatalf("ctrl+c without pending work: %v, want quit", msgs)
	}
	if !h.active().closed {
		t.Error("screens not closed on quit")
	}

	h = newHarness(t)
	h.pending = 2
	h.press("ctrl+c")
	if !strings.Contains(h.lines()[23], "2 jobs or edits pending — press ctrl+c again within 1s to quit") {
		t.Fatalf("first ctrl+c footer = %q", h.lines()[23])
	}
	h.now = h.now.Add(1500 * time.Millisecond)
	h.press("ctrl+c")
	if !h.app.hasStatus {
		t.Fatal("ctrl+c 1.5 s later quit; it should warn again")
	}
	h.now = h.now.Add(400 * time.Millisecond)
	if msgs := execCmd(h.press("ctrl+c")); len(msgs) != 1 || msgs[0] != (tea.QuitMsg{}) {
		t.Fatalf("second ctrl+c within 1 s: %v, want quit", msgs)
	}

	// A running bulk job: the warning says what quitting does to it.
	h = newHarness(t)
	h.info.Jobs, h.info.BulkJobs = 1, 1
	h.send(HeaderMsg{Info: h.info})
	h.press("ctrl+c")
	if !strings.Contains(h.lines()[23], "1 bulk job running: quitting interrupts it") {
		t.Fatalf("ctrl+c with a bulk job footer = %q", h.lines()[23])
	}

	h = newHarness(t)
	h.pending = 1
	h.press(":")
	h.typeText("q")
	h.press("enter")
	if !strings.Contains(h.lines()[23], "1 job or edit pending — :q! quits anyway") {
		t.Fatalf(":q with pending work footer = %q", h.lines()[23])
	}
	h.press(":")
	h.typeText("q!")
	if msgs := execCmd(h.press("enter")); len(msgs) != 1 || msgs[0] != (tea.QuitMsg{}) {
		t.Fatalf(":q! = %v, want quit", msgs)
	}
}

func TestConfirmOverlayDispatchesAction(t *testing.T) {
	type deleteConfirmed struct{ n int }
	h := newHarness(t)
	h.send(ConfirmMsg{Request: ConfirmRequest{
		Title: "Delete 37 scripts?", Body: "37 scripts tagged customer-42", Phrase: "delete 37 in production",
		OnYes: deleteConfirmed{37},
	}})
	v := h.view()
	for _, want := range []string{"Delete 37 scripts?", "Type `delete 37 in production` to confirm", "enter confirm"} {
		if !strings.Contains(v, want) {
			t.Errorf("dialog lacks %q:\n%s", want, v)
		}
	}
	h.typeText("delete 37 in staging")
	h.press("enter")
	if !strings.Contains(h.view(), "does not match") || h.app.confirm == nil {
		t.Fatal("a wrong phrase did not keep the dialog open with an error")
	}
	for range len("staging") {
		h.press("backspace")
	}
	h.typeText("production")
	msgs := h.run(h.press("enter"))
	if h.app.confirm != nil {
		t.Fatal("dialog still open after the phrase matched")
	}
	if len(msgs) != 1 || msgs[0] != (deleteConfirmed{37}) {
		t.Fatalf("dispatched %v, want the OnYes action", msgs)
	}
	if got := h.active().msgs; len(got) != 1 || got[0] != (deleteConfirmed{37}) {
		t.Errorf("screen received %v, want the OnYes action", got)
	}
}

func TestBackgroundAndNoColorRestyle(t *testing.T) {
	h := newHarness(t)
	h.send(tea.BackgroundColorMsg{Color: color.White})
	if h.app.c.Styles.IsDark || h.app.c.Styles.NoColor {
		t.Error("light background not applied")
	}
	h.send(tea.EnvMsg{"TERM=xterm-256color", "NO_COLOR=1", "TMUX=/tmp/tmux-0/default,1,0"})
	if !h.app.c.Styles.NoColor {
		t.Fatal("NO_COLOR not applied")
	}
	if got := h.active().msgs; len(got) != 2 || got[0] != (StylesChangedMsg{}) || got[1] != (StylesChangedMsg{}) {
		t.Errorf("screen got %v, want two StylesChangedMsg", got)
	}
	if !h.app.env.tmux {
		t.Error("tmux not detected from the environment")
	}
	h.info.Production = true
	h.send(HeaderMsg{Info: h.info})
	h.send(StatusMsg{Level: LevelError, Text: "failed"})
	raw := h.app.View().Content
	if code, ok := findColourSGR(raw); ok {
		t.Errorf("NO_COLOR view contains colour SGR %q", code)
	}
	for _, want := range []string{"PRODUCTION", "error: failed"} {
		if !strings.Contains(ansiStrip(raw), want) {
			t.Errorf("NO_COLOR view lacks %q", want)
		}
	}
}

func TestCopyGoesThroughApp(t *testing.T) {
	h := newHarness(t)
	msgs := execCmd(CopyCmd("a", "b"))
	if len(msgs) != 1 {
		t.Fatalf("CopyCmd yielded %v", msgs)
	}
	h.send(tea.EnvMsg{"TMUX=/tmp/x,1,0"})
	cmd := h.send(msgs[0])
	if !strings.Contains(h.lines()[23], "copied 2 lines to the clipboard") {
		t.Errorf("footer = %q", h.lines()[23])
	}
	if got := clipboardText(t, cmd); got != "a\nb" {
		t.Errorf("clipboard = %q, want the two names one a line", got)
	}
	if CopyCmd() != nil {
		t.Error("CopyCmd() with nothing to copy is not nil")
	}
}

// clipboardText runs the App's command for a copy and returns what the
// tmux passthrough copy puts on the clipboard.
func clipboardText(t *testing.T, cmd tea.Cmd) string {
	t.Helper()
	var raw []string
	for _, m := range execCmd(cmd) {
		if r, ok := m.(tea.RawMsg); ok {
			raw = append(raw, r.Msg.(string))
		}
	}
	const pre, post = "\x1bPtmux;\x1b\x1b]52;c;", "\a\x1b\\"
	if len(raw) != 1 || !strings.HasPrefix(raw[0], pre) || !strings.HasSuffix(raw[0], post) {
		t.Fatalf("tmux passthrough = %q", raw)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(raw[0], pre), post))
	if err != nil {
		t.Fatalf("OSC52 payload of %q: %v", raw[0], err)
	}
	return string(b)
}

// A name holding an escape sequence or a newline is copied as the screen
// shows it: escaped, on one line, so pasting it into a shell runs nothing.
func TestCopyEscapesTenantText(t *testing.T) {
	cases := []struct {
		names []string
		want  string
	}{
		{[]string{"tenant-42-api-prod"}, "tenant-42-api-prod"},
		{[]string{"evil\x1b]0;PWNED\x07\nrm -rf ~"}, `evil\x1b]0;PWNED\x07\nrm -rf ~`},
		{[]string{"customer-a\u200bbcde"}, `customer-a\u200bbcde`},
		{[]string{"a\nb"}, `a\nb`},
		{[]string{"ok", "x\ry", "\u202eexe.txt"}, "ok\n" + `x\ry` + "\n" + `\u202eexe.txt`},
	}
	for _, tc := range cases {
		h := newHarness(t)
		h.send(tea.EnvMsg{"TMUX=/tmp/x,1,0"})
		msgs := execCmd(CopyCmd(tc.names...))
		if len(msgs) != 1 {
			t.Fatalf("CopyCmd yielded %v", msgs)
		}
		got := clipboardText(t, h.send(msgs[0]))
		if got != tc.want {
			t.Errorf("CopyCmd(%q) copied %q, want %q", tc.names, got, tc.want)
		}
		if n := strings.Count(got, "\n") + 1; n != len(tc.names) {
			t.Errorf("CopyCmd(%q) copied %d lines, want one a name", tc.names, n)
		}
		for _, r := range got {
			if r != '\n' && termsafe.Unsafe(r) {
				t.Errorf("CopyCmd(%q) copied %U", tc.names, r)
			}
		}
	}
}

func TestNewAppValidates(t *testing.T) {
	c := NewCommon(context.Background(), nil, nil)
	ok := map[string]Factory{KindNamespaces: func(*Common, Route) (Screen, error) { return newTestScreen(Route{}, "x"), nil }}
	run := func(Route, []string, Completions) (tea.Cmd, error) { return nil, nil }
	cases := []struct {
		name string
		f    map[string]Factory
		opts AppOptions
		want string
	}{
		{"no factory", nil, AppOptions{}, `start route kind "namespaces" has no factory`},
		{"nil run", ok, AppOptions{Commands: []Command{{Name: "ns"}}}, `command "ns": Run must be set`},
		{"dup", ok, AppOptions{Commands: []Command{{Name: "ns", Run: run}, {Name: "n", Aliases: []string{"ns"}, Run: run}}}, `alias "ns" is already taken`},
		{"builtin", ok, AppOptions{Commands: []Command{{Name: "q", Run: run}}}, `"q" is already taken`},
		{"space", ok, AppOptions{Commands: []Command{{Name: "a b", Run: run}}}, `without spaces`},
	}
	for _, tc := range cases {
		_, err := NewApp(c, tc.f, Route{Kind: KindNamespaces}, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := NewApp(nil, ok, Route{Kind: KindNamespaces}, AppOptions{}); err == nil {
		t.Error("nil Common accepted")
	}
	failing := map[string]Factory{KindNamespaces: func(*Common, Route) (Screen, error) { return nil, errors.New("no token") }}
	if _, err := NewApp(c, failing, Route{Kind: KindNamespaces}, AppOptions{}); err == nil || !strings.Contains(err.Error(), "open namespaces: no token") {
		t.Errorf("failing start factory: err = %v", err)
	}
}

func TestNarrowFooterKeepsGlobalHelp(t *testing.T) {
	h := newHarness(t)
	h.send(tea.WindowSizeMsg{Width: 60, Height: 12})
	footer := h.lines()[11]
	if !strings.HasSuffix(footer, ": command • ? help") {
		t.Errorf("footer %q lost the global keys", footer)
	}
	if !strings.HasPrefix(footer, "j down • / filter") || ansi.StringWidth(footer) > 60 {
		t.Errorf("footer %q", footer)
	}
	if len(h.lines()) != 12 {
		t.Errorf("view at 60×12 has %d lines", len(h.lines()))
	}
}

func TestSecondConfirmDeclinesTheFirst(t *testing.T) {
	type first struct{}
	h := newHarness(t)
	h.send(ConfirmMsg{Request: ConfirmRequest{Title: "one", OnYes: yesMsg{}, OnNo: first{}}})
	msgs := execCmd(h.send(ConfirmMsg{Request: ConfirmRequest{Title: "two", OnYes: yesMsg{}}}))
	if len(msgs) != 1 || msgs[0] != (first{}) {
		t.Errorf("replacing a dialog dispatched %v, want the first OnNo", msgs)
	}
	if !strings.Contains(h.view(), "two") || strings.Contains(h.view(), "one") {
		t.Error("second dialog not shown")
	}
}

// The sizes come first, so even a very narrow terminal says what it has.
func TestTooSmallKeepsTheSizes(t *testing.T) {
	h := newHarness(t)
	h.send(tea.WindowSizeMsg{Width: 16, Height: 5})
	if got := h.view(); !strings.HasPrefix(got, "16×5 < 60×12") {
		t.Errorf("view = %q, want the sizes first", got)
	}
}

// Breadcrumbs say where the active screen is, not the path taken to it.
func TestBreadcrumbsFollowTheRoute(t *testing.T) {
	h := newHarness(t)
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "production"}}))
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScript, Namespace: "production", Script: "tenant-1"}}))
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "staging"}}))
	if got := strings.Join(h.app.titles(), " ▸ "); got != "sandbox ▸ staging" {
		t.Errorf("crumbs = %q, want sandbox ▸ staging", got)
	}
	if len(h.app.stack) != 4 {
		t.Errorf("stack depth %d, want 4 (esc still walks back the way the operator came)", len(h.app.stack))
	}
	h.run(h.send(NavigateMsg{Route: Route{Kind: KindScript, Namespace: "staging", Script: "tenant-2"}}))
	if got := strings.Join(h.app.titles(), " ▸ "); got != "sandbox ▸ staging ▸ tenant-2" {
		t.Errorf("crumbs = %q", got)
	}
}

// At 80×12 the help does not fit; it scrolls and says where it is.
func TestHelpScrollsWhenTooTall(t *testing.T) {
	h := newHarness(t)
	h.send(tea.WindowSizeMsg{Width: 80, Height: 12})
	h.press("?")
	first := h.view()
	if !strings.Contains(first, "j/k scroll") || !strings.Contains(first, "── lines 1–") {
		t.Fatalf("help at 80×12 has no scroll position:\n%s", first)
	}
	h.press("G")
	last := h.view()
	if !strings.Contains(last, ":help") {
		t.Errorf("G did not reach the end of the help (the commands):\n%s", last)
	}
	h.press("k")
	if h.app.helpTop == 0 || h.view() == last {
		t.Error("k after G did not scroll back up at once")
	}
	h.press("g")
	if h.view() != first {
		t.Error("g did not return to the top")
	}
	h.press("esc")
	if h.app.showHelp {
		t.Error("esc did not close the help")
	}
}

// One copied name is named in the confirmation, sanitized; long text and
// several lines are counted; an escaped copy says so.
func TestCopiedText(t *testing.T) {
	cases := []struct {
		names []string
		want  string
	}{
		{[]string{"tenant-42-api-prod"}, "copied tenant-42-api-prod to the clipboard"},
		{[]string{"a", "b", "c"}, "copied 3 lines to the clipboard"},
		{[]string{"evil\x1b[2J"}, `copied evil\x1b[2J to the clipboard, control and invisible characters escaped as shown`},
		{[]string{strings.Repeat("x", 60)}, "copied 1 line to the clipboard"},
		{[]string{"a", "b\u200b"}, "copied 2 lines to the clipboard, control and invisible characters escaped as shown"},
	}
	for _, tc := range cases {
		msg := CopyCmd(tc.names...)().(copyMsg)
		if got := copiedText(msg); got != tc.want {
			t.Errorf("copiedText(%q) = %q, want %q", tc.names, got, tc.want)
		}
	}
}

// At 80 columns a long path drops leading crumbs before the data age.
func TestCrumbsKeepTheDataAge(t *testing.T) {
	st := DefaultStyles(true)
	titles := []string{"0123456789abcdef0123456789abcdef", "production", "tenant-42307-api-prod"}
	line := ansi.Strip(renderCrumbs(&st, titles, "refreshed 3s ago", 80))
	if !strings.Contains(line, "refreshed 3s ago") || !strings.Contains(line, "production ▸ tenant-42307-api-prod") {
		t.Errorf("crumbs = %q, want the path's end and the data age", line)
	}
	if w := ansi.StringWidth(line); w > 80 {
		t.Errorf("crumbs are %d wide", w)
	}
}

func TestRunningJobsFromTheHeaderMakeQuitAskTwice(t *testing.T) {
	h := newHarness(t)
	h.send(HeaderMsg{Info: HeaderInfo{Profile: "sandbox", Jobs: 1}})
	if msgs := execCmd(h.press("ctrl+c")); len(msgs) == 1 && msgs[0] == (tea.QuitMsg{}) {
		t.Fatal("ctrl+c quit at once while the header reports a running job")
	}
	if !strings.Contains(h.lines()[23], "1 job or edit pending") {
		t.Fatalf("footer = %q", h.lines()[23])
	}
	if msgs := execCmd(h.press("ctrl+c")); len(msgs) != 1 || msgs[0] != (tea.QuitMsg{}) {
		t.Fatalf("second ctrl+c: %v, want quit", msgs)
	}
}

func TestUnboundKeySaysSo(t *testing.T) {
	h := newHarness(t)
	h.press("e")
	if got := h.lines()[23]; !strings.Contains(got, "`e` is not a key here — ? for help") {
		t.Fatalf("footer after an unbound key = %q", got)
	}
	h.press("j") // bound: no message, and the next key clears the last one
	if got := h.lines()[23]; strings.Contains(got, "not a key") {
		t.Fatalf("footer after a bound key = %q", got)
	}
	if h.active().cursor != 1 {
		t.Fatalf("cursor %d: the bound key did not reach the screen", h.active().cursor)
	}
}

func TestCompletionSetsComeByMessage(t *testing.T) {
	var seen []string
	h := newHarness(t, Command{Name: "scripts", Args: "[namespace]",
		Run: func(_ Route, args []string, sets Completions) (tea.Cmd, error) {
			seen = sets.Get("namespaces")
			return nil, nil
		},
		Complete: func(_ Route, _ []string, sets Completions) []string { return sets.Get("namespaces") },
	})
	h.send(CompletionsMsg{Set: "namespaces", Values: []string{"production", "staging"}})
	h.press(":")
	h.typeText("scripts st")
	h.press("tab")
	if got := h.app.cmd.input.Value(); got != "scripts staging " {
		t.Fatalf("completed to %q", got)
	}
	h.press("enter")
	if strings.Join(seen, ",") != "production,staging" {
		t.Fatalf("Run saw %v", seen)
	}
}

func TestStartStatusShowsWhenTheConsoleOpens(t *testing.T) {
	c := NewCommon(t.Context(), time.Now, nil)
	f := func(_ *Common, r Route) (Screen, error) { return newTestScreen(r, "acct"), nil }
	app, err := NewApp(c, map[string]Factory{KindNamespaces: f}, Route{Kind: KindNamespaces}, AppOptions{
		StartStatus: StatusMsg{Text: "embedded sandbox at http://127.0.0.1:1/client/v4"},
	})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range execCmd(app.Init()) {
		if s, ok := m.(StatusMsg); ok && strings.Contains(s.Text, "embedded sandbox at") {
			found = true
		}
	}
	if !found {
		t.Fatal("Init does not show the start status")
	}
}

// At 80 columns the help overlay wraps a long command description instead
// of cutting it.
func TestHelpWrapsLongDescriptionsAt80(t *testing.T) {
	long := "every tag of a namespace with its count; enter filters by it, + adds it, - excludes it"
	h := newHarness(t, Command{Name: "tags", Args: "[namespace]", Help: long,
		Run: func(Route, []string, Completions) (tea.Cmd, error) { return nil, nil }})
	lines := h.app.helpLines(80)
	text := strings.Join(lines, "\n")
	for _, word := range strings.Fields(long) {
		if !strings.Contains(text, word) {
			t.Errorf("help at 80 columns lost %q:\n%s", word, text)
		}
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 78 {
			t.Errorf("help line %d is %d wide: %q", i, w, l)
		}
	}
	if strings.Contains(text, "…") {
		t.Errorf("help at 80 columns cuts text:\n%s", text)
	}
}
