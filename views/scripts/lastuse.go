package scripts

import (
	"context"
	"fmt"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// LastUse is where the screen gets each script's last use (the idle
// terms); *cache.LastUsedCache satisfies it. It is called from commands
// only.
type LastUse interface {
	Cached() *cache.LastUse
	Load(ctx context.Context, o cache.LastUsedLoad) (*cache.LastUse, error)
	Describe(l *cache.LastUse) string
}

var _ LastUse = (*cache.LastUsedCache)(nil)

// lastUseMsg is a last-use snapshot (lu nil with err when the read failed;
// cost states what reading the rest would cost, "" when nothing is left).
type lastUseMsg struct {
	key  string
	lu   *cache.LastUse
	cost string
	err  error
}

// RouteKey routes the message to its screen.
func (m lastUseMsg) RouteKey() string { return m.key }

// lastUseState is the screen's side of the last-use snapshot.
type lastUseState struct {
	lastUse   LastUse
	lu        *cache.LastUse
	luGen     int    // bumped with each snapshot: filter results carry it
	luLoading bool   // a read is running
	luCost    string // what reading the unread values costs ("" when none)
	luErr     error
}

// ensureLastUse starts a read of the last use when the filter has an idle
// term and none was taken.
func (m *Model) ensureLastUse() tea.Cmd {
	if !m.q.Uses(selector.Idle) || m.lu != nil || m.luLoading || m.luErr != nil || m.lastUse == nil {
		return nil
	}
	return m.loadLastUse(cache.LastUsedLoad{})
}

// loadLastUse reads the last use in a command.
func (m *Model) loadLastUse(o cache.LastUsedLoad) tea.Cmd {
	m.luLoading = true
	lu, key, ctx := m.lastUse, m.key, m.c.Context()
	return func() tea.Msg {
		l, err := lu.Load(ctx, o)
		return lastUseMsg{key: key, lu: l, cost: lu.Describe(l), err: err}
	}
}

// handleLastUse takes a snapshot in and filters again with it.
func (m *Model) handleLastUse(msg lastUseMsg) tea.Cmd {
	if msg.key != m.key {
		return nil
	}
	m.luLoading = false
	m.luErr = msg.err
	if msg.lu != nil {
		m.lu, m.luCost = msg.lu, msg.cost
		m.luGen++
	}
	if msg.err != nil {
		return ui.ShowStatus(ui.LevelError, "last use: "+ui.Sanitize(msg.err.Error()))
	}
	return m.requestFilter()
}

// readUnread is R: read the values of the last-used keys without metadata
// at the cost the notice stated.
func (m *Model) readUnread() tea.Cmd {
	if m.lu == nil || m.lu.Complete() || m.luLoading || m.lastUse == nil {
		return nil
	}
	m.luErr = nil
	return m.loadLastUse(cache.LastUsedLoad{ValueReads: m.lu.UnreadCost()})
}

// lastUseLine is the notice under the filter while an idle term is in use:
// the read in progress, or the scripts left out for an unread last use.
func (m *Model) lastUseLine() string {
	if !m.q.Uses(selector.Idle) || m.qErr != nil {
		return ""
	}
	st := &m.c.Styles
	switch {
	case m.lastUse == nil:
		return st.Warning.Render(ui.Truncate("  idle: the last use is not available here", m.width))
	case m.luLoading:
		return st.Subtle.Render(ui.Truncate("  idle: reading the last-used keys…", m.width))
	case m.lu != nil && !m.lu.Complete():
		left := 0
		if res := m.result; res != nil {
			left = res.unknown
		}
		return st.Warning.Render(ui.Truncate(fmt.Sprintf("  idle: %s left out, last use unread (%s keys without metadata: %s) · R reads them",
			ui.Commas(left), ui.Commas(len(m.lu.Unread)), ui.Plural(m.lu.UnreadCost(), "request", "requests")), m.width))
	}
	return ""
}

// attrsEval gives the attribute terms what they look at, from the
// snapshot taken when the filter command started (never live state).
type attrsEval struct {
	lu     *cache.LastUse
	tierOf func(tags []string) (string, bool)
	now    time.Time
}

// attrsFunc is the attribute source for a filter command.
type attrsFunc = attrsEval

// attrsFunc builds the attribute source of the current snapshot.
func (m *Model) attrsFunc() attrsEval {
	return attrsEval{lu: m.lu, tierOf: m.src.TierOf, now: m.c.Now()}
}

// attrReader reads what q's terms need of a script, and nothing else: a
// tier only for tier terms (found from the row's tags by id: each distinct
// tag's tier is found once), a last use only for idle terms.
type attrReader struct {
	ev         attrsEval
	snap       *rows.Scripts
	tier, idle bool
	// tierOfID is each tag id's tier index in tiers, +1 (0: not found
	// yet); a tag that names no tier has the index of "".
	tierOfID []int32
	tiers    []string
}

func newAttrReader(ev attrsEval, snap *rows.Scripts, q selector.Query) *attrReader {
	r := &attrReader{ev: ev, snap: snap, tier: q.Uses(selector.Tier), idle: q.Uses(selector.Idle)}
	if r.tier {
		r.tierOfID = make([]int32, snap.NumStrs())
		r.tiers = []string{""}
	}
	return r
}

// tierOf is the tier tag id names ("" for none).
func (r *attrReader) tierOf(id uint32) string {
	k := r.tierOfID[id]
	if k == 0 {
		t, _ := r.ev.tierOf([]string{r.snap.Str(id)})
		k = int32(slices.Index(r.tiers, t)) + 1
		if k == 0 {
			r.tiers = append(r.tiers, t)
			k = int32(len(r.tiers))
		}
		r.tierOfID[id] = k
	}
	return r.tiers[k-1]
}

// of returns the attributes of row i that the terms look at.
func (r *attrReader) of(i int) selector.Attrs {
	a := selector.Attrs{Created: r.snap.Created(i), Modified: r.snap.Modified(i)}
	if r.tier {
		// The row's tier: the one tier its tags name, none when they
		// name none or several (as TierOf's ambiguous answer).
		for _, id := range r.snap.TagIDs(i) {
			switch t := r.tierOf(id); {
			case t == "" || t == a.Tier:
			case a.Tier == "":
				a.Tier = t
			default:
				a.Tier = ""
				return r.idleOf(i, a)
			}
		}
	}
	return r.idleOf(i, a)
}

func (r *attrReader) idleOf(i int, a selector.Attrs) selector.Attrs {
	if r.idle {
		at, state := r.ev.lu.State(r.snap.Name(i))
		a.LastUsed, a.LastUseUnknown = at, state == cache.Unknown
	}
	return a
}

// narrowByAttrs drops the rows of res whose attributes fail q's attribute
// terms, keeping the matches (and their order) of the rows that stay.
func narrowByAttrs(res *filterResult, snap *rows.Scripts, q selector.Query, ev attrsEval) {
	r := newAttrReader(ev, snap, q)
	keep := func(i int) bool {
		a := r.of(i)
		if q.HoldsAttrs(a, ev.now) {
			return true
		}
		if a.LastUseUnknown && q.Uses(selector.Idle) {
			res.unknown++
		}
		return false
	}
	if res.matches == nil {
		res.count = 0
		for i := range res.member {
			if res.member[i] != 0 {
				if keep(i) {
					res.count++
				} else {
					res.member[i] = 0
				}
			}
		}
		return
	}
	kept := res.matches[:0:0]
	for _, mt := range res.matches {
		if keep(mt.Index) {
			kept = append(kept, mt)
			res.member[mt.Index] = int32(len(kept))
		} else {
			res.member[mt.Index] = 0
		}
	}
	res.matches, res.count = kept, len(kept)
	if res.ranked != nil {
		res.ranked = make([]int32, len(kept))
		for j, mt := range kept {
			res.ranked[j] = int32(mt.Index)
		}
	}
}
