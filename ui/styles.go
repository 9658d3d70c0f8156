package ui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles is the one set of semantic styles of the console. Colours are the
// 16 basic ANSI colours so that the operator's terminal theme applies and
// 16-colour terminals stay legible; every state that has a colour also has
// a word, glyph or text attribute, so NO_COLOR loses nothing.
type Styles struct {
	// IsDark reports the background the styles were built for.
	IsDark bool
	// NoColor reports monochrome styles (NO_COLOR or TERM=dumb).
	NoColor bool

	// Accent, Muted, OK, Warn, Danger and Info are the semantic colours,
	// for screens that need a colour of their own (nil with NoColor).
	Accent, Muted, OK, Warn, Danger, Info color.Color

	// Text styles screens use.
	Title       lipgloss.Style // a screen's title line ("412 scripts · 12 shown")
	Subtle      lipgloss.Style // secondary text: counts, dates, placeholders
	Bold        lipgloss.Style // emphasis
	TableHeader lipgloss.Style // column headings
	Cursor      lipgloss.Style // the row under the cursor
	Marked      lipgloss.Style // marked rows (screens also show a glyph)
	Key         lipgloss.Style // a label in a detail view
	Value       lipgloss.Style // a value in a detail view
	Tag         lipgloss.Style // a script tag
	Success     lipgloss.Style // success text (with a word or glyph)
	Warning     lipgloss.Style // warning text (with a word or glyph)
	Error       lipgloss.Style // error text (with a word or glyph)

	// Header.
	Header          lipgloss.Style // the header line as a whole
	HeaderProfile   lipgloss.Style // the profile name
	HeaderAccount   lipgloss.Style // the account
	BadgeSandbox    lipgloss.Style // " SANDBOX "
	BadgeProduction lipgloss.Style // " PRODUCTION "
	BadgeLive       lipgloss.Style // " LIVE ": a real account not marked production
	BadgeReadOnly   lipgloss.Style // " RO "
	BadgeReadWrite  lipgloss.Style // " RW "
	GaugeOK         lipgloss.Style // API budget, plenty left
	GaugeWarn       lipgloss.Style // API budget, getting low (text gets " !")
	GaugeCritical   lipgloss.Style // API budget nearly gone or paused (" !!")
	Jobs            lipgloss.Style // background work count
	Frame           lipgloss.Style // the frame drawn around the UI in production

	// Breadcrumbs and data age.
	Crumb       lipgloss.Style
	CrumbActive lipgloss.Style
	CrumbSep    lipgloss.Style
	DataAge     lipgloss.Style

	// Footer.
	StatusInfo  lipgloss.Style
	StatusWarn  lipgloss.Style
	StatusError lipgloss.Style
	StatusHint  lipgloss.Style
	// Help styles the short help in the footer (bubbles/help).
	Help help.Styles

	// Help overlay.
	HelpBox   lipgloss.Style
	HelpTitle lipgloss.Style
	HelpKey   lipgloss.Style
	HelpDesc  lipgloss.Style

	// Command line.
	CmdPrompt     lipgloss.Style
	CmdCompletion lipgloss.Style
	// Input styles every text input (command line, filters, phrases).
	Input InputStyles

	// Table styles the tables (ui.Table); TextView the scrolled text views
	// (raw JSON, details).
	Table    TableStyles
	TextView TextViewStyles

	// Dialogs.
	Dialog         lipgloss.Style
	DialogTitle    lipgloss.Style
	Button         lipgloss.Style
	ButtonFocused  lipgloss.Style
	ButtonDisabled lipgloss.Style
}

