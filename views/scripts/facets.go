package scripts

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

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

// facetsState is the tag facets panel (t, :tags).
type facetsState struct {
	open     bool
	inflight bool
	valid    bool       // tags were counted for scope
	scope    facetScope // what tags were counted over
	counted  int        // how many scripts were counted
	tags     []facet

	// The tag search (/ in the panel): the input, whether it has the
	// keyboard, and the lower-cased text narrowing the list ("" = none);
	// hits are the positions in tags that contain it.
	search    ui.Input
	searching bool
	query     string
	hits      []int32

	cursor int // in the visible list (hits when query != "", else tags)
	top    int
}

// visible is how many tags the panel lists.
func (f *facetsState) visible() int {
	if f.query != "" {
		return len(f.hits)
	}
	return len(f.tags)
}

// at returns the i-th listed tag.
func (f *facetsState) at(i int) *facet {
	if f.query != "" {
		return &f.tags[f.hits[i]]
	}
	return &f.tags[i]
}

// current returns the tag under the cursor.
func (f *facetsState) current() (*facet, bool) {
	if f.cursor < 0 || f.cursor >= f.visible() {
		return nil, false
	}
	return f.at(f.cursor), true
}

// countTags counts the tags of the rows of snap at positions pos (all of
// snap when pos is nil). Listings share one slice between scripts with the
// same tags, so it counts each distinct list once per script and each tag
// once per list. It runs off the Update goroutine: snap and pos are never
// written after they are handed over.
func countTags(key string, snap []cfclient.Script, pos []int32, scope facetScope) tea.Cmd {
	return func() tea.Msg {
		tags, n := tagCounts(snap, pos)
		return facetsMsg{key: key, scope: scope, n: n, tags: tags}
	}
}

// tagCounts returns the facets of the rows of snap at pos (all when nil),
// by count descending then tag, and how many rows it counted. Listings
// share one tag slice between scripts with the same tags (cfclient's
// interner), so it remembers the last 16 lists by identity, as the cache
// encoder does, and counts the tags of a list once per run of its rows: a
// namespace with few tag combinations costs one identity check per row,
// and one where most lists are distinct no map entry per row.
func tagCounts(snap []cfclient.Script, pos []int32) ([]facet, int) {
	n := len(snap)
	if pos != nil {
		n = len(pos)
	}
	counts := make(map[string]int, min(n, 1<<12))
	type seen struct {
		tags []string
		n    int
	}
	var recent [16]seen
	next := 0
	add := func(t []string) {
		if len(t) == 0 {
			return
		}
		for i := range recent {
			if r := &recent[i]; len(r.tags) == len(t) && &r.tags[0] == &t[0] {
				r.n++
				return
			}
		}
		r := &recent[next]
		if r.n > 0 {
			addCounts(counts, r.tags, r.n)
		}
		*r = seen{tags: t, n: 1}
		next = (next + 1) % len(recent)
	}
	if pos == nil {
		for i := range snap {
			add(snap[i].Tags)
		}
	} else {
		for _, p := range pos {
			add(snap[p].Tags)
		}
	}
	for _, r := range recent {
		if r.n > 0 {
			addCounts(counts, r.tags, r.n)
		}
	}
	out := make([]facet, 0, len(counts))
	for t, c := range counts {
		out = append(out, facet{tag: t, lower: strings.ToLower(t), count: c})
	}
	slices.SortFunc(out, func(a, b facet) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return strings.Compare(a.tag, b.tag)
	})
	return out, n
}

// addCounts adds n to the count of every tag of tags.
func addCounts(counts map[string]int, tags []string, n int) {
	for _, t := range tags {
		counts[t] += n
	}
}

// openFacets opens the panel (with no tag search) and counts the tags
// when the rows shown changed since the last count.
func (m *Model) openFacets() tea.Cmd {
	f := &m.facets
	if !f.open {
		f.search = ui.NewInput("/", m.c.Styles.Input)
		f.search.Placeholder = "tag contains…"
		f.search.CharLimit = 2 * selector.MaxTagBytes
		f.search.SetWidth(m.width)
		f.searching, f.query, f.hits = false, "", nil
	}
	f.open = true
	m.raw.open = false
	return m.countFacets()
}

// closeFacets closes the panel and forgets the tag search.
func (m *Model) closeFacets() {
	f := &m.facets
	f.open, f.searching = false, false
	f.search.Blur()
	f.search.Reset()
	m.setTagSearch("")
}

// currentScope is what the facets should count now: the rows shown. It
// reports false while the first result of a filter is on its way (the
// rows shown are then none, not the filtered set).
func (m *Model) currentScope() (facetScope, bool) {
	if m.wantFilter && m.result == nil {
		return facetScope{}, false
	}
	return facetScope{epoch: m.epoch, n: len(m.all), res: m.result}, true
}

