// Package find is the :find screen: scripts whose name contains a text, in
// every namespace. The API has no name filter, so each namespace's cached
// listing is searched (no request), and a namespace with none is listed at
// the API (one request per page, saved for the scripts screens); the
// title says what the search cost. enter opens a script.
package find

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the route kind of the screen; Route.Arg is the text.
const Kind = "find"

// Source is what the screen needs from cfclient; *cfclient.Client
// satisfies it.
type Source interface {
	ListNamespaces(ctx context.Context) ([]cfclient.Namespace, error)
	ListScripts(ctx context.Context, ns string, filter cfclient.TagFilter, fn func(page []cfclient.Script) error) error
	TierOf(tags []string) (tier string, ambiguous bool)
}

// Listings is the listing cache; *cache.Store satisfies it.
type Listings interface {
	Scripts(ns string) (cache.Listing, error)
	SaveRows(ns string, list rows.Scripts) error
}

// Deps are the screen's dependencies.
type Deps struct {
	Source   Source
	Listings Listings
}

// Row is one script found.
type Row struct {
	Namespace, Script, Tier string
	Modified                time.Time
}

// Result is a search's answer and its cost.
type Result struct {
	Rows []Row
	// Namespaces searched; Cached of them from the listing cache.
	Namespaces, Cached int
	// Requests sent (the namespaces list, and the pages of uncached
	// listings).
	Requests int
}

// Search finds the scripts whose name contains text (case-insensitive).
func Search(ctx context.Context, d Deps, text string) (Result, error) {
	var r Result
	nss, err := d.Source.ListNamespaces(ctx)
	r.Requests++
	if err != nil {
		return r, fmt.Errorf("list the namespaces: %w", err)
	}
	needle := strings.ToLower(text)
	for _, ns := range nss {
		r.Namespaces++
		var scripts rows.Scripts
		if l, err := d.Listings.Scripts(ns.Name); err == nil {
			r.Cached++
			scripts = l.Rows
		} else {
			pages := 0
			b := rows.NewBuilder(ns.ScriptCount)
			err := d.Source.ListScripts(ctx, ns.Name, cfclient.TagFilter{}, func(p []cfclient.Script) error {
				pages++
				b.Append(p...)
				return nil
			})
			scripts = b.Scripts()
			r.Requests += max(1, pages)
			if err != nil {
				return r, fmt.Errorf("list the scripts of %s: %w", ns.Name, err)
			}
			if b.Err() == nil { // rows that left a script out are not the whole listing
				_ = d.Listings.SaveRows(ns.Name, scripts) // a cache: the search stands without it
			}
		}
		for i := range scripts.Len() {
			if name := scripts.Name(i); strings.Contains(strings.ToLower(name), needle) {
				tier, _ := d.Source.TierOf(scripts.Tags(i))
				r.Rows = append(r.Rows, Row{Namespace: ns.Name, Script: strings.Clone(name), Tier: tier, Modified: scripts.Modified(i)})
			}
		}
	}
	slices.SortFunc(r.Rows, func(a, b Row) int {
		return strings.Compare(a.Script+"\x00"+a.Namespace, b.Script+"\x00"+b.Namespace)
	})
	return r, nil
}

// foundMsg carries a result to its screen.
type foundMsg struct {
	key    string
	token  int
	result Result
	err    error
}

// RouteKey routes the result to its screen.
func (m foundMsg) RouteKey() string { return m.key }

// Model is the :find screen.
type Model struct {
	open key.Binding
	move ui.MoveKeyMap

	c       *ui.Common
	deps    Deps
	key     string
	text    string
	width   int
	height  int
	token   int
	loading bool
	err     error
	result  Result
	table   ui.Table[Row]
}

