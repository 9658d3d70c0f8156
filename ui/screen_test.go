package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// testScreen is a tiny screen used to exercise the shell: a cursor moved
// with j, a filter typed after / (capturing while typing), and a record of
// sizes, refreshes and broadcast messages.
type testScreen struct {
	route     Route
	title     string
	cursor    int
	filter    string
	filtering bool
	sizes     [][2]int
	refreshes int
	msgs      []tea.Msg
	age       time.Time
	closed    bool
	rowWidth  int // x characters per row; wider than the terminal by default
	down      key.Binding
	find      key.Binding
	open      key.Binding
	hidden    key.Binding
}

func newTestScreen(r Route, title string) *testScreen {
	return &testScreen{
		route:    r,
		title:    title,
		rowWidth: 100,
		down:     key.NewBinding(key.WithKeys("j"), key.WithHelp("j", "down")),
		find:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		hidden:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "secret-disabled"), key.WithDisabled()),
	}
}

func (s *testScreen) Init() tea.Cmd { return nil }

func (s *testScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if s.filtering {
			switch msg.String() {
			case "enter":
				s.filtering = false
			case "esc":
				s.filtering, s.filter = false, ""
			default:
				s.filter += msg.Text
			}
			return s, nil
		}
		switch {
		case key.Matches(msg, s.down):
			s.cursor++
		case key.Matches(msg, s.find):
			s.filtering = true
		case msg.String() == "esc" && s.filter != "":
			s.filter = ""
		case key.Matches(msg, s.open):
			return s, Navigate(Route{Kind: KindScript, Namespace: s.route.Namespace, Script: fmt.Sprintf("script-%d", s.cursor)})
		}
	case RefreshMsg:
		s.refreshes++
	default:
		s.msgs = append(s.msgs, msg)
	}
	return s, nil
}

func (s *testScreen) View() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s cursor=%d filter=%q", s.title, s.cursor, s.filter)
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "\nrow %02d %s", i, strings.Repeat("x", s.rowWidth))
	}
	return b.String()
}

func (s *testScreen) SetSize(w, h int)   { s.sizes = append(s.sizes, [2]int{w, h}) }
func (s *testScreen) Title() string      { return s.title }
func (s *testScreen) Capturing() bool    { return s.filtering }
func (s *testScreen) WantsEsc() bool     { return s.filter != "" }
func (s *testScreen) DataAge() time.Time { return s.age }
func (s *testScreen) Close()             { s.closed = true }

func (s *testScreen) ShortHelp() []key.Binding { return []key.Binding{s.down, s.find, s.open} }
func (s *testScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{{s.down, s.find, s.hidden}, {s.open}}
}

// lastSize returns the size most recently given to SetSize.
func (s *testScreen) lastSize() [2]int {
	if len(s.sizes) == 0 {
		return [2]int{}
	}
	return s.sizes[len(s.sizes)-1]
}

// harness wires an App to test screens, a fixed clock and header info.
type harness struct {
	t       testing.TB
	app     *App
	now     time.Time
	info    HeaderInfo
	pending int
	screens map[string]*testScreen // by route key
	built   int
}

func newHarness(t testing.TB, cmds ...Command) *harness {
	t.Helper()
	h := &harness{
		t:       t,
		now:     time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		screens: map[string]*testScreen{},
		info: HeaderInfo{
			Profile: "sandbox", Account: "acct-0001", Sandbox: true,
			Budget: BudgetInfo{Used: 12, Limit: 1200, Remaining: 1188, Window: 5 * time.Minute},
		},
	}
	c := NewCommon(t.Context(), func() time.Time { return h.now }, func() HeaderInfo { return h.info })
	factory := func(title func(Route) string) Factory {
		return func(_ *Common, r Route) (Screen, error) {
			if r.Namespace == "broken" {
				return nil, fmt.Errorf("namespace %q is broken", r.Namespace)
			}
			s := newTestScreen(r, title(r))
			h.screens[r.Key()] = s
			h.built++
			return s, nil
		}
	}
	factories := map[string]Factory{
		KindNamespaces: factory(func(Route) string { return "acct" }),
		KindScripts:    factory(func(r Route) string { return r.Namespace }),
		KindScript:     factory(func(r Route) string { return r.Script }),
	}
	app, err := NewApp(c, factories, Route{Kind: KindNamespaces}, AppOptions{
		Commands:      cmds,
		PendingWork:   func() int { return h.pending },
		StatusTimeout: time.Millisecond,
	})
	if err != nil {
		t.Fatalf("NewApp: %v", err)
	}
	h.app = app
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	return h
}

// send feeds one message and returns the command.
func (h *harness) send(msg tea.Msg) tea.Cmd {
	h.t.Helper()
	_, cmd := h.app.Update(msg)
	return cmd
}

// press feeds keys by name ("j", "esc", "ctrl+c", ":").
func (h *harness) press(keys ...string) tea.Cmd {
	h.t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		cmd = h.send(keyMsg(k))
	}
	return cmd
}

// typeText feeds each rune of s as a key press.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// run executes cmd and feeds every resulting message back, recursively,
// like the Bubble Tea runtime; it returns the messages seen.
func (h *harness) run(cmd tea.Cmd) []tea.Msg {
	h.t.Helper()
	var seen []tea.Msg
	for _, msg := range execCmd(cmd) {
		seen = append(seen, msg)
		if _, quit := msg.(tea.QuitMsg); quit {
			continue
		}
		seen = append(seen, h.run(h.send(msg))...)
	}
	return seen
}

// execCmd runs cmd and flattens batches into their messages.
func execCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, execCmd(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// view returns the ANSI-stripped frame.
func (h *harness) view() string {
	return ansi.Strip(h.app.View().Content)
}

// lines returns the stripped frame split into lines.
func (h *harness) lines() []string {
	return strings.Split(h.view(), "\n")
}

// active returns the active test screen.
func (h *harness) active() *testScreen {
	return h.app.active().screen.(*testScreen)
}

func keyMsg(name string) tea.KeyPressMsg {
	special := map[string]rune{
		"esc": tea.KeyEscape, "enter": tea.KeyEnter, "tab": tea.KeyTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"backspace": tea.KeyBackspace, "home": tea.KeyHome, "end": tea.KeyEnd,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
	}
	if code, ok := special[name]; ok {
		return tea.KeyPressMsg{Code: code}
	}
	if rest, ok := strings.CutPrefix(name, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(rest)[0], Mod: tea.ModCtrl}
	}
	if rest, ok := strings.CutPrefix(name, "alt+"); ok {
		return tea.KeyPressMsg{Code: []rune(rest)[0], Mod: tea.ModAlt}
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

// ansiStrip is ansi.Strip, named for readability in assertions.
func ansiStrip(s string) string { return ansi.Strip(s) }

// findColourSGR reports the first SGR sequence in s that sets a colour
// (30–49, 90–107, or extended 38/48), which NO_COLOR output must not have.
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
		for _, p := range strings.FieldsFunc(s[:j], func(r rune) bool { return r == ';' || r == ':' }) {
			var n int
			fmt.Sscanf(p, "%d", &n)
			if (n >= 30 && n <= 49) || (n >= 90 && n <= 107) {
				return s[:j+1], true
			}
		}
	}
}
