package ui

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// Messages screens and commands send to the App.
type (
	// NavigateMsg opens the screen for Route: an existing screen on the
	// stack with the same Route.Key becomes active again (screens above it
	// are closed); otherwise a new screen is built and pushed.
	NavigateMsg struct{ Route Route }
	// BackMsg pops the active screen; at the root it does nothing.
	BackMsg struct{}
	// RefreshMsg asks the active screen to reload its data now (ctrl+r).
	RefreshMsg struct{}
	// StatusMsg shows a message in the footer until the next key or a few
	// seconds pass.
	StatusMsg struct {
		Level Level
		Text  string
		// Hint says what to do about it; shown after the text.
		Hint string
	}
	// StylesChangedMsg is broadcast to every screen after Common.Styles was
	// replaced (background detected, NO_COLOR), for screens that copied
	// styles into components.
	StylesChangedMsg struct{}
	// ScriptsChangedMsg is broadcast to every screen when changes to
	// scripts were applied (by this session, another, or a job): a screen
	// listing them patches its rows, or reads again when Lost.
	ScriptsChangedMsg struct {
		Changes []ScriptChange
		Lost    bool
	}
	// HeaderMsg is a header snapshot pushed into the session (the App's
	// own tick takes one every second off the Update goroutine).
	HeaderMsg struct{ Info HeaderInfo }
	// CompletionsMsg replaces a named set of completion candidates of the
	// command line ("namespaces"), for commands to complete and check
	// arguments without I/O. Screens send it when they list something.
	CompletionsMsg struct {
		Set    string
		Values []string
	}
	// ConfirmMsg opens the shared confirm dialog as an overlay. When the
	// operator decides, the App dispatches Request.OnYes or Request.OnNo
	// (if not nil) to the screens. A dialog already open is replaced and
	// counts as declined.
	ConfirmMsg struct{ Request ConfirmRequest }
)

// Messages the App schedules for itself.
type (
	// headerTickMsg carries the snapshot the tick command took; owner and
	// seq stop two apps (or two tick chains) from eating each other's
	// ticks.
	headerTickMsg struct {
		owner *byte
		seq   int
		info  HeaderInfo
	}
	// headerNowMsg is a snapshot taken at once (ctrl+r), outside the tick
	// chain.
	headerNowMsg struct {
		owner *byte
		info  HeaderInfo
	}
	// statusTimeoutMsg clears the status message numbered seq.
	statusTimeoutMsg struct {
		owner *byte
		seq   int
	}
	// copyMsg asks the App to copy text to the clipboard with OSC52: lines
	// texts escaped by termsafe.Line (escaped: some needed it), one a line.
	copyMsg struct {
		text    string
		lines   int
		escaped bool
	}
)

// Level is the severity of a status message.
type Level int

// Status levels. The footer shows a word for Warn and Error, never colour
// alone.
const (
	LevelInfo Level = iota
	LevelWarn
	LevelError
)

// String returns the word shown in front of a status message.
func (l Level) String() string {
	switch l {
	case LevelWarn:
		return "warning"
	case LevelError:
		return "error"
	default:
		return "info"
	}
}

// SetCompletions returns a command that replaces the completion set name.
func SetCompletions(name string, values []string) tea.Cmd {
	return func() tea.Msg { return CompletionsMsg{Set: name, Values: values} }
}

// Navigate returns a command that opens the screen for r.
func Navigate(r Route) tea.Cmd {
	return func() tea.Msg { return NavigateMsg{Route: r} }
}

// OpenScript returns a command that opens the script screen of a user
// script in namespace ns; an account script (ns "") has none, and the
// footer says so, with what to do instead (why, "" for nothing more).
func OpenScript(ns, script, why string) tea.Cmd {
	if ns == "" {
		text := Sanitize(script) + " is an account script: wfp has no screen for it"
		if why != "" {
			text += "; " + why
		}
		return ShowStatus(LevelInfo, text)
	}
	return Navigate(Route{Kind: KindScript, Namespace: ns, Script: script})
}

// Back returns a command that pops the active screen.
func Back() tea.Cmd {
	return func() tea.Msg { return BackMsg{} }
}

// ShowStatus returns a command that shows text in the footer.
func ShowStatus(level Level, text string) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Level: level, Text: text} }
}

// ShowError returns a command that shows err in the footer, with the hint
// from the error itself (see Explainer) or the given fallback hint.
func ShowError(err error, hint string) tea.Cmd {
	msg := StatusFromError(err)
	if msg.Hint == "" {
		msg.Hint = hint
	}
	return func() tea.Msg { return msg }
}

// Explainer is implemented by errors that carry a human reason and a hint
// (cfclient's typed errors do); StatusFromError uses it. ui declares it so
// that it never imports cfclient.
type Explainer interface {
	error
	// Explain returns one line saying what failed and why, and one line
	// saying what the person can do about it ("" when nothing).
	Explain() (reason, hint string)
}

// StatusFromError turns err into an error status message. When err wraps an
// Explainer, its reason and hint are used; otherwise err.Error().
func StatusFromError(err error) StatusMsg {
	if err == nil {
		return StatusMsg{Level: LevelError, Text: "unknown error"}
	}
	var ex Explainer
	if errors.As(err, &ex) {
		reason, hint := ex.Explain()
		return StatusMsg{Level: LevelError, Text: reason, Hint: hint}
	}
	return StatusMsg{Level: LevelError, Text: err.Error()}
}

// AskConfirm returns a command that opens the shared confirm dialog.
func AskConfirm(req ConfirmRequest) tea.Cmd {
	return func() tea.Msg { return ConfirmMsg{Request: req} }
}

// errorStatus builds an error status message with a hint.
func errorStatus(hint, format string, args ...any) StatusMsg {
	return StatusMsg{Level: LevelError, Text: fmt.Sprintf(format, args...), Hint: hint}
}
