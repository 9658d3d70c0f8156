package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Defaults for AppOptions fields left zero.
const (
	DefaultMinWidth      = 60
	DefaultMinHeight     = 12
	DefaultStatusTimeout = 5 * time.Second
	DefaultQuitWindow    = time.Second
)

// headerRefresh is how often the header takes a new snapshot (off the
// Update goroutine) and redraws the budget gauge, pause countdown and data
// age.
const headerRefresh = time.Second

// AppOptions configures the App.
type AppOptions struct {
	// Commands are added to the command line next to the built-ins :q,
	// :q! and :help (names must not collide).
	Commands []Command
	// PendingWork returns the number of unsaved edits of the session's
	// own (it runs in Update: it must read only the caller's model, never
	// runtime state). The running jobs come from the header snapshot.
	// While jobs plus edits are above zero, quitting takes a second ctrl+c
	// within QuitWindow, and :q asks for :q!. Nil means none.
	PendingWork func() int
	// StartStatus, when its Text is set, is shown in the footer when the
	// console opens (where it talks to, for example).
	StartStatus StatusMsg
	// StartCmd, when not nil, runs when the console opens (the offer to
	// resume unfinished jobs).
	StartCmd tea.Cmd
	// NoColor forces monochrome styles (also chosen when the terminal
	// environment has NO_COLOR set or TERM=dumb).
	NoColor bool
	// MinWidth and MinHeight are the smallest usable terminal; below it
	// the App shows one line saying so (default 60×12).
	MinWidth, MinHeight int
	// StatusTimeout is how long a status message stays (default 5 s).
	StatusTimeout time.Duration
	// QuitWindow is how soon the second ctrl+c must follow (default 1 s).
	QuitWindow time.Duration
}

// maxDepth bounds the navigation stack; beyond it the oldest screen above
// the root is closed.
const maxDepth = 16

// entry is one screen on the navigation stack.
type entry struct {
	route  Route
	key    string
	screen Screen
	w, h   int // size last passed to SetSize
}

// App is the root model: it owns the header, breadcrumbs, footer, overlays,
// the command line and the stack of screens, and it is the only model that
// returns a tea.View.
type App struct {
	c         *Common
	factories map[string]Factory
	opts      AppOptions
	stack     []*entry

	width, height int // terminal size
	owner         *byte
	tickSeq       int
	info          HeaderInfo // header snapshot, pushed every second

	status    StatusMsg
	hasStatus bool
	statusSeq int

	showHelp bool
	// helpTop is the first line of the help overlay shown (it scrolls when
	// the terminal is too short for all of it).
	helpTop int
	confirm *Confirm
	cmd     cmdLine
	help    help.Model

	lastQuit time.Time
	env      terminalEnv
	isDark   bool
}

// NewApp builds the root model and the start screen. factories maps a
// Route.Kind to the Factory that builds its screen. NewApp sets c.Styles
// (dark until the terminal reports its background; monochrome with
// opts.NoColor) and takes a first header snapshot.
func NewApp(c *Common, factories map[string]Factory, start Route, opts AppOptions) (*App, error) {
	if c == nil {
		return nil, errors.New("new app: Common must not be nil")
	}
	f, ok := factories[start.Kind]
	if !ok || f == nil {
		return nil, fmt.Errorf("new app: start route kind %q has no factory", start.Kind)
	}
	if opts.MinWidth <= 0 {
		opts.MinWidth = DefaultMinWidth
	}
	if opts.MinHeight <= 0 {
		opts.MinHeight = DefaultMinHeight
	}
	if opts.StatusTimeout <= 0 {
		opts.StatusTimeout = DefaultStatusTimeout
	}
	if opts.QuitWindow <= 0 {
		opts.QuitWindow = DefaultQuitWindow
	}
	a := &App{c: c, factories: factories, opts: opts, owner: new(byte), isDark: true}
	cl, err := newCmdLine(opts.Commands, &c.Styles)
	if err != nil {
		return nil, fmt.Errorf("new app: %w", err)
	}
	a.cmd = cl
	a.help = help.New()
	a.restyle()
	a.info = snapshot(c.Header) // before the program runs: no Update yet
	s, err := f(c, start)
	if err != nil {
		return nil, fmt.Errorf("new app: open %s: %w", start.Kind, err)
	}
	a.stack = []*entry{{route: start, key: start.Key(), screen: s}}
	return a, nil
}

