// Package namespaces is the root screen of the console: the account's
// dispatch namespaces in a table (name, script count, trusted, created,
// modified) with a name filter in the scripts screen's grammar (text,
// =text, !text), the raw JSON of a namespace, enter to open its scripts,
// and n, r and D to create, rename and delete namespaces (edit.go).
package namespaces

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// Source is what the screen needs from cfclient; *cfclient.Client
// satisfies it.
type Source interface {
	ListNamespaces(ctx context.Context) ([]cfclient.Namespace, error)
}

var _ Source = (*cfclient.Client)(nil)

// RouteKey routes a listing to the screen that asked (ui.Routed).
func (m loadedMsg) RouteKey() string { return m.key }

// Messages the screen's commands send back.
type (
	// loadedMsg is a namespace listing; key and token say which screen and
	// which request it answers, so a superseded listing is dropped.
	loadedMsg struct {
		key   string
		token int
		nss   []cfclient.Namespace
		err   error
	}
)

// Model is the namespaces screen.
type Model struct {
	// Keys are the screen's bindings.
	Keys KeyMap

	c       *ui.Common
	src     Source
	changes Changes
	route   ui.Route
	key     string // route key, tags every result message

	width, height int

	all    []cfclient.Namespace // as listed, sorted by name
	dataAt time.Time            // when all was listed (zero: never)

	loading bool
	token   int   // the request in flight; older answers are dropped
	loadErr error // why the last listing failed (nil when it did not)

	// table shows the namespaces that pass the filter; it keeps the cursor
	// on its namespace by name.
	table ui.Table[cfclient.Namespace]

	// Filter, in the scripts screen's / grammar: "text" keeps the names
	// containing text, "!text" the names not containing it (both
	// case-insensitive), "=text" is "text" (a substring match either way
	// here), "\text" takes text literally; "-t" is an error, namespaces
	// have no tags.
	input   ui.Input
	typing  bool       // the input has the keyboard
	applied string     // the filter in effect
	before  string     // the filter when typing began (esc restores it)
	filter  nameFilter // applied, parsed

	raw     ui.TextView // the JSON overlay of one namespace
	rawOpen bool

	form        nameForm // n or r: the name form
	planning    bool     // a change is being planned
	selectAfter string   // the namespace to put the cursor on after the next listing
}

// New builds the namespaces screen. Nothing is loaded until Init.
func New(c *ui.Common, src Source, changes Changes, r ui.Route) *Model {
	m := &Model{
		Keys:    DefaultKeyMap(),
		c:       c,
		src:     src,
		changes: changes,
		route:   r,
		key:     r.Key(),
		width:   c.Width,
		height:  c.Height,
		input:   ui.NewInput("/", c.Styles.Input),
		// Loading from the start: Init lists at once, and a screen that
		// said "no namespaces" for a frame would be wrong.
		loading: true,
	}
	m.input.Placeholder = "part of a name · !text inverse"
	m.input.CharLimit = 200
	m.table = ui.NewTable(namespaceName, m.renderRow,
		ui.WithColumns(columns...),
		ui.WithIndent(markerW),
		ui.WithTableStyles(c.Styles.Table),
		ui.WithTableKeyMap(m.Keys.MoveKeyMap))
	m.syncKeys()
	m.layout()
	return m
}

// namespaceName is the table's row key: names are unique in an account.
func namespaceName(ns cfclient.Namespace) string { return ns.Name }

// Factory returns the ui.Factory of the namespaces screen
// (ui.Route{Kind: ui.KindNamespaces}).
func Factory(src Source, changes Changes) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) {
		return New(c, src, changes, r), nil
	}
}

// Init lists the namespaces.
func (m *Model) Init() tea.Cmd {
	return m.load()
}

// refresh is ctrl+r: list again, unless a listing is running already
// (presses during a 429 pause must not queue listings).
func (m *Model) refresh() tea.Cmd {
	if m.loading {
		return ui.ShowStatus(ui.LevelInfo, "already refreshing the namespaces")
	}
	return m.load()
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	cmd := m.update(msg)
	m.syncKeys()
	m.layout()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		return m.handleLoaded(msg)
	case review.PlannedMsg, review.ConfirmedMsg, review.AppliedMsg:
		return m.handleReview(msg)
	case ui.RefreshMsg:
		return m.refresh()
	case ui.ScriptsChangedMsg:
		m.applyChanges(msg)
	case ui.StylesChangedMsg:
		m.input.SetStyles(m.c.Styles.Input)
		m.table.SetStyles(m.c.Styles.Table)
		m.raw.SetStyles(m.c.Styles.TextView)
	case tea.PasteMsg:
		switch {
		case m.form.open():
			return m.handleFormKey(msg)
		case m.typing:
			return m.edit(msg)
		}
	case tea.KeyPressMsg:
		switch {
		case m.form.open():
			return m.handleFormKey(msg)
		case m.typing:
			return m.handleInputKey(msg)
		case m.rawOpen:
			m.handleRawKey(msg)
			return nil
		}
		return m.handleKey(msg)
	}
	return nil
}

