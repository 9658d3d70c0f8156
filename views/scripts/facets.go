package scripts

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// facetsPanel is the tag facets panel (t, :tags), shown in place of the
// table: a heading saying what was counted, the tag search line while
// there is a search, and the tags by count in a ui.Table that follows the
// cursor's tag across recounts and searches. The screen counts the tags of
// its rows (countTags) and hands the counts over (SetCounts); a tag picked
// with enter, + or - is left as the Intent of the Update, for the screen
// to turn into a filter.
type facetsPanel struct {
	// KeyMap holds the panel's bindings (movement is the list's).
	KeyMap FacetsKeyMap

	styles *facetsStyles // shared with the list's RowFunc
	open   bool

	// The counts: what they were counted over (scope), how many scripts,
	// the tags by count; inflight while a count runs.
	inflight bool
	valid    bool
	scope    facetScope
	counted  int
	tags     []facet

	// What the table shows now (Follow): the counts are fresh when they
	// were counted over it; subject heads the panel.
	now     facetScope
	nowOK   bool
	subject string

	// The tag search (/ in the panel): the input, whether it has the
	// keyboard, and the lower-cased text narrowing the list ("" = none);
	// hits are the positions in tags that contain it.
	search    ui.Input
	searching bool
	query     string
	hits      []int32

	list          ui.Table[*facet] // the listed tags: hits, or every tag
	width, height int
	intent        facetIntent
}

// FacetsKeyMap holds the tag facets panel's bindings.
type FacetsKeyMap struct {
	ApplyTag, CloseFacet key.Binding // filter by the tag / close
	AddTag, ExcludeTag   key.Binding // +, -: add tag / !tag to the tag selector
	SearchTags           key.Binding // /: search the tags
	KeepTagSearch        key.Binding // enter while searching: back to the list
	ClearTagSearch       key.Binding // esc in the tag search: clear it (a second esc closes)
}

// DefaultFacetsKeyMap returns the panel's default bindings.
func DefaultFacetsKeyMap() FacetsKeyMap {
	return FacetsKeyMap{
		ApplyTag:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "filter by tag")),
		CloseFacet:     key.NewBinding(key.WithKeys("esc", "t"), key.WithHelp("esc", "close tags")),
		AddTag:         key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "add tag to filter")),
		ExcludeTag:     key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "add !tag to filter")),
		SearchTags:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search tags")),
		KeepTagSearch:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep search")),
		ClearTagSearch: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear search")),
	}
}

// facetsStyles style the panel.
type facetsStyles struct {
	Heading, Cursor, Empty lipgloss.Style
	Input                  ui.InputStyles
}

func facetsStylesFrom(st *ui.Styles) facetsStyles {
	return facetsStyles{Heading: st.TableHeader, Cursor: st.Cursor, Empty: st.Subtle, Input: st.Input}
}

// facet is one tag and how many of the counted scripts carry it.
type facet struct {
	tag   string
	lower string // tag lower-cased, for the tag search (tag itself when it has no upper case)
	count int
}

// facetScope is what the facets were counted over: the rows of one epoch
// and length, narrowed by one filter result (nil: every loaded row).
type facetScope struct {
	epoch, n int
	res      *filterResult
}

// facetIntent is the result of a panel Update: a tag picked (ok), and what
// to do with it.
type facetIntent struct {
	ok     bool
	action tagAction
	tag    string
}

// tagAction is what a facet key does with the applied filter.
type tagAction int

const (
	tagReplace tagAction = iota // enter: -t tag
	tagAdd                      // +: add tag to the tag selector
	tagExclude                  // -: add !tag to the tag selector
)

// newFacetsPanel returns a closed panel with nothing counted; move are the
// list's movement bindings.
func newFacetsPanel(move ui.MoveKeyMap, st *ui.Styles) facetsPanel {
	styles := facetsStylesFrom(st)
	p := facetsPanel{KeyMap: DefaultFacetsKeyMap(), styles: &styles}
	p.list = ui.NewTable(facetTag, p.styles.renderRow,
		ui.WithoutHeadings(), ui.WithTableKeyMap(move))
	p.resetSearch()
	p.syncKeys()
	return p
}

// facetTag is the list's row key.
func facetTag(f *facet) string { return f.tag }

// SetStyles replaces the styles (after ui.StylesChangedMsg).
func (p *facetsPanel) SetStyles(st *ui.Styles) {
	*p.styles = facetsStylesFrom(st)
	p.search.SetStyles(st.Input)
}

// SetSize sets the panel's size: the heading, the search line (when there
// is a search) and the list.
func (p *facetsPanel) SetSize(width, height int) {
	p.width, p.height = width, height
	p.search.SetWidth(width)
	p.layout()
}

// layout gives the list what the heading and the search line leave.
func (p *facetsPanel) layout() {
	h := max(1, p.height-1)
	if p.searching || p.query != "" {
		h = max(1, h-1)
	}
	p.list.SetSize(p.width, h)
}

// Show opens the panel, with no tag search when it was closed.
func (p *facetsPanel) Show() {
	if !p.open {
		p.resetSearch()
	}
	p.open = true
	p.syncKeys()
}

