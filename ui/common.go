// Package ui is the shell of the wfp console: the root App model, the Screen
// interface and navigation stack, the Common value handed to every screen
// (size, styles, keys, clock, context, header info), the header, breadcrumbs,
// footer, help overlay, command line, status messages, the confirm dialog and
// small helpers (Sanitize, CopyCmd).
//
// It also holds the widgets the screens share, one of each: Table (a
// virtual table with cursor and marks kept by row key), TextView (scrolled,
// sanitized text such as raw JSON), ScrollWindow (the same window for lines
// a screen styled itself), WaitBatch (the re-armed reader of a stream), and
// the formatters of format.go (Commas, Age, Date, PadRight, Truncate, …).
//
// ui depends on Bubble Tea, Bubbles, Lip Gloss and x/ansi only: it never
// imports cfclient or a screen package. Screens are built by factories that
// main registers, and they navigate by sending a NavigateMsg with a Route.
package ui

import (
	"context"
	"strconv"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// Common is the shared context handed to every screen. The App owns it and
// updates Width, Height and Styles in place on resize and restyle; screens
// keep the pointer and read it when they render. Commands must copy what
// they need from it when they are built, never read it while running.
type Common struct {
	// Width and Height are the size of the content area (the space between
	// the breadcrumbs and the footer), not of the terminal.
	Width, Height int
	// Styles holds every semantic style; it is replaced when the terminal
	// background is detected or NO_COLOR is set.
	Styles Styles
	// Keys are the global key bindings.
	Keys KeyMap
	// Clock returns the current time; tests inject a fixed one.
	Clock func() time.Time
	// Ctx is cancelled when the console shuts down; screens derive request
	// contexts from it.
	Ctx context.Context
	// ReadOnly is the session's role: it may only read (the profile's
	// read_only, --read-only, or a viewer). Forms still open and show
	// their plans; the client's gate refuses their changes regardless.
	ReadOnly bool
	// Production marks a production profile: every change is confirmed by
	// typing a phrase.
	Production bool
	// Header takes a snapshot of the header information (profile,
	// account, API budget, jobs) from the runtime. The App calls it only
	// inside a command, off the Update goroutine, and delivers the result
	// as a HeaderMsg: a View or Update never reads runtime state.
	Header func() HeaderInfo
}

// NewCommon returns a Common with dark default styles and the default key
// map. A nil ctx, clock or header is replaced by a harmless default.
func NewCommon(ctx context.Context, clock func() time.Time, header func() HeaderInfo) *Common {
	return &Common{
		Styles: DefaultStyles(true),
		Keys:   DefaultKeyMap(),
		Clock:  clock,
		Ctx:    ctx,
		Header: header,
	}
}

// Now returns the time from the injected clock, or time.Now without one.
func (c *Common) Now() time.Time {
	if c.Clock == nil {
		return time.Now()
	}
	return c.Clock()
}

// Context returns Ctx, or context.Background when none was set.
func (c *Common) Context() context.Context {
	if c.Ctx == nil {
		return context.Background()
	}
	return c.Ctx
}

// Route kinds of the screens wfp ships. Screens may add their own kinds.
const (
	KindNamespaces = "namespaces"
	KindScripts    = "scripts"
	KindScript     = "script"
	// KindRouting is the routing table screen. Its Route.Arg is "" (the
	// whole table), "/<text>" (opened with that filter, as ":routes text")
	// or "add=<namespace>/<script>" (the add form open with that script as
	// the target: a script screen's "add route"), so screens open it
	// without importing it.
	KindRouting = "routing"
)

// Route addresses a screen: its kind plus the objects it shows. Routes are
// comparable; two routes with the same Key are the same screen.
type Route struct {
	// Kind selects the Factory that builds the screen.
	Kind string
	// Namespace is the dispatch namespace, if the screen is scoped to one.
	Namespace string
	// Script is the user script name, if the screen shows one script.
	Script string
	// Arg is any other argument the screen needs (a tag selector, a job id).
	Arg string
}

// Key returns a stable string identifying the route, used to find a screen
// already on the stack and to tag results with their owner.
func (r Route) Key() string {
	// Segments are quoted so that no two routes share a key, whatever
	// characters tenant names contain.
	return strconv.Quote(r.Kind) + "/" + strconv.Quote(r.Namespace) + "/" +
		strconv.Quote(r.Script) + "/" + strconv.Quote(r.Arg)
}

// Factory builds the screen for a route. main registers one per Kind.
type Factory func(c *Common, r Route) (Screen, error)

// Screen is one page of the console. Implementations are usually pointer
// types: SetSize mutates, and Update returns the (possibly same) screen.
// Only the App returns a tea.View; screens render strings that fit in
// Common.Width × Common.Height (the App truncates anything larger).
type Screen interface {
	// ShortHelp and FullHelp expose the live key bindings for the footer
	// and the ? overlay.
	help.KeyMap
	// Init returns the first command, typically a load.
	Init() tea.Cmd
	// Update handles a message. Keys reach only the active screen; a
	// Routed message reaches only the screen whose route key it names
	// (active or not); StylesChangedMsg reaches every screen; any other
	// message reaches the active screen only.
	Update(msg tea.Msg) (Screen, tea.Cmd)
	// View renders the content area.
	View() string
	// SetSize is called with the content area size when the screen becomes
	// active and after a resize while it is active.
	SetSize(width, height int)
	// Title names the screen in the breadcrumbs (a namespace or script name).
	Title() string
	// Capturing reports that a text input inside the screen has focus, so
	// global keys (: ? esc ctrl+r) are delivered to the screen instead.
	Capturing() bool
}

// Routed is implemented by result messages that belong to one screen: the
// App delivers them to the screen on the stack whose Route.Key equals
// RouteKey(), and drops them when that screen is gone. Screens still check
// their own request tokens to drop superseded results.
type Routed interface {
	RouteKey() string
}

// DataAger is implemented by screens that show fetched data; the header
// shows "refreshed 12s ago" from it. A zero time means "not loaded yet".
type DataAger interface {
	DataAge() time.Time
}

// Escaper is implemented by screens that use esc for something of their own
// (clearing an applied filter, leaving a mode) before it means "go back".
// While WantsEsc reports true, esc is delivered to the screen.
type Escaper interface {
	WantsEsc() bool
}

// Closer is implemented by screens that hold resources (a tail stream, a
// ticker) to release when they are popped off the stack or the app quits.
type Closer interface {
	Close()
}