// handleKey handles a key on the table.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.Keys
	ns, row := m.table.Current()
	if m.planning && key.Matches(k, keys.New, keys.Rename, keys.Delete) {
		return ui.ShowStatus(ui.LevelInfo, "a change is being planned; its review opens when it is ready")
	}
	switch {
	case key.Matches(k, keys.Open):
		if row {
			return ui.Navigate(ui.Route{Kind: ui.KindScripts, Namespace: ns.Name})
		}
	case key.Matches(k, keys.Filter):
		m.typing, m.before = true, m.applied
		m.input.SetValue(m.applied)
		m.input.Focus()
	case key.Matches(k, keys.ClearFilter):
		m.setFilter("")
	case key.Matches(k, keys.Raw):
		if row {
			m.openRaw(ns)
		}
	case key.Matches(k, keys.Copy):
		if row {
			return ui.CopyCmd(ns.Name)
		}
	case key.Matches(k, keys.New):
		return m.openForm(formNew, cfclient.Namespace{})
	case key.Matches(k, keys.Rename):
		if row {
			return m.openForm(formRename, ns)
		}
	case key.Matches(k, keys.Delete):
		if row {
			return m.deleteNamespace(ns)
		}
	default:
		m.table, _ = m.table.Update(k) // movement
	}
	return nil
}

// handleInputKey edits the filter; every keystroke filters at once.
func (m *Model) handleInputKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.Keys.ApplyFilter):
		m.typing = false
		m.input.Blur()
		m.setFilter(strings.TrimSpace(m.input.Value()))
		return nil
	case key.Matches(k, m.Keys.CancelFilter):
		m.typing = false
		m.input.Blur()
		m.setFilter(m.before)
		return nil
	}
	return m.edit(k)
}

// edit passes a key or paste to the input and filters by its new value.
func (m *Model) edit(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.setFilter(strings.TrimSpace(m.input.Value()))
	return cmd
}

// handleRawKey scrolls or closes the JSON overlay.
func (m *Model) handleRawKey(k tea.KeyPressMsg) {
	if key.Matches(k, m.Keys.CloseRaw) {
		m.rawOpen = false
		return
	}
	m.raw, _ = m.raw.Update(k)
}

// handleLoaded takes a listing. A failed refresh keeps the rows already
// shown and says so, in the content area and in the footer.
func (m *Model) handleLoaded(msg loadedMsg) tea.Cmd {
	if msg.key != m.key || msg.token != m.token {
		return nil // another screen's, or superseded by a later request
	}
	m.loading = false
	if msg.err != nil {
		m.loadErr = msg.err
		hint := "press ctrl+r to try again"
		if m.dataAt.IsZero() {
			return ui.ShowError(msg.err, hint)
		}
		return ui.ShowError(msg.err, "showing the namespaces listed before; "+hint)
	}
	m.loadErr = nil
	m.all = msg.nss
	m.dataAt = m.c.Now()
	m.refilter()
	if m.selectAfter != "" {
		// The namespace just made or renamed (when the filter shows it).
		if i := slices.IndexFunc(m.table.Rows(), func(ns cfclient.Namespace) bool { return ns.Name == m.selectAfter }); i >= 0 {
			m.table.SetCursor(i)
		}
		m.selectAfter = ""
	}
	names := make([]string, len(m.all))
	for i, ns := range m.all {
		names[i] = ns.Name
	}
	slices.Sort(names)
	// The command line completes and checks namespace names from these.
	return ui.SetCompletions(CompletionSet, names)
}

// CompletionSet is the name of the completion set of namespace names this
// screen sends after each listing (ui.CompletionsMsg).
const CompletionSet = "namespaces"

// load starts a listing, superseding any in flight.
func (m *Model) load() tea.Cmd {
	m.token++
	m.loading = true
	ctx := throttle.WithPriority(m.c.Context(), throttle.Interactive)
	src, key, token := m.src, m.key, m.token
	return func() tea.Msg {
		nss, err := src.ListNamespaces(ctx)
		return loadedMsg{key: key, token: token, nss: nss, err: err}
	}
}

