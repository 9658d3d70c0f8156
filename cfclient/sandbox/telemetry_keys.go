package sandbox

import (
	"math"
	"net/http"
	"sort"
)

// The keys and values endpoints of Workers Logs (see telemetry.go).

// keysBody is the keys request.
type keysBody struct {
	Datasets  []string         `json:"datasets"`
	Filters   []map[string]any `json:"filters"`
	From      *float64         `json:"from"`
	To        *float64         `json:"to"`
	KeyNeedle *needleBody      `json:"keyNeedle"`
	Needle    *needleBody      `json:"needle"`
	Limit     *float64         `json:"limit"`
}

// telemetryKeys serves POST …/telemetry/keys: the keys the selected events
// have, with their type and when one was last seen. Without from/to it
// looks at the whole retention.
func (s *Server) telemetryKeys(w http.ResponseWriter, r *http.Request, _ params) {
	var b keysBody
	if e := decodeJSON(r, &b); e != nil {
		fail(w, e)
		return
	}
	sel, e := parseSelection(b.Datasets, b.Filters, "", b.Needle, "")
	if e != nil {
		fail(w, e)
		return
	}
	sel.from, sel.to = 0, math.MaxInt64
	if b.From != nil || b.To != nil {
		if sel.from, sel.to, e = parseTimeframe(&timeframeBody{From: b.From, To: b.To}, "from/to"); e != nil {
			fail(w, e)
			return
		}
	}
	limit, e := intLimit(b.Limit, "limit", 1000, 10_000)
	if e != nil {
		fail(w, e)
		return
	}
	var keyMatch func(string) bool
	if b.KeyNeedle != nil {
		m, e := needleMatcher(b.KeyNeedle, "keyNeedle")
		if e != nil {
			fail(w, e)
			return
		}
		keyMatch = func(k string) bool { return m(&traceEvent{script: k}) }
	}
	evs := s.selectEvents(sel)
	out := []map[string]any{}
	for _, k := range telemetryKeyNames {
		if keyMatch != nil && !keyMatch(k) {
			continue
		}
		f, _ := lookupField(k)
		for i := len(evs) - 1; i >= 0; i-- {
			if _, ok := f.get(evs[i]); ok {
				out = append(out, map[string]any{"key": k, "type": string(f.kind), "lastSeenAt": evs[i].ts})
				break
			}
		}
		if len(out) == limit {
			break
		}
	}
	ok(w, out)
}

// valuesBody is the values request.
type valuesBody struct {
	Datasets  []string         `json:"datasets"`
	Key       string           `json:"key"`
	Timeframe *timeframeBody   `json:"timeframe"`
	Type      string           `json:"type"`
	Filters   []map[string]any `json:"filters"`
	Limit     *float64         `json:"limit"`
	Needle    *needleBody      `json:"needle"`
}

// telemetryValues serves POST …/telemetry/values: a key's distinct values
// among the selected events, most frequent first.
func (s *Server) telemetryValues(w http.ResponseWriter, r *http.Request, _ params) {
	var b valuesBody
	if e := decodeJSON(r, &b); e != nil {
		fail(w, e)
		return
	}
	f, found := lookupField(b.Key)
	if b.Key == "" || !found {
		fail(w, errInvalid("key %q: a known key is required (see the telemetry keys endpoint)", b.Key))
		return
	}
	switch b.Type {
	case "string", "number", "boolean":
	default:
		fail(w, errInvalid("type must be string, number or boolean, not %q", b.Type))
		return
	}
	from, to, e := parseTimeframe(b.Timeframe, "timeframe")
	if e != nil {
		fail(w, e)
		return
	}
	sel, e := parseSelection(b.Datasets, b.Filters, "", b.Needle, "")
	if e != nil {
		fail(w, e)
		return
	}
	sel.from, sel.to = from, to
	limit, e := intLimit(b.Limit, "limit", 50, 10_000)
	if e != nil {
		fail(w, e)
		return
	}
	counts := map[string]int{}
	vals := map[string]any{}
	var order []string
	for _, ev := range s.selectEvents(sel) {
		v, ok := f.get(ev)
		if !ok {
			continue
		}
		items := []fieldValue{v}
		if v.list != nil {
			items = items[:0]
			for _, x := range v.list {
				items = append(items, fieldValue{str: x, kind: kindString})
			}
		}
		for _, it := range items {
			t := it.text()
			if counts[t] == 0 {
				order = append(order, t)
				vals[t] = it.jsonValue()
			}
			counts[t]++
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return counts[order[i]] > counts[order[j]] })
	out := []map[string]any{}
	for _, t := range order {
		if len(out) == limit {
			break
		}
		out = append(out, map[string]any{"dataset": telemetryDataset, "key": b.Key, "type": string(f.kind), "value": vals[t]})
	}
	ok(w, out)
}
