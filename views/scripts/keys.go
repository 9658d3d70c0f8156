package scripts

import (
	"charm.land/bubbles/v2/key"

	"github.com/wfpconsole/wfp/ui"
)

// KeyMap holds the scripts screen's bindings. Bindings that do not apply
// at the moment (no row, no marks, no filter) are disabled, so the footer
// and the ? overlay show only what works now.
type KeyMap struct {
	// Movement, shared by the table, the tag facets and the JSON overlay.
	ui.MoveKeyMap
	Open                 key.Binding // enter: open the script under the cursor
	Filter               key.Binding // /: open the filter input
	ClearFilter          key.Binding // esc: clear the applied filter
	Tags                 key.Binding // t: tag facets
	Mark                 key.Binding // space: mark or unmark the current row
	MarkAll              key.Binding // *: mark every row shown
	ClearMarks           key.Binding // ctrl+\: clear every mark
	SortName, SortMod    key.Binding // N, M: sort by name / modified
	SortCreated          key.Binding // C: sort by created
	Raw                  key.Binding // y: the current row's listing as JSON
	Copy                 key.Binding // c: copy the marked names, or the current one
	ApplyFilter          key.Binding // enter while typing: keep the filter
	CancelFilter         key.Binding // esc while typing: restore the previous filter
	ApplyTag, CloseFacet key.Binding // tag facets: filter by the tag / close
	AddTag, ExcludeTag   key.Binding // tag facets: +, -: add tag / !tag to the tag selector
	SearchTags           key.Binding // tag facets: / searches the tags
	KeepTagSearch        key.Binding // enter while searching tags: back to the list
	ClearTagSearch       key.Binding // esc in the tag search: clear it (a second esc closes)
	CloseRaw             key.Binding // JSON overlay: close
}

// DefaultKeyMap returns the default bindings (docs/ux.md, "Keys").
func DefaultKeyMap() KeyMap {
	return KeyMap{
		MoveKeyMap:     ui.DefaultMoveKeyMap(),
		Open:           key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Filter:         key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Tags:           key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "tags")),
		Mark:           key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark")),
		MarkAll:        key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "mark shown")),
		ClearMarks:     key.NewBinding(key.WithKeys("ctrl+\\"), key.WithHelp("ctrl+\\", "clear marks")),
		SortName:       key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "sort name")),
		SortMod:        key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "sort modified")),
		SortCreated:    key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "sort created")),
		Raw:            key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "json")),
		Copy:           key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy names")),
		ApplyFilter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		CancelFilter:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		ApplyTag:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "filter by tag")),
		CloseFacet:     key.NewBinding(key.WithKeys("esc", "t"), key.WithHelp("esc", "close tags")),
		AddTag:         key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "add tag to filter")),
		ExcludeTag:     key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "add !tag to filter")),
		SearchTags:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search tags")),
		KeepTagSearch:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep search")),
		ClearTagSearch: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear search")),
		CloseRaw:       key.NewBinding(key.WithKeys("esc", "y", "q"), key.WithHelp("esc", "close")),
	}
}

// ShortHelp returns the bindings of the current mode for the footer.
func (m *Model) ShortHelp() []key.Binding {
	k := &m.Keys
	switch {
	case m.typing:
		return []key.Binding{k.ApplyFilter, k.CancelFilter}
	case m.raw.open:
		return []key.Binding{k.Down, k.Up, k.CloseRaw}
	case m.facets.open && m.facets.searching:
		return []key.Binding{k.KeepTagSearch, k.ClearTagSearch}
	case m.facets.open:
		return []key.Binding{k.Down, k.Up, k.ApplyTag, k.AddTag, k.ExcludeTag, k.SearchTags, k.ClearTagSearch, k.CloseFacet}
	}
	return []key.Binding{k.Open, k.Filter, k.ClearFilter, k.Mark, k.Tags, k.SortName, k.Raw, k.Copy}
}

// FullHelp returns the bindings of the current mode, grouped, for the ?
// overlay.
func (m *Model) FullHelp() [][]key.Binding {
	k := &m.Keys
	move := k.MoveKeyMap.Bindings()
	switch {
	case m.typing:
		return [][]key.Binding{{k.ApplyFilter, k.CancelFilter}}
	case m.raw.open:
		return [][]key.Binding{move, {k.CloseRaw}}
	case m.facets.open && m.facets.searching:
		return [][]key.Binding{{k.KeepTagSearch, k.ClearTagSearch}}
	case m.facets.open:
		return [][]key.Binding{move, {k.ApplyTag, k.AddTag, k.ExcludeTag}, {k.SearchTags, k.ClearTagSearch, k.CloseFacet}}
	}
	return [][]key.Binding{
		move,
		{k.Open, k.Filter, k.ClearFilter, k.Tags, k.Raw, k.Copy},
		{k.Mark, k.MarkAll, k.ClearMarks, k.SortName, k.SortMod, k.SortCreated},
	}
}

// syncKeys enables the bindings that apply to the current state.
func (m *Model) syncKeys() {
	k := &m.Keys
	row := m.cursor >= 0 && m.cursor < len(m.shown)
	for _, b := range []*key.Binding{&k.Open, &k.Mark, &k.Raw, &k.Copy} {
		b.SetEnabled(row)
	}
	k.Copy.SetEnabled(row || len(m.marks) > 0)
	k.MarkAll.SetEnabled(len(m.shown) > 0)
	k.ClearMarks.SetEnabled(len(m.marks) > 0)
	k.ClearFilter.SetEnabled(m.applied != "")

	// The facet bindings live only while the panel is open; esc clears
	// the tag search before it closes the panel (t always closes).
	f := &m.facets
	_, onTag := f.current()
	k.ApplyTag.SetEnabled(f.open && onTag)
	k.AddTag.SetEnabled(f.open && onTag)
	k.ExcludeTag.SetEnabled(f.open && onTag)
	k.SearchTags.SetEnabled(f.open)
	k.KeepTagSearch.SetEnabled(f.open && f.searching)
	search := f.open && (f.searching || f.query != "" || f.search.Value() != "")
	k.ClearTagSearch.SetEnabled(search)
	k.CloseFacet.SetEnabled(f.open)
	if search {
		k.CloseFacet.SetHelp("t", "close tags")
	} else {
		k.CloseFacet.SetHelp("esc", "close tags")
	}
}
