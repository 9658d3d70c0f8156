package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

type yesMsg struct{}
type noMsg struct{}

// decideWith feeds keys to a fresh dialog and returns it with the message
// its final command produced (nil when none).
func decideWith(t *testing.T, req ConfirmRequest, keys ...string) (Confirm, tea.Msg) {
	t.Helper()
	c := NewConfirm(req, DefaultStyles(true))
	var cmd tea.Cmd
	for _, k := range keys {
		if len(k) > 1 && !isKeyName(k) {
			for _, r := range k {
				c, cmd = c.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			continue
		}
		c, cmd = c.Update(keyMsg(k))
	}
	var msg tea.Msg
	if cmd != nil {
		msg = cmd()
	}
	return c, msg
}

func isKeyName(k string) bool {
	switch k {
	case "esc", "enter", "tab", "left", "right", "backspace", "up", "down":
		return true
	}
	return strings.HasPrefix(k, "ctrl+") || strings.HasPrefix(k, "alt+")
}

func TestConfirmDefaultsToNo(t *testing.T) {
	req := ConfirmRequest{Title: "Remove tag?", OnYes: yesMsg{}, OnNo: noMsg{}}
	c, msg := decideWith(t, req, "enter")
	if !c.Done() || c.Confirmed() || msg != (noMsg{}) {
		t.Errorf("enter on a fresh dialog: done=%v confirmed=%v msg=%v, want No", c.Done(), c.Confirmed(), msg)
	}
	view := ansi.Strip(NewConfirm(req, DefaultStyles(true)).View(60))
	if !strings.Contains(view, "[ No ]") || strings.Contains(view, "[ Yes ]") {
		t.Errorf("No is not the focused button:\n%s", view)
	}

	cases := []struct {
		keys []string
		yes  bool
	}{
		{[]string{"y"}, true},
		{[]string{"n"}, false},
		{[]string{"esc"}, false},
		{[]string{"right", "enter"}, true},
		{[]string{"tab", "tab", "enter"}, false},
	}
	for _, tc := range cases {
		c, msg := decideWith(t, req, tc.keys...)
		want := tea.Msg(noMsg{})
		if tc.yes {
			want = yesMsg{}
		}
		if !c.Done() || c.Confirmed() != tc.yes || msg != want {
			t.Errorf("keys %v: confirmed=%v msg=%v, want yes=%v", tc.keys, c.Confirmed(), msg, tc.yes)
		}
	}
	if _, msg := decideWith(t, ConfirmRequest{Title: "x", OnYes: yesMsg{}}, "n"); msg != nil {
		t.Errorf("declining without OnNo produced %v", msg)
	}
}

func TestConfirmPhrase(t *testing.T) {
	req := ConfirmRequest{Title: "Delete 37 scripts?", Phrase: "delete 37 in production", OnYes: yesMsg{}}
	c, msg := decideWith(t, req, "y", "enter")
	if c.Done() || msg != nil {
		t.Fatal("y/enter confirmed a phrase dialog")
	}
	if !strings.Contains(ansi.Strip(c.View(60)), "does not match") {
		t.Error("mismatch not reported")
	}
	c, msg = decideWith(t, req, "delete 37 in staging", "enter")
	if c.Done() || msg != nil {
		t.Fatal("wrong phrase confirmed")
	}
	c, msg = decideWith(t, req, "  delete  37 in production ", "enter")
	if !c.Confirmed() || msg != (yesMsg{}) {
		t.Errorf("right phrase (extra spaces) not confirmed: msg=%v", msg)
	}
	c, msg = decideWith(t, req, "Delete 37 in production", "enter")
	if c.Done() {
		t.Error("phrase match ignored case")
	}
	c, msg = decideWith(t, req, "delete 37 in production", "esc")
	if !c.Done() || c.Confirmed() || msg != nil {
		t.Error("esc did not cancel the phrase dialog")
	}
	// Pasted text with control characters is cleaned before matching.
	c = NewConfirm(req, DefaultStyles(true))
	c, _ = c.Update(tea.PasteMsg{Content: "delete 37 in production\x1b[2J"})
	c, _ = c.Update(keyMsg("enter"))
	if c.Done() {
		t.Error("a phrase with a trailing escape sequence matched")
	}
	if strings.Contains(c.View(60), "\x1b[2J") {
		t.Error("pasted escape sequence reached the view")
	}
}

func TestConfirmReadOnlyOffersNoSubmit(t *testing.T) {
	for _, req := range []ConfirmRequest{
		{Title: "Remove tag?", ReadOnly: true, OnYes: yesMsg{}},
		{Title: "Delete?", Phrase: "delete 3", ReadOnly: true, OnYes: yesMsg{}},
	} {
		c, msg := decideWith(t, req, "y", "right", "enter")
		if c.Confirmed() || msg == (yesMsg{}) {
			t.Errorf("read-only dialog %q confirmed", req.Title)
		}
		if v := ansi.Strip(NewConfirm(req, DefaultStyles(true)).View(60)); !strings.Contains(v, "read-only profile") {
			t.Errorf("read-only dialog does not say so:\n%s", v)
		}
	}
}

func TestConfirmViewSanitizesAndFits(t *testing.T) {
	req := ConfirmRequest{Title: "Delete \x1b[2Jx?", Body: "tag \u202ecustomer\nnext", Phrase: "delete 1"}
	v := NewConfirm(req, DefaultStyles(true)).View(50)
	if strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\u202e") {
		t.Errorf("dialog rendered tenant control characters: %q", v)
	}
	for _, l := range strings.Split(ansi.Strip(v), "\n") {
		if w := ansi.StringWidth(l); w > 50 {
			t.Errorf("dialog line %q is %d wide, want ≤ 50", l, w)
		}
	}
}
