package scripts

import (
	"context"
	"slices"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/internal/selector"
)

// filterState is the screen's side of the / filter (the filter bar holds
// the text): the parsed query of the text driving the rows, and the result
// applied.
//
// Results are computed by a command over an immutable snapshot (a capped
// prefix of the rows) and carry the text, epoch and row count they were
// computed for; Update applies one only when all three are still current.
// At most one filter command runs at a time: a keystroke while one runs
// sets dirty, and the handler starts the next one for the text current
// then, so typing never queues work and never blocks.
type filterState struct {
	q          selector.Query
	qErr       error // parse error of the current text
	wantFilter bool  // the current text is a valid, non-empty filter
	result     *filterResult
	inflight   bool
	dirty      bool
	eng        *engine
	// rankCancel stops the command ranking a first-rows result's tail
	// (rankRest); nil when none runs.
	rankCancel context.CancelFunc
}

// filterResult is one filter's outcome over the rows of one epoch.
type filterResult struct {
	epoch int
	n     int    // rows the filter saw (a prefix of all)
	text  string // the filter text it was computed for
	q     selector.Query
	// member[p] != 0 keeps row p.
	member []int32
	count  int
	ranked []int32 // fuzzy: rows best first
	// matches are the fuzzy (best first) and substring (row order) matches
	// while the attribute terms narrow them; runFilter then drops them (the
	// rows shown find their highlight with selector.MatchName).
	matches selector.Matches
	// partial: ranked holds the best matches first, then the others in
	// position order, until rankRest ranks them (firstRows); pos are every
	// match's positions and ix the index they are in, for rankRest.
	partial bool
	pos     []int32
	ix      *selector.Index
	luGen   int // the last-use snapshot the attribute terms saw
	// unknown counts the rows an idle term left out because their last
	// use is not read yet.
	unknown int
}

// engine owns the name index and the Narrower of one screen. The index is
// rebuilt when the rows change; the Narrower is not safe for concurrent use,
// so commands take mu (only one runs at a time anyway, see filterState).
type engine struct {
	mu    sync.Mutex
	epoch int
	n     int
	ix    *selector.Index
	nw    *selector.Narrower
}

// index returns the index of snap's names, building it when the rows
// changed. Call with e.mu held.
func (e *engine) index(snap *rows.Scripts, epoch int) *selector.Index {
	if e.ix == nil || e.epoch != epoch || e.n != snap.Len() {
		// The index reads the rows' names arena in place: a million
		// names cost the index only their masks.
		e.ix = selector.NewIndexText(snap.NamesText())
		e.nw = selector.NewNarrower(e.ix)
		e.epoch, e.n = epoch, snap.Len()
	}
	return e.ix
}

// runFilter computes a filter result off the Update goroutine.
// ranked says the rows will show in rank order: a fuzzy filter over many
// rows then shows its best rows first (firstRows).
func runFilter(eng *engine, key string, snap rows.Scripts, epoch int, text string, q selector.Query,
	attrs attrsFunc, luGen int, ranked bool) tea.Cmd {
	return func() tea.Msg {
		n := snap.Len()
		res := &filterResult{epoch: epoch, n: n, text: text, q: q, member: make([]int32, n), luGen: luGen}
		switch {
		case q.Kind != selector.Tags && q.Text == "":
			// Attribute terms alone: every row, narrowed below.
			for i := range n {
				res.member[i] = 1
			}
			res.count = n
		case q.Kind == selector.Tags:
			sel := tagSelector(&snap, q)
			for i := range n {
				if sel(i) {
					res.member[i] = 1
					res.count++
				}
			}
		case q.Kind == selector.Inverse:
			eng.mu.Lock()
			ix := eng.index(&snap, epoch)
			eng.mu.Unlock()
			for _, i := range ix.FindInverse(q.Text) {
				res.member[i] = 1
				res.count++
			}
		case q.Kind == selector.Substring:
			eng.mu.Lock()
			ix := eng.index(&snap, epoch)
			eng.mu.Unlock()
			ms := ix.FindSubstring(q.Text)
			res.matches = ms
			for j, mt := range ms {
				res.member[mt.Index] = int32(j + 1)
			}
			res.count = len(ms)
		case ranked && n >= firstRowsMin && len(q.Attrs) == 0:
			firstRows(eng, &snap, epoch, q, res)
		default:
			eng.mu.Lock()
			eng.index(&snap, epoch)
			ms := eng.nw.Find(q.Text)
			eng.mu.Unlock()
			res.matches = ms
			res.ranked = make([]int32, len(ms))
			for j, mt := range ms {
				res.member[mt.Index] = int32(j + 1)
				res.ranked[j] = int32(mt.Index)
			}
			res.count = len(ms)
		}
		if len(q.Attrs) > 0 {
			narrowByAttrs(res, &snap, q, attrs)
		}
		res.matches = nil // at 1M rows a broad query's matches are tens of MB
		return filterMsg{key: key, res: res}
	}
}

// text is the filter text driving the rows: the input while typing, else
// the committed one.
func (m *Model) text() string { return m.filter.Text() }

// setText makes text the filter driving the rows (commit: it is also the
// applied one) and asks for its result.
func (m *Model) setText(text string, commit bool) tea.Cmd {
	if commit {
		m.filter.SetApplied(text)
	}
	if !m.parse(text) {
		return nil
	}
	cmd := m.requestFilter()
	m.rebuildShown()
	return cmd
}

