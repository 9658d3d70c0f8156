package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// View renders the whole terminal. Only the App returns a tea.View: alt
// screen on, mouse off so the operator can still select text.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeNone
	v.WindowTitle = a.windowTitle()
	return v
}

// render lays out header, breadcrumbs, content (or an overlay) and footer.
// It does no work proportional to the data: screens render visible rows.
func (a *App) render() string {
	if a.width <= 0 || a.height <= 0 {
		return ""
	}
	if a.tooSmall() {
		// The sizes first, so a very narrow terminal still shows them.
		msg := fmt.Sprintf("%d×%d < %d×%d: terminal too small for wfp",
			a.width, a.height, a.opts.MinWidth, a.opts.MinHeight)
		return Truncate(msg, a.width)
	}
	st := &a.c.Styles
	w, h := a.c.Width, a.c.Height
	now := a.c.Now()

	var body string
	if a.showHelp {
		body = fitBlock(a.helpView(w, h), w, h)
	} else {
		body = fitBlock(a.active().screen.View(), w, h)
	}
	if a.confirm != nil {
		body = overlayCenter(body, a.confirm.View(w-2), w, h)
	}
	out := strings.Join([]string{
		renderHeader(st, a.info, now, w),
		renderCrumbs(st, a.titles(), a.dataAge(now), w),
		body,
		a.footerView(w),
	}, "\n")
	if a.info.Production {
		out = renderFrame(st.Frame, out, a.width)
	}
	return out
}

// renderFrame draws the production frame around content whose lines are at
// most width-2 cells, with the word PRODUCTION in the top edge so the frame
// does not rely on colour. Drawn by hand: a bordered lipgloss style would
// re-wrap every line on every frame.
func renderFrame(st lipgloss.Style, content string, width int) string {
	b := lipgloss.ThickBorder()
	inner := max(0, width-2)
	label := " PRODUCTION "
	if inner < len(label)+2 {
		label = ""
	}
	top := b.TopLeft + b.Top + label + strings.Repeat(b.Top, max(0, inner-1-len(label))) + b.TopRight
	left, right := st.Render(b.Left), st.Render(b.Right)
	var sb strings.Builder
	sb.WriteString(st.Render(top))
	for _, l := range strings.Split(content, "\n") {
		sb.WriteByte('\n')
		sb.WriteString(left)
		sb.WriteString(l)
		sb.WriteString(strings.Repeat(" ", max(0, inner-ansi.StringWidth(l))))
		sb.WriteString(right)
	}
	sb.WriteByte('\n')
	sb.WriteString(st.Render(b.BottomLeft + strings.Repeat(b.Bottom, inner) + b.BottomRight))
	return sb.String()
}

// footerView is the command line, the status message, or short help.
func (a *App) footerView(width int) string {
	st := &a.c.Styles
	switch {
	case a.cmd.active:
		return a.cmd.view(st, width)
	case a.hasStatus:
		return renderStatus(st, a.status, width)
	case a.confirm != nil:
		return a.help.ShortHelpView(a.confirm.ShortHelp())
	case a.showHelp:
		return st.Subtle.Render("esc or ? closes help")
	}
	// Global keys sit at the right so "? help" survives a narrow footer;
	// the screen's keys get the rest and end in "…" when cut.
	global := a.help.ShortHelpView(a.c.Keys.ShortHelp())
	gw := ansi.StringWidth(global)
	h := a.help
	h.SetWidth(max(0, width-gw-2))
	local := h.ShortHelpView(a.active().screen.ShortHelp())
	gap := max(1, width-ansi.StringWidth(local)-gw)
	return ansi.Truncate(local+strings.Repeat(" ", gap)+global, width, "")
}

// dataAge returns "refreshed 12s ago" for a screen that reports its age.
func (a *App) dataAge(now time.Time) string {
	ager, ok := a.active().screen.(DataAger)
	if !ok {
		return ""
	}
	t := ager.DataAge()
	if t.IsZero() {
		return ""
	}
	return "refreshed " + Age(now.Sub(t))
}

// windowTitle names the terminal window after the profile.
func (a *App) windowTitle() string {
	if a.info.Profile == "" {
		return "wfp"
	}
	return "wfp · " + Sanitize(a.info.Profile)
}

// overlayCenter draws top over the middle of base (width × height).
func overlayCenter(base, top string, width, height int) string {
	tw, th := lipgloss.Size(top)
	// Layers drawn straight onto a canvas ignore X/Y and clear the whole
	// area; a Compositor draws each layer only in its own bounds.
	comp := lipgloss.NewCompositor(
		lipgloss.NewLayer(base),
		lipgloss.NewLayer(top).X(max(0, (width-tw)/2)).Y(max(0, (height-th)/2)).Z(1),
	)
	return fitBlock(lipgloss.NewCanvas(width, height).Compose(comp).Render(), width, height)
}

// renderCrumbs renders "acct ▸ production ▸ tenant-00042-api-prod" with the
// data age on the right. Crumbs that do not fit are dropped from the left.
func renderCrumbs(st *Styles, titles []string, age string, width int) string {
	sep := st.CrumbSep.Render(" ▸ ")
	var right []segment
	ageWidth := 0
	if age != "" {
		right = append(right, segment{st.DataAge.Render(age), 1})
		ageWidth = ansi.StringWidth(age) + 1
	}
	for start := 0; start < len(titles); start++ {
		var parts []string
		if start > 0 {
			parts = append(parts, st.Crumb.Render("…"))
		}
		for i := start; i < len(titles); i++ {
			t := Truncate(Sanitize(titles[i]), max(8, width/2))
			if i == len(titles)-1 {
				parts = append(parts, st.CrumbActive.Render(t))
			} else {
				parts = append(parts, st.Crumb.Render(t))
			}
		}
		line := strings.Join(parts, sep)
		// Leading crumbs go before the data age does: how fresh the
		// rows are matters more than the path to them.
		if ansi.StringWidth(line)+ageWidth < width || start == len(titles)-1 {
			return layoutLine([]segment{{line, 0}}, right, width, "", "")
		}
	}
	return layoutLine(nil, right, width, "", "")
}

// fitBlock truncates s to width cells per line and exactly height lines, so
// a screen that renders too much cannot break the layout.
func fitBlock(s string, width, height int) string {
	if height <= 0 {
		return ""
	}
	lines := strings.SplitN(s, "\n", height+1)
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		// A line never has more cells than bytes, so short lines need no
		// (grapheme-aware, slow) measuring.
		if len(l) > width && ansi.StringWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "")
		}
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// renderStatus renders a status message as one footer line: the level as a
// word (never colour alone), the text, and the hint.
func renderStatus(st *Styles, m StatusMsg, width int) string {
	text := Sanitize(m.Text)
	var line string
	switch m.Level {
	case LevelError:
		line = st.StatusError.Render("✗ error: " + text)
	case LevelWarn:
		line = st.StatusWarn.Render("! warning: " + text)
	default:
		line = st.StatusInfo.Render(text)
	}
	if m.Hint != "" {
		line += st.StatusHint.Render(" — " + Sanitize(m.Hint))
	}
	return Truncate(line, width)
}
