package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestMoveKeyMapMove(t *testing.T) {
	k := DefaultMoveKeyMap()
	press := func(s string) tea.KeyPressMsg {
		switch s {
		case "pgdown":
			return tea.KeyPressMsg{Code: tea.KeyPgDown}
		case "ctrl+u":
			return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
		}
		return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
	}
	cases := []struct {
		key          string
		pos, n, page int
		want         int
		wantOK       bool
	}{
		{"j", 0, 10, 5, 1, true},
		{"k", 0, 10, 5, 0, true},
		{"G", 3, 10, 5, 9, true},
		{"g", 7, 10, 5, 0, true},
		{"pgdown", 8, 10, 5, 9, true},
		{"ctrl+u", 6, 10, 5, 4, true},
		{"j", 0, 0, 5, 0, true},
		{"x", 4, 10, 5, 4, false},
	}
	for _, c := range cases {
		got, ok := k.Move(press(c.key), c.pos, c.n, c.page)
		if got != c.want || ok != c.wantOK {
			t.Errorf("%s at %d of %d (page %d) = %d, %v; want %d, %v", c.key, c.pos, c.n, c.page, got, ok, c.want, c.wantOK)
		}
	}
}
