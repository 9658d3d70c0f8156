package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// helpColumn is one titled column of the help overlay.
type helpColumn struct {
	title string
	rows  [][2]string // key, description
}

// helpColumns builds the overlay from the live bindings: the active
// screen's FullHelp groups, the global keys, and the registered commands.
// Disabled bindings are left out, so the overlay shows what works now.
func (a *App) helpColumns() []helpColumn {
	var cols []helpColumn
	screen := a.active().screen
	for i, group := range screen.FullHelp() {
		title := ""
		if i == 0 {
			title = Truncate(Sanitize(screen.Title()), 24)
			if title == "" {
				title = "screen"
			}
		}
		if col := bindingColumn(title, group); len(col.rows) > 0 {
			cols = append(cols, col)
		}
	}
	for _, group := range a.c.Keys.FullHelp() {
		cols = append(cols, bindingColumn("global", group))
	}
	cmds := helpColumn{title: "commands"}
	for _, c := range a.cmd.cmds {
		name := ":" + c.Name
		if c.Args != "" {
			name += " " + c.Args
		}
		cmds.rows = append(cmds.rows, [2]string{name, c.Help})
	}
	return append(cols, cmds)
}

// bindingColumn lists the enabled bindings of a group.
func bindingColumn(title string, group []key.Binding) helpColumn {
	col := helpColumn{title: title}
	for _, b := range group {
		if !b.Enabled() || b.Help().Key == "" {
			continue
		}
		col.rows = append(col.rows, [2]string{b.Help().Key, b.Help().Desc})
	}
	return col
}

// helpView renders the help overlay box in width × height cells: columns
// packed left to right and wrapped into bands, then the API budget detail,
// scrolled to helpTop when it is taller than the box (the last line then
// says where we are and how to move).
func (a *App) helpView(width, height int) string {
	st := &a.c.Styles
	inner := max(10, width-st.HelpBox.GetHorizontalFrameSize())
	body := ScrollWindow(a.helpLines(width), a.helpTop, inner, a.helpHeight(height), st.Subtle)
	return st.HelpBox.Width(width).Render(body)
}

// helpHeight is how many lines the help box shows inside its frame when
// the content area is height lines.
func (a *App) helpHeight(height int) int {
	return max(1, height-a.c.Styles.HelpBox.GetVerticalFrameSize())
}

// helpLines are the lines of the help overlay's content at width.
func (a *App) helpLines(width int) []string {
	st := &a.c.Styles
	inner := max(10, width-st.HelpBox.GetHorizontalFrameSize())
	var bands []string
	var row []string
	rowWidth := 0
	for _, col := range a.helpColumns() {
		block := renderHelpColumn(st, col, inner)
		w := lipgloss.Width(block)
		if len(row) > 0 && rowWidth+3+w > inner {
			bands = append(bands, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowWidth = nil, 0
		}
		if len(row) > 0 {
			row = append(row, "   ")
			rowWidth += 3
		}
		row = append(row, block)
		rowWidth += w
	}
	if len(row) > 0 {
		bands = append(bands, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	body := st.HelpTitle.Render("Help") + st.Subtle.Render(" · esc or ? closes") + "\n\n" +
		strings.Join(bands, "\n\n") + "\n\n" + a.budgetDetail()
	return strings.Split(body, "\n")
}

// scrollHelp moves the help overlay by a movement key (Keys.Move), or a
// page down on space as in a pager, clamped to the last full page so k
// works at once after G.
func (a *App) scrollHelp(k tea.KeyPressMsg) {
	height := a.helpHeight(a.c.Height)
	page := max(1, height-1)
	last := ScrollMax(len(a.helpLines(a.c.Width)), height)
	if k.String() == "space" {
		a.helpTop = min(a.helpTop+page, last)
		return
	}
	if top, ok := a.c.Keys.Move.Move(k, a.helpTop, last+1, page); ok {
		a.helpTop = top
	}
}

// minHelpDesc is the narrowest description column worth wrapping into;
// below it descriptions are cut instead.
const minHelpDesc = 16

// renderHelpColumn renders a column: its title, then aligned key and
// description, no wider than maxWidth. A description too long for the
// width wraps onto lines indented under itself, so at 80 columns nothing
// is cut.
func renderHelpColumn(st *Styles, col helpColumn, maxWidth int) string {
	keyWidth := 0
	for _, r := range col.rows {
		keyWidth = max(keyWidth, ansi.StringWidth(r[0]))
	}
	descWidth := maxWidth - keyWidth - 2
	lines := []string{st.HelpTitle.Render(col.title)}
	for _, r := range col.rows {
		key := PadRight(st.HelpKey.Render(r[0]), keyWidth) + "  "
		if descWidth < minHelpDesc || ansi.StringWidth(r[1]) <= descWidth {
			lines = append(lines, Truncate(key+st.HelpDesc.Render(r[1]), maxWidth))
			continue
		}
		for i, part := range strings.Split(ansi.Wordwrap(r[1], descWidth, " "), "\n") {
			if i > 0 {
				key = strings.Repeat(" ", keyWidth+2)
			}
			lines = append(lines, Truncate(key+st.HelpDesc.Render(part), maxWidth))
		}
	}
	return strings.Join(lines, "\n")
}

// budgetDetail is the API budget line at the bottom of the overlay, with
// the queue, requests in flight and the last API error.
func (a *App) budgetDetail() string {
	b := a.info.Budget
	if b.Limit <= 0 && b.LastError == "" {
		return ""
	}
	st := &a.c.Styles
	text := fmt.Sprintf("API %d/%d per %s · %d left · %d queued (%d interactive) · %d in flight",
		b.Used, b.Limit, formatWindow(b.Window), b.Remaining,
		b.QueuedInteractive+b.QueuedBackground, b.QueuedInteractive, b.InFlight)
	out := st.Subtle.Render(text)
	if b.LastError != "" {
		out += "\n" + st.Error.Render("last API error: ") + Sanitize(b.LastError)
	}
	return out
}
