package ui

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// Input is a single-line text input for the command line, filters and
// typed confirmations. (bubbles/textinput would pull in a clipboard module
// the project does not carry.) Typed and pasted text is stripped of control
// characters, so a pasted escape sequence cannot reach the terminal.
type Input struct {
	// Prompt is shown before the text (":", "/", "> ").
	Prompt string
	// Placeholder is shown, faint, while the input is empty.
	Placeholder string
	// CharLimit caps the length in runes; 0 means no limit.
	CharLimit int
	// Keys are the editing bindings.
	Keys InputKeyMap

	styles  InputStyles
	value   []rune
	pos     int // cursor, in runes
	offset  int // first visible rune when the text is wider than width
	width   int // cells for prompt + text; 0 means unbounded
	focused bool
}

// InputStyles styles an Input.
type InputStyles struct {
	Prompt      lipgloss.Style
	Text        lipgloss.Style
	Placeholder lipgloss.Style
	Cursor      lipgloss.Style
}

// InputKeyMap holds an Input's editing bindings.
type InputKeyMap struct {
	Left, Right         key.Binding
	WordLeft, WordRight key.Binding
	Home, End           key.Binding
	Backspace, Delete   key.Binding
	DeleteWord          key.Binding
	DeleteToStart       key.Binding
	DeleteToEnd         key.Binding
}

// DefaultInputKeyMap returns readline-like bindings.
func DefaultInputKeyMap() InputKeyMap {
	return InputKeyMap{
		Left:          key.NewBinding(key.WithKeys("left", "ctrl+b")),
		Right:         key.NewBinding(key.WithKeys("right", "ctrl+f")),
		WordLeft:      key.NewBinding(key.WithKeys("alt+left", "ctrl+left", "alt+b")),
		WordRight:     key.NewBinding(key.WithKeys("alt+right", "ctrl+right", "alt+f")),
		Home:          key.NewBinding(key.WithKeys("home", "ctrl+a")),
		End:           key.NewBinding(key.WithKeys("end", "ctrl+e")),
		Backspace:     key.NewBinding(key.WithKeys("backspace", "ctrl+h")),
		Delete:        key.NewBinding(key.WithKeys("delete", "ctrl+d")),
		DeleteWord:    key.NewBinding(key.WithKeys("ctrl+w", "alt+backspace")),
		DeleteToStart: key.NewBinding(key.WithKeys("ctrl+u")),
		DeleteToEnd:   key.NewBinding(key.WithKeys("ctrl+k")),
	}
}

// NewInput returns an empty, unfocused input with the given prompt.
func NewInput(prompt string, st InputStyles) Input {
	return Input{Prompt: prompt, Keys: DefaultInputKeyMap(), styles: st}
}

// SetStyles replaces the styles.
func (m *Input) SetStyles(st InputStyles) { m.styles = st }

// Value returns the text.
func (m Input) Value() string { return string(m.value) }

// SetValue replaces the text (cleaned like typed text) and puts the cursor
// at the end.
func (m *Input) SetValue(s string) {
	m.value = []rune(cleanInput(s))
	if m.CharLimit > 0 && len(m.value) > m.CharLimit {
		m.value = m.value[:m.CharLimit]
	}
	m.pos = len(m.value)
	m.scroll()
}

// Reset empties the input.
func (m *Input) Reset() { m.SetValue("") }

// Position returns the cursor position in runes.
func (m Input) Position() int { return m.pos }

// SetWidth sets the cells available for prompt and text; 0 is unbounded.
func (m *Input) SetWidth(w int) {
	m.width = max(0, w)
	m.scroll()
}

// Focus gives the input the keyboard.
func (m *Input) Focus() { m.focused = true }

// Blur takes the keyboard away; the cursor is hidden.
func (m *Input) Blur() { m.focused = false }

// Focused reports whether the input has the keyboard.
func (m Input) Focused() bool { return m.focused }

// Update edits the text on keys and pastes while focused. It returns no
// command; the signature matches other components.
func (m Input) Update(msg tea.Msg) (Input, tea.Cmd) {
	if !m.focused {
		return m, nil
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		m.insert(msg.Content)
	case tea.KeyPressMsg:
		m.handleKey(msg)
	}
	m.scroll()
	return m, nil
}

