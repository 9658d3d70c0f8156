package scripts

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/ui"
)

func TestFilterBarIntents(t *testing.T) {
	st := ui.DefaultStyles(true)
	f := newFilterBar(&st)
	f.SetSize(80, 24)
	f.SetApplied("api")
	if f, _ = f.Update(keyMsg("x")); f.Intent().kind != filterNone || f.Applied() != "api" {
		t.Fatalf("a key without focus: intent %+v, applied %q", f.Intent(), f.Applied())
	}
	f.Focus()
	if !f.Focused() || f.Text() != "api" {
		t.Fatalf("focus: focused %v, text %q", f.Focused(), f.Text())
	}
	f = feed(f, "backspace")
	if in := f.Intent(); in.kind != filterEdited || in.text != "ap" || f.Applied() != "api" {
		t.Errorf("an edit: intent %+v, applied %q", in, f.Applied())
	}
	f, _ = f.Update(tea.PasteMsg{Content: "\x1b[31mx"})
	if in := f.Intent(); in.kind != filterEdited || in.text != "ap[31mx" {
		t.Errorf("a paste: intent %+v (the escape must go)", in)
	}
	f = feed(f, "left") // moves, changes nothing
	if f.Intent().kind != filterNone {
		t.Errorf("a cursor move: intent %+v", f.Intent())
	}
	// esc restores the filter before.
	f = feed(f, "esc")
	if in := f.Intent(); in.kind != filterRestored || in.text != "api" || f.Focused() || f.Text() != "api" {
		t.Errorf("esc: intent %+v, focused %v, text %q", in, f.Focused(), f.Text())
	}
	// enter keeps the text, unless it does not parse.
	f.Focus()
	f = feed(f, "backspace", "backspace", "backspace", "-")
	f.SetErr(errors.New("tag selector: term 1: empty tag"))
	f = feed(f, "enter")
	if f.Intent().kind != filterNone || !f.Focused() {
		t.Errorf("enter with an error: intent %+v, focused %v", f.Intent(), f.Focused())
	}
	if v := ansi.Strip(f.View()); !strings.Contains(v, "\n✗ invalid selector: term 1: empty tag") {
		t.Errorf("the error is not under the line:\n%s", v)
	}
	f.SetErr(nil)
	f = feed(f, "enter")
	if in := f.Intent(); in.kind != filterApplied || in.text != "-" || f.Applied() != "-" || f.Focused() {
		t.Errorf("enter: intent %+v, applied %q", in, f.Applied())
	}
	f.SetHint(" · fuzzy · esc clears", "has:tier-pro")
	if v := ansi.Strip(f.View()); v != "/- · fuzzy · esc clears · listed by the API with tags has:tier-pro" {
		t.Errorf("view = %q", v)
	}
	// No filter: no line.
	f.SetApplied("")
	f.SetHint("", "")
	if v := f.View(); v != "" {
		t.Errorf("view without a filter = %q", v)
	}
}
