package ui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// Command is one command of the command line, such as ":scripts prod".
type Command struct {
	// Name is typed after the colon; Aliases are accepted too.
	Name    string
	Aliases []string
	// Args is the argument hint shown in help ("[namespace]").
	Args string
	// Help is a one-line description.
	Help string
	// Run executes the command. cur is the active screen's route, so
	// ":scripts" without a namespace can use the current one; sets are the
	// completion sets screens have sent (CompletionsMsg), to check an
	// argument without I/O. A returned error is shown in the footer, naming
	// the command. Use Navigate(route) as the returned command to open a
	// screen.
	Run func(cur Route, args []string, sets Completions) (tea.Cmd, error)
	// Complete optionally lists completions for the argument being typed;
	// args are the complete arguments before it. It runs in Update, so it
	// must be cheap and do no I/O: it reads sets.
	Complete func(cur Route, args []string, sets Completions) []string
}

// Completions are the named sets of completion candidates the session's
// screens reported (CompletionsMsg): "namespaces" → their names. A set is
// replaced whole, never modified, so commands may keep its slice.
type Completions map[string][]string

// Get returns the set called name (nil when no screen has sent it).
func (c Completions) Get(name string) []string { return c[name] }

// Names of the built-in commands the App handles itself.
const (
	cmdQuit      = "q"
	cmdQuitForce = "q!"
	cmdHelp      = "help"
)

// historyLimit bounds the command history of a session.
const historyLimit = 100

// cmdLine is the ":" command line: a text input with tab completion and
// up/down history.
type cmdLine struct {
	input  Input
	active bool

	cmds   []Command      // registered commands plus built-ins
	byName map[string]int // name or alias → index in cmds
	names  []string       // sorted primary names, for completion

	sets Completions // candidate sets sent by screens

	history []string
	histPos int    // len(history) when not browsing
	draft   string // what was typed before browsing history

	matches   []string // completions shown after the input
	cycle     []string // candidates being cycled by repeated tab
	cycleAt   int
	cycleHead string // input before the token being completed
}

// newCmdLine validates and indexes the commands. Names must be non-empty,
// contain no spaces, and be unique across names and aliases.
func newCmdLine(cmds []Command, st *Styles) (cmdLine, error) {
	builtins := []Command{
		{Name: cmdQuit, Aliases: []string{"quit"}, Help: "quit (asks again when work is pending)"},
		{Name: cmdQuitForce, Help: "quit even with pending work"},
		{Name: cmdHelp, Help: "show keys and commands"},
	}
	l := cmdLine{byName: map[string]int{}, sets: Completions{}}
	for i, c := range append(slices.Clone(cmds), builtins...) {
		if i < len(cmds) && c.Run == nil {
			return cmdLine{}, fmt.Errorf("command %q: Run must be set", c.Name)
		}
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if n == "" || strings.ContainsAny(n, " \t:") {
				return cmdLine{}, fmt.Errorf("command %q: name or alias %q must be non-empty without spaces or colons", c.Name, n)
			}
			if _, dup := l.byName[n]; dup {
				return cmdLine{}, fmt.Errorf("command %q: name or alias %q is already taken", c.Name, n)
			}
			l.byName[n] = len(l.cmds)
		}
		l.cmds = append(l.cmds, c)
		l.names = append(l.names, c.Name)
	}
	sort.Strings(l.names)
	l.input = NewInput(":", st.Input)
	return l, nil
}

func (l *cmdLine) setStyles(st *Styles) {
	l.input.SetStyles(st.Input)
}

// lookup finds a command by name or alias.
func (l *cmdLine) lookup(name string) (Command, bool) {
	i, ok := l.byName[name]
	if !ok {
		return Command{}, false
	}
	return l.cmds[i], true
}

// open shows the command line with an empty input.
func (l *cmdLine) open(width int) tea.Cmd {
	l.active = true
	l.input.Reset()
	l.input.SetWidth(max(1, width-2))
	l.histPos = len(l.history)
	l.draft = ""
	l.resetCompletion()
	l.input.Focus()
	return nil
}

// close hides the command line.
func (l *cmdLine) close() {
	l.active = false
	l.input.Blur()
	l.resetCompletion()
}

func (l *cmdLine) resetCompletion() {
	l.matches, l.cycle, l.cycleAt, l.cycleHead = nil, nil, 0, ""
}

// cmdLineResult is what a key did to the command line.
type cmdLineResult int

const (
	cmdLineEditing cmdLineResult = iota
	cmdLineSubmitted
	cmdLineCancelled
)

