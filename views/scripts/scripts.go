// Package scripts is the scripts screen: the user scripts of one dispatch
// namespace in a table that streams in page by page (or opens at once from
// the on-disk listing cache and refreshes in the background when the cache
// is older than a minute), with fuzzy,
// substring, inverse and tag filters, tag facets, marks, sorting and the raw listing
// of a row. It holds 100,000 rows cheaply: rows are the listing's own
// cfclient.Script values addressed by int32 positions, and only the visible
// rows are formatted.
package scripts

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
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
}

var _ Source = (*cfclient.Client)(nil)

// Cache is the listing cache; *cache.Store satisfies it. Reads never write:
// the screen saves a listing (in a command) once it is complete.
type Cache interface {
	Scripts(ns string) (cache.Listing, error)
	SaveScripts(ns string, pages [][]cfclient.Script) error
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
		key     string
		token   int
		scripts []cfclient.Script
		saved   time.Time
		err     error
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

// Model is the scripts screen of one namespace.
type Model struct {
	// Keys are the screen's bindings.
	Keys KeyMap

	c     *ui.Common
	src   Source
	cache Cache
	route ui.Route
	key   string // route key, tags every result message
	ns    string

	width, height int

	// Rows. all is append-only within an epoch (a cold load appends pages);
	// replacing it (refresh, reload) bumps epoch, because positions then
	// mean other scripts. Commands read a capped prefix of all, never a
	// slot Update writes.
	all      []cfclient.Script
	epoch    int
	byName   []int32            // positions in all, sorted by name
	order    []int32            // positions in the current sort order
	shown    []int32            // order after the filter (or fuzzy rank)
	complete bool               // every page of the current listing arrived
	server   cfclient.TagFilter // tag filter the listing was asked with
	dataAt   time.Time          // when the rows were listed (cache: saved)

	ld     *loadState // the listing or cache read in progress (nil when idle)
	tokens int
	// checking is the token of the script count asked for a fresh cached
	// listing (0 when none is awaited).
	checking int
	fail     *loadFailure // why the last listing failed (nil when it did not)

	sortBy   sortKey
	sortDesc bool
	ranked   bool // show fuzzy matches best first rather than sorted

	cursor     int    // position in shown
	top        int    // first visible position in shown
	cursorName string // the script the cursor is meant to be on
	cursorIdx  int32  // its position in all (-1 when not loaded)
	// toTop is set by the operator's new filter or sort: the cursor goes
	// to the first row once the rows shown are that filter's (see
	// rebuildShown). Otherwise (refreshes, appended pages) the cursor
	// stays on cursorName.
	toTop bool

	marks       map[string]struct{} // by name: survives reloads
	marked      []bool              // aligned with all
	markedShown int                 // marked rows in shown

	filterState
	facets facetsState
	raw    rawState
}

// New builds the scripts screen for route r (r.Namespace; r.Arg is an
// initial filter, in the / grammar). Nothing is loaded until Init.
func New(c *ui.Common, src Source, store Cache, r ui.Route) *Model {
	m := &Model{
		Keys:      DefaultKeyMap(),
		c:         c,
		src:       src,
		cache:     store,
		route:     r,
		key:       r.Key(),
		ns:        r.Namespace,
		width:     c.Width,
		height:    c.Height,
		cursorIdx: -1,
		marks:     map[string]struct{}{},
	}
	m.initFilter()
	if r.Arg != "" {
		m.applied = r.Arg
		m.parse(r.Arg) // the result is computed once rows arrive
	}
	m.syncKeys()
	return m
}

// Factory returns the ui.Factory of the scripts screen.
func Factory(src Source, store Cache) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) {
		return New(c, src, store, r), nil
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
	if m.facets.open {
		// The counts follow the rows shown (filter results, pages, a
		// refresh); a key that changes nothing starts nothing.
		if c := m.countFacets(); c != nil {
			cmd = tea.Batch(cmd, c)
		}
	}
	m.syncKeys()
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
	case facetsMsg:
		m.handleFacets(msg)
		return nil
	case ui.RefreshMsg:
		return m.refresh()
	case ShowTagsMsg:
		return m.openFacets()
	case ui.StylesChangedMsg:
		m.input.SetStyles(m.c.Styles.Input)
		m.facets.search.SetStyles(m.c.Styles.Input)
		return nil
	case tea.PasteMsg:
		if m.typing {
			return m.typeKey(msg)
		}
		if m.facets.open && m.facets.searching {
			m.typeTagSearch(msg)
		}
		return nil
	case tea.KeyPressMsg:
		switch {
		case m.typing:
			return m.handleInputKey(msg)
		case m.raw.open:
			m.handleRawKey(msg)
			return nil
		case m.facets.open:
			return m.handleFacetKey(msg)
		}
		return m.handleKey(msg)
	}
	return nil
}

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return ui.Sanitize(m.ns) }

// Capturing reports that the filter input or the tag search has the
// keyboard.
func (m *Model) Capturing() bool { return m.typing || (m.facets.open && m.facets.searching) }

// WantsEsc reports that esc closes an overlay or clears the filter before
// it means "back".
func (m *Model) WantsEsc() bool {
	return m.typing || m.raw.open || m.facets.open || m.applied != "" || !m.server.IsEmpty()
}

// DataAge is when the rows shown were listed (zero while a first listing
// runs).
func (m *Model) DataAge() time.Time { return m.dataAt }

// SetSize sets the content area size.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.input.SetWidth(width)
	m.facets.search.SetWidth(width)
	m.clampCursor()
}

// Close stops a listing in progress.
func (m *Model) Close() {
	if m.ld != nil && m.ld.cancel != nil {
		m.ld.cancel()
	}
	m.ld = nil
}

// current returns the script under the cursor.
func (m *Model) current() (*cfclient.Script, bool) {
	if m.cursor < 0 || m.cursor >= len(m.shown) {
		return nil, false
	}
	return &m.all[m.shown[m.cursor]], true
}

// The interfaces the App looks for.
var (
	_ ui.Screen   = (*Model)(nil)
	_ ui.DataAger = (*Model)(nil)
	_ ui.Escaper  = (*Model)(nil)
	_ ui.Closer   = (*Model)(nil)
)