// nameFilter is a parsed filter.
type nameFilter struct {
	text    string // lower case; "" keeps every name
	inverse bool   // keep the names NOT containing text
	err     error  // the text does not parse: every name is kept
}

// errNoTags is the parse error of a tag selector on this screen.
var errNoTags = errors.New("namespaces have no tags: -t filters the scripts of a namespace")

// parseFilter parses the filter text in the scripts screen's grammar.
func parseFilter(s string) nameFilter {
	q, err := selector.ParseQuery(s)
	switch {
	case err != nil || q.Kind == selector.Tags:
		return nameFilter{err: errNoTags}
	case q.Kind == selector.Inverse:
		return nameFilter{text: strings.ToLower(q.Text), inverse: true}
	}
	// Fuzzy and Substring text alike: the names containing it.
	return nameFilter{text: strings.ToLower(q.Text)}
}

// keeps reports whether the filter shows a namespace called name.
func (f nameFilter) keeps(name string) bool {
	if f.err != nil || f.text == "" {
		return true
	}
	return strings.Contains(strings.ToLower(name), f.text) != f.inverse
}

// setFilter applies a filter. A filter that shows other rows than the
// one before (the operator's change) puts the cursor on the first row; the
// same filter again (enter or esc without an edit, a key that changed
// nothing) keeps it on its namespace.
func (m *Model) setFilter(f string) {
	m.applied = f
	nf := parseFilter(f)
	moved := !nf.same(m.filter)
	m.filter = nf
	m.refilter()
	if moved {
		m.table.GotoTop()
	}
}

// same reports whether two filters keep the same names.
func (f nameFilter) same(g nameFilter) bool {
	if !f.filters() || !g.filters() {
		return f.filters() == g.filters()
	}
	return f.text == g.text && f.inverse == g.inverse
}

// filters reports whether the filter hides any name.
func (f nameFilter) filters() bool { return f.err == nil && f.text != "" }

// refilter recomputes the shown rows. The cursor stays on the namespace it
// was on when that namespace is still shown (a refresh), else it goes to
// the first row; setFilter puts it on the first row for a new filter.
func (m *Model) refilter() {
	// A new slice: the table keeps the one it was given.
	shown := make([]cfclient.Namespace, 0, len(m.all))
	for _, ns := range m.all {
		if m.filter.keeps(ns.Name) {
			shown = append(shown, ns)
		}
	}
	if !m.table.SetRows(shown) {
		m.table.GotoTop()
	}
	m.layout() // the filter line may have come or gone
}

// layout sizes the table and the JSON overlay to the content area: the
// table gets what the title, notices and filter line leave.
func (m *Model) layout() {
	m.table.SetSize(m.width, m.rowsVisible()+1)
	m.raw.SetSize(m.width, m.height)
	m.form.input.SetWidth(m.width)
}

// SetSize is called with the content area size.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.input.SetWidth(width)
	m.layout()
}

// Title names the screen in the breadcrumbs: the account.
func (m *Model) Title() string { return "namespaces" }

// Capturing reports that the filter input or a name form has the
// keyboard.
func (m *Model) Capturing() bool { return m.typing || m.form.open() }

// WantsEsc reports that esc closes a form or the JSON overlay, or clears
// the filter, before it means "go back".
func (m *Model) WantsEsc() bool { return m.form.open() || m.rawOpen || m.applied != "" }

// DataAge is when the namespaces were listed.
func (m *Model) DataAge() time.Time { return m.dataAt }

// applyChanges keeps the script counts in step with scripts deleted or
// restored anywhere in the process (a bulk job, another session), without
// a request: the next listing says the same. A change older than the
// listing is in it already.
func (m *Model) applyChanges(msg ui.ScriptsChangedMsg) {
	changed := false
	for _, c := range msg.Changes {
		i := slices.IndexFunc(m.all, func(ns cfclient.Namespace) bool { return ns.Name == c.Namespace })
		switch {
		case i < 0, c.At.Before(m.dataAt):
			// Not listed, or listed after it was applied (counted).
		case c.Script == "" && c.Gone:
			m.all = slices.Delete(m.all, i, i+1)
			changed = true
		case c.Gone && m.all[i].ScriptCount > 0:
			m.all[i].ScriptCount--
			changed = true
		case c.Back:
			m.all[i].ScriptCount++
			changed = true
		}
	}
	if changed {
		m.refilter()
	}
}
