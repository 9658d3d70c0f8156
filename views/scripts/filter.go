package scripts

import (
	"slices"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// filterState is the / filter: the input, the committed text, the parsed
// query of the text driving the rows, and the result applied.
//
// Results are computed by a command over an immutable snapshot (a capped
// prefix of the rows) and carry the text, epoch and row count they were
// computed for; Update applies one only when all three are still current.
// At most one filter command runs at a time: a keystroke while one runs
// sets dirty, and the handler starts the next one for the text current
// then, so typing never queues work and never blocks.
type filterState struct {
	input      ui.Input
	typing     bool   // the input has the keyboard
	applied    string // committed filter text ("" = none)
	before     string // applied text when / was pressed (esc restores it)
	q          selector.Query
	qErr       error // parse error of the current text
	wantFilter bool  // the current text is a valid, non-empty filter
	result     *filterResult
	inflight   bool
	dirty      bool
	eng        *engine
}

// filterResult is one filter's outcome over the rows of one epoch.
type filterResult struct {
	epoch int
	n     int    // rows the filter saw (a prefix of all)
	text  string // the filter text it was computed for
	q     selector.Query
	// member[p] != 0 keeps row p; for fuzzy and substring it is 1 + the
	// row's position in matches (for the highlight).
	member  []int32
	count   int
	ranked  []int32          // fuzzy: rows best first
	matches selector.Matches // fuzzy (best first) and substring (row order)
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
func (e *engine) index(snap []cfclient.Script, epoch int) *selector.Index {
	if e.ix == nil || e.epoch != epoch || e.n != len(snap) {
		names := make([]string, len(snap))
		for i := range snap {
			names[i] = snap[i].Name
		}
		e.ix = selector.NewIndex(names)
		e.nw = selector.NewNarrower(e.ix)
		e.epoch, e.n = epoch, len(snap)
	}
	return e.ix
}

// runFilter computes a filter result off the Update goroutine.
func runFilter(eng *engine, key string, snap []cfclient.Script, epoch int, text string, q selector.Query) tea.Cmd {
	return func() tea.Msg {
		res := &filterResult{epoch: epoch, n: len(snap), text: text, q: q, member: make([]int32, len(snap))}
		switch q.Kind {
		case selector.Tags:
			for i := range snap {
				if q.Selects(snap[i].Tags) {
					res.member[i] = 1
					res.count++
				}
			}
		case selector.Inverse:
			eng.mu.Lock()
			ix := eng.index(snap, epoch)
			eng.mu.Unlock()
			for _, i := range ix.FindInverse(q.Text) {
				res.member[i] = 1
				res.count++
			}
		case selector.Substring:
			eng.mu.Lock()
			ix := eng.index(snap, epoch)
			eng.mu.Unlock()
			ms := ix.FindSubstring(q.Text)
			res.matches = ms
			for j, mt := range ms {
				res.member[mt.Index] = int32(j + 1)
			}
			res.count = len(ms)
		default:
			eng.mu.Lock()
			eng.index(snap, epoch)
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
		return filterMsg{key: key, res: res}
	}
}

func (m *Model) initFilter() {
	m.input = ui.NewInput("/", m.c.Styles.Input)
	m.input.Placeholder = "fuzzy name · =text substring · !text inverse · -t tag,!tag"
	m.input.CharLimit = 600
	m.input.SetWidth(m.width)
	m.eng = &engine{}
}

// text is the filter text driving the rows: the input while typing, else
// the committed one.
func (m *Model) text() string {
	if m.typing {
		return m.input.Value()
	}
	return m.applied
}

// setText makes text the filter driving the rows (commit: it is also the
// applied one) and asks for its result.
func (m *Model) setText(text string, commit bool) tea.Cmd {
	if commit {
		m.applied = text
	}
	if !m.parse(text) {
		m.clampCursor() // the error line may have appeared
		return nil
	}
	cmd := m.requestFilter()
	m.rebuildShown()
	return cmd
}

// parse parses text into the query driving the rows; it reports false on a
// parse error, which leaves the last good result on screen.
func (m *Model) parse(text string) bool {
	q, err := selector.ParseQuery(text)
	m.qErr = err
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
	return q.Kind == selector.Tags || q.Text != ""
}

// sameQuery reports whether a and b select the same rows the same way:
// both no filter, or the same kind, text and terms.
func sameQuery(a, b selector.Query) bool {
	if !filters(a) || !filters(b) {
		return filters(a) == filters(b)
	}
	return a.Kind == b.Kind && a.Text == b.Text && slices.Equal(a.Terms, b.Terms)
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
	return res != nil && res.epoch == m.epoch && res.text == m.text()
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
	snap := m.all[:len(m.all):len(m.all)]
	return runFilter(m.eng, m.key, snap, m.epoch, m.text(), m.q)
}

// handleFilter applies a result that is still current and starts the next
// one when the text or rows changed meanwhile.
func (m *Model) handleFilter(msg filterMsg) tea.Cmd {
	if msg.key != m.key {
		return nil
	}
	m.inflight = false
	res := msg.res
	current := res.epoch == m.epoch && res.n == len(m.all) && res.text == m.text() && m.wantFilter
	if current {
		m.result = res
		m.dirty = false
		m.rebuildShown()
		return nil
	}
	// Stale (the text or the rows changed): drop it, compute the current one.
	m.dirty = false
	return m.requestFilter()
}

// Keys

// startTyping opens the input on the applied filter.
func (m *Model) startTyping() {
	m.typing = true
	m.before = m.applied
	m.input.SetValue(m.applied)
	m.input.SetWidth(m.width)
	m.input.Focus()
	m.clampCursor()
}

// handleInputKey edits the filter while typing; every edit filters.
func (m *Model) handleInputKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.Keys.ApplyFilter):
		if m.qErr != nil {
			return nil // the error stays visible until it is fixed
		}
		// The rows already show this text's result (or it is on its way).
		m.typing = false
		m.input.Blur()
		m.applied = m.input.Value()
		m.clampCursor()
		return m.syncServerFilter()
	case key.Matches(k, m.Keys.CancelFilter):
		m.typing = false
		m.input.Blur()
		return m.setText(m.before, true)
	}
	return m.typeKey(k)
}

// typeKey feeds a key or paste to the input and filters on a change.
func (m *Model) typeKey(msg tea.Msg) tea.Cmd {
	before := m.input.Value()
	m.input, _ = m.input.Update(msg)
	if m.input.Value() == before {
		return nil
	}
	return m.setText(m.input.Value(), false)
}

// clearFilter is esc with a filter applied.
func (m *Model) clearFilter() tea.Cmd {
	cmd := m.setText("", true)
	return tea.Batch(cmd, m.syncServerFilter())
}

// filterLine reports whether the line under the title shows the filter.
func (m *Model) filterLine() bool {
	return m.typing || m.applied != "" || !m.server.IsEmpty()
}
