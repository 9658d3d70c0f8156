package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// CopyCmd returns a command that copies text to the operator's clipboard
// with OSC52, which works over SSH because the terminal emulator on the
// operator's machine does the copying. The App writes the sequence and,
// inside tmux or GNU screen, also a passthrough-wrapped copy (tmux needs
// `set -g allow-passthrough on` or `set-clipboard on`), then confirms in
// the footer.
func CopyCmd(text string) tea.Cmd {
	return func() tea.Msg { return copyMsg{text: text} }
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
