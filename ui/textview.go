package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// TextView is a scrollable, read-only view of text under a title line: the
// raw JSON overlays and other tenant text. Everything it is given (title,
// hint and text) is sanitized here, so a caller cannot forget: an escape
// sequence in the text is shown as inert text (see Sanitize). Lines wider
// than the view end in "…".
//
// By default the title stays on the first line and says which lines are
// shown when the text does not fit ("… · lines 5–20 of 64 · esc closes").
// WithScrollingTitle makes the title the text's first line instead, with
// the position on the view's last line when the text does not fit.
type TextView struct {
	// KeyMap holds the scrolling bindings (ui.DefaultMoveKeyMap).
	KeyMap MoveKeyMap

	styles      TextViewStyles
	title, hint string   // sanitized
	lines       []string // sanitized
	scrollTitle bool     // the title scrolls away with the text

	top           int // first text line shown (the title is line 0 when it scrolls)
	width, height int
}

// TextViewStyles styles a TextView.
type TextViewStyles struct {
	// Title styles the title line; Position the "── lines … ──" line.
	Title, Position lipgloss.Style
}

// TextViewOption configures a TextView built by NewTextView.
type TextViewOption func(*TextView)

// WithHint ends the title with a hint: "esc closes".
func WithHint(hint string) TextViewOption {
	return func(v *TextView) { v.hint = Sanitize(hint) }
}

// WithScrollingTitle makes the title the first line of the text, scrolled
// away with it; the position goes on the last line when the text does not
// fit.
func WithScrollingTitle() TextViewOption {
	return func(v *TextView) { v.scrollTitle = true }
}

// WithTextViewStyles sets the styles (Styles.TextView by default).
func WithTextViewStyles(s TextViewStyles) TextViewOption {
	return func(v *TextView) { v.styles = s }
}

// WithTextViewKeyMap sets the scrolling bindings.
func WithTextViewKeyMap(k MoveKeyMap) TextViewOption {
	return func(v *TextView) { v.KeyMap = k }
}

// NewTextView returns a view of text (lines separated by "\n") under
// title, scrolled to the top.
func NewTextView(title, text string, opts ...TextViewOption) TextView {
	v := TextView{
		KeyMap: DefaultMoveKeyMap(),
		styles: DefaultStyles(true).TextView,
		title:  Sanitize(title),
	}
	for _, opt := range opts {
		opt(&v)
	}
	v.SetText(text)
	return v
}

// NewJSONView returns a view of val as indented JSON under title.
func NewJSONView(title string, val any, opts ...TextViewOption) TextView {
	return NewTextView(title, prettyJSON(val), opts...)
}

// prettyJSON indents val by two spaces, or says why it cannot.
func prettyJSON(val any) string {
	b, err := json.MarshalIndent(val, "", "  ")
	if err != nil {
		return "cannot show the JSON: " + err.Error()
	}
	return string(b)
}

// SetText replaces the text, keeping the scroll position where it still
// can be (a section that arrives while the view is open).
func (v *TextView) SetText(text string) {
	v.lines = strings.Split(SanitizeMultiline(text), "\n")
	v.clamp()
}

// SetJSON replaces the text with val as indented JSON.
func (v *TextView) SetJSON(val any) { v.SetText(prettyJSON(val)) }

// SetTitle replaces the title.
func (v *TextView) SetTitle(title string) { v.title = Sanitize(title) }

// SetStyles replaces the styles (after StylesChangedMsg).
func (v *TextView) SetStyles(s TextViewStyles) { v.styles = s }

// SetSize sets the view's size in cells and lines, the title line included.
func (v *TextView) SetSize(width, height int) {
	v.width, v.height = max(0, width), max(0, height)
	v.clamp()
}

// GotoTop scrolls to the first line.
func (v *TextView) GotoTop() { v.top = 0 }

