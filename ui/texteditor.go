package ui

import (
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
)

// TextEditor edits a long value (a route's JSON, a tier table) in the
// console: bubbles' textarea with line numbers, under a title, with a
// status line that says as the text is typed what it will do or which rule
// it breaks (Check), and a hint. The screen handles its own submit and
// cancel keys (ctrl+s, esc) before passing the rest to Update.
type TextEditor struct {
	area  textarea.Model
	title string
	hint  string
	check func(text string) (ok string, err error)
	st    Styles
	width int
}

// editorChrome is the lines around the text: title, status, hint.
const editorChrome = 3

// NewTextEditor opens an editor on text. check says what the text does
// ("✓ routes to tenant-1") or why it cannot be used; it runs on every View,
// so it must be cheap and do no I/O.
func NewTextEditor(title, text, hint string, st Styles, check func(string) (string, error)) TextEditor {
	a := textarea.New()
	a.Prompt = ""
	a.ShowLineNumbers = true
	a.MaxHeight = 999
	a.CharLimit = 1 << 20
	// ctrl+v would read the system clipboard through xclip or pbpaste,
	// which an SSH session does not have; terminals paste with bracketed
	// paste (tea.PasteMsg), which the editor takes.
	a.KeyMap.Paste.SetEnabled(false)
	e := TextEditor{area: a, title: title, hint: hint, check: check}
	e.SetStyles(st)
	e.area.SetValue(text)
	e.area.MoveToBegin()
	e.area.Focus() // a static cursor: no blink ticks
	return e
}

// Update passes a key or paste to the text.
func (e TextEditor) Update(msg tea.Msg) (TextEditor, tea.Cmd) {
	var cmd tea.Cmd
	e.area, cmd = e.area.Update(msg)
	return e, cmd
}

// SetHint replaces the hint line ("planning…").
func (e *TextEditor) SetHint(hint string) { e.hint = hint }

// Value is the text.
func (e TextEditor) Value() string { return e.area.Value() }

// Valid reports whether check accepts the text.
func (e TextEditor) Valid() bool {
	if e.check == nil {
		return true
	}
	_, err := e.check(e.area.Value())
	return err == nil
}

// SetSize sizes the editor to width × height cells, chrome included.
func (e *TextEditor) SetSize(width, height int) {
	e.width = width
	e.area.SetWidth(max(10, width))
	e.area.SetHeight(max(1, height-editorChrome))
}

// SetStyles styles the editor (no colour under NO_COLOR; the cursor is
// reverse video, never a colour alone).
func (e *TextEditor) SetStyles(st Styles) {
	e.st = st
	s := textarea.Styles{}
	s.Focused.LineNumber = st.Subtle
	s.Focused.CursorLineNumber = st.Bold
	s.Focused.Placeholder = st.Subtle
	s.Blurred = s.Focused
	s.Cursor.Color = st.Accent
	s.Cursor.Blink = false
	e.area.SetStyles(s)
}

// View renders the title, the text, the check's verdict and the hint.
func (e TextEditor) View() string {
	out := e.st.Title.Render(Truncate(Sanitize(e.title), e.width)) + "\n" + e.area.View() + "\n"
	if e.check != nil {
		if ok, err := e.check(e.area.Value()); err != nil {
			out += e.st.Error.Render(Truncate("✗ "+Sanitize(err.Error()), e.width))
		} else {
			out += e.st.Success.Render(Truncate("✓ "+Sanitize(ok), e.width))
		}
	}
	return out + "\n" + e.st.Subtle.Render(Truncate(e.hint, e.width))
}