// parse parses text into the query driving the rows; it reports false on a
// parse error, which leaves the last good result on screen.
func (m *Model) parse(text string) bool {
	q, err := selector.ParseSelection(text)
	m.qErr = err
	m.filter.SetErr(err)
	if err != nil {
		m.wantFilter = false
		return false
	}
	if q.Kind == selector.Fuzzy && (m.q.Kind != selector.Fuzzy || q.Text != m.q.Text) {
		m.ranked = true // a new fuzzy query shows its best matches first
	}
	if !sameQuery(q, m.q) {
		m.toTop = true // a new filter starts at its first row
	}
	m.q = q
	m.wantFilter = filters(q)
	if !m.wantFilter {
		m.result = nil
	}
	return true
}

// filters reports whether q filters rows: a tag selector, or non-empty
// text.
func filters(q selector.Query) bool {
	return q.Kind == selector.Tags || q.Text != "" || len(q.Attrs) > 0
}

// sameQuery reports whether a and b select the same rows the same way:
// both no filter, or the same kind, text and terms.
func sameQuery(a, b selector.Query) bool {
	if !filters(a) || !filters(b) {
		return filters(a) == filters(b)
	}
	return a.Kind == b.Kind && a.Text == b.Text && slices.Equal(a.Terms, b.Terms) &&
		slices.EqualFunc(a.Attrs, b.Attrs, func(x, y selector.AttrTerm) bool { return x.Text == y.Text })
}

// filterSettled reports whether the rows shown are the current filter's:
// there is no filter, or its result for the text driving the rows over the
// current rows is in.
func (m *Model) filterSettled() bool {
	switch {
	case m.qErr != nil:
		return false // the last good result is shown, not the text's
	case !m.wantFilter:
		return true
	}
	res := m.result
	return res != nil && res.epoch == m.epoch && res.text == m.text() && res.luGen == m.luGen
}

// requestFilter starts the filter command for the current text, or marks
// it due when one is already running.
func (m *Model) requestFilter() tea.Cmd {
	if !m.wantFilter || m.qErr != nil {
		return nil
	}
	if m.inflight {
		m.dirty = true
		return nil
	}
	m.inflight, m.dirty = true, false
	m.stopRank()
	return tea.Batch(m.ensureLastUse(),
		runFilter(m.eng, m.key, m.all, m.epoch, m.text(), m.q, m.attrsFunc(), m.luGen, m.ranked))
}

// handleFilter applies a result that is still current and starts the next
// one when the text or rows changed meanwhile.
func (m *Model) handleFilter(msg filterMsg) tea.Cmd {
	if msg.key != m.key {
		return nil
	}
	res := msg.res
	current := res.epoch == m.epoch && res.n == m.all.Len() && res.text == m.text() && res.luGen == m.luGen && m.wantFilter
	if msg.rank {
		// The whole ranking of the first rows shown: it replaces them
		// when they are still the current filter's.
		if current && m.result != nil && m.result.partial {
			m.rankCancel = nil
			m.result = res
			m.rebuildShown()
		}
		return nil
	}
	m.inflight = false
	if current {
		m.result = res
		m.dirty = false
		m.rebuildShown()
		if res.partial {
			return m.startRank(res)
		}
		return nil
	}
	// Stale (the text or the rows changed): drop it, compute the current one.
	m.dirty = false
	return m.requestFilter()
}

// The filter bar

// updateFilter gives a key or paste to the filter bar, then does what it
// asks: filter by the edited text, keep the text (the listing may need
// another server-side tag filter), or restore the filter before.
func (m *Model) updateFilter(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	switch in := m.filter.Intent(); in.kind {
	case filterEdited:
		return tea.Batch(cmd, m.setText(in.text, false))
	case filterApplied:
		return tea.Batch(cmd, m.syncServerFilter())
	case filterRestored:
		return tea.Batch(cmd, m.setText(in.text, true))
	}
	return cmd
}

// clearFilter is esc with a filter applied.
func (m *Model) clearFilter() tea.Cmd {
	cmd := m.setText("", true)
	return tea.Batch(cmd, m.syncServerFilter())
}

// filterHint is what the filter line says after the applied text: the
// kind of filter, and whether its matches are ranked.
func (m *Model) filterHint() string {
	switch {
	case m.qErr != nil:
		return ""
	case m.q.Kind != selector.Tags && m.q.Text == "" && len(m.q.Attrs) > 0 && m.q.Uses(selector.Idle):
		return " · age, use and tier terms (never used counts as idle) · esc clears"
	case m.q.Kind != selector.Tags && m.q.Text == "" && len(m.q.Attrs) > 0:
		return " · age, use and tier terms · esc clears"
	case m.q.Kind == selector.Fuzzy && m.rankActive():
		return " · fuzzy, best match first (N/M/C sort) · esc clears"
	case m.q.Kind == selector.Fuzzy:
		return " · fuzzy · esc clears"
	case m.q.Kind == selector.Substring:
		return " · exact substring · esc clears"
	case m.q.Kind == selector.Inverse:
		return " · names not matching · esc clears"
	}
	return " · tags · esc clears"
}

// tagSelector is q.Selects over the rows' tag ids: each term's tag is
// looked up once (a tag no row has is never present), then a row is
// checked by comparing ids.
func tagSelector(snap *rows.Scripts, q selector.Query) func(i int) bool {
	type term struct {
		id     uint32
		known  bool
		negate bool
	}
	terms := make([]term, len(q.Terms))
	for k, t := range q.Terms {
		id, ok := snap.StrID(t.Tag)
		terms[k] = term{id: id, known: ok, negate: t.Negate}
	}
	return func(i int) bool {
		for _, t := range terms {
			if (t.known && snap.HasTag(i, t.id)) == t.negate {
				return false
			}
		}
		return true
	}
}
