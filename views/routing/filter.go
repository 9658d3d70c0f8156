package routing

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// The / filter, in the scripts screen's grammar (selector.ParseQuery):
// fuzzy by default, =text exact substring, !text inverse, over each
// route's key and target ("key target"), or over the unrouted scripts'
// names. Rows keep the table's order (by KV key): ranking every fuzzy
// match costs more than a keystroke may take at 250,000 routes, and the
// table's order groups a tenant's routes by kind.
//
// Filtering runs in Update, so the rows shown are always the text's: the
// unranked match sets (selector.Index.Matching) take a few milliseconds,
// and each keystroke scans only the routes the previous query kept when
// the new query narrows it (typing), or reuses an earlier query's result
// (backspace).

// errTagSelector refuses a -t selector: routes have no tags.
var errTagSelector = errors.New("-t selects scripts by tag; routes have none: filter by key or target")

// filterState is the filter input and the two lists' engines.
type filterState struct {
	input   ui.Input
	typing  bool
	applied string // the committed text
	before  string // the committed text when / was pressed (esc restores it)
	shown   string // the text the rows were last filtered with
	err     error  // why the current text does not filter
	routes  engine
	scripts engine
}

// engine filters one list: its index and the results of recent queries.
type engine struct {
	ix    *selector.Index
	steps []step
	held  int // positions held by steps
}

// step is one earlier query's result.
type step struct {
	kind selector.Kind
	text string
	pos  []int32
}

// Bounds of an engine's memory of earlier queries: how many, and how many
// positions in all as a multiple of the list's length.
const (
	maxSteps    = 24
	stepsBudget = 4
)

// reset makes ix the engine's index and forgets the earlier queries.
func (e *engine) reset(ix *selector.Index) {
	e.ix, e.steps, e.held = ix, nil, 0
}

// positions returns the positions of the rows q keeps, in row order; nil
// keeps every row.
func (e *engine) positions(q selector.Query) []int32 {
	if e.ix == nil || q.Text == "" {
		return nil
	}
	if q.Kind == selector.Inverse {
		// The rows the fuzzy query does not keep: its matches narrow as
		// typing goes on (and are remembered), their complement is a
		// merge without a look at any text.
		return complement(e.positions(selector.Query{Kind: selector.Fuzzy, Text: q.Text}), e.ix.Len())
	}
	best := -1
	for i, s := range e.steps {
		if s.kind == q.Kind && s.text == q.Text {
			return s.pos
		}
		narrows := false
		switch q.Kind {
		case selector.Fuzzy:
			narrows = s.kind == selector.Fuzzy && selector.Narrows(s.text, q.Text)
		case selector.Substring:
			// A name containing q.Text contains every substring of it.
			narrows = s.kind == selector.Substring && strings.Contains(q.Text, s.text)
		}
		if narrows && (best < 0 || len(s.pos) < len(e.steps[best].pos)) {
			best = i
		}
	}
	var within []int32
	if best >= 0 {
		within = e.steps[best].pos
	}
	var pos []int32
	if q.Kind == selector.Substring {
		pos = e.ix.Containing(q.Text, within)
	} else {
		pos = e.ix.Matching(q.Text, within)
	}
	e.remember(step{kind: q.Kind, text: q.Text, pos: pos})
	return pos
}

// complement returns the positions 0..n-1 that the increasing pos does
// not hold.
func complement(pos []int32, n int) []int32 {
	out := make([]int32, 0, n-len(pos))
	k := 0
	for i := range int32(n) {
		if k < len(pos) && pos[k] == i {
			k++
			continue
		}
		out = append(out, i)
	}
	return out
}

// remember keeps s, forgetting the oldest steps beyond the bounds.
func (e *engine) remember(s step) {
	e.steps = append(e.steps, s)
	e.held += len(s.pos)
	for len(e.steps) > 1 && (len(e.steps) > maxSteps || e.held > stepsBudget*e.ix.Len()) {
		e.held -= len(e.steps[0].pos)
		e.steps = e.steps[1:]
	}
}