// Update scrolls on a movement key; other messages are ignored.
func (v TextView) Update(msg tea.Msg) (TextView, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if top, ok := v.KeyMap.Move(k, v.top, v.maxTop()+1, v.pageStep()); ok {
			v.top = top
		}
	}
	return v, nil
}

// Position returns the lines shown, first and last (counted from 1), and
// how many there are; with a scrolling title, the title is line 1.
func (v TextView) Position() (first, last, total int) {
	total = v.total()
	if v.fits() {
		return 1, total, total
	}
	return v.top + 1, min(total, v.top+v.rows()), total
}

// View renders the title line and the visible lines, at most the view's
// width and height.
func (v TextView) View() string {
	if v.height <= 0 {
		return ""
	}
	var b strings.Builder
	if v.scrollTitle {
		lines := make([]string, 0, len(v.lines)+1)
		lines = append(append(lines, v.titleLine("")), v.lines...)
		return ScrollWindow(lines, v.top, v.width, v.height, v.styles.Position)
	}
	first, last, total := v.Position()
	pos := ""
	if !v.fits() {
		pos = fmt.Sprintf("lines %d–%d of %d", first, last, total)
	}
	b.WriteString(v.titleLine(pos))
	for _, l := range v.lines[first-1 : last] {
		b.WriteString("\n" + Truncate(l, v.width))
	}
	return b.String()
}

// titleLine is "title · pos · hint", fitted and styled.
func (v TextView) titleLine(pos string) string {
	t := v.title
	for _, part := range []string{pos, v.hint} {
		if part != "" {
			t += " · " + part
		}
	}
	return v.styles.Title.Render(Truncate(t, v.width))
}

// total is the number of lines that scroll (the title too when it does).
func (v TextView) total() int {
	if v.scrollTitle {
		return len(v.lines) + 1
	}
	return len(v.lines)
}

// rows is how many scrolled lines are visible when the text does not fit:
// one line goes to the title (pinned) or to the position (scrolling).
func (v TextView) rows() int { return max(1, v.height-1) }

// fits reports whether every line is visible at once.
func (v TextView) fits() bool {
	if v.scrollTitle {
		return v.total() <= v.height
	}
	return v.total() <= v.rows()
}

// pageStep is how far a page key moves.
func (v TextView) pageStep() int { return v.rows() }

// maxTop is the last scroll position: the last line at the bottom.
func (v TextView) maxTop() int {
	if v.scrollTitle {
		return ScrollMax(v.total(), v.height)
	}
	if v.fits() {
		return 0
	}
	return v.total() - v.rows()
}

// clamp keeps the scroll position within the text.
func (v *TextView) clamp() {
	v.top = max(0, min(v.top, v.maxTop()))
}

// ScrollWindow lays out lines that the caller rendered (styled, and
// sanitized where they hold tenant text: it does not sanitize) as a view
// of height lines: all of them when they fit, else the lines from top (at
// most ScrollMax) and a last line, styled with pos, that says which lines
// are shown: "── lines 5–20 of 64 · j/k scroll ──". Every line is cut to
// width with "…". The scrolling-title TextView, the script details and the
// help overlay are laid out by it.
func ScrollWindow(lines []string, top, width, height int, pos lipgloss.Style) string {
	var b strings.Builder
	n := len(lines)
	first, last := 0, n
	if n > height {
		first = max(0, min(top, ScrollMax(n, height)))
		last = min(n, first+max(1, height-1))
	}
	for i := first; i < last; i++ {
		if i > first {
			b.WriteByte('\n')
		}
		b.WriteString(Truncate(lines[i], width))
	}
	if n > height {
		more := fmt.Sprintf("── lines %d–%d of %d · j/k scroll ──", first+1, last, n)
		b.WriteString("\n" + pos.Render(Truncate(more, width)))
	}
	return b.String()
}

// ScrollMax is the last first line of n lines in a ScrollWindow of height
// lines: the last line at the bottom, above the position line (0 when they
// fit).
func ScrollMax(n, height int) int {
	if n <= height {
		return 0
	}
	return max(0, n-max(1, height-1))
}
