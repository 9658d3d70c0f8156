package scripts

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
	"github.com/wfpconsole/wfp/views/scripts/match"
)

// facet is one tag and how many loaded scripts carry it.
type facet struct {
	tag   string
	count int
}

// facetsState is the tag facets panel (t, :tags).
type facetsState struct {
	open     bool
	inflight bool
	valid    bool // tags were counted for epoch and n
	epoch, n int
	tags     []facet
	cursor   int
	top      int
}

// countTags counts the tags of a snapshot of the rows. Listings share one
// slice between scripts with the same tags, so it counts each distinct
// list once per script and each tag once per list.
func countTags(key string, snap []cfclient.Script, epoch int) tea.Cmd {
	return func() tea.Msg {
		type listKey struct {
			first *string
			n     int
		}
		type list struct {
			tags []string
			n    int
		}
		lists := map[listKey]*list{}
		for i := range snap {
			t := snap[i].Tags
			if len(t) == 0 {
				continue
			}
			k := listKey{&t[0], len(t)}
			l := lists[k]
			if l == nil {
				l = &list{tags: t}
				lists[k] = l
			}
			l.n++
		}
		counts := map[string]int{}
		for _, l := range lists {
			addCounts(counts, l.tags, l.n)
		}
		out := make([]facet, 0, len(counts))
		for t, n := range counts {
			out = append(out, facet{tag: t, count: n})
		}
		slices.SortFunc(out, func(a, b facet) int {
			if c := cmp.Compare(b.count, a.count); c != 0 {
				return c
			}
			return strings.Compare(a.tag, b.tag)
		})
		return facetsMsg{key: key, epoch: epoch, n: len(snap), tags: out}
	}
}

// addCounts adds n to the count of every tag of tags.
func addCounts(counts map[string]int, tags []string, n int) {
	for _, t := range tags {
		counts[t] += n
	}
}

// openFacets opens the panel and counts the tags when the rows changed.
func (m *Model) openFacets() tea.Cmd {
	m.facets.open = true
	m.raw.open = false
	return m.countFacets()
}

func (m *Model) countFacets() tea.Cmd {
	f := &m.facets
	if f.inflight || (f.valid && f.epoch == m.epoch && f.n == len(m.all)) {
		return nil
	}
	f.inflight = true
	return countTags(m.key, m.all[:len(m.all):len(m.all)], m.epoch)
}

func (m *Model) handleFacets(msg facetsMsg) tea.Cmd {
	if msg.key != m.key {
		return nil
	}
	f := &m.facets
	f.inflight = false
	if msg.epoch != m.epoch {
		f.valid = false
		if f.open {
			return m.countFacets()
		}
		return nil
	}
	f.valid, f.epoch, f.n, f.tags = true, msg.epoch, msg.n, msg.tags
	f.cursor = max(0, min(f.cursor, len(f.tags)-1))
	if f.open && msg.n != len(m.all) {
		return m.countFacets() // more rows arrived meanwhile
	}
	return nil
}

// handleFacetKey moves in the panel, applies a tag, or closes.
func (m *Model) handleFacetKey(k tea.KeyPressMsg) tea.Cmd {
	f := &m.facets
	h := m.rowsHeight()
	if pos, ok := m.Keys.Move(k, f.cursor, len(f.tags), h); ok {
		f.cursor = pos
		f.top = max(0, min(f.top, f.cursor), f.cursor-h+1)
		return nil
	}
	switch {
	case key.Matches(k, m.Keys.ApplyTag):
		if f.cursor >= len(f.tags) {
			return nil
		}
		text := "-t " + f.tags[f.cursor].tag
		if _, err := match.ParseQuery(text); err != nil {
			return ui.ShowStatus(ui.LevelError, "cannot filter by this tag: "+ui.Sanitize(err.Error()))
		}
		f.open = false
		return tea.Batch(m.setText(text, true), m.syncServerFilter())
	case key.Matches(k, m.Keys.CloseFacet):
		f.open = false
	}
	return nil
}

// viewFacets renders the panel in place of the table: a heading line and
// h rows.
func (m *Model) viewFacets(b *strings.Builder, h int) {
	f := &m.facets
	st := &m.c.Styles
	head := fmt.Sprintf("tags of %s scripts", commas(len(m.all)))
	switch {
	case !f.valid:
		head += " · counting…"
	default:
		head += fmt.Sprintf(" · %s distinct · enter filter · esc close", commas(len(f.tags)))
		if f.n != len(m.all) {
			head += " · counting…"
		}
	}
	b.WriteString(st.TableHeader.Render(fit(head, m.width)))
	if f.valid && len(f.tags) == 0 {
		b.WriteString("\n" + st.Subtle.Render(fit("  no tags", m.width)))
		return
	}
	f.top = max(0, min(f.top, f.cursor, max(0, len(f.tags)-h)), f.cursor-h+1)
	for i := f.top; i < len(f.tags) && i < f.top+h; i++ {
		ft := f.tags[i]
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
