package tiers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/rows"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/ui"
)

// Where the SCRIPTS column comes from.
//
// A tier is used by every script, in any dispatch namespace, tagged
// tier-<name>. Counting them costs:
//
//   - from the listing cache (what the scripts screen saves after a complete
//     listing): no request at all, but only for namespaces opened before,
//     and as old as that listing;
//   - from a full listing per namespace (C): ceil(scripts/1,000) requests
//     per namespace, every tier at once; the listing is saved to the cache
//     so the scripts screen opens from it too;
//   - from the API's tag filter (tags=tier-<name>:yes): one listing per
//     tier per namespace, which on 100,000 scripts costs as much as a full
//     listing again for every tier.
//
// So the screen shows counts from the cache, with each namespace's age and
// whether its listing disagrees with the namespace's script count; C lists
// in full what the cache lacks or when asked. Only removing a tier needs an
// exact number: planning a removal asks the API with the tag filter for the
// removed tiers alone (a tier about to go should have few scripts, so that
// is about one request per namespace), and that is the count the planner
// refuses with.

// usage is how many scripts carry each tier tag, and where the counts come
// from.
type usage struct {
	// counts is scripts per tier name (any tier tag, defined or not) in the
	// namespaces counted.
	counts map[string]int
	// nss is one entry per dispatch namespace.
	nss []nsCount
	// err is why the namespaces could not be listed (nothing counted).
	err error
}

// nsCount is what one namespace adds to the counts.
type nsCount struct {
	name string
	// scripts is the namespace's script count as the API gave it now.
	scripts int
	// counted says the namespace's listing was counted: from the cache, or
	// from the API (fromAPI) when C listed it.
	counted bool
	fromAPI bool
	// at is when that listing was made; listed how many scripts it had.
	at     time.Time
	listed int
	// why says why it was not counted ("not cached yet").
	why string
}

// stale reports a counted listing whose length disagrees with the
// namespace's script count: scripts came or went since.
func (n nsCount) stale() bool { return n.counted && n.listed != n.scripts }

// listRequests is what listing the namespace in full costs.
func (n nsCount) listRequests() int { return max(1, (n.scripts+listPage-1)/listPage) }

// listPage is the API's page size for script listings.
const listPage = 1000

// known reports whether every namespace is counted and none is stale, so
// the counts are exact as of their listings.
func (u usage) known() bool {
	if u.err != nil {
		return false
	}
	for _, n := range u.nss {
		if !n.counted || n.stale() {
			return false
		}
	}
	return true
}

// listCost is what C costs: a full listing of every namespace.
func (u usage) listCost() int {
	n := 0
	for _, ns := range u.nss {
		n += ns.listRequests()
	}
	return n
}

// tally adds the tier tags of a listing's rows to counts: each distinct
// tag is looked at once, each row's tags by id.
func tally(counts map[string]int, r *rows.Scripts, prefix string) {
	per := make([]int, r.NumStrs())
	for i := range r.Len() {
		for _, id := range r.TagIDs(i) {
			per[id]++
		}
	}
	for id, n := range per {
		if n == 0 {
			continue
		}
		if name, ok := strings.CutPrefix(r.Str(uint32(id)), prefix); ok && name != "" {
			counts[name] += n
		}
	}
}

// countCached counts the tier tags in every namespace's cached listing:
// one request (the namespaces and their script counts), no listing.
func countCached(ctx context.Context, src Source, prefix string) usage {
	u := usage{counts: map[string]int{}}
	nss, err := src.Client.ListNamespaces(ctx)
	if err != nil {
		u.err = err
		return u
	}
	for _, ns := range nss {
		n := nsCount{name: ns.Name, scripts: ns.ScriptCount}
		if src.Listings == nil {
			n.why = "no listing cache"
		} else if l, err := src.Listings.Scripts(ns.Name); err != nil {
			n.why = err.Error()
		} else {
			n.counted, n.at, n.listed = true, l.Saved, l.Rows.Len()
			tally(u.counts, &l.Rows, prefix)
		}
		u.nss = append(u.nss, n)
	}
	return u
}