func (m *Input) handleKey(k tea.KeyPressMsg) {
	switch {
	case key.Matches(k, m.Keys.Left):
		m.pos = max(0, m.pos-1)
	case key.Matches(k, m.Keys.Right):
		m.pos = min(len(m.value), m.pos+1)
	case key.Matches(k, m.Keys.WordLeft):
		m.pos = m.wordStart()
	case key.Matches(k, m.Keys.WordRight):
		m.pos = m.wordEnd()
	case key.Matches(k, m.Keys.Home):
		m.pos = 0
	case key.Matches(k, m.Keys.End):
		m.pos = len(m.value)
	case key.Matches(k, m.Keys.Backspace):
		if m.pos > 0 {
			m.value = append(m.value[:m.pos-1], m.value[m.pos:]...)
			m.pos--
		}
	case key.Matches(k, m.Keys.Delete):
		if m.pos < len(m.value) {
			m.value = append(m.value[:m.pos], m.value[m.pos+1:]...)
		}
	case key.Matches(k, m.Keys.DeleteWord):
		start := m.wordStart()
		m.value = append(m.value[:start], m.value[m.pos:]...)
		m.pos = start
	case key.Matches(k, m.Keys.DeleteToStart):
		m.value = m.value[m.pos:]
		m.pos = 0
	case key.Matches(k, m.Keys.DeleteToEnd):
		m.value = m.value[:m.pos]
	default:
		// Shift and lock keys still type text; ctrl or alt chords do not.
		if k.Text != "" && k.Mod&^(tea.ModShift|tea.ModCapsLock|tea.ModNumLock|tea.ModScrollLock) == 0 {
			m.insert(k.Text)
		}
	}
}

// insert adds cleaned text at the cursor, within CharLimit.
func (m *Input) insert(s string) {
	r := []rune(cleanInput(s))
	if m.CharLimit > 0 {
		r = r[:max(0, min(len(r), m.CharLimit-len(m.value)))]
	}
	if len(r) == 0 {
		return
	}
	v := make([]rune, 0, len(m.value)+len(r))
	v = append(v, m.value[:m.pos]...)
	v = append(v, r...)
	v = append(v, m.value[m.pos:]...)
	m.value = v
	m.pos += len(r)
}

// wordStart returns the start of the word before the cursor.
func (m Input) wordStart() int {
	i := m.pos
	for i > 0 && m.value[i-1] == ' ' {
		i--
	}
	for i > 0 && m.value[i-1] != ' ' {
		i--
	}
	return i
}

// wordEnd returns the end of the word after the cursor.
func (m Input) wordEnd() int {
	i := m.pos
	for i < len(m.value) && m.value[i] == ' ' {
		i++
	}
	for i < len(m.value) && m.value[i] != ' ' {
		i++
	}
	return i
}

// scroll keeps the cursor inside the visible window of the text.
func (m *Input) scroll() {
	m.pos = min(max(0, m.pos), len(m.value))
	avail := m.width - ansi.StringWidth(m.Prompt) - 1 // one cell for the cursor at the end
	if m.width <= 0 || avail <= 0 {
		m.offset = 0
		return
	}
	if m.pos < m.offset {
		m.offset = m.pos
	}
	for m.offset < m.pos && ansi.StringWidth(string(m.value[m.offset:m.pos])) > avail {
		m.offset++
	}
}

// View renders prompt, visible text and cursor.
func (m Input) View() string {
	prompt := m.styles.Prompt.Render(m.Prompt)
	if len(m.value) == 0 && m.Placeholder != "" {
		if m.focused {
			p := []rune(m.Placeholder)
			return prompt + m.styles.Cursor.Render(string(p[0])) + m.styles.Placeholder.Render(string(p[1:]))
		}
		return prompt + m.styles.Placeholder.Render(m.Placeholder)
	}
	visible := m.value[m.offset:]
	pos := m.pos - m.offset
	if m.width > 0 {
		avail := m.width - ansi.StringWidth(m.Prompt)
		end := 0
		for end < len(visible) && ansi.StringWidth(string(visible[:end+1])) <= avail {
			end++
		}
		visible = visible[:end]
	}
	if !m.focused {
		return prompt + m.styles.Text.Render(string(visible))
	}
	var b strings.Builder
	b.WriteString(prompt)
	b.WriteString(m.styles.Text.Render(string(visible[:min(pos, len(visible))])))
	if pos < len(visible) {
		b.WriteString(m.styles.Cursor.Render(string(visible[pos])))
		b.WriteString(m.styles.Text.Render(string(visible[pos+1:])))
	} else {
		b.WriteString(m.styles.Cursor.Render(" "))
	}
	return b.String()
}

// cleanInput turns line breaks and tabs into spaces and drops every other
// control character, so typed or pasted text is always inert.
func cleanInput(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == utf8.RuneError || termsafe.Unsafe(r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError || termsafe.Unsafe(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