// update handles a key while the command line is open.
func (l *cmdLine) update(msg tea.KeyPressMsg, cur Route) (cmdLineResult, string, tea.Cmd) {
	switch msg.String() {
	case "enter":
		line := strings.TrimSpace(l.input.Value())
		l.remember(line)
		l.close()
		return cmdLineSubmitted, line, nil
	case "esc":
		l.close()
		return cmdLineCancelled, "", nil
	case "tab":
		l.complete(cur)
		return cmdLineEditing, "", nil
	case "up", "ctrl+p":
		l.browse(-1)
		return cmdLineEditing, "", nil
	case "down", "ctrl+n":
		l.browse(+1)
		return cmdLineEditing, "", nil
	}
	l.resetCompletion()
	var cmd tea.Cmd
	l.input, cmd = l.input.Update(msg)
	return cmdLineEditing, "", cmd
}

// remember appends a submitted line to the history, skipping blanks and
// immediate repeats.
func (l *cmdLine) remember(line string) {
	if line == "" || (len(l.history) > 0 && l.history[len(l.history)-1] == line) {
		return
	}
	l.history = append(l.history, line)
	if len(l.history) > historyLimit {
		l.history = slices.Delete(l.history, 0, len(l.history)-historyLimit)
	}
}

// browse moves through the history: -1 older, +1 newer; past the newest
// entry the draft typed before browsing comes back.
func (l *cmdLine) browse(dir int) {
	next := l.histPos + dir
	if next < 0 || next > len(l.history) {
		return
	}
	if l.histPos == len(l.history) {
		l.draft = l.input.Value()
	}
	l.histPos = next
	if next == len(l.history) {
		l.input.SetValue(l.draft)
	} else {
		l.input.SetValue(l.history[next])
	}
	l.resetCompletion()
}

// complete implements tab: a single candidate is accepted, several are
// shown and extended to their common prefix, and further tabs cycle them.
func (l *cmdLine) complete(cur Route) {
	v := l.input.Value()
	if len(l.cycle) > 0 && v == l.cycleHead+l.cycle[l.cycleAt] {
		l.cycleAt = (l.cycleAt + 1) % len(l.cycle)
		l.setValue(l.cycleHead + l.cycle[l.cycleAt])
		return
	}
	l.cycle = nil
	head, token := splitLastToken(strings.TrimLeft(v, ":"))
	var candidates []string
	if head == "" {
		candidates = withPrefix(l.names, token)
	} else if c, ok := l.lookup(strings.Fields(head)[0]); ok && c.Complete != nil {
		candidates = withPrefix(c.Complete(cur, strings.Fields(head)[1:], l.sets), token)
	}
	l.matches = candidates
	switch len(candidates) {
	case 0:
		return
	case 1:
		value := head + candidates[0]
		if c, ok := l.lookup(candidates[0]); head != "" || (ok && (c.Args != "" || c.Complete != nil)) {
			value += " "
		}
		l.setValue(value)
	default:
		if p := commonPrefix(candidates); len(p) > len(token) {
			l.setValue(head + p)
			return
		}
		l.cycle, l.cycleAt, l.cycleHead = candidates, 0, head
		l.setValue(head + candidates[0])
	}
}

func (l *cmdLine) setValue(v string) {
	l.input.SetValue(v)
}

// view renders the command line and the current completions on one line.
func (l *cmdLine) view(st *Styles, width int) string {
	line := l.input.View()
	if len(l.matches) > 1 {
		line += "  " + st.CmdCompletion.Render(Sanitize(strings.Join(l.matches, "  ")))
	}
	return Truncate(line, width)
}

// splitLastToken splits "scripts pro" into "scripts " and "pro".
func splitLastToken(v string) (head, token string) {
	i := strings.LastIndexAny(v, " \t")
	if i < 0 {
		return "", v
	}
	return v[:i+1], v[i+1:]
}

// withPrefix returns the candidates that start with prefix, sorted, without
// duplicates.
func withPrefix(candidates []string, prefix string) []string {
	var out []string
	for _, c := range candidates {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// commonPrefix returns the longest common prefix of non-empty ss.
func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			_, size := utf8.DecodeLastRuneInString(p)
			p = p[:len(p)-size]
		}
	}
	return p
}

// parseCommandLine splits ":scripts prod" into name and arguments.
func parseCommandLine(line string) (string, []string) {
	fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), ":"))
	if len(fields) == 0 {
		return "", nil
	}
	return fields[0], fields[1:]
}
