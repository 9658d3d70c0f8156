package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// numbered returns n lines "line 1" … "line n".
func numbered(n int) string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %d", i+1)
	}
	return strings.Join(lines, "\n")
}

func pressView(v TextView, keys ...string) TextView {
	for _, k := range keys {
		v, _ = v.Update(keyMsg(k))
	}
	return v
}

func viewLines(v TextView) []string { return strings.Split(ansi.Strip(v.View()), "\n") }

func TestTextViewScrollBounds(t *testing.T) {
	v := NewTextView("title", numbered(20), WithHint("esc closes"))
	v.SetSize(40, 6) // the title and 5 lines
	got := viewLines(v)
	if len(got) != 6 || got[0] != "title · lines 1–5 of 20 · esc closes" || got[1] != "line 1" || got[5] != "line 5" {
		t.Errorf("top:\n%s", strings.Join(got, "\n"))
	}
	v = pressView(v, "k", "up", "pgup")
	if f, _, _ := v.Position(); f != 1 {
		t.Errorf("k at the top moved to %d", f)
	}
	v = pressView(v, "G")
	got = viewLines(v)
	if got[0] != "title · lines 16–20 of 20 · esc closes" || got[5] != "line 20" {
		t.Errorf("G should put the last line at the bottom:\n%s", strings.Join(got, "\n"))
	}
	v = pressView(v, "j", "down", "pgdown", "ctrl+d")
	if f, l, n := v.Position(); f != 16 || l != 20 || n != 20 {
		t.Errorf("past the end: lines %d–%d of %d", f, l, n)
	}
	// k works at once after G: no hidden overscroll.
	v = pressView(v, "k")
	if f, _, _ := v.Position(); f != 15 {
		t.Errorf("k after G: first line %d, want 15", f)
	}
	v = pressView(v, "g", "pgdown")
	if f, _, _ := v.Position(); f != 6 {
		t.Errorf("g pgdown: first line %d, want 6", f)
	}
	// Text that fits has no position and does not scroll.
	short := pressView(NewTextView("t", "a\nb"), "j", "G")
	short.SetSize(40, 6)
	if got := viewLines(short); len(got) != 3 || got[0] != "t" || got[2] != "b" {
		t.Errorf("short text:\n%s", strings.Join(got, "\n"))
	}
	// New text keeps the position where it can.
	v = pressView(v, "G")
	v.SetText(numbered(8))
	if f, l, n := v.Position(); f != 4 || l != 8 || n != 8 {
		t.Errorf("after a shorter SetText: lines %d–%d of %d, want 4–8 of 8", f, l, n)
	}
	// Growing the view past the text shows it all.
	v.SetSize(40, 20)
	if f, _, _ := v.Position(); f != 1 {
		t.Errorf("a view taller than the text starts at line %d", f)
	}
}

func TestTextViewScrollingTitle(t *testing.T) {
	v := NewTextView("JSON of x", numbered(30), WithHint("y/esc closes"), WithScrollingTitle())
	v.SetSize(40, 10)
	got := viewLines(v)
	if len(got) != 10 || got[0] != "JSON of x · y/esc closes" || got[8] != "line 8" ||
		got[9] != "── lines 1–9 of 31 · j/k scroll ──" {
		t.Errorf("top:\n%s", strings.Join(got, "\n"))
	}
	v = pressView(v, "G")
	got = viewLines(v)
	if strings.Contains(strings.Join(got, "\n"), "JSON of") || got[8] != "line 30" || got[9] != "── lines 23–31 of 31 · j/k scroll ──" {
		t.Errorf("G: the title scrolls away, the last line is at the bottom:\n%s", strings.Join(got, "\n"))
	}
	v.SetSize(40, 40)
	if got := viewLines(v); len(got) != 31 || got[0] != "JSON of x · y/esc closes" {
		t.Errorf("everything fits: %d lines, first %q", len(got), got[0])
	}
}

func TestTextViewSanitizesWhatItIsGiven(t *testing.T) {
	const payload = "\x1b]52;c;ZXZpbA==\x07"
	v := NewTextView("name "+payload, "before\n"+payload+"\tafter\n\u009b31mred\u202eevil", WithHint("hint "+payload))
	v.SetSize(200, 10)
	out := v.View()
	for _, bad := range []string{"\x1b]52", "\x07", "\u009b", "\u202e", "\t"} {
		if strings.Contains(out, bad) {
			t.Errorf("the view carries %q raw:\n%q", bad, out)
		}
	}
	plain := ansi.Strip(out)
	for _, want := range []string{`name \x1b]52;c;ZXZpbA==\x07`, `\x1b]52;c;ZXZpbA==\x07    after`, `\u009b31mred\u202eevil`, `hint \x1b]52`} {
		if !strings.Contains(plain, want) {
			t.Errorf("the view does not show %q as inert text:\n%s", want, plain)
		}
	}
	// SetText and SetTitle sanitize too.
	v.SetText(payload)
	v.SetTitle(payload)
	if strings.Contains(v.View(), "\x1b]52") {
		t.Errorf("SetText/SetTitle let the payload through: %q", v.View())
	}
	// A JSON value: Marshal escapes control characters in strings already;
	// the view shows the escape, never the byte.
	j := NewJSONView("json", map[string]string{"k": payload})
	j.SetSize(80, 10)
	if out := j.View(); strings.Contains(out, "\x1b]") || !strings.Contains(out, `"k": "\u001b]52;c;ZXZpbA==\u0007"`) {
		t.Errorf("JSON view:\n%q", out)
	}
}

func TestTextViewFitsTheWidth(t *testing.T) {
	v := NewJSONView("a title much longer than the view is wide", map[string]any{
		"name": strings.Repeat("x", 100), "n": 1,
	})
	v.SetSize(30, 10)
	got := viewLines(v)
	want := []string{"{", `  "n": 1,`}
	for i, w := range want {
		if got[i+1] != w {
			t.Errorf("line %d = %q, want %q (indented JSON)", i+1, got[i+1], w)
		}
	}
	for _, l := range got {
		if w := ansi.StringWidth(l); w > 30 {
			t.Errorf("%q is %d cells wide", l, w)
		}
	}
	if !strings.HasSuffix(got[3], "…") || !strings.HasSuffix(got[0], "…") {
		t.Errorf("cut lines should end in …:\n%s", strings.Join(got, "\n"))
	}
	if v.SetSize(30, 0); v.View() != "" {
		t.Error("a view of height 0 renders something")
	}
}

func TestScrollWindow(t *testing.T) {
	st := DefaultStyles(true).Subtle
	lines := strings.Split(numbered(10), "\n")
	if got := ansi.Strip(ScrollWindow(lines, 5, 20, 10, st)); got != numbered(10) {
		t.Errorf("lines that fit are shown whole, from the top:\n%s", got)
	}
	got := strings.Split(ansi.Strip(ScrollWindow(lines, 99, 20, 4, st)), "\n")
	want := []string{"line 8", "line 9", "line 10", "── lines 8–10 of 10…"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("past the end: %q, want %q", got, want)
	}
	if ScrollMax(10, 10) != 0 || ScrollMax(10, 4) != 7 || ScrollMax(10, 1) != 9 {
		t.Errorf("ScrollMax: %d %d %d", ScrollMax(10, 10), ScrollMax(10, 4), ScrollMax(10, 1))
	}
	if got := ScrollWindow(lines, -3, 20, 4, st); !strings.HasPrefix(got, "line 1\n") {
		t.Errorf("a negative top starts at the first line: %q", got)
	}
}
