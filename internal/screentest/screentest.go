// Package screentest drives a ui.Screen in tests the way the Bubble Tea
// runtime does: it feeds messages, runs the returned commands (expanding
// batches) and feeds their messages back until nothing is left. Screens talk
// to a real cfclient against the sandbox (see sandboxtest); nothing here
// stands in for Cloudflare.
package screentest

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/testenv"
	"github.com/wfpconsole/wfp/ui"
)

// Main is a TestMain: it keeps a developer's real credentials out of the
// tests (testenv.Main).
func Main(m *testing.M) { testenv.Main(m) }

// cmdTimeout bounds one command of a test; a screen command that blocks
// longer is a bug.
const cmdTimeout = 30 * time.Second

// Driver feeds messages to a screen and runs the commands it returns, like
// the Bubble Tea runtime: batches are expanded and every resulting message
// is fed back until nothing is left.
type Driver struct {
	T testing.TB
	// S is the screen as the last Update returned it.
	S ui.Screen
	// Seen is every message a command produced, in order.
	Seen []tea.Msg
}

// NewDriver sizes s to w × h and returns a driver for it.
func NewDriver(t testing.TB, s ui.Screen, w, h int) *Driver {
	s.SetSize(w, h)
	return &Driver{T: t, S: s}
}

// Send feeds msg and runs the resulting commands until quiescent.
func (d *Driver) Send(msg tea.Msg) {
	d.T.Helper()
	var cmd tea.Cmd
	d.S, cmd = d.S.Update(msg)
	d.Run(cmd)
}

// Run executes cmd and feeds its messages back, recursively.
func (d *Driver) Run(cmd tea.Cmd) {
	d.T.Helper()
	for _, msg := range d.Exec(cmd) {
		d.Seen = append(d.Seen, msg)
		d.Send(msg)
	}
}

// Exec runs cmd (with a timeout) and flattens batches.
func (d *Driver) Exec(cmd tea.Cmd) []tea.Msg {
	d.T.Helper()
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(cmdTimeout):
		d.T.Fatalf("a command did not return within %v", cmdTimeout)
	}
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, d.Exec(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// Press feeds keys by name ("j", "esc", "enter", "ctrl+u", "pgdown").
func (d *Driver) Press(keys ...string) {
	d.T.Helper()
	for _, k := range keys {
		d.Send(Key(k))
	}
}

// TypeText feeds each rune of s as a key press.
func (d *Driver) TypeText(s string) {
	d.T.Helper()
	for _, r := range s {
		d.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// View returns the ANSI-stripped view.
func (d *Driver) View() string { return ansi.Strip(d.S.View()) }

// TakeSeen returns the messages seen so far and forgets them.
func (d *Driver) TakeSeen() []tea.Msg {
	s := d.Seen
	d.Seen = nil
	return s
}

// Key is a key press by name ("j", "esc", "enter", "space", "ctrl+u", "pgdown").
func Key(name string) tea.KeyPressMsg {
	special := map[string]rune{
		"esc": tea.KeyEscape, "enter": tea.KeyEnter, "up": tea.KeyUp, "down": tea.KeyDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"backspace": tea.KeyBackspace, "space": tea.KeySpace,
	}
	if code, ok := special[name]; ok {
		return tea.KeyPressMsg{Code: code}
	}
	if rest, ok := strings.CutPrefix(name, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(rest)[0], Mod: tea.ModCtrl}
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

// FastRetry makes a client give up quickly on 5xx, so fault tests do not
// wait for the default backoff.
func FastRetry(o *cfclient.Options) {
	o.Throttle = throttle.New(throttle.Options{
		MaxRetries: 1, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond,
	}, throttle.NewTransport(0))
}

// CheckWidth fails when a line of the stripped view is wider than w.
func CheckWidth(t testing.TB, view string, w int) {
	t.Helper()
	for i, l := range strings.Split(view, "\n") {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide (> %d): %q", i, n, w, l)
		}
	}
}

// StatusIn returns the first ui.StatusMsg among msgs.
func StatusIn(msgs []tea.Msg) (ui.StatusMsg, bool) {
	for _, m := range msgs {
		if s, ok := m.(ui.StatusMsg); ok {
			return s, true
		}
	}
	return ui.StatusMsg{}, false
}
