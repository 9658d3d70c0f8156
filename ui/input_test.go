package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func feedInput(in Input, keys ...string) Input {
	for _, k := range keys {
		if len([]rune(k)) > 1 && !isKeyName(k) && k != "home" && k != "end" {
			for _, r := range k {
				in, _ = in.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			continue
		}
		in, _ = in.Update(keyMsg(k))
	}
	return in
}

func TestInputEditing(t *testing.T) {
	st := DefaultStyles(true).Input
	in := NewInput("/", st)
	if got := feedInput(in, "abc").Value(); got != "" {
		t.Fatalf("unfocused input took text %q", got)
	}
	in.Focus()
	cases := []struct {
		keys []string
		want string
		pos  int
	}{
		{[]string{"hello world"}, "hello world", 11},
		{[]string{"hello world", "backspace"}, "hello worl", 10},
		{[]string{"hello world", "ctrl+w"}, "hello ", 6},
		{[]string{"hello world", "home", "ctrl+k"}, "", 0},
		{[]string{"hello world", "left", "left", "ctrl+u"}, "ld", 0},
		{[]string{"abc", "left", "X"}, "abXc", 3},
		{[]string{"abc", "home", "ctrl+d"}, "bc", 0},
		{[]string{"ab cd", "alt+b", "alt+b", "end", "!"}, "ab cd!", 6},
		{[]string{"ab", "alt+x"}, "ab", 2},
	}
	for _, tc := range cases {
		got := feedInput(in, tc.keys...)
		if got.Value() != tc.want || got.Position() != tc.pos {
			t.Errorf("keys %v: value %q pos %d, want %q pos %d", tc.keys, got.Value(), got.Position(), tc.want, tc.pos)
		}
	}
}

func TestInputPasteIsCleaned(t *testing.T) {
	in := NewInput("> ", DefaultStyles(true).Input)
	in.Focus()
	in, _ = in.Update(tea.PasteMsg{Content: "a\x1b]52;c;eA==\x07b\r\nc\u202e"})
	if got := in.Value(); got != "a]52;c;eA==b  c" {
		t.Errorf("pasted value = %q", got)
	}
	in.SetValue("x\x00y")
	if in.Value() != "xy" {
		t.Errorf("SetValue kept a control character: %q", in.Value())
	}
	in.CharLimit = 4
	in.SetValue("")
	in, _ = in.Update(tea.PasteMsg{Content: "abcdefgh"})
	if in.Value() != "abcd" {
		t.Errorf("CharLimit: value %q", in.Value())
	}
}

func TestInputScrollsToCursor(t *testing.T) {
	in := NewInput(":", DefaultStyles(true).Input)
	in.Focus()
	in.SetWidth(10)
	in = feedInput(in, "abcdefghijklmnopqrstuvwxyz")
	v := ansi.Strip(in.View())
	if w := ansi.StringWidth(v); w > 10 {
		t.Errorf("view %q is %d wide, want ≤ 10", v, w)
	}
	if !strings.HasSuffix(strings.TrimRight(v, " "), "xyz") {
		t.Errorf("view %q does not show the end where the cursor is", v)
	}
	in = feedInput(in, "home")
	if v := ansi.Strip(in.View()); !strings.HasPrefix(v, ":abc") {
		t.Errorf("after home, view = %q", v)
	}
	in.Placeholder = "type here"
	in.Reset()
	if v := ansi.Strip(in.View()); v != ":type here" {
		t.Errorf("placeholder view = %q", v)
	}
}
