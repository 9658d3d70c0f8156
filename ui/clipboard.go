package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// CopyCmd returns a command that copies texts to the operator's clipboard
// with OSC52, one text a line, which works over SSH because the terminal
// emulator on the operator's machine does the copying. The App writes the
// sequence and, inside tmux or GNU screen, also a passthrough-wrapped copy
// (tmux needs `set -g allow-passthrough on` or `set-clipboard on`), then
// confirms in the footer. It returns nil when there is nothing to copy.
//
// Each text is tenant text (a script or namespace name) and is copied as
// the screens show it, escaped by termsafe.Line: a name holding
// "\x1b]0;…" or a newline goes to the clipboard as the inert characters
// `\x1b]0;…` and `\n`, so pasting it into a shell cannot run a second
// command or write to the terminal, and a name holding a zero-width space
// is not pasted as the look-alike name without it. Only the newlines that
// separate the texts are real: pass several names as several arguments,
// never joined (a joined "a\nb" is one text and copies as `a\nb`).
func CopyCmd(texts ...string) tea.Cmd {
	if len(texts) == 0 {
		return nil
	}
	msg := copyMsg{lines: len(texts)}
	shown := make([]string, len(texts))
	for i, t := range texts {
		shown[i] = termsafe.Line(t)
		msg.escaped = msg.escaped || shown[i] != t
	}
	msg.text = strings.Join(shown, "\n")
	return func() tea.Msg { return msg }
}

// terminalEnv is what the App learns from tea.EnvMsg.
type terminalEnv struct {
	tmux, screen bool
	noColor      bool
}

// parseEnv reads the variables the shell cares about.
func parseEnv(getenv func(string) string) terminalEnv {
	term := getenv("TERM")
	return terminalEnv{
		tmux:    getenv("TMUX") != "" || strings.HasPrefix(term, "tmux"),
		screen:  getenv("STY") != "" || (strings.HasPrefix(term, "screen") && getenv("TMUX") == ""),
		noColor: getenv("NO_COLOR") != "" || term == "dumb",
	}
}

// copyCmds returns the commands that write text to the clipboard: the plain
// OSC52 sequence (through Bubble Tea's SetClipboard), plus a passthrough
// copy for a multiplexer that would otherwise swallow it.
func copyCmds(text string, env terminalEnv) tea.Cmd {
	cmds := []tea.Cmd{tea.SetClipboard(text)}
	seq := ansi.SetSystemClipboard(text)
	switch {
	case env.tmux:
		cmds = append(cmds, tea.Raw(ansi.TmuxPassthrough(seq)))
	case env.screen:
		// GNU screen limits DCS strings; 768 bytes is its safe chunk size.
		cmds = append(cmds, tea.Raw(ansi.ScreenPassthrough(seq, 768)))
	}
	return tea.Batch(cmds...)
}