// New builds the screen for r.
func New(c *ui.Common, d Deps, r ui.Route) (*Model, error) {
	text := strings.TrimSpace(r.Arg)
	if text == "" {
		return nil, fmt.Errorf("name a text to find, as in :find tenant-42")
	}
	m := &Model{c: c, deps: d, key: r.Key(), text: text, width: c.Width, height: c.Height,
		open: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")), move: ui.DefaultMoveKeyMap()}
	m.table = ui.NewTable(func(r Row) string { return r.Namespace + "/" + r.Script }, m.renderRow,
		ui.WithIndent(2), ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.move),
		ui.WithColumns(
			ui.TableColumn{Title: "SCRIPT", MinWidth: 16},
			ui.TableColumn{Title: "NAMESPACE", Width: 12},
			ui.TableColumn{Title: "TIER", Width: 10},
			ui.TableColumn{Title: "MODIFIED", Width: 10},
		))
	m.layout()
	return m, nil
}

// Factory returns the ui.Factory of the screen.
func Factory(d Deps) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) { return New(c, d, r) }
}

// Init runs the search.
func (m *Model) Init() tea.Cmd {
	m.token++
	m.loading = true
	tok, key, ctx, d, text := m.token, m.key, m.c.Context(), m.deps, m.text
	return func() tea.Msg {
		r, err := Search(ctx, d, text)
		return foundMsg{key: key, token: tok, result: r, err: err}
	}
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case foundMsg:
		if msg.key == m.key && msg.token == m.token {
			m.loading, m.err, m.result = false, msg.err, msg.result
			m.table.SetRows(msg.result.Rows)
		}
	case ui.RefreshMsg:
		cmd = m.Init()
	case ui.StylesChangedMsg:
		m.table.SetStyles(m.c.Styles.Table)
	case tea.KeyPressMsg:
		t := &m.table
		if pos, ok := t.KeyMap.Move(msg, t.Cursor(), t.Len(), t.PageSize()); ok {
			t.SetCursor(pos)
		} else if key.Matches(msg, m.open) {
			if r, ok := t.Current(); ok {
				cmd = ui.Navigate(ui.Route{Kind: ui.KindScript, Namespace: r.Namespace, Script: r.Script})
			}
		}
	}
	m.open.SetEnabled(m.table.Len() > 0)
	return m, cmd
}

// View renders the title and the table.
func (m *Model) View() string {
	st := &m.c.Styles
	title := fmt.Sprintf("scripts named *%s*", ui.Sanitize(m.text))
	if m.loading {
		title += " · searching…"
	} else {
		r := m.result
		title += fmt.Sprintf(" · %s in %s (%d from the cache) · %s", ui.Plural(len(r.Rows), "match", "matches"),
			ui.Plural(r.Namespaces, "namespace", "namespaces"), r.Cached, ui.Plural(r.Requests, "request", "requests"))
	}
	lines := []string{st.Title.Render(ui.Truncate(title, m.width))}
	if m.err != nil {
		lines = append(lines, st.Error.Render(ui.Truncate("✗ "+ui.Sanitize(m.err.Error()), m.width)))
	}
	return strings.Join(lines, "\n") + "\n" + m.table.View()
}

// renderRow renders one script.
func (m *Model) renderRow(r Row, s ui.RowState) string {
	lead := " "
	if s.Cursor {
		lead = "▸"
	}
	tier := r.Tier
	if tier == "" {
		tier = "-"
	}
	line := m.table.Line(lead, ui.Sanitize(r.Script), ui.Sanitize(r.Namespace), ui.Sanitize(tier), ui.Date(r.Modified))
	if s.Cursor {
		return m.c.Styles.Cursor.Render(ui.Clip(line, s.Width))
	}
	return line
}

// ShortHelp returns the footer's bindings.
func (m *Model) ShortHelp() []key.Binding { return []key.Binding{m.open} }

// FullHelp returns the ? overlay's bindings.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.move.Bindings(), {m.open}} }

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return "find " + m.text }

// Capturing reports false: the screen has no text input.
func (m *Model) Capturing() bool { return false }

// SetSize sets the content area's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

func (m *Model) layout() { m.table.SetSize(m.width, max(2, m.height-2)) }

var _ ui.Screen = (*Model)(nil)