// countFacets starts counting the tags of the rows shown, unless they were
// counted already, a count is running, or the filter result is pending.
// Update calls it after every message while the panel is open, so the
// counts follow the filter and the rows; the count itself runs off the
// Update goroutine, and keys that do not change the rows start nothing.
func (m *Model) countFacets() tea.Cmd {
	f := &m.facets
	scope, ok := m.currentScope()
	if !ok || f.inflight || (f.valid && f.scope == scope) {
		return nil
	}
	f.inflight = true
	var pos []int32
	if scope.res != nil {
		pos = m.shown // never written in place: rebuildShown makes a new one
	}
	return countTags(m.key, m.all[:len(m.all):len(m.all)], pos, scope)
}

// handleFacets takes a count. A count of rows that changed meanwhile is
// kept too (better than nothing); Update then starts the next one.
func (m *Model) handleFacets(msg facetsMsg) {
	if msg.key != m.key {
		return
	}
	f := &m.facets
	f.inflight = false
	var keep string
	if ft, ok := f.current(); ok {
		keep = ft.tag
	}
	f.valid, f.scope, f.counted, f.tags = true, msg.scope, msg.n, msg.tags
	f.refilter(f.query, true)
	f.cursor = max(0, min(f.cursor, f.visible()-1))
	if keep != "" {
		for i := range f.visible() {
			if f.at(i).tag == keep {
				f.cursor = i
				break
			}
		}
	}
}

// facetsFresh reports that the facets were counted over the rows shown now.
func (m *Model) facetsFresh() bool {
	scope, ok := m.currentScope()
	return ok && m.facets.valid && m.facets.scope == scope
}

// setTagSearch narrows the list to the tags containing text (case
// insensitive); "" lists every tag. The cursor goes to the first hit, or,
// when the search is cleared, stays on its tag.
func (m *Model) setTagSearch(text string) {
	f := &m.facets
	q := strings.ToLower(text)
	if q == f.query {
		return
	}
	if q == "" {
		if _, ok := f.current(); ok && f.query != "" {
			f.cursor = int(f.hits[f.cursor]) // the same tag in the whole list
		}
		f.query, f.hits = "", nil
		return
	}
	f.refilter(q, false)
	f.cursor, f.top = 0, 0
}

// refilter sets the search to q and recomputes the hits; a query that
// contains the previous one scans only its hits (typing narrows), unless
// all is set (the tags were recounted).
func (f *facetsState) refilter(q string, all bool) {
	if q == "" {
		f.query, f.hits = "", nil
		return
	}
	hits := make([]int32, 0, 64)
	if !all && f.query != "" && strings.Contains(q, f.query) {
		for _, i := range f.hits {
			if strings.Contains(f.tags[i].lower, q) {
				hits = append(hits, i)
			}
		}
	} else {
		for i := range f.tags {
			if strings.Contains(f.tags[i].lower, q) {
				hits = append(hits, int32(i))
			}
		}
	}
	f.query, f.hits = q, hits
}

// facetRows is how many tags the panel lists at once: the table's rows,
// less the search line while there is one.
func (m *Model) facetRows() int {
	h := m.rowsHeight()
	if m.facets.searching || m.facets.query != "" {
		h = max(1, h-1)
	}
	return h
}

// handleFacetKey moves in the panel, searches, applies a tag, or closes.
func (m *Model) handleFacetKey(k tea.KeyPressMsg) tea.Cmd {
	f := &m.facets
	if f.searching {
		return m.handleTagSearchKey(k)
	}
	h := m.facetRows()
	if pos, ok := m.Keys.Move(k, f.cursor, f.visible(), h); ok {
		f.cursor = pos
		f.top = max(0, min(f.top, f.cursor), f.cursor-h+1)
		return nil
	}
	switch {
	case key.Matches(k, m.Keys.ApplyTag):
		return m.applyFacet(tagReplace)
	case key.Matches(k, m.Keys.AddTag):
		return m.applyFacet(tagAdd)
	case key.Matches(k, m.Keys.ExcludeTag):
		return m.applyFacet(tagExclude)
	case key.Matches(k, m.Keys.SearchTags):
		f.searching = true
		f.search.SetWidth(m.width)
		f.search.Focus()
	case key.Matches(k, m.Keys.ClearTagSearch):
		f.search.Reset()
		m.setTagSearch("")
	case key.Matches(k, m.Keys.CloseFacet):
		m.closeFacets()
	}
	return nil
}

// handleTagSearchKey edits the tag search; every edit narrows the list.
func (m *Model) handleTagSearchKey(k tea.KeyPressMsg) tea.Cmd {
	f := &m.facets
	switch {
	case key.Matches(k, m.Keys.KeepTagSearch):
		f.searching = false
		f.search.Blur()
		return nil
	case key.Matches(k, m.Keys.ClearTagSearch):
		f.searching = false
		f.search.Blur()
		f.search.Reset()
		m.setTagSearch("")
		return nil
	}
	m.typeTagSearch(k)
	return nil
}

// typeTagSearch feeds a key or paste to the tag search input.
func (m *Model) typeTagSearch(msg tea.Msg) {
	f := &m.facets
	f.search, _ = f.search.Update(msg)
	m.setTagSearch(f.search.Value())
}

