package ui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The editor says as the text is typed what it will do or which rule it
// breaks, and never writes tenant text raw in its title.
func TestTextEditorChecksAsItIsTyped(t *testing.T) {
	check := func(s string) (string, error) {
		if strings.Contains(s, "bad") {
			return "", errors.New("value: must not say bad")
		}
		return "routes to " + strings.TrimSpace(s), nil
	}
	e := NewTextEditor("Value of \x1b]0;evil\x07", "tenant-1", "ctrl+s plans · esc cancels", DefaultStyles(true), check)
	e.SetSize(60, 10)
	v := ansi.Strip(e.View())
	if !strings.Contains(v, "✓ routes to tenant-1") || !strings.Contains(v, "ctrl+s plans") || strings.Contains(v, "\x1b]0;") {
		t.Fatalf("view:\n%q", v)
	}
	e, _ = e.Update(tea.PasteMsg{Content: " bad"})
	if v := ansi.Strip(e.View()); !strings.Contains(v, "✗ value: must not say bad") || e.Valid() {
		t.Fatalf("after a bad edit (valid %v):\n%s", e.Valid(), v)
	}
	e.SetHint("planning…")
	if !strings.Contains(ansi.Strip(e.View()), "planning…") {
		t.Fatal("the hint did not change")
	}
	if got := len(strings.Split(e.View(), "\n")); got > 10 {
		t.Fatalf("the editor is %d lines tall in 10", got)
	}
}
