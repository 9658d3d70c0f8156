// Package scripts is the scripts screen: the user scripts of one dispatch
// namespace in a table that streams in page by page (or opens at once from
// the on-disk listing cache and refreshes in the background when the cache
// is older than a minute), with fuzzy,
// substring, inverse and tag filters, tag facets, marks, sorting and the raw listing
// of a row. It holds a million rows cheaply: rows are kept in the compact
// form of cfclient/rows (no pointer per row) addressed by int32 positions,
// and only the visible rows are formatted.
package scripts

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/ui"
)

// Source is what the screen needs from cfclient; *cfclient.Client
// satisfies it.
type Source interface {
	ListScripts(ctx context.Context, ns string, filter cfclient.TagFilter, fn func(page []cfclient.Script) error) error
	// GetNamespace says how many scripts a namespace has: the progress of
	// a cold load, and whether a cached listing is still whole.
	GetNamespace(ctx context.Context, name string) (cfclient.Namespace, error)
	TierOf(tags []string) (tier string, ambiguous bool)
	// Schema is the platform's tag conventions (the customer column's
	// customers.tag_prefix).
	Schema() platform.Schema
}

var _ Source = (*cfclient.Client)(nil)

// Cache is the listing cache; *cache.Store satisfies it. Reads never write:
// the screen saves a listing (in a command) once it is complete.
type Cache interface {
	Scripts(ns string) (cache.Listing, error)
	SaveRows(ns string, list rows.Scripts) error
}

var _ Cache = (*cache.Store)(nil)

// ShowTagsMsg opens the tag facets panel of the scripts screen at Route
// (sent by the :tags command); the App delivers it to that screen only.
type ShowTagsMsg struct{ Route ui.Route }

// RouteKey routes the message to its screen.
func (m ShowTagsMsg) RouteKey() string { return m.Route.Key() }

// Messages the screen's commands send back; each carries the screen's route
// key and a token so results of another screen or a superseded request are
// dropped.
type (
	// cacheMsg is the listing cache read at open.
	cacheMsg struct {
		key   string
		token int
		rows  rows.Scripts
		saved time.Time
		err   error
	}
	// pagesMsg is a batch of listing pages; done is set with the last one
	// (err says why a listing stopped early).
	pagesMsg struct {
		key   string
		token int
		pages [][]cfclient.Script
		done  bool
		err   error
	}
	// totalMsg is how many scripts the namespace has (for the progress).
	totalMsg struct {
		key   string
		token int
		total int
	}
	// filterMsg is a filter result computed off the Update goroutine.
	filterMsg struct {
		key string
		res *filterResult
		// rank: the whole ranking of a first-rows result (rankRest).
		rank bool
	}
	// facetsMsg is the tag counts of the scripts shown (n of them) when
	// scope was current.
	facetsMsg struct {
		key   string
		scope facetScope
		n     int
		tags  []facet
	}
)

// RouteKey routes each result to the screen that asked (ui.Routed).
func (m cacheMsg) RouteKey() string  { return m.key }
func (m pagesMsg) RouteKey() string  { return m.key }
func (m totalMsg) RouteKey() string  { return m.key }
func (m filterMsg) RouteKey() string { return m.key }
func (m facetsMsg) RouteKey() string { return m.key }

// sortKey is the column rows are sorted by.
type sortKey int

const (
	byName sortKey = iota
	byModified
	byCreated
)