// Init asks the terminal for its background colour, starts the header tick
// and initialises the start screen.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, a.tick(), a.active().screen.Init()}
	if a.opts.StartStatus.Text != "" {
		st := a.opts.StartStatus
		cmds = append(cmds, func() tea.Msg { return st })
	}
	if a.opts.StartCmd != nil {
		cmds = append(cmds, a.opts.StartCmd)
	}
	return tea.Batch(cmds...)
}

// Update routes a message: terminal events and shell messages are handled
// here, keys go through overlay → capturing input → global keys → active
// screen, a Routed message reaches the screen that asked for it, and any
// other message reaches the active screen.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.layout()
		return a, nil
	case tea.BackgroundColorMsg:
		a.isDark = msg.IsDark()
		a.restyle()
		return a, a.broadcast(StylesChangedMsg{})
	case tea.EnvMsg:
		a.env = parseEnv(msg.Getenv)
		a.restyle()
		return a, a.broadcast(StylesChangedMsg{})
	case headerTickMsg:
		if msg.owner != a.owner || msg.seq != a.tickSeq {
			return a, nil // another app's tick, or a superseded chain
		}
		return a, tea.Batch(a.takeHeader(msg.info), a.tick())
	case headerNowMsg:
		if msg.owner == a.owner {
			return a, a.takeHeader(msg.info)
		}
		return a, nil
	case HeaderMsg:
		return a, a.takeHeader(msg.Info)
	case CompletionsMsg:
		a.cmd.sets[msg.Set] = msg.Values
		return a, nil
	case statusTimeoutMsg:
		if msg.owner == a.owner && msg.seq == a.statusSeq {
			a.hasStatus = false
		}
		return a, nil
	case StatusMsg:
		return a, a.setStatus(msg)
	case NavigateMsg:
		return a, a.navigate(msg.Route)
	case BackMsg:
		return a, a.back()
	case RefreshMsg:
		return a, tea.Batch(a.headerNow(), a.updateActive(msg))
	case ConfirmMsg:
		// A dialog already open is declined, so its owner hears about it.
		var declined tea.Cmd
		if a.confirm != nil && a.confirm.req.OnNo != nil {
			onNo := a.confirm.req.OnNo
			declined = func() tea.Msg { return onNo }
		}
		d := NewConfirm(msg.Request, a.c.Styles)
		a.confirm = &d
		a.cmd.close()
		a.showHelp = false
		return a, declined
	case copyMsg:
		return a, tea.Batch(copyCmds(msg.text, a.env), a.setStatus(StatusMsg{
			Level: LevelInfo,
			Text:  copiedText(msg),
		}))
	case tea.KeyPressMsg:
		return a, a.handleKey(msg)
	case tea.PasteMsg:
		return a, a.handlePaste(msg)
	case tea.KeyReleaseMsg, tea.MouseMsg:
		return a, nil // mouse is off; releases need keyboard enhancements we do not request
	case Routed:
		return a, a.deliver(msg.RouteKey(), msg)
	}
	return a, a.updateActive(msg)
}