// initFilter builds the filter input.
func (m *Model) initFilter() {
	f := &m.filter
	f.input = ui.NewInput("/", m.c.Styles.Input)
	f.input.Placeholder = "fuzzy key or target · =text substring · !text inverse"
	f.input.CharLimit = 300
}

// text is the filter text driving the rows: the input while typing, else
// the committed one.
func (f *filterState) text() string {
	if f.typing {
		return f.input.Value()
	}
	return f.applied
}

// parse parses the filter text; a tag selector is refused.
func parse(text string) (selector.Query, error) {
	q, err := selector.ParseQuery(text)
	if err == nil && q.Kind == selector.Tags {
		err = errTagSelector
	}
	return q, err
}

// refilter shows the rows the filter text keeps in the list shown. A text
// that does not parse leaves the rows as they were (and says why). top
// puts the cursor on the first row (a new filter or list).
func (m *Model) refilter(top bool) {
	f := &m.filter
	text := f.text()
	q, err := parse(text)
	f.err = err
	if err != nil {
		return
	}
	if text != f.shown {
		top = true
	}
	f.shown = text
	if m.unrouted {
		var rows []string
		if m.check != nil {
			rows = m.check.unrouted
			if pos := f.scripts.positions(q); pos != nil {
				rows = make([]string, len(pos))
				for i, p := range pos {
					rows[i] = m.check.unrouted[p]
				}
			}
		}
		m.scripts.SetRows(rows)
		if top {
			m.scripts.GotoTop()
		}
		return
	}
	var rows []*platform.Route
	if m.data != nil {
		rows = m.data.rows
		if pos := f.routes.positions(q); pos != nil {
			rows = m.rowsBuffer(len(pos))
			for i, p := range pos {
				rows[i] = m.data.rows[p]
			}
		}
	}
	if top && len(rows) > 0 {
		// The cursor goes to the first row anyway: put it there first, so
		// SetRows does not look for the old cursor row among every row.
		m.table.SetRows(rows[:1])
		m.table.GotoTop()
	}
	m.table.SetRows(rows)
	if top {
		m.table.GotoTop()
	}
}

// rowsBuffer returns a slice of n rows to fill, alternating between two
// buffers: the table holds the one it was given last, the other is free.
// A keystroke over 250,000 routes then allocates nothing for its rows.
func (m *Model) rowsBuffer(n int) []*platform.Route {
	m.bufs[0], m.bufs[1] = m.bufs[1], m.bufs[0]
	b := m.bufs[0]
	if cap(b) < n {
		b = make([]*platform.Route, n, max(n, cap(b)*5/4))
	}
	m.bufs[0] = b[:n]
	return m.bufs[0]
}

// startFilter opens the input on the committed filter.
func (m *Model) startFilter() {
	f := &m.filter
	f.typing = true
	f.before = f.applied
	f.input.SetValue(f.applied)
	f.input.Focus()
	m.layout()
}

// setFilter makes text the committed filter (and the one typed) and
// shows its rows.
func (m *Model) setFilter(text string, commit bool) {
	if commit {
		m.filter.applied = text
	}
	m.refilter(false)
	m.layout()
}

// handleFilterKey edits the filter while typing; every edit filters.
func (m *Model) handleFilterKey(k tea.KeyPressMsg) tea.Cmd {
	f := &m.filter
	switch {
	case key.Matches(k, m.Keys.ApplyFilter):
		if f.err != nil {
			return nil // the error stays visible until it is fixed
		}
		f.typing = false
		f.input.Blur()
		m.setFilter(f.input.Value(), true)
		return nil
	case key.Matches(k, m.Keys.CancelFilter):
		f.typing = false
		f.input.Blur()
		m.setFilter(f.before, true)
		return nil
	}
	return m.typeFilter(k)
}

// typeFilter feeds a key or paste to the input and filters on a change.
func (m *Model) typeFilter(msg tea.Msg) tea.Cmd {
	f := &m.filter
	before := f.input.Value()
	f.input, _ = f.input.Update(msg)
	if f.input.Value() != before {
		m.refilter(true)
	}
	return nil
}
