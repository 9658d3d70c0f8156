package scripts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// maxBatch is how many pages one pagesMsg carries at most, so a fast
// listing is applied in a few large steps rather than one per page.
const maxBatch = 16

// loadFailure is why the last listing stopped before its end.
type loadFailure struct {
	refresh bool   // a refresh of complete rows failed; they stay shown
	reason  string // what failed and why (unsanitized)
	hint    string // what to do about it ("" when the error has none)
	total   int    // scripts the namespace has, when known (else 0)
}

// loadState is the listing (or cache read) in progress.
type loadState struct {
	token  int
	cache  bool // reading the cache, not listing
	swap   bool // a refresh: collect into buf and replace the rows at the end
	filter cfclient.TagFilter
	cancel context.CancelFunc
	ch     <-chan loadEvent
	buf    *rows.Builder // the listing's rows (a cold load shows them as they come)
	count  int           // scripts received so far
	total  int           // scripts the listing will bring, when known (else 0)
}

// loadEvent is what the listing goroutine sends: a page, or the end.
type loadEvent struct {
	page []cfclient.Script
	done bool
	err  error
}

// Commands

// readCache reads a namespace's cached listing.
func readCache(store Cache, key string, token int, ns string) tea.Cmd {
	return func() tea.Msg {
		l, err := store.Scripts(ns)
		return cacheMsg{key: key, token: token, rows: l.Rows, saved: l.Saved, err: err}
	}
}

// saveCache writes a complete, unfiltered listing to the cache. The rows
// are an immutable snapshot, so the command may read them while Update
// goes on. A failed save only costs the next open a listing.
func saveCache(store Cache, ns string, list rows.Scripts) tea.Cmd {
	return func() tea.Msg {
		_ = store.SaveRows(ns, list)
		return nil
	}
}

// countScripts asks how many scripts a namespace has (one request, at
// background priority: it improves the progress text, and tells whether a
// cached listing is still whole).
func countScripts(ctx context.Context, src Source, key string, token int, ns string) tea.Cmd {
	return func() tea.Msg {
		n, err := src.GetNamespace(throttle.WithPriority(ctx, throttle.Background), ns)
		if err != nil {
			return nil // the total stays unknown
		}
		return totalMsg{key: key, token: token, total: n.ScriptCount}
	}
}