// countListed lists every namespace in full and counts its tier tags; each
// complete listing is saved to the listing cache (the scripts screen's).
// at stamps the counts.
func countListed(ctx context.Context, src Source, prefix string, at time.Time) (usage, error) {
	u := usage{counts: map[string]int{}}
	nss, err := src.Client.ListNamespaces(ctx)
	if err != nil {
		return u, err
	}
	var saveErr error
	for _, ns := range nss {
		b := rows.NewBuilder(ns.ScriptCount)
		listed := 0
		err := src.Client.ListScripts(ctx, ns.Name, cfclient.TagFilter{}, func(p []cfclient.Script) error {
			b.Append(p...)
			listed += len(p)
			return nil
		})
		if err != nil {
			return u, err
		}
		list := b.Scripts()
		tally(u.counts, &list, prefix)
		// The namespace's count is the listing's own: it was just made.
		u.nss = append(u.nss, nsCount{name: ns.Name, scripts: listed, counted: true, fromAPI: true, at: at, listed: listed})
		if src.Listings != nil {
			err := b.Err() // a script the rows could not hold: the listing is not whole
			if err == nil {
				err = src.Listings.SaveRows(ns.Name, list)
			}
			if err != nil && saveErr == nil {
				saveErr = err
			}
		}
	}
	return u, saveErr
}

// storedTable reads the stored tier table as text; nil when there is none.
func storedTable(ctx context.Context, c Client) ([]byte, error) {
	id, err := c.RoutingNamespace(ctx)
	if err != nil {
		return nil, err
	}
	b, err := c.GetValue(ctx, id, c.Schema().TiersKey)
	if errors.Is(err, cfclient.ErrNotFound) {
		return nil, nil
	}
	return b, err
}

// tierNames are the tier names of a stored table, even one that breaks a
// rule (a table that is not a JSON object has none).
func tierNames(raw []byte) []string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	names := make([]string, 0, len(obj))
	for n := range obj {
		names = append(names, n)
	}
	return names
}

// countRemoved counts, at the API, the scripts on each tier of names (the
// stored table's) that tiers no longer has: the in-use counts the planner
// refuses a removal with. It lists with the API's tag filter, so a tier
// with no scripts costs one request per namespace.
func countRemoved(ctx context.Context, c Client, names []string, tiers []platform.Tier) (map[string]int, error) {
	var removed []string
	for _, n := range names {
		if platform.FindTier(tiers, n) == nil {
			removed = append(removed, n)
		}
	}
	inUse := map[string]int{}
	if len(removed) == 0 {
		return inUse, nil
	}
	nss, err := c.ListNamespaces(ctx)
	if err != nil {
		return nil, err
	}
	schema := c.Schema()
	for _, name := range removed {
		tag := schema.TierTag(name)
		if platform.ValidTag(tag) != "" || strings.Contains(tag, ":") {
			// No script can carry it, or the filter cannot name it.
			continue
		}
		for _, ns := range nss {
			err := c.ListScripts(ctx, ns.Name, cfclient.TagFilter{Has: []string{tag}}, func(p []cfclient.Script) error {
				inUse[name] += len(p)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return inUse, nil
}

// count is C: list every namespace in full and count the tier tags,
// asking first when that costs more than askAbove requests.
func (m *Model) count() tea.Cmd {
	if m.counting {
		return ui.ShowStatus(ui.LevelInfo, "already counting")
	}
	cost := m.usage.listCost()
	if cost <= askAbove {
		return m.countAtAPI()
	}
	return ui.AskConfirm(ui.ConfirmRequest{
		Title: "Count the scripts on each tier at the API?",
		Body: fmt.Sprintf("This lists %s in full: about %s of the shared budget, in the background. "+
			"The listings are saved to the cache, so the scripts screens open from them.",
			ui.Plural(len(m.usage.nss), "namespace", "namespaces"), ui.Plural(cost, "API request", "API requests")),
		YesLabel: "Count",
		OnYes:    countConfirmedMsg{key: m.key},
	})
}

// countAtAPI lists every namespace in full in a command.
func (m *Model) countAtAPI() tea.Cmd {
	m.counting = true
	ctx := throttle.WithPriority(m.c.Context(), throttle.Background)
	// The counts are as of the start of the listings.
	src, key, at := m.src, m.key, m.c.Now()
	return tea.Batch(ui.ShowStatus(ui.LevelInfo, "counting the scripts on each tier at the API…"), func() tea.Msg {
		u, err := countListed(ctx, src, src.Client.Schema().TierTagPrefix, at)
		return countedMsg{key: key, usage: u, err: err}
	})
}