// handleKey applies the key order: quit, overlays, command line, a
// capturing screen, global keys, then the active screen.
func (a *App) handleKey(k tea.KeyPressMsg) tea.Cmd {
	a.hasStatus = false // the next key clears the status message
	keys := a.c.Keys
	if key.Matches(k, keys.Quit) {
		return a.quitPressed()
	}
	if a.confirm != nil {
		d, cmd := a.confirm.Update(k)
		a.confirm = &d
		if d.Done() {
			a.confirm = nil
		}
		return cmd
	}
	if a.showHelp {
		switch {
		case key.Matches(k, keys.Help, keys.Back) || k.String() == "q":
			a.showHelp = false
		default:
			a.scrollHelp(k)
		}
		return nil
	}
	if a.cmd.active {
		res, line, cmd := a.cmd.update(k, a.active().route)
		if res == cmdLineSubmitted {
			return tea.Batch(cmd, a.runCommand(line))
		}
		return cmd
	}
	if a.tooSmall() {
		return nil // nothing is visible: do not act blind
	}
	act := a.active()
	if act.screen.Capturing() {
		return a.updateActive(k)
	}
	switch {
	case key.Matches(k, keys.Command):
		return a.cmd.open(a.c.Width)
	case key.Matches(k, keys.Help):
		a.showHelp, a.helpTop = true, 0
		return nil
	case key.Matches(k, keys.Refresh):
		return tea.Batch(a.headerNow(), a.updateActive(RefreshMsg{}))
	case key.Matches(k, keys.Back):
		if e, ok := act.screen.(Escaper); ok && e.WantsEsc() {
			return a.updateActive(k)
		}
		return a.back()
	}
	if !a.bound(act.screen, k) {
		return tea.Batch(a.updateActive(k), a.setStatus(StatusMsg{
			Level: LevelInfo,
			Text:  "`" + Sanitize(k.String()) + "` is not a key here — ? for help",
		}))
	}
	return a.updateActive(k)
}

// bound reports whether k is a key of the active screen (any enabled
// binding of its full help, which is its live key map) or of the shell.
func (a *App) bound(s Screen, k tea.KeyPressMsg) bool {
	if key.Matches(k, a.c.Keys.bindings()...) {
		return true
	}
	for _, group := range s.FullHelp() {
		if key.Matches(k, group...) {
			return true
		}
	}
	return false
}

// handlePaste delivers pasted text to whatever has text focus.
func (a *App) handlePaste(p tea.PasteMsg) tea.Cmd {
	switch {
	case a.confirm != nil:
		d, cmd := a.confirm.Update(p)
		a.confirm = &d
		return cmd
	case a.cmd.active:
		var cmd tea.Cmd
		a.cmd.input, cmd = a.cmd.input.Update(p)
		return cmd
	case a.showHelp:
		return nil
	}
	return a.updateActive(p)
}

// quitPressed quits, unless work is pending and this is the first press
// within QuitWindow.
func (a *App) quitPressed() tea.Cmd {
	n := a.pending()
	now := a.c.Now()
	if n > 0 && (a.lastQuit.IsZero() || now.Sub(a.lastQuit) > a.opts.QuitWindow) {
		a.lastQuit = now
		text := Plural(n, "job or edit", "jobs or edits") + " pending"
		if b := a.info.BulkJobs; b > 0 {
			text = Plural(b, "bulk job", "bulk jobs") + " running: quitting interrupts it; the next start offers to resume"
		}
		return a.setStatus(StatusMsg{
			Level: LevelWarn,
			Text:  text,
			Hint:  "press ctrl+c again within " + a.opts.QuitWindow.String() + " to quit",
		})
	}
	return a.quit()
}

// quit closes every screen and ends the program. The stack stays in
// place so the final View still renders.
func (a *App) quit() tea.Cmd {
	for _, e := range a.stack {
		closeScreen(e.screen)
	}
	return tea.Quit
}

// pending counts the running jobs (from the header snapshot) and the
// session's unsaved edits.
func (a *App) pending() int {
	n := a.info.Jobs
	if a.opts.PendingWork != nil {
		n += a.opts.PendingWork()
	}
	return n
}

