package namespaces

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
)

// TestMain clears the variables cloudflare-go reads from the environment, so
// a developer's real credentials can never reach a test.
func TestMain(m *testing.M) {
	for _, k := range []string{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL",
		"CLOUDFLARE_BASE_URL", "CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_USER_SERVICE_KEY"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// cmdTimeout bounds one command of a test; a screen command that blocks
// longer is a bug.
const cmdTimeout = 30 * time.Second

// driver feeds messages to a screen and runs the commands it returns, like
// the Bubble Tea runtime: batches are expanded and every resulting message
// is fed back until nothing is left.
type driver struct {
	t    testing.TB
	s    ui.Screen
	seen []tea.Msg // every message a command produced, in order
}

func newDriver(t testing.TB, s ui.Screen, w, h int) *driver {
	s.SetSize(w, h)
	return &driver{t: t, s: s}
}

// send feeds msg and runs the resulting commands until quiescent.
func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	var cmd tea.Cmd
	d.s, cmd = d.s.Update(msg)
	d.run(cmd)
}

// run executes cmd and feeds its messages back, recursively.
func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	for _, msg := range d.exec(cmd) {
		d.seen = append(d.seen, msg)
		d.send(msg)
	}
}

// exec runs cmd (with a timeout) and flattens batches.
func (d *driver) exec(cmd tea.Cmd) []tea.Msg {
	d.t.Helper()
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(cmdTimeout):
		d.t.Fatalf("a command did not return within %v", cmdTimeout)
	}
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, d.exec(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// press feeds keys by name ("j", "esc", "enter", "ctrl+u", "pgdown").
func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

// typeText feeds each rune of s as a key press.
func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// view returns the ANSI-stripped view.
func (d *driver) view() string { return ansi.Strip(d.s.View()) }

// takeSeen returns the messages seen so far and forgets them.
func (d *driver) takeSeen() []tea.Msg {
	s := d.seen
	d.seen = nil
	return s
}

func keyMsg(name string) tea.KeyPressMsg {
	special := map[string]rune{
		"esc": tea.KeyEscape, "enter": tea.KeyEnter, "up": tea.KeyUp, "down": tea.KeyDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"backspace": tea.KeyBackspace,
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

// fastRetry makes a client give up quickly on 5xx, so fault tests do not
// wait for the default backoff.
func fastRetry(o *cfclient.Options) {
	o.Throttle = cfclient.NewThrottle(cfclient.ThrottleOptions{
		MaxRetries: 1, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond,
	}, cfclient.NewTransport(0))
}

// checkWidth fails when a line of the stripped view is wider than w.
func checkWidth(t testing.TB, view string, w int) {
	t.Helper()
	for i, l := range strings.Split(view, "\n") {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide (> %d): %q", i, n, w, l)
		}
	}
}

// statusIn returns the first ui.StatusMsg among msgs.
func statusIn(msgs []tea.Msg) (ui.StatusMsg, bool) {
	for _, m := range msgs {
		if s, ok := m.(ui.StatusMsg); ok {
			return s, true
		}
	}
	return ui.StatusMsg{}, false
}