// Hide closes the panel and forgets the tag search.
func (p *facetsPanel) Hide() {
	p.open = false
	p.resetSearch()
	p.syncKeys()
}

// Visible reports whether the panel is open.
func (p facetsPanel) Visible() bool { return p.open }

// Capturing reports whether the tag search has the keyboard.
func (p facetsPanel) Capturing() bool { return p.open && p.searching }

// resetSearch empties the tag search; the cursor stays on its tag.
func (p *facetsPanel) resetSearch() {
	p.search = ui.NewInput("/", p.styles.Input)
	p.search.Placeholder = "tag contains…"
	p.search.CharLimit = 2 * selector.MaxTagBytes
	p.search.SetWidth(p.width)
	p.searching = false
	p.setTagSearch("")
}

// Follow tells the panel what the table shows now: scope (ok is false
// while a filter's first result is on its way, when the table shows no
// rows of it yet) and the heading's subject ("tags of 400 scripts"). It
// reports whether the tags should be counted for it: they were not, and no
// count runs. The screen then runs countTags and hands its facetsMsg to
// SetCounts.
func (p *facetsPanel) Follow(scope facetScope, ok bool, subject string) bool {
	p.now, p.nowOK, p.subject = scope, ok, subject
	if !ok || p.inflight || (p.valid && p.scope == scope) {
		return false
	}
	p.inflight = true
	return true
}

// fresh reports that the counts are of the rows the table shows now.
func (p facetsPanel) fresh() bool { return p.nowOK && p.valid && p.scope == p.now }

// SetCounts takes a count. A count of rows that changed meanwhile is kept
// too (better than nothing); the next Follow asks for another. The cursor
// stays on its tag.
func (p *facetsPanel) SetCounts(msg facetsMsg) {
	p.inflight = false
	p.valid, p.scope, p.counted, p.tags = true, msg.scope, msg.n, msg.tags
	p.refilter(p.query, true)
	p.setRows()
}

// visible is how many tags the panel lists.
func (p *facetsPanel) visible() int {
	if p.query != "" {
		return len(p.hits)
	}
	return len(p.tags)
}

// at returns the i-th listed tag.
func (p *facetsPanel) at(i int) *facet {
	if p.query != "" {
		return &p.tags[p.hits[i]]
	}
	return &p.tags[i]
}

// current returns the tag under the cursor.
func (p *facetsPanel) current() (*facet, bool) { return p.list.Current() }

// setRows lists the hits, or every tag.
func (p *facetsPanel) setRows() {
	rows := make([]*facet, p.visible())
	for i := range rows {
		rows[i] = p.at(i)
	}
	p.list.SetRows(rows)
	p.syncKeys()
}

// setTagSearch narrows the list to the tags containing text (case
// insensitive); "" lists every tag. The cursor goes to the first hit, or,
// when the search is cleared, stays on its tag.
func (p *facetsPanel) setTagSearch(text string) {
	q := strings.ToLower(text)
	if q == p.query {
		return
	}
	p.refilter(q, false)
	p.setRows()
	if q != "" {
		p.list.GotoTop()
	}
	p.layout()
}

// refilter sets the search to q and recomputes the hits; a query that
// contains the previous one scans only its hits (typing narrows), unless
// all is set (the tags were recounted).
func (p *facetsPanel) refilter(q string, all bool) {
	if q == "" {
		p.query, p.hits = "", nil
		return
	}
	hits := make([]int32, 0, 64)
	if !all && p.query != "" && strings.Contains(q, p.query) {
		for _, i := range p.hits {
			if strings.Contains(p.tags[i].lower, q) {
				hits = append(hits, i)
			}
		}
	} else {
		for i := range p.tags {
			if strings.Contains(p.tags[i].lower, q) {
				hits = append(hits, int32(i))
			}
		}
	}
	p.query, p.hits = q, hits
}

// Intent is what the last Update asks the screen to do.
func (p facetsPanel) Intent() facetIntent { return p.intent }

// Update moves in the list, searches the tags, picks a tag (enter, +, -:
// the Intent) or closes the panel (esc, t). While the search has the
// keyboard, keys and pastes edit it: enter keeps it, esc clears it.
func (p facetsPanel) Update(msg tea.Msg) (facetsPanel, tea.Cmd) {
	p.intent = facetIntent{}
	if !p.open {
		return p, nil
	}
	var cmd tea.Cmd
	if p.searching {
		cmd = p.updateSearch(msg)
	} else if k, ok := msg.(tea.KeyPressMsg); ok {
		p.updateList(k)
	}
	p.syncKeys()
	return p, cmd
}

// updateList handles a key on the list.
func (p *facetsPanel) updateList(k tea.KeyPressMsg) {
	keys := &p.KeyMap
	switch {
	case key.Matches(k, keys.ApplyTag):
		p.pick(tagReplace)
	case key.Matches(k, keys.AddTag):
		p.pick(tagAdd)
	case key.Matches(k, keys.ExcludeTag):
		p.pick(tagExclude)
	case key.Matches(k, keys.SearchTags):
		p.searching = true
		p.search.SetWidth(p.width)
		p.search.Focus()
		p.layout()
	case key.Matches(k, keys.ClearTagSearch):
		p.search.Reset()
		p.setTagSearch("")
	case key.Matches(k, keys.CloseFacet):
		p.open = false
		p.resetSearch()
	default:
		p.list, _ = p.list.Update(k) // movement
	}
}

