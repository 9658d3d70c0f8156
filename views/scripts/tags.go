package scripts

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// The screen's side of the tag facets: counting the tags of the rows shown
// for the panel, and turning a tag picked in it into a filter.

// countTags counts the tags of the rows of snap at positions pos (all of
// snap when pos is nil). It runs off the Update goroutine: snap and pos are
// never written after they are handed over.
func countTags(key string, snap rows.Scripts, pos []int32, scope facetScope) tea.Cmd {
	return func() tea.Msg {
		tags, n := tagCounts(&snap, pos)
		return facetsMsg{key: key, scope: scope, n: n, tags: tags}
	}
}

// tagCounts returns the facets of the rows of snap at pos (all when nil),
// by count descending then tag, and how many rows it counted. Rows hold
// their tags as ids into one string table, so counting is adding to a
// slot per id: the rows are split over GOMAXPROCS workers, each with its
// own slots, which are summed; the facets are sorted in two halves at once
// and merged.
func tagCounts(snap *rows.Scripts, pos []int32) ([]facet, int) {
	n := snap.Len()
	if pos != nil {
		n = len(pos)
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), n/minRowsPerCounter))
	parts := make([][]int32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() { parts[w] = countPart(snap, pos, lo, hi) })
	}
	wg.Wait()
	counts := parts[0]
	for _, p := range parts[1:] {
		for id, c := range p {
			counts[id] += c
		}
	}
	distinct := 0
	for _, c := range counts {
		if c > 0 {
			distinct++
		}
	}
	out := make([]facet, 0, distinct)
	for id, c := range counts {
		if c > 0 {
			t := snap.Str(uint32(id))
			out = append(out, facet{tag: t, lower: strings.ToLower(t), count: int(c)})
		}
	}
	byCount := func(a, b facet) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return strings.Compare(a.tag, b.tag)
	}
	if len(out) < 2*minRowsPerCounter {
		slices.SortFunc(out, byCount)
		return out, n
	}
	half := len(out) / 2
	wg.Go(func() { slices.SortFunc(out[:half], byCount) })
	slices.SortFunc(out[half:], byCount)
	wg.Wait()
	return mergeFacets(out[:half], out[half:], byCount), n
}

// minRowsPerCounter is the least number of rows worth a counting goroutine.
const minRowsPerCounter = 16384

// mergeFacets merges two sorted runs into a new slice.
func mergeFacets(a, b []facet, less func(x, y facet) int) []facet {
	out := make([]facet, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if less(b[0], a[0]) < 0 {
			out = append(out, b[0])
			b = b[1:]
		} else {
			out = append(out, a[0])
			a = a[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}

// countPart counts the tags of the rows lo..hi-1 of pos (of snap when pos
// is nil): one slot per string id.
func countPart(snap *rows.Scripts, pos []int32, lo, hi int) []int32 {
	counts := make([]int32, snap.NumStrs())
	if pos == nil {
		for i := lo; i < hi; i++ {
			for _, id := range snap.TagIDs(i) {
				counts[id]++
			}
		}
		return counts
	}
	for _, p := range pos[lo:hi] {
		for _, id := range snap.TagIDs(int(p)) {
			counts[id]++
		}
	}
	return counts
}

// openFacets opens the panel (closing the JSON view) and counts the tags
// when the rows shown changed since the last count.
func (m *Model) openFacets() tea.Cmd {
	m.rawOpen = false
	m.facets.Show()
	return m.countFacets()
}

// currentScope is what the facets should count now: the rows shown. It
// reports false while the first result of a filter is on its way (the
// rows shown are then none, not the filtered set).
func (m *Model) currentScope() (facetScope, bool) {
	if m.wantFilter && m.result == nil {
		return facetScope{}, false
	}
	return facetScope{epoch: m.epoch, n: m.all.Len(), res: m.result}, true
}

// countFacets tells the open panel what the table shows and starts counting
// its tags, unless they were counted already, a count is running, or the
// filter result is pending. Update calls it after every message while the
// panel is open, so the counts follow the filter and the rows; the count
// itself runs off the Update goroutine, and keys that do not change the
// rows start nothing.
func (m *Model) countFacets() tea.Cmd {
	scope, ok := m.currentScope()
	if !m.facets.Follow(scope, ok, m.facetsSubject()) {
		return nil
	}
	var pos []int32
	if scope.res != nil {
		pos = m.shown // never written in place: rebuildShown makes a new one
	}
	return countTags(m.key, m.all, pos, scope)
}

// facetsSubject is what the panel's heading says was counted.
func (m *Model) facetsSubject() string {
	if m.result != nil || m.wantFilter {
		return fmt.Sprintf("tags of %s shown scripts", ui.Commas(len(m.shown)))
	}
	return fmt.Sprintf("tags of %s scripts", ui.Commas(m.all.Len()))
}

// applyFacet applies a tag picked in the panel to the filter (enter, +, -)
// and closes the panel; a refusal leaves both as they are.
func (m *Model) applyFacet(action tagAction, tag string) tea.Cmd {
	text, refuse := facetFilter(m.filter.Applied(), tag, action)
	if refuse != "" {
		return ui.ShowStatus(ui.LevelWarn, ui.Sanitize(refuse))
	}
	if _, err := selector.ParseSelection(text); err != nil {
		return ui.ShowStatus(ui.LevelError, "cannot filter by this tag: "+ui.Sanitize(err.Error()))
	}
	m.facets.Hide()
	return tea.Batch(m.setText(text, true), m.syncServerFilter())
}

// facetFilter returns the filter text that action on tag makes of the
// applied filter: enter replaces it with "-t tag"; + and - add "tag" or
// "!tag" to a tag selector (a term of the tag with the other sign is
// flipped), and replace any other filter with "-t tag" or "-t !tag". The
// selector is written back canonically ("-t a,!b,tag"). refuse, when not
// "", says why nothing changes.
func facetFilter(applied, tag string, action tagAction) (text, refuse string) {
	term := selector.TagTerm{Tag: tag, Negate: action == tagExclude}
	q, err := selector.ParseSelection(applied)
	if err != nil {
		q = selector.Query{}
	}
	if action == tagReplace || applied == "" || err != nil || q.Kind != selector.Tags {
		// Age, use and tier terms stay: "tag + age" is one selection.
		return withAttrs(selector.FormatTags([]selector.TagTerm{term}), q.Attrs), ""
	}
	terms := slices.Clone(q.Terms)
	if i := slices.IndexFunc(terms, func(t selector.TagTerm) bool { return t.Tag == tag }); i >= 0 {
		if terms[i].Negate == term.Negate {
			return "", fmt.Sprintf("%s is in the tag selector already", term.String())
		}
		terms[i] = term
		return withAttrs(selector.FormatTags(terms), q.Attrs), ""
	}
	if len(terms) >= selector.MaxTagTerms {
		return "", fmt.Sprintf("cannot add %s: the tag selector has %d terms, the most allowed (selector.MaxTagTerms = %d); enter replaces it",
			term.String(), len(terms), selector.MaxTagTerms)
	}
	return withAttrs(selector.FormatTags(append(terms, term)), q.Attrs), ""
}

// withAttrs appends attribute terms to a filter text.
func withAttrs(text string, attrs []selector.AttrTerm) string {
	for _, a := range attrs {
		text += " " + a.String()
	}
	return text
}
