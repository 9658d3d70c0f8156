package scripts

import (
	"context"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/internal/selector"
)

// A fuzzy filter in rank order over many rows comes in two steps, so a
// keystroke shows its first screenful within a frame: firstRows finds the
// best matches and every match (selector.Narrower.Top, which scores only
// what could rank), and shows the best first and the others after them in
// position order; rankRest then ranks every match (selector.FindAmong,
// scanning only the matches) off the Update goroutine, and its result
// replaces the first one unless the filter changed meanwhile, which
// cancels it. The set of rows, and so the count, marks, facets and bulk
// plans, is the filter's from the first step; only the order below the
// first screenful waits for the second.

// firstRowsMin is the number of rows from which a ranked fuzzy filter
// comes in two steps; below it Find ranks everything within a frame.
const firstRowsMin = 50000

// firstRowsK is how many best rows the first step ranks: a screenful at
// any terminal height and some scrolling.
const firstRowsK = 128

// firstRows fills res with the first step's result.
func firstRows(eng *engine, snap *rows.Scripts, epoch int, q selector.Query, res *filterResult) {
	eng.mu.Lock()
	ix := eng.index(snap, epoch)
	top, pos := eng.nw.Top(q.Text, firstRowsK)
	eng.mu.Unlock()
	res.partial, res.pos, res.ix = true, pos, ix
	res.count = len(pos)
	ranked := make([]int32, 0, len(pos))
	for _, mt := range top {
		ranked = append(ranked, int32(mt.Index))
		res.member[mt.Index] = 2 // placed already
	}
	for _, p := range pos {
		if res.member[p] == 0 {
			ranked = append(ranked, p)
		}
		res.member[p] = 1
	}
	res.ranked = ranked
}

// rankRest ranks every match of a first-rows result: the same result, in
// Find's order. It returns nil when cancelled.
func rankRest(ctx context.Context, key string, part *filterResult) tea.Cmd {
	return func() tea.Msg {
		ms, err := part.ix.FindAmong(ctx, part.q.Text, part.pos)
		if err != nil {
			return nil // the filter changed: its own result is on its way
		}
		full := *part
		full.partial, full.pos, full.ix = false, nil, nil
		full.ranked = make([]int32, len(ms))
		for j := range ms {
			full.ranked[j] = int32(ms[j].Index)
		}
		return filterMsg{key: key, res: &full, rank: true}
	}
}

// startRank starts ranking a first-rows result just applied.
func (m *Model) startRank(res *filterResult) tea.Cmd {
	m.stopRank()
	ctx, cancel := context.WithCancel(m.c.Context())
	m.rankCancel = cancel
	return rankRest(ctx, m.key, res)
}

// stopRank cancels the ranking in progress, if any.
func (m *Model) stopRank() {
	if m.rankCancel != nil {
		m.rankCancel()
		m.rankCancel = nil
	}
}
