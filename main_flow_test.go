package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/config"
	"github.com/wfpconsole/wfp/ui"
)

// flowClock is the console's clock in the flow tests, so dates and data
// ages in the goldens do not move.
func flowClock() time.Time { return time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC) }

// screen mirrors the program's output in a terminal emulator: Bubble Tea v2
// writes cell diffs, so waiting for text in the raw byte stream is unreliable.
type screen struct {
	mu  sync.Mutex
	emu *vt.Emulator
}

func newScreen(t testing.TB, out io.Reader, w, h int) *screen {
	s := &screen{emu: vt.NewEmulator(w, h)}
	done := make(chan struct{})
	// The emulator answers terminal queries into a pipe; drain it so its
	// Write never blocks. Closing the pipe's writer (not the emulator, whose
	// Close races with Read) ends the drain.
	go io.Copy(io.Discard, s.emu)
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				s.mu.Lock()
				// A terminal's line discipline turns "\n" into "\r\n"
				// (onlcr); the program's output assumes it.
				s.emu.Write(bytes.ReplaceAll(buf[:n], []byte("\n"), []byte("\r\n")))
				s.mu.Unlock()
			}
			if err != nil && err != io.EOF {
				return
			}
			if n == 0 {
				select {
				case <-done:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		s.emu.InputPipe().(*io.PipeWriter).Close()
	})
	return s
}

func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.String()
}

// waitFor waits until every want is on the screen.
func (s *screen) waitFor(t testing.TB, what string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(raceSlowdown * 20 * time.Second)
	for {
		txt := s.text()
		ok := true
		for _, w := range want {
			if !strings.Contains(txt, w) {
				ok = false
				break
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out waiting for %q; the screen:\n%s", what, want, txt)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testRuntime wires the runtime exactly as wfp does, on a fresh sandbox,
// with the config, state and cache directories in a temporary home.
func testRuntime(t *testing.T, scripts int) *Runtime {
	t.Helper()
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	rt, err := NewRuntime(runtimeOptions{
		sandbox: true,
		scripts: scripts,
		seed:    1,
		clock:   flowClock,
		load: config.LoadOptions{
			Env:  func(k string) (string, bool) { v, ok := env[k]; return v, ok },
			Home: home,
		},
	})
	if err != nil {
		t.Fatalf("NewRuntime: %v", err)
	}
	t.Cleanup(rt.Close)
	return rt
}

// startConsole runs a session of actor on rt in a w×h test terminal and
// returns it with the screen it draws.
func startConsole(t *testing.T, rt *Runtime, actor cfclient.Actor, w, h int) (*teatest.TestModel, *screen) {
	t.Helper()
	sess := testSession(t, rt, actor)
	tm := teatest.NewTestModel(t, sess.App, teatest.WithInitialTermSize(w, h))
	return tm, newScreen(t, tm.Output(), w, h)
}

// testSession is a session on rt as the console builds it, on the flow
// clock.
func testSession(t *testing.T, rt *Runtime, actor cfclient.Actor) *Session {
	t.Helper()
	s, err := NewSession(t.Context(), rt, sessionOptions{Actor: actor, Clock: flowClock})
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	return s
}

// TestConsoleFlow is the operator's first minute: the namespaces, enter
// production, filter, open a script, esc back with the filter intact, help,
// quit. The final model's view is compared with a golden at two sizes.
func TestConsoleFlow(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			tm, scr := startConsole(t, testRuntime(t, 200), cfclient.Actor{Name: "tester@host"}, w, h)

			scr.waitFor(t, "namespaces", "SANDBOX", "3 namespaces", "production", "staging", "testing")
			tm.Send(key("enter"))
			scr.waitFor(t, "scripts of production", "200 scripts · 200 shown · 0 marked")

			tm.Type("/")
			tm.Type("apiprod")
			tm.Send(key("enter"))
			// The seed fixes the world: three names match.
			filtered := "200 scripts · 3 shown · 0 marked"
			scr.waitFor(t, "filter", "/apiprod · fuzzy", filtered)

			tm.Send(key("enter"))
			scr.waitFor(t, "script detail", "LIMITS", "BINDINGS")
			tm.Type("G") // the routes are below the fold at 80×24
			scr.waitFor(t, "routes", "ROUTES (1)", "subdomain")
			tm.Send(key("esc"))
			scr.waitFor(t, "back with the filter", "/apiprod", filtered)

			tm.Type("?")
			scr.waitFor(t, "help", "Help", "mark shown")
			tm.Send(key("ctrl+c"))

			final := tm.FinalModel(t, teatest.WithFinalTimeout(raceSlowdown*10*time.Second)).(*ui.App)
			// The gauge's count depends on when the header last ticked;
			// everything else on screen is fixed by the seed and the clock.
			view := maskAPICount(ansi.Strip(final.View().Content))
			golden.RequireEqual(t, []byte(view))
		})
	}
}

// apiCount matches the request count of the header's budget gauge with
// the spaces before it: the gauge is right-aligned, so a count of 13
// takes one more column from the padding than a count of 0.
var apiCount = regexp.MustCompile(` *API \d+/`)

// maskAPICount replaces the gauge's request count with n, keeping the
// line's width whatever the count was when the header last ticked.
func maskAPICount(view string) string {
	return apiCount.ReplaceAllStringFunc(view, func(m string) string {
		width := len(m) - len("API /") // the padding and the digits
		return strings.Repeat(" ", width-1) + "API n/"
	})
}

// reqPerMin is the poller's cost on the stats line: how many polls ran
// before the snapshot depends on timing.
var reqPerMin = regexp.MustCompile(`\d+ req/min`)

// stable masks what depends on timing in a flow's final view (the gauge's
// count, the poller's cost, the data's age) before it is compared to a
// golden.
func stable(view string) string {
	view = ansi.Strip(view)
	view = maskAPICount(view)
	view = reqPerMin.ReplaceAllString(view, "n req/min")
	return refreshed.ReplaceAllString(view, "refreshed …")
}

// key is a key press by its name ("enter", "esc", "ctrl+c").
func key(name string) tea.KeyPressMsg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	panic("unknown key " + name)
}