// Model is the scripts screen of one namespace. It composes the table of
// scripts (a ui.Table over positions in the listing), the filter bar, the
// tag facets panel and the JSON view of a row, and routes keys to the one
// that has them.
type Model struct {
	// Keys are the screen's bindings; the filter bar and the facets panel
	// have their own (filter.KeyMap, facets.KeyMap).
	Keys KeyMap

	c   *ui.Common
	src Source
	// schema is src's platform conventions, read once.
	schema platform.Schema
	cache  Cache
	route  ui.Route
	key    string // route key, tags every result message
	ns     string

	width, height int

	// Rows. all is append-only within an epoch (a cold load shows its
	// listing's rows as pages come); replacing it (refresh, reload) bumps
	// epoch, because positions then mean other scripts. all is an
	// immutable snapshot: commands read it while the listing appends.
	all    rows.Scripts
	epoch  int
	byName []int32 // positions in all, sorted by name
	order  []int32 // positions in the current sort order
	shown  []int32 // order after the filter (or fuzzy rank)
	// shownEpoch is the epoch of the rows shown's positions.
	shownEpoch int
	complete   bool               // every page of the current listing arrived
	server     cfclient.TagFilter // tag filter the listing was asked with
	dataAt     time.Time          // when the rows were listed (cache: saved)

	ld     *loadState // the listing or cache read in progress (nil when idle)
	tokens int
	// checking is the token of the script count asked for a fresh cached
	// listing (0 when none is awaited).
	checking int
	fail     *loadFailure // why the last listing failed (nil when it did not)

	sortBy   sortKey
	sortDesc bool
	ranked   bool // show fuzzy matches best first rather than sorted

	// table shows the rows of shown; it keeps the cursor and the marks by
	// script name (and by position within an epoch, see rowID).
	table ui.Table[int32]
	cols  columnsKey // what the table's columns were laid out for
	frame rowStyles  // the styles of the frame being rendered (View)
	// toTop is set by the operator's new filter or sort: the cursor goes
	// to the first row once the rows shown are that filter's (see
	// rebuildShown). Otherwise (refreshes, appended pages) the cursor
	// stays on its script.
	toTop bool

	filter filterBar // the / line
	filterState
	lastUseState
	facets  facetsPanel
	raw     ui.TextView // the JSON view of a row (y)
	rawOpen bool
}

// New builds the scripts screen for route r (r.Namespace; r.Arg is an
// initial filter, in the / grammar). Nothing is loaded until Init.
func New(c *ui.Common, src Source, store Cache, r ui.Route) *Model {
	m := &Model{
		Keys:   DefaultKeyMap(),
		c:      c,
		src:    src,
		schema: src.Schema(),
		cache:  store,
		route:  r,
		key:    r.Key(),
		ns:     r.Namespace,
		width:  c.Width,
		height: c.Height,
		filter: newFilterBar(&c.Styles),
	}
	m.eng = &engine{}
	m.facets = newFacetsPanel(m.Keys.MoveKeyMap, &c.Styles)
	m.table = ui.NewTable(m.rowName, m.renderRow,
		ui.WithIndent(prefixWidth),
		ui.WithTableStyles(c.Styles.Table),
		ui.WithTableKeyMap(m.Keys.MoveKeyMap),
		ui.WithRowIDs(rowID),
		ui.WithFittedRows()) // renderRow cuts its cells to the width
	if r.Arg != "" {
		m.filter.SetApplied(r.Arg)
		m.parse(r.Arg) // the result is computed once rows arrive
	}
	m.sync()
	return m
}

// Factory returns the ui.Factory of the scripts screen; lu (nil when
// there is none) gives the idle terms each script's last use.
func Factory(src Source, store Cache, lu LastUse) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) {
		m := New(c, src, store, r)
		m.lastUse = lu
		return m, nil
	}
}

// Init reads the listing cache; the handler then shows it (and refreshes in
// the background unless cache.NeedsRefresh says it is fresh), or lists from
// the API when nothing is cached.
func (m *Model) Init() tea.Cmd {
	return m.open()
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	cmd := m.update(msg)
	if m.facets.Visible() {
		// The counts follow the rows shown (filter results, pages, a
		// refresh); a key that changes nothing starts nothing.
		if c := m.countFacets(); c != nil {
			cmd = tea.Batch(cmd, c)
		}
	}
	m.sync()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case cacheMsg:
		return m.handleCache(msg)
	case pagesMsg:
		return m.handlePages(msg)
	case totalMsg:
		return m.handleTotal(msg)
	case filterMsg:
		return m.handleFilter(msg)
	case lastUseMsg:
		return m.handleLastUse(msg)
	case facetsMsg:
		if msg.key == m.key {
			m.facets.SetCounts(msg)
		}
		return nil
	case ui.RefreshMsg:
		return m.refresh()
	case ui.ScriptsChangedMsg:
		return m.applyChanges(msg)
	case ShowTagsMsg:
		return m.openFacets()
	case ui.StylesChangedMsg:
		m.filter.SetStyles(&m.c.Styles)
		m.facets.SetStyles(&m.c.Styles)
		m.table.SetStyles(m.c.Styles.Table)
		m.raw.SetStyles(m.c.Styles.TextView)
		return nil
	case tea.PasteMsg:
		switch {
		case m.filter.Focused():
			return m.updateFilter(msg)
		case m.facets.Capturing():
			return m.updateFacets(msg)
		}
		return nil
	case tea.KeyPressMsg:
		// Keys go to whichever has the keyboard.
		switch {
		case m.filter.Focused():
			return m.updateFilter(msg)
		case m.rawOpen:
			m.updateRaw(msg)
			return nil
		case m.facets.Visible():
			return m.updateFacets(msg)
		}
		return m.handleKey(msg)
	}
	return nil
}