// updateSearch edits the tag search; every edit narrows the list.
func (p *facetsPanel) updateSearch(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, p.KeyMap.KeepTagSearch):
			p.searching = false
			p.search.Blur()
			p.layout()
			return nil
		case key.Matches(k, p.KeyMap.ClearTagSearch):
			p.searching = false
			p.search.Blur()
			p.search.Reset()
			p.setTagSearch("")
			p.layout()
			return nil
		}
	}
	var cmd tea.Cmd
	p.search, cmd = p.search.Update(msg)
	p.setTagSearch(p.search.Value())
	return cmd
}

// pick leaves the tag under the cursor as the Intent.
func (p *facetsPanel) pick(action tagAction) {
	if ft, ok := p.current(); ok {
		p.intent = facetIntent{ok: true, action: action, tag: ft.tag}
	}
}

// syncKeys enables the bindings that apply: they live only while the panel
// is open; esc clears the tag search before it closes the panel (t always
// closes).
func (p *facetsPanel) syncKeys() {
	k := &p.KeyMap
	_, onTag := p.current()
	k.ApplyTag.SetEnabled(p.open && onTag)
	k.AddTag.SetEnabled(p.open && onTag)
	k.ExcludeTag.SetEnabled(p.open && onTag)
	k.SearchTags.SetEnabled(p.open)
	k.KeepTagSearch.SetEnabled(p.open && p.searching)
	search := p.open && (p.searching || p.query != "" || p.search.Value() != "")
	k.ClearTagSearch.SetEnabled(search)
	k.CloseFacet.SetEnabled(p.open)
	if search {
		k.CloseFacet.SetHelp("t", "close tags")
	} else {
		k.CloseFacet.SetHelp("esc", "close tags")
	}
}

// heading is the panel's first line: what was counted and how many
// distinct tags (and hits of the tag search) there are.
func (p facetsPanel) heading() string {
	head := p.subject
	if !p.valid {
		return head + " · counting…"
	}
	head += fmt.Sprintf(" · %s distinct", ui.Commas(len(p.tags)))
	if p.query != "" {
		head += fmt.Sprintf(" · %s matching", ui.Commas(len(p.hits)))
	}
	if !p.fresh() {
		head += " · counting…"
	}
	return head
}

// View renders the heading line, the tag search line when there is a
// search, and the visible tags.
func (p facetsPanel) View() string {
	st := p.styles
	var b strings.Builder
	b.WriteString(st.Heading.Render(ui.Truncate(p.heading(), p.width)))
	if p.searching || p.query != "" {
		b.WriteByte('\n')
		b.WriteString(ui.Truncate(p.search.View(), p.width))
	}
	if p.valid && p.visible() == 0 {
		msg := "  no tags"
		if p.query != "" {
			msg = "  no tag contains " + strconv.Quote(p.search.Value()) + " · esc clears the search"
		}
		b.WriteString("\n" + st.Empty.Render(ui.Truncate(msg, p.width)))
		return b.String()
	}
	if p.list.Len() > 0 {
		b.WriteByte('\n')
		b.WriteString(p.list.View())
	}
	return b.String()
}

// renderRow renders a listed tag: its count and name, the cursor's row
// with a glyph and highlighted across the width.
func (st *facetsStyles) renderRow(f *facet, s ui.RowState) string {
	prefix := "  "
	if s.Cursor {
		prefix = glyphCursor + " "
	}
	line := ui.Truncate(fmt.Sprintf("%s%9s  %s", prefix, ui.Commas(f.count), ui.Sanitize(f.tag)), s.Width)
	if s.Cursor {
		return st.Cursor.Render(ui.PadRight(line, s.Width))
	}
	return line
}

// ShortHelp returns the panel's bindings for the footer.
func (p facetsPanel) ShortHelp() []key.Binding {
	k := &p.KeyMap
	if p.searching {
		return []key.Binding{k.KeepTagSearch, k.ClearTagSearch}
	}
	return []key.Binding{p.list.KeyMap.Down, p.list.KeyMap.Up, k.ApplyTag, k.AddTag, k.ExcludeTag, k.SearchTags, k.ClearTagSearch, k.CloseFacet}
}

// FullHelp returns the panel's bindings, grouped, for the ? overlay.
func (p facetsPanel) FullHelp() [][]key.Binding {
	k := &p.KeyMap
	if p.searching {
		return [][]key.Binding{{k.KeepTagSearch, k.ClearTagSearch}}
	}
	return [][]key.Binding{p.list.KeyMap.Bindings(), {k.ApplyTag, k.AddTag, k.ExcludeTag}, {k.SearchTags, k.ClearTagSearch, k.CloseFacet}}
}