// listScripts runs the listing, sending each page on ch as it arrives and
// then the end; it returns no message (waitPages reports). ch is closed when
// the listing ends, so a waiting reader always wakes.
func listScripts(ctx context.Context, src Source, ns string, filter cfclient.TagFilter, ch chan<- loadEvent) tea.Cmd {
	return func() tea.Msg {
		defer close(ch)
		err := src.ListScripts(ctx, ns, filter, func(page []cfclient.Script) error {
			select {
			case ch <- loadEvent{page: page}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		select {
		case ch <- loadEvent{done: true, err: err}:
		case <-ctx.Done():
		}
		return nil
	}
}

// waitPages blocks for the next page, then takes whatever else is already
// waiting (up to maxBatch events) and reports it as one message. A channel
// closed without the end event is a cancelled listing.
func waitPages(key string, token int, ch <-chan loadEvent) tea.Cmd {
	return ui.WaitBatch(ch, maxBatch, func(batch []loadEvent, closed bool) tea.Msg {
		msg := pagesMsg{key: key, token: token, pages: make([][]cfclient.Script, 0, len(batch))}
		for _, ev := range batch {
			if ev.done {
				msg.done, msg.err = true, ev.err
				return msg
			}
			msg.pages = append(msg.pages, ev.page)
		}
		if closed {
			msg.done, msg.err = true, context.Canceled
		}
		return msg
	})
}

// Starting loads

// open shows the cached listing when there is one (the cache handler then
// refreshes in the background), else lists from the API.
func (m *Model) open() tea.Cmd {
	if m.cache == nil {
		return m.startLoad(false, m.wantedServerFilter(), throttle.Interactive)
	}
	m.stopLoad()
	m.tokens++
	m.ld = &loadState{token: m.tokens, cache: true}
	return readCache(m.cache, m.key, m.tokens, m.ns)
}

// startLoad lists the namespace with filter. A cold load replaces the rows
// now and shows pages as they arrive; a swap load (refresh) keeps the rows
// until the listing is complete.
func (m *Model) startLoad(swap bool, filter cfclient.TagFilter, prio throttle.Priority) tea.Cmd {
	m.stopLoad()
	m.tokens++
	ctx, cancel := context.WithCancel(throttle.WithPriority(m.c.Context(), prio))
	ch := make(chan loadEvent, 4)
	m.ld = &loadState{token: m.tokens, swap: swap, filter: filter, cancel: cancel, ch: ch, buf: rows.NewBuilder(0)}
	m.fail = nil
	cmds := []tea.Cmd{listScripts(ctx, m.src, m.ns, filter, ch), waitPages(m.key, m.tokens, ch)}
	switch {
	case !filter.IsEmpty():
		// The namespace's script count is not the count the filter selects.
	case swap && m.complete && m.server.IsEmpty():
		m.ld.total = m.all.Len() // about as many as last time
	default:
		// Not cancelled with the listing: one small request, left to
		// finish (its answer is dropped once the listing is over).
		cmds = append(cmds, countScripts(m.c.Context(), m.src, m.key, m.tokens, m.ns))
	}
	if !swap {
		m.replaceRows(rows.Scripts{}, filter, false)
		m.dataAt = time.Time{}
	}
	return tea.Batch(cmds...)
}

// stopLoad cancels the listing in progress; its late messages carry an old
// token and are dropped.
func (m *Model) stopLoad() {
	if m.ld != nil && m.ld.cancel != nil {
		m.ld.cancel()
	}
	m.ld = nil
}

// refresh is ctrl+r: list again with the same server filter. The rows on
// screen (complete, or what a failed listing brought) stay until the new
// listing is in. While a listing or cache read runs, ctrl+r does not start
// another: presses during a 429 pause must not queue listings.
func (m *Model) refresh() tea.Cmd {
	if m.ld != nil {
		text := "already loading"
		if m.ld.swap {
			text = "already refreshing"
		}
		if busy, n := m.loading(); busy {
			text += " · " + m.progress(n)
		}
		return ui.ShowStatus(ui.LevelInfo, text)
	}
	return m.startLoad(m.all.Len() > 0, m.server, throttle.Interactive)
}

// progress is "2,000 so far", or "2,000 of 20,000" when the total is known.
func (m *Model) progress(n int) string {
	if m.ld != nil && m.ld.total > 0 {
		if m.ld.swap && m.ld.total == m.all.Len() && m.complete {
			return ui.Commas(n) + " of ~" + ui.Commas(m.ld.total)
		}
		return ui.Commas(n) + " of " + ui.Commas(max(n, m.ld.total))
	}
	return ui.Commas(n) + " so far"
}

// progressShort is progress for a narrow title: "2,000/20,000", "2,000".
func (m *Model) progressShort(n int) string {
	if m.ld != nil && m.ld.total > 0 {
		return ui.Commas(n) + "/" + ui.Commas(max(n, m.ld.total))
	}
	return ui.Commas(n)
}

// loading reports whether a listing (not a cache read) is running, and how
// many scripts it has received.
func (m *Model) loading() (bool, int) {
	if m.ld == nil || m.ld.cache {
		return false, 0
	}
	if m.ld.swap {
		return true, m.ld.count
	}
	return true, m.all.Len()
}

// Handlers

func (m *Model) handleCache(msg cacheMsg) tea.Cmd {
	if msg.key != m.key || m.ld == nil || msg.token != m.ld.token || !m.ld.cache {
		return nil
	}
	m.ld = nil
	if msg.err != nil {
		// A miss (or an unreadable cache) just means listing from the API;
		// with a tag filter typed already, the API narrows the download.
		// An unreadable one is said once: the operator expected rows at
		// once and gets a listing.
		cmd := m.startLoad(false, m.wantedServerFilter(), throttle.Interactive)
		if cacheUnreadable(msg.err) {
			cmd = tea.Batch(cmd, ui.ShowStatus(ui.LevelWarn, "the cached listing was unreadable and is being rebuilt"))
		}
		return cmd
	}
	m.replaceRows(msg.rows, cfclient.TagFilter{}, true)
	m.dataAt = msg.saved
	listing := cache.Listing{Rows: msg.rows, Saved: msg.saved}
	if !cache.NeedsRefresh(listing, m.c.Now(), -1) {
		// Listed moments ago: show it as it is (DataAge says how old),
		// unless the namespace's script count says it is no longer whole
		// (handleTotal refreshes then).
		m.checking = m.tokens
		return tea.Batch(m.requestFilter(), countScripts(m.c.Context(), m.src, m.key, m.tokens, m.ns))
	}
	return tea.Batch(m.requestFilter(), m.startLoad(true, cfclient.TagFilter{}, throttle.Background))
}

// cacheUnreadable reports whether a cache read failed on a listing that is
// there but cannot be used (unreadable, corrupt, foreign, of an older
// format), as opposed to one never saved.
func cacheUnreadable(err error) bool {
	if !errors.Is(err, cache.ErrMiss) {
		return false
	}
	s := err.Error()
	return strings.HasPrefix(s, "cache ignored") || strings.HasPrefix(s, "cache unreadable")
}

func (m *Model) handleTotal(msg totalMsg) tea.Cmd {
	if msg.key != m.key || msg.total < 0 {
		return nil
	}
	if m.ld == nil && msg.token == m.checking {
		// The count of a fresh cached listing: a listing whose length
		// disagrees with it is refreshed at once (someone added or
		// deleted scripts, or the cache came from another run).
		m.checking = 0
		if m.complete && m.server.IsEmpty() && cache.NeedsRefresh(cache.Listing{Rows: m.all, Saved: m.dataAt}, m.c.Now(), msg.total) {
			return m.startLoad(true, cfclient.TagFilter{}, throttle.Background)
		}
		return nil
	}
	if m.ld == nil || msg.token != m.ld.token || msg.total <= 0 {
		return nil
	}
	m.ld.total = msg.total
	return nil
}

func (m *Model) handlePages(msg pagesMsg) tea.Cmd {
	if msg.key != m.key || m.ld == nil || m.ld.cache || msg.token != m.ld.token {
		return nil // another screen's, or a superseded listing's
	}
	ld := m.ld
	var cmd tea.Cmd
	if ld.filter.IsEmpty() && ld.total > ld.buf.Len() {
		// The namespace's count is known: size the rows' arrays for it
		// from the start instead of growing them by copies.
		ld.buf.Grow(ld.total - ld.buf.Len())
	}
	for _, p := range msg.pages {
		ld.count += len(p)
		ld.buf.Append(p...)
	}
	if !ld.swap && len(msg.pages) > 0 {
		m.appendRows(ld.buf.Scripts())
		cmd = m.requestFilter()
	}
	if !msg.done {
		return tea.Batch(cmd, waitPages(m.key, ld.token, ld.ch))
	}
	ld.cancel()
	m.ld = nil
	m.settleTop() // the cursor stayed on the first row while pages came
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) && m.c.Context().Err() != nil {
			return cmd // shutting down
		}
		if ld.swap && !m.complete && ld.buf.Len() > m.all.Len() && sameFilter(ld.filter, m.server) {
			// Re-listing incomplete rows got further before it failed too:
			// show the most that was listed (still incomplete).
			m.replaceRows(ld.buf.Compact(), ld.filter, false)
			cmd = tea.Batch(cmd, m.requestFilter())
		}
		st := ui.StatusFromError(msg.err)
		m.fail = &loadFailure{refresh: ld.swap && m.complete, reason: st.Text, hint: st.Hint}
		if !m.fail.refresh && ld.filter.IsEmpty() {
			m.fail.total = ld.total
		}
		return tea.Batch(cmd, ui.ShowError(msg.err, "press ctrl+r to try again"))
	}
	m.fail = nil
	m.dataAt = m.c.Now()
	if ld.swap {
		m.replaceRows(ld.buf.Compact(), ld.filter, true)
		return tea.Batch(cmd, m.requestFilter(), m.saveIfWhole())
	}
	m.complete = true
	// Arrays grown page by page may be up to twice the rows' size: copy
	// them to their size (same positions, same epoch; commands still
	// reading the old snapshot only read it).
	m.all = ld.buf.Compact()
	m.pruneMarks()
	return tea.Batch(cmd, m.saveIfWhole())
}

// saveIfWhole saves the rows to the listing cache when they are a complete,
// unfiltered listing (a filtered listing never replaces the cache).
func (m *Model) saveIfWhole() tea.Cmd {
	if !m.complete || !m.server.IsEmpty() || m.cache == nil {
		return nil
	}
	return saveCache(m.cache, m.ns, m.all)
}

// Rows

// replaceRows makes list the rows (a new epoch): the name index and the
// sort order are rebuilt; the table finds the cursor and the marks by name.
func (m *Model) replaceRows(list rows.Scripts, filter cfclient.TagFilter, complete bool) {
	m.all = list
	m.epoch++
	m.server = filter
	m.complete = complete
	m.result = nil
	idx := make([]int32, list.Len())
	for i := range idx {
		idx[i] = int32(i)
	}
	// Listings come sorted by name; sort only when they are not.
	if !slices.IsSortedFunc(idx, m.cmpName) {
		slices.SortStableFunc(idx, m.cmpName)
	}
	m.byName = idx
	m.table.ResetRowIDs() // positions now name other scripts
	m.resort()
	m.pruneMarks()
}

// appendRows shows the rows of a cold listing, which are the rows shown
// and the pages that came since: positions of earlier rows keep their
// meaning, so the filter result in place stays valid for them.
func (m *Model) appendRows(list rows.Scripts) {
	start := m.all.Len()
	m.all = list
	n := m.all.Len()
	fresh := make([]int32, 0, n-start)
	for i := start; i < n; i++ {
		fresh = append(fresh, int32(i))
	}
	slices.SortStableFunc(fresh, m.cmpName)
	m.byName = mergeSorted(m.byName, fresh, m.cmpName)
	cmp := m.cmpOrder()
	slices.SortStableFunc(fresh, cmp)
	m.order = mergeSorted(m.order, fresh, cmp)
	m.rebuildShown()
}

// pruneMarks forgets marks of scripts a complete, unfiltered listing does
// not have (deleted since they were marked). The table's rows may be a
// filter's: the listing is what says which scripts exist.
func (m *Model) pruneMarks() {
	if !m.complete || !m.server.IsEmpty() || m.table.Marked() == 0 {
		return
	}
	m.table.PruneMarksFunc(func(name string) bool { return m.lookup(name) >= 0 })
}

// lookup returns the position in all of the script called name, or -1.
func (m *Model) lookup(name string) int32 {
	if name == "" {
		return -1
	}
	i, ok := slices.BinarySearchFunc(m.byName, name, func(p int32, name string) int {
		return strings.Compare(m.all.Name(int(p)), name)
	})
	if !ok {
		return -1
	}
	return m.byName[i]
}

// wantedServerFilter is the tag filter to send to the API: the applied tag
// selector while the full listing is not loaded (the download narrows),
// else none (the loaded rows are filtered here).
func (m *Model) wantedServerFilter() cfclient.TagFilter {
	if m.filter.Applied() == "" || m.qErr != nil || m.q.Kind != selector.Tags {
		return cfclient.TagFilter{}
	}
	if m.complete && m.server.IsEmpty() {
		return cfclient.TagFilter{}
	}
	return tagFilter(m.q)
}

// tagFilter turns a tag selector into the API's filter.
func tagFilter(q selector.Query) cfclient.TagFilter {
	var f cfclient.TagFilter
	for _, t := range q.Terms {
		if !cfclient.TagFilterable(t.Tag) {
			// The API's filter cannot carry this tag: the listing is
			// wider, and the loaded rows are narrowed here (runFilter).
			continue
		}
		if t.Negate {
			f.HasNot = append(f.HasNot, t.Tag)
		} else {
			f.Has = append(f.Has, t.Tag)
		}
	}
	return f
}

// syncServerFilter restarts the listing when the committed filter needs a
// different server-side tag filter than the rows were listed with.
func (m *Model) syncServerFilter() tea.Cmd {
	want := m.wantedServerFilter()
	have := m.server
	if m.ld != nil && !m.ld.cache {
		have = m.ld.filter
	}
	if sameFilter(want, have) {
		return nil
	}
	// The operator's filter changed the listing: the cursor goes to the
	// first row of the new rows, not to where it was in the old ones.
	m.toTop = true
	if want.IsEmpty() {
		return m.open() // back to the whole namespace: cache, then refresh
	}
	return m.startLoad(false, want, throttle.Interactive)
}

func sameFilter(a, b cfclient.TagFilter) bool {
	return slices.Equal(a.Has, b.Has) && slices.Equal(a.HasNot, b.HasNot)
}
