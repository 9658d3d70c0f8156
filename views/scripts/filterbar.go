package scripts

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/wfpconsole/wfp/ui"
)

// filterBar is the / filter line under the title: the input while the
// operator types (every edit filters the rows live), else the applied
// filter and what kind it is; under it, why the text does not parse. It
// keeps the applied text and the text before typing began (esc restores
// it). It filters nothing itself: each Update leaves an Intent the screen
// acts on, and the screen tells the bar how the rows were filtered
// (SetErr, SetHint).
type filterBar struct {
	// KeyMap holds the bindings while the input has the keyboard.
	KeyMap FilterKeyMap

	styles  filterBarStyles
	input   ui.Input
	typing  bool   // the input has the keyboard
	applied string // committed filter text ("" = none)
	before  string // applied when typing began (esc restores it)
	err     error  // why Text does not parse (nil when it does)
	hint    string // after the applied text: " · fuzzy · esc clears"
	server  string // the API's tag filter of the listing, as text ("" = none)
	width   int
	intent  filterIntent // what the last Update asks of the screen
}

// FilterKeyMap holds the filter input's bindings.
type FilterKeyMap struct {
	ApplyFilter  key.Binding // enter while typing: keep the filter
	CancelFilter key.Binding // esc while typing: restore the previous filter
}

// DefaultFilterKeyMap returns the filter input's default bindings.
func DefaultFilterKeyMap() FilterKeyMap {
	return FilterKeyMap{
		ApplyFilter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		CancelFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// filterBarStyles style the filter line.
type filterBarStyles struct {
	Input       ui.InputStyles
	Text        lipgloss.Style // the applied text
	Note, Error lipgloss.Style // its hint; the parse error
}

// filterBarStylesFrom picks the filter line's styles from the screen's.
func filterBarStylesFrom(st *ui.Styles) filterBarStyles {
	return filterBarStyles{Input: st.Input, Text: st.Bold, Note: st.Subtle, Error: st.Error}
}

// filterIntentKind is what a filter bar Update asks the screen to do.
type filterIntentKind int

const (
	filterNone     filterIntentKind = iota
	filterEdited                    // the typed text changed: filter the rows by text
	filterApplied                   // enter: text is the applied filter now
	filterRestored                  // esc while typing: text (the filter before) applies again
)

// filterIntent is the result of a filter bar Update.
type filterIntent struct {
	kind filterIntentKind
	text string
}

// newFilterBar returns a bar with no filter.
func newFilterBar(st *ui.Styles) filterBar {
	f := filterBar{KeyMap: DefaultFilterKeyMap(), styles: filterBarStylesFrom(st)}
	f.input = ui.NewInput("/", st.Input)
	f.input.Placeholder = "fuzzy name · =text substring · !text inverse · -t tag,!tag · idle>30d (never used = idle) created>90d modified<2026-01-01 tier:free"
	f.input.CharLimit = 600
	return f
}

// SetStyles replaces the styles (after ui.StylesChangedMsg).
func (f *filterBar) SetStyles(st *ui.Styles) {
	f.styles = filterBarStylesFrom(st)
	f.input.SetStyles(st.Input)
}

// SetSize sets the width of the line; the bar takes the lines it needs
// (one, and up to two more for a parse error).
func (f *filterBar) SetSize(width, _ int) {
	f.width = width
	f.input.SetWidth(width)
}

// Focus gives the input the keyboard, on the applied text.
func (f *filterBar) Focus() {
	f.typing = true
	f.before = f.applied
	f.input.SetValue(f.applied)
	f.input.SetWidth(f.width)
	f.input.Focus()
}

// Focused reports whether the input has the keyboard.
func (f filterBar) Focused() bool { return f.typing }

// Text is the filter text driving the rows: the input's while typing,
// else the applied one.
func (f filterBar) Text() string {
	if f.typing {
		return f.input.Value()
	}
	return f.applied
}

// Applied is the committed filter text.
func (f filterBar) Applied() string { return f.applied }

// SetApplied commits text as the filter (a route's filter, a tag picked in
// the facets, esc clearing it).
func (f *filterBar) SetApplied(text string) { f.applied = text }

// SetErr says why Text does not parse (nil when it does): enter is refused
// and the error is shown under the line until it is fixed.
func (f *filterBar) SetErr(err error) { f.err = err }

// SetHint sets what follows the applied text (" · fuzzy · esc clears") and
// the tags the API listed the rows with ("" when none).
func (f *filterBar) SetHint(hint, server string) { f.hint, f.server = hint, server }

// Intent is what the last Update asks the screen to do.
func (f filterBar) Intent() filterIntent { return f.intent }

// Update edits the filter while the input has the keyboard: enter keeps it
// (refused while it does not parse), esc restores the filter before, and
// any other key or a paste edits it.
func (f filterBar) Update(msg tea.Msg) (filterBar, tea.Cmd) {
	f.intent = filterIntent{}
	if !f.typing {
		return f, nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, f.KeyMap.ApplyFilter):
			if f.err != nil {
				return f, nil // the error stays visible until it is fixed
			}
			// The rows already show this text's result (or it is on its way).
			f.blur()
			f.applied = f.input.Value()
			f.intent = filterIntent{kind: filterApplied, text: f.applied}
			return f, nil
		case key.Matches(k, f.KeyMap.CancelFilter):
			f.blur()
			f.applied = f.before
			f.intent = filterIntent{kind: filterRestored, text: f.applied}
			return f, nil
		}
	}
	before := f.input.Value()
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	if v := f.input.Value(); v != before {
		f.intent = filterIntent{kind: filterEdited, text: v}
	}
	return f, cmd
}

func (f *filterBar) blur() {
	f.typing = false
	f.input.Blur()
}

// View renders the line (the input, or the applied filter and its hint)
// and the parse error's lines; "" when there is no filter.
func (f filterBar) View() string {
	var lines []string
	st := &f.styles
	switch {
	case f.typing:
		lines = append(lines, ui.Truncate(f.input.View(), f.width))
	case f.applied != "" || f.server != "":
		var b strings.Builder
		if f.applied != "" {
			b.WriteString(st.Text.Render("/" + ui.Sanitize(f.applied)))
			if f.err == nil && f.hint != "" {
				b.WriteString(st.Note.Render(f.hint))
			}
		}
		if f.server != "" {
			b.WriteString(st.Note.Render(" · listed by the API with tags " + ui.Sanitize(f.server)))
		}
		lines = append(lines, ui.Truncate(b.String(), f.width))
	}
	if f.err != nil {
		msg := ui.Sanitize(f.err.Error())
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, "tag selector: "), "tag selector ")
		for _, l := range wrapLines(glyphError+" invalid selector: "+msg, f.width, 2) {
			lines = append(lines, st.Error.Render(l))
		}
	}
	return strings.Join(lines, "\n")
}

// ShortHelp returns the bindings for the footer while typing.
func (f filterBar) ShortHelp() []key.Binding {
	return []key.Binding{f.KeyMap.ApplyFilter, f.KeyMap.CancelFilter}
}

// FullHelp returns the bindings for the ? overlay while typing.
func (f filterBar) FullHelp() [][]key.Binding {
	return [][]key.Binding{f.ShortHelp()}
}
