package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// ConfirmRequest describes what the operator is asked to confirm. With no
// Phrase it is a y/N question with No focused (one reversible change);
// with a Phrase the operator must type it ("delete 37 in production") for
// bulk, irreversible or production work.
type ConfirmRequest struct {
	// Title is the question ("Delete 37 scripts?").
	Title string
	// Body says what will happen; it may span lines and is sanitized.
	Body string
	// Phrase, when set, must be typed exactly (surrounding spaces and runs
	// of spaces do not matter) to confirm.
	Phrase string
	// YesLabel names the confirming button (default "Yes").
	YesLabel string
	// ReadOnly shows the plan but offers no way to submit it.
	ReadOnly bool
	// OnYes is dispatched to the screens when the operator confirms.
	OnYes tea.Msg
	// OnNo, if not nil, is dispatched when the operator declines.
	OnNo tea.Msg
}

// ConfirmKeyMap holds the confirm dialog's bindings.
type ConfirmKeyMap struct {
	Yes    key.Binding
	No     key.Binding
	Toggle key.Binding
	Submit key.Binding
	Cancel key.Binding
}

// DefaultConfirmKeyMap returns the default confirm dialog bindings.
func DefaultConfirmKeyMap() ConfirmKeyMap {
	return ConfirmKeyMap{
		Yes:    key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:     key.NewBinding(key.WithKeys("n", "N"), key.WithHelp("n", "no")),
		Toggle: key.NewBinding(key.WithKeys("left", "right", "h", "l", "tab", "shift+tab"), key.WithHelp("←/→", "choose")),
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "select")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// Confirm is the shared confirm dialog. The App hosts one as an overlay
// (see AskConfirm); screens may also embed one.
type Confirm struct {
	// Keys are the dialog's bindings.
	Keys ConfirmKeyMap

	req        ConfirmRequest
	styles     Styles
	yesFocused bool
	input      Input
	mismatch   bool
	done       bool
	confirmed  bool
}

// NewConfirm returns a dialog for req with No focused.
func NewConfirm(req ConfirmRequest, st Styles) Confirm {
	c := Confirm{Keys: DefaultConfirmKeyMap(), req: req, styles: st}
	if req.YesLabel == "" {
		c.req.YesLabel = "Yes"
	}
	if req.Phrase != "" && !req.ReadOnly {
		c.input = NewInput("> ", st.Input)
		c.input.SetWidth(max(12, len(req.Phrase)+4))
		c.input.Focus()
	}
	return c
}

// SetStyles replaces the styles (after background detection).
func (c *Confirm) SetStyles(st Styles) {
	c.styles = st
	c.input.SetStyles(st.Input)
}

// Done reports that the operator decided.
func (c Confirm) Done() bool { return c.done }

// Confirmed reports that the operator confirmed.
func (c Confirm) Confirmed() bool { return c.confirmed }

// typing reports a phrase confirmation that takes text input.
func (c Confirm) typing() bool { return c.req.Phrase != "" && !c.req.ReadOnly }

// Update handles keys and pastes. When the operator decides, the returned
// command yields OnYes or OnNo.
func (c Confirm) Update(msg tea.Msg) (Confirm, tea.Cmd) {
	if c.done {
		return c, nil
	}
	if paste, ok := msg.(tea.PasteMsg); ok && c.typing() {
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(paste)
		return c, cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return c, nil
	}
	if key.Matches(k, c.Keys.Cancel) {
		return c.decide(false)
	}
	if c.typing() {
		if key.Matches(k, c.Keys.Submit) {
			if PhraseMatches(c.input.Value(), c.req.Phrase) {
				return c.decide(true)
			}
			c.mismatch = true
			return c, nil
		}
		c.mismatch = false
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(k)
		return c, cmd
	}
	switch {
	case key.Matches(k, c.Keys.Yes):
		if !c.req.ReadOnly && c.req.Phrase == "" {
			return c.decide(true)
		}
	case key.Matches(k, c.Keys.No):
		return c.decide(false)
	case key.Matches(k, c.Keys.Toggle):
		c.yesFocused = !c.yesFocused && !c.req.ReadOnly
	case key.Matches(k, c.Keys.Submit):
		return c.decide(c.yesFocused && !c.req.ReadOnly)
	}
	return c, nil
}

// decide records the answer and returns the matching action message.
func (c Confirm) decide(yes bool) (Confirm, tea.Cmd) {
	c.done, c.confirmed = true, yes
	c.input.Blur()
	action := c.req.OnNo
	if yes {
		action = c.req.OnYes
	}
	if action == nil {
		return c, nil
	}
	return c, func() tea.Msg { return action }
}

// PhraseMatches reports whether typed is the confirmation phrase, ignoring
// surrounding spaces and runs of spaces; case and words must match.
func PhraseMatches(typed, phrase string) bool {
	return phrase != "" && strings.Join(strings.Fields(typed), " ") == strings.Join(strings.Fields(phrase), " ")
}

// View renders the dialog box, at most width cells wide.
func (c Confirm) View(width int) string {
	st := &c.styles
	boxWidth := min(width, 64)
	var b strings.Builder
	b.WriteString(st.DialogTitle.Render(Sanitize(c.req.Title)))
	if c.req.Body != "" {
		b.WriteString("\n\n")
		b.WriteString(SanitizeMultiline(c.req.Body))
	}
	b.WriteString("\n\n")
	switch {
	case c.req.ReadOnly:
		b.WriteString(st.Warning.Render("read-only profile: nothing will be changed"))
		b.WriteString("\n")
		b.WriteString(st.Subtle.Render("esc close"))
	case c.req.Phrase != "":
		b.WriteString("Type `" + st.Bold.Render(Sanitize(c.req.Phrase)) + "` to confirm:\n")
		b.WriteString(c.input.View())
		if c.mismatch {
			b.WriteString("\n" + st.Error.Render("✗ does not match — type the phrase exactly"))
		}
		b.WriteString("\n" + st.Subtle.Render("enter confirm · esc cancel"))
	default:
		b.WriteString(c.button("No", !c.yesFocused))
		b.WriteString("  ")
		b.WriteString(c.button(c.req.YesLabel, c.yesFocused))
		b.WriteString("\n" + st.Subtle.Render("y yes · n/esc no · ←/→ choose · enter select"))
	}
	return st.Dialog.Width(boxWidth).Render(b.String())
}

// button renders a button; the focused one is bracketed and reversed so
// focus never depends on colour.
func (c Confirm) button(label string, focused bool) string {
	if focused {
		return c.styles.ButtonFocused.Render("[ " + label + " ]")
	}
	return c.styles.Button.Render("  " + label + "  ")
}

// ShortHelp returns the dialog bindings for the footer.
func (c Confirm) ShortHelp() []key.Binding {
	if c.typing() {
		return []key.Binding{c.Keys.Submit, c.Keys.Cancel}
	}
	if c.req.ReadOnly {
		return []key.Binding{c.Keys.Cancel}
	}
	return []key.Binding{c.Keys.Yes, c.Keys.No, c.Keys.Toggle, c.Keys.Submit}
}

// FullHelp returns the dialog bindings grouped for the help overlay.
func (c Confirm) FullHelp() [][]key.Binding {
	return [][]key.Binding{c.ShortHelp()}
}