// tagAction is what a facet key does with the applied filter.
type tagAction int

const (
	tagReplace tagAction = iota // enter: -t tag
	tagAdd                      // +: add tag to the tag selector
	tagExclude                  // -: add !tag to the tag selector
)

// facetFilter returns the filter text that action on tag makes of the
// applied filter: enter replaces it with "-t tag"; + and - add "tag" or
// "!tag" to a tag selector (a term of the tag with the other sign is
// flipped), and replace any other filter with "-t tag" or "-t !tag". The
// selector is written back canonically ("-t a,!b,tag"). refuse, when not
// "", says why nothing changes.
func facetFilter(applied, tag string, action tagAction) (text, refuse string) {
	term := selector.TagTerm{Tag: tag, Negate: action == tagExclude}
	q, err := selector.ParseQuery(applied)
	if action == tagReplace || applied == "" || err != nil || q.Kind != selector.Tags {
		return selectorText([]selector.TagTerm{term}), ""
	}
	terms := slices.Clone(q.Terms)
	if i := slices.IndexFunc(terms, func(t selector.TagTerm) bool { return t.Tag == tag }); i >= 0 {
		if terms[i].Negate == term.Negate {
			return "", fmt.Sprintf("%s is in the tag selector already", termText(term))
		}
		terms[i] = term
		return selectorText(terms), ""
	}
	if len(terms) >= selector.MaxTagTerms {
		return "", fmt.Sprintf("cannot add %s: the tag selector has %d terms, the most allowed (selector.MaxTagTerms = %d); enter replaces it",
			termText(term), len(terms), selector.MaxTagTerms)
	}
	return selectorText(append(terms, term)), ""
}

// termText is a term as typed: "tag" or "!tag".
func termText(t selector.TagTerm) string {
	if t.Negate {
		return "!" + t.Tag
	}
	return t.Tag
}

// selectorText writes terms as a tag selector: "-t a,!b".
func selectorText(terms []selector.TagTerm) string {
	var b strings.Builder
	b.WriteString("-t ")
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(termText(t))
	}
	return b.String()
}

// applyFacet applies the tag under the cursor to the filter (enter, +, -)
// and closes the panel; a refusal leaves both as they are.
func (m *Model) applyFacet(action tagAction) tea.Cmd {
	ft, ok := m.facets.current()
	if !ok {
		return nil
	}
	text, refuse := facetFilter(m.applied, ft.tag, action)
	if refuse != "" {
		return ui.ShowStatus(ui.LevelWarn, ui.Sanitize(refuse))
	}
	if _, err := selector.ParseQuery(text); err != nil {
		return ui.ShowStatus(ui.LevelError, "cannot filter by this tag: "+ui.Sanitize(err.Error()))
	}
	m.closeFacets()
	return tea.Batch(m.setText(text, true), m.syncServerFilter())
}

// facetsHeading is the panel's first line: what was counted and how many
// distinct tags (and hits of the tag search) there are.
func (m *Model) facetsHeading() string {
	f := &m.facets
	var head string
	if m.result != nil || m.wantFilter {
		head = fmt.Sprintf("tags of %s shown scripts", commas(len(m.shown)))
	} else {
		head = fmt.Sprintf("tags of %s scripts", commas(len(m.all)))
	}
	if !f.valid {
		return head + " · counting…"
	}
	head += fmt.Sprintf(" · %s distinct", commas(len(f.tags)))
	if f.query != "" {
		head += fmt.Sprintf(" · %s matching", commas(len(f.hits)))
	}
	if !m.facetsFresh() {
		head += " · counting…"
	}
	return head
}

// viewFacets renders the panel in place of the table: a heading line, the
// tag search line when there is a search, and the tags.
func (m *Model) viewFacets(b *strings.Builder) {
	f := &m.facets
	st := &m.c.Styles
	b.WriteString(st.TableHeader.Render(fit(m.facetsHeading(), m.width)))
	if f.searching || f.query != "" {
		b.WriteByte('\n')
		b.WriteString(fitStyled(f.search.View(), m.width))
	}
	if f.valid && f.visible() == 0 {
		msg := "  no tags"
		if f.query != "" {
			msg = "  no tag contains " + strconv.Quote(f.search.Value()) + " · esc clears the search"
		}
		b.WriteString("\n" + st.Subtle.Render(fit(msg, m.width)))
		return
	}
	h := m.facetRows()
	n := f.visible()
	f.top = max(0, min(f.top, f.cursor, max(0, n-h)), f.cursor-h+1)
	for i := f.top; i < n && i < f.top+h; i++ {
		ft := f.at(i)
		prefix := "  "
		if i == f.cursor {
			prefix = glyphCursor + " "
		}
		line := fit(fmt.Sprintf("%s%9s  %s", prefix, commas(ft.count), ui.Sanitize(ft.tag)), m.width)
		b.WriteByte('\n')
		if i == f.cursor {
			b.WriteString(st.Cursor.Render(pad(line, m.width)))
		} else {
			b.WriteString(line)
		}
	}
}