// DefaultStyles returns the colour styles for a dark or light background.
func DefaultStyles(isDark bool) Styles {
	lightDark := lipgloss.LightDark(isDark)
	s := Styles{
		IsDark: isDark,
		Accent: lipgloss.Blue,
		Muted:  lipgloss.BrightBlack,
		OK:     lipgloss.Green,
		Warn:   lightDark(lipgloss.Yellow, lipgloss.BrightYellow),
		Danger: lightDark(lipgloss.Red, lipgloss.BrightRed),
		Info:   lipgloss.Cyan,
	}
	// Text on a coloured badge: black on light colours, bright white on red.
	onLight := lipgloss.Black
	onDark := lipgloss.BrightWhite
	base := lipgloss.NewStyle()

	s.Title = base.Bold(true).Foreground(s.Accent)
	s.Subtle = base.Foreground(s.Muted)
	s.Bold = base.Bold(true)
	s.TableHeader = base.Bold(true).Underline(true)
	s.Cursor = base.Reverse(true)
	s.Marked = base.Bold(true).Foreground(s.Warn)
	s.Key = base.Foreground(s.Muted)
	s.Value = base
	s.Tag = base.Foreground(s.Info)
	s.Success = base.Foreground(s.OK)
	s.Warning = base.Foreground(s.Warn)
	s.Error = base.Foreground(s.Danger).Bold(true)

	s.Header = base
	s.HeaderProfile = base.Bold(true)
	s.HeaderAccount = base.Foreground(s.Muted)
	s.BadgeSandbox = base.Bold(true).Foreground(onLight).Background(lipgloss.Cyan)
	s.BadgeProduction = base.Bold(true).Foreground(onDark).Background(lipgloss.Red)
	s.BadgeLive = base.Bold(true).Foreground(onDark).Background(lipgloss.Magenta)
	s.BadgeReadOnly = base.Bold(true).Foreground(onLight).Background(lipgloss.Green)
	s.BadgeReadWrite = base.Bold(true).Foreground(onLight).Background(lipgloss.Yellow)
	s.GaugeOK = base.Foreground(s.OK)
	s.GaugeWarn = base.Foreground(s.Warn).Bold(true)
	s.GaugeCritical = base.Foreground(onDark).Background(lipgloss.Red).Bold(true)
	s.Jobs = base.Foreground(s.Info).Bold(true)
	s.Frame = base.Foreground(lipgloss.Red).Bold(true)

	s.Crumb = base.Foreground(s.Muted)
	s.CrumbActive = base.Bold(true)
	s.CrumbSep = base.Foreground(s.Muted)
	s.DataAge = base.Foreground(s.Muted)

	s.StatusInfo = base
	s.StatusWarn = base.Foreground(s.Warn).Bold(true)
	s.StatusError = base.Foreground(s.Danger).Bold(true)
	s.StatusHint = base.Foreground(s.Muted)
	s.Help = help.Styles{
		Ellipsis:       base.Foreground(s.Muted),
		ShortKey:       base.Bold(true),
		ShortDesc:      base.Foreground(s.Muted),
		ShortSeparator: base.Foreground(s.Muted),
		FullKey:        base.Bold(true),
		FullDesc:       base.Foreground(s.Muted),
		FullSeparator:  base.Foreground(s.Muted),
	}

	s.HelpBox = base.Border(lipgloss.RoundedBorder()).BorderForeground(s.Accent).Padding(0, 1)
	s.HelpTitle = base.Bold(true).Foreground(s.Accent)
	s.HelpKey = base.Bold(true)
	s.HelpDesc = base

	s.CmdPrompt = base.Bold(true).Foreground(s.Accent)
	s.CmdCompletion = base.Foreground(s.Muted)
	s.Input = InputStyles{
		Prompt:      base.Bold(true).Foreground(s.Accent),
		Text:        base,
		Placeholder: base.Foreground(s.Muted),
		Cursor:      base.Reverse(true),
	}
	s.Table = TableStyles{Header: s.TableHeader}
	s.TextView = TextViewStyles{Title: s.Title, Position: s.Subtle}

	s.Dialog = base.Border(lipgloss.RoundedBorder()).BorderForeground(s.Warn).Padding(0, 1)
	s.DialogTitle = base.Bold(true)
	s.Button = base.Padding(0, 1)
	s.ButtonFocused = base.Padding(0, 1).Reverse(true).Bold(true)
	s.ButtonDisabled = base.Padding(0, 1).Faint(true).Strikethrough(true)
	return s
}

// NoColorStyles returns monochrome styles for NO_COLOR and dumb terminals:
// reverse video, bold, underline and faint carry what colour would.
func NoColorStyles() Styles {
	base := lipgloss.NewStyle()
	badge := base.Bold(true).Reverse(true)
	s := Styles{IsDark: true, NoColor: true}

	s.Title = base.Bold(true)
	s.Subtle = base.Faint(true)
	s.Bold = base.Bold(true)
	s.TableHeader = base.Bold(true).Underline(true)
	s.Cursor = base.Reverse(true)
	s.Marked = base.Bold(true)
	s.Key = base.Faint(true)
	s.Value = base
	s.Tag = base.Underline(true)
	s.Success = base
	s.Warning = base.Bold(true)
	s.Error = base.Bold(true)

	s.Header = base
	s.HeaderProfile = base.Bold(true)
	s.HeaderAccount = base.Faint(true)
	s.BadgeSandbox = badge
	s.BadgeProduction = badge
	s.BadgeLive = badge
	s.BadgeReadOnly = badge
	s.BadgeReadWrite = badge
	s.GaugeOK = base
	s.GaugeWarn = base.Bold(true)
	s.GaugeCritical = badge
	s.Jobs = base.Bold(true)
	s.Frame = base.Bold(true)

	s.Crumb = base
	s.CrumbActive = base.Bold(true)
	s.CrumbSep = base.Faint(true)
	s.DataAge = base.Faint(true)

	s.StatusInfo = base
	s.StatusWarn = base.Bold(true)
	s.StatusError = base.Bold(true)
	s.StatusHint = base.Faint(true)
	s.Help = help.Styles{
		Ellipsis:       base.Faint(true),
		ShortKey:       base.Bold(true),
		ShortDesc:      base,
		ShortSeparator: base.Faint(true),
		FullKey:        base.Bold(true),
		FullDesc:       base,
		FullSeparator:  base.Faint(true),
	}

	s.HelpBox = base.Border(lipgloss.RoundedBorder()).Padding(0, 1)
	s.HelpTitle = base.Bold(true).Underline(true)
	s.HelpKey = base.Bold(true)
	s.HelpDesc = base

	s.CmdPrompt = base.Bold(true)
	s.CmdCompletion = base.Faint(true)
	s.Input = InputStyles{
		Prompt:      base.Bold(true),
		Text:        base,
		Placeholder: base.Faint(true),
		Cursor:      base.Reverse(true),
	}
	s.Table = TableStyles{Header: s.TableHeader}
	s.TextView = TextViewStyles{Title: s.Title, Position: s.Subtle}

	s.Dialog = base.Border(lipgloss.RoundedBorder()).Padding(0, 1)
	s.DialogTitle = base.Bold(true)
	s.Button = base.Padding(0, 1)
	s.ButtonFocused = base.Padding(0, 1).Reverse(true).Bold(true)
	s.ButtonDisabled = base.Padding(0, 1).Faint(true).Strikethrough(true)
	return s
}