// updateFacets gives a key or paste to the facets panel and applies the
// tag it picked, if any.
func (m *Model) updateFacets(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.facets, cmd = m.facets.Update(msg)
	if in := m.facets.Intent(); in.ok {
		cmd = tea.Batch(cmd, m.applyFacet(in.action, in.tag))
	}
	return cmd
}

// openRaw opens the JSON view of the current row's listing.
func (m *Model) openRaw() {
	s, ok := m.current()
	if !ok {
		return
	}
	m.facets.Hide()
	m.raw = ui.NewJSONView("listing of "+s.Name, s.APIObject(),
		ui.WithHint("esc close · j/k scroll"),
		ui.WithTextViewStyles(m.c.Styles.TextView),
		ui.WithTextViewKeyMap(m.Keys.MoveKeyMap))
	m.rawOpen = true
	m.layout()
}

// updateRaw scrolls or closes the JSON view.
func (m *Model) updateRaw(k tea.KeyPressMsg) {
	if key.Matches(k, m.Keys.CloseRaw) {
		m.rawOpen = false
		return
	}
	m.raw, _ = m.raw.Update(k)
}

// sync brings what is derived from the state up to date after a change:
// the live bindings, the filter line's hint and the layout.
func (m *Model) sync() {
	m.filter.SetHint(m.filterHint(), serverText(m.server))
	m.layout()
	m.syncKeys()
}

// serverText is the API's tag filter as text ("" when none).
func serverText(f cfclient.TagFilter) string {
	if f.IsEmpty() {
		return ""
	}
	return f.String()
}

// layout sizes the parts to the content area: the table (and the facets
// panel in its place) gets what the title and the lines under it leave;
// the JSON view everything under the title.
func (m *Model) layout() {
	m.filter.SetSize(m.width, m.height)
	h := m.rowsHeight() + 1 // the rows and the column headings
	m.table.SetSize(m.width, h)
	m.facets.SetSize(m.width, h)
	m.raw.SetSize(m.width, m.height-1)
	m.syncColumns()
}

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return ui.Sanitize(m.ns) }

// Capturing reports that the filter input or the tag search has the
// keyboard.
func (m *Model) Capturing() bool { return m.filter.Focused() || m.facets.Capturing() }

// WantsEsc reports that esc closes an overlay or clears the filter before
// it means "back".
func (m *Model) WantsEsc() bool {
	return m.filter.Focused() || m.rawOpen || m.facets.Visible() || m.filter.Applied() != "" || !m.server.IsEmpty()
}

// DataAge is when the rows shown were listed (zero while a first listing
// runs).
func (m *Model) DataAge() time.Time { return m.dataAt }

// SetSize sets the content area size.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.sync()
}

// Close stops a listing in progress.
func (m *Model) Close() {
	m.stopRank()
	if m.ld != nil && m.ld.cancel != nil {
		m.ld.cancel()
	}
	m.ld = nil
}

// The interfaces the App looks for.
var (
	_ ui.Screen   = (*Model)(nil)
	_ ui.DataAger = (*Model)(nil)
	_ ui.Escaper  = (*Model)(nil)
	_ ui.Closer   = (*Model)(nil)
)
