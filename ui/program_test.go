package ui

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestAppInRealProgram runs the App under the Bubble Tea runtime: the
// first frame is drawn, navigation and a command work, and :q ends the
// program with the state the keys produced.
func TestAppInRealProgram(t *testing.T) {
	h := newHarness(t)
	tm := teatest.NewTestModel(t, h.app, teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("SANDBOX")) && bytes.Contains(b, []byte("cursor=0"))
	}, teatest.WithDuration(5*time.Second))

	tm.Type("jj")
	tm.Send(NavigateMsg{Route: Route{Kind: KindScripts, Namespace: "production"}})
	tm.Type(":q")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})

	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*App)
	if len(final.stack) != 2 {
		t.Fatalf("final stack depth %d, want 2", len(final.stack))
	}
	root := final.stack[0].screen.(*testScreen)
	top := final.active().screen.(*testScreen)
	if root.cursor != 2 || top.title != "production" || !top.closed {
		t.Errorf("root cursor %d, top %q closed=%v; want 2, production, closed", root.cursor, top.title, top.closed)
	}
}