// runCommand executes a submitted command line.
func (a *App) runCommand(line string) tea.Cmd {
	name, args := parseCommandLine(line)
	if name == "" {
		return nil
	}
	c, ok := a.cmd.lookup(name)
	if !ok {
		return a.setStatus(errorStatus("press : then tab to list commands", "unknown command :%s", Sanitize(name)))
	}
	switch c.Name {
	case cmdQuit:
		if n := a.pending(); n > 0 {
			return a.setStatus(StatusMsg{Level: LevelWarn, Text: Plural(n, "job or edit", "jobs or edits") + " pending", Hint: ":q! quits anyway"})
		}
		return a.quit()
	case cmdQuitForce:
		return a.quit()
	case cmdHelp:
		a.showHelp, a.helpTop = true, 0
		return nil
	}
	cmd, err := c.Run(a.active().route, args, a.cmd.sets)
	if err != nil {
		return a.setStatus(errorStatus("", ":%s: %v", c.Name, err))
	}
	return cmd
}

// setStatus shows m and schedules its removal.
func (a *App) setStatus(m StatusMsg) tea.Cmd {
	a.status, a.hasStatus = m, true
	a.statusSeq++
	owner, seq := a.owner, a.statusSeq
	return tea.Tick(a.opts.StatusTimeout, func(time.Time) tea.Msg {
		return statusTimeoutMsg{owner: owner, seq: seq}
	})
}

// tick schedules the next header snapshot; a new sequence number makes any
// older tick chain stop. The snapshot is taken in the command, off the
// Update goroutine, and arrives with the tick.
func (a *App) tick() tea.Cmd {
	a.tickSeq++
	owner, seq, header := a.owner, a.tickSeq, a.c.Header
	return tea.Tick(headerRefresh, func(time.Time) tea.Msg {
		return headerTickMsg{owner: owner, seq: seq, info: snapshot(header)}
	})
}

// headerNow takes a header snapshot at once (after ctrl+r).
func (a *App) headerNow() tea.Cmd {
	owner, header := a.owner, a.c.Header
	return func() tea.Msg { return headerNowMsg{owner: owner, info: snapshot(header)} }
}

// snapshot calls header, if any (in a command).
func snapshot(header func() HeaderInfo) HeaderInfo {
	if header == nil {
		return HeaderInfo{}
	}
	return header()
}

// setHeader shows a new header snapshot; a change of production frame
// changes the content size.
// takeHeader shows a header snapshot and hands the script changes it
// carries to every screen.
func (a *App) takeHeader(info HeaderInfo) tea.Cmd {
	changes, lost := info.Changes, info.ChangesLost
	info.Changes, info.ChangesLost = nil, false
	a.setHeader(info)
	if len(changes) == 0 && !lost {
		return nil
	}
	return a.broadcast(ScriptsChangedMsg{Changes: changes, Lost: lost})
}

func (a *App) setHeader(info HeaderInfo) {
	wasProd := a.info.Production
	a.info = info
	if a.info.Production != wasProd {
		a.layout()
	}
}

// restyle rebuilds the styles after background or environment detection.
func (a *App) restyle() {
	if a.opts.NoColor || a.env.noColor {
		a.c.Styles = NoColorStyles()
	} else {
		a.c.Styles = DefaultStyles(a.isDark)
	}
	a.cmd.setStyles(&a.c.Styles)
	a.help.Styles = a.c.Styles.Help
	if a.confirm != nil {
		a.confirm.SetStyles(a.c.Styles)
	}
}

// copiedText confirms a copy: one short line is named ("copied
// tenant-42-api-prod"), several are counted, and a copy that had to be
// escaped says so.
func copiedText(msg copyMsg) string {
	var b strings.Builder
	switch {
	case msg.lines > 1:
		b.WriteString("copied " + Plural(msg.lines, "line", "lines"))
	case ansi.StringWidth(msg.text) > 48:
		b.WriteString("copied 1 line")
	default:
		b.WriteString("copied " + Sanitize(msg.text))
	}
	b.WriteString(" to the clipboard")
	if msg.escaped {
		b.WriteString(", control and invisible characters escaped as shown")
	}
	return b.String()
}
