package ui

import (
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// appCommands are the commands main registers, with argument completion
// for namespaces from an in-memory list.
func appCommands(ran *[]string) []Command {
	record := func(name string) func(Route, []string, Completions) (tea.Cmd, error) {
		return func(_ Route, args []string, _ Completions) (tea.Cmd, error) {
			*ran = append(*ran, strings.TrimSpace(name+" "+strings.Join(args, " ")))
			return nil, nil
		}
	}
	namespaces := func(Route, []string, Completions) []string { return []string{"production", "preview", "staging"} }
	return []Command{
		{Name: "ns", Help: "namespaces", Run: record("ns")},
		{Name: "scripts", Args: "[namespace]", Help: "scripts", Run: record("scripts"), Complete: namespaces},
		{Name: "script", Args: "<name>", Help: "one script", Run: record("script")},
		{Name: "tags", Help: "tags", Run: record("tags")},
	}
}

func (h *harness) cmdValue() string { return h.app.cmd.input.Value() }

func TestCommandLineCompletion(t *testing.T) {
	var ran []string
	h := newHarness(t, appCommands(&ran)...)
	h.press(":")
	if !h.app.cmd.active || !strings.HasPrefix(h.lines()[23], ":") {
		t.Fatalf("command line not open; footer %q", h.lines()[23])
	}

	h.typeText("t")
	h.press("tab")
	if got := h.cmdValue(); got != "tags" {
		t.Errorf("t<tab> = %q, want tags (no args, so no trailing space)", got)
	}

	h.press("ctrl+u")
	h.typeText("sc")
	h.press("tab")
	if got := h.cmdValue(); got != "script" {
		t.Errorf("sc<tab> = %q, want the common prefix script", got)
	}
	if footer := h.lines()[23]; !strings.Contains(footer, "script  scripts") {
		t.Errorf("candidates not shown: %q", footer)
	}
	h.press("tab")
	if got := h.cmdValue(); got != "script" {
		t.Errorf("second tab = %q, want first candidate script", got)
	}
	h.press("tab")
	if got := h.cmdValue(); got != "scripts" {
		t.Errorf("third tab = %q, want scripts (cycling)", got)
	}
	h.press("tab")
	if got := h.cmdValue(); got != "script" {
		t.Errorf("fourth tab = %q, want script (cycle wraps)", got)
	}

	h.press("ctrl+u")
	h.typeText("scripts p")
	h.press("tab")
	if got := h.cmdValue(); got != "scripts pr" {
		t.Errorf("scripts p<tab> = %q, want scripts pr", got)
	}
	h.typeText("o")
	h.press("tab")
	if got := h.cmdValue(); got != "scripts production " {
		t.Errorf("scripts pro<tab> = %q, want scripts production", got)
	}
	h.press("enter")
	if !reflect.DeepEqual(ran, []string{"scripts production"}) {
		t.Errorf("ran %v", ran)
	}

	h.press(":")
	h.typeText("zz")
	h.press("tab")
	if got := h.cmdValue(); got != "zz" {
		t.Errorf("tab with no candidates changed the input to %q", got)
	}
	h.press("esc")
	if h.app.cmd.active || len(ran) != 1 {
		t.Error("esc did not close the command line without running it")
	}
}

func TestCommandLineHistory(t *testing.T) {
	var ran []string
	h := newHarness(t, appCommands(&ran)...)
	for _, line := range []string{"scripts staging", "ns", "ns", "tags"} {
		h.press(":")
		h.typeText(line)
		h.press("enter")
	}
	if len(ran) != 4 {
		t.Fatalf("ran %v", ran)
	}
	h.press(":")
	h.typeText("dra")
	want := []struct {
		key, value string
	}{
		{"up", "tags"},
		{"up", "ns"}, // the repeated ns is stored once
		{"up", "scripts staging"},
		{"up", "scripts staging"}, // oldest: stays
		{"down", "ns"},
		{"down", "tags"},
		{"down", "dra"}, // back to the draft
		{"down", "dra"},
	}
	for i, w := range want {
		h.press(w.key)
		if got := h.cmdValue(); got != w.value {
			t.Fatalf("step %d (%s): value %q, want %q", i, w.key, got, w.value)
		}
	}
	h.press("up", "enter")
	if ran[len(ran)-1] != "tags" {
		t.Errorf("running a recalled line ran %q", ran[len(ran)-1])
	}
}

func TestCommandLineAliasesAndColon(t *testing.T) {
	var ran []string
	cmds := appCommands(&ran)
	cmds[0].Aliases = []string{"namespaces"}
	h := newHarness(t, cmds...)
	h.press(":")
	h.typeText(":namespaces")
	h.press("enter")
	if !reflect.DeepEqual(ran, []string{"ns"}) {
		t.Errorf("alias with a typed colon ran %v", ran)
	}
	h.press(":", "enter")
	if h.app.hasStatus || len(ran) != 1 {
		t.Error("an empty command line did something")
	}
}

func TestParseCommandLine(t *testing.T) {
	name, args := parseCommandLine("  :scripts   prod  extra ")
	if name != "scripts" || !reflect.DeepEqual(args, []string{"prod", "extra"}) {
		t.Errorf("parse = %q %q", name, args)
	}
	if name, _ := parseCommandLine(" : "); name != "" {
		t.Errorf("blank parse = %q", name)
	}
}
