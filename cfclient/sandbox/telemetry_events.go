package sandbox

import "time"

// The events view of the telemetry query (see telemetry.go).

// eventsView pages the matched events (oldest first on entry).
func eventsView(q queryBody, p *queryParameters, matched []*traceEvent) (map[string]any, *apiError) {
	limit, e := intLimit(q.Limit, "limit", 50, 2000)
	if e != nil {
		return nil, e
	}
	asc := false
	if ob := p.OrderBy; ob != nil {
		if ob.Value != "" && ob.Value != "timestamp" && ob.Value != "$metadata.startTime" {
			return nil, errInvalid("parameters.orderBy.value %q: the events view orders by timestamp only", ob.Value)
		}
		switch ob.Order {
		case "asc":
			asc = true
		case "", "desc":
		default:
			return nil, errInvalid("parameters.orderBy.order must be asc or desc, not %q", ob.Order)
		}
	}
	order := func(i int) *traceEvent {
		if asc {
			return matched[i]
		}
		return matched[len(matched)-1-i]
	}
	i := 0
	if q.Offset != "" {
		seq, ok := eventSeq(q.Offset)
		if !ok {
			return nil, errInvalid("offset %q is not an event id ($metadata.id of the last event of the previous page)", q.Offset)
		}
		for i < len(matched) && (asc && order(i).seq <= seq || !asc && order(i).seq >= seq) {
			i++
		}
	}
	rows := make([]map[string]any, 0, min(limit, len(matched)-i))
	for ; i < len(matched) && len(rows) < limit; i++ {
		rows = append(rows, eventRow(order(i)))
	}
	fields := make([]map[string]string, 0, len(telemetryKeyNames))
	for _, k := range telemetryKeyNames {
		f, _ := lookupField(k)
		fields = append(fields, map[string]string{"key": k, "type": string(f.kind)})
	}
	out := map[string]any{"count": len(matched), "events": rows, "fields": fields}
	if !q.IgnoreSeries {
		out["series"] = eventSeries(matched, q)
	}
	return out, nil
}

// eventRow is one event as the events view returns it.
func eventRow(ev *traceEvent) map[string]any {
	meta := map[string]any{
		"id": ev.id, "requestId": ev.requestID, "service": ev.script, "level": ev.level(),
		"message": ev.message(), "trigger": ev.method + " " + ev.path, "url": ev.url,
		"type": "cf-worker-event", "origin": "fetch", "startTime": ev.ts, "endTime": ev.ts + int64(ev.wallMs),
		"duration": ev.wallMs,
	}
	if ev.status != 0 {
		meta["statusCode"] = ev.status
	}
	if t := ev.errorText(); t != "" {
		meta["error"] = t
	}
	wk := map[string]any{
		"eventType": "fetch", "requestId": ev.requestID, "scriptName": ev.script, "outcome": ev.outcome,
		"cpuTimeMs": ev.cpuMs, "wallTimeMs": ev.wallMs, "executionModel": "stateless", "truncated": false,
		"event": ev.eventObject(), "diagnosticsChannelEvents": []any{},
	}
	if ev.namespace != "" {
		wk["dispatchNamespace"] = ev.namespace
	}
	if len(ev.tags) > 0 {
		wk["scriptTags"] = ev.tags
	}
	if ev.version != "" {
		wk["scriptVersion"] = map[string]string{"id": ev.version}
	}
	return map[string]any{"$metadata": meta, "$workers": wk, "dataset": telemetryDataset,
		"source": ev.traceItem(), "timestamp": ev.ts}
}

// buckets splits [from, to] into at most 60 intervals (or granularity
// seconds each) and returns the interval in ms.
func bucketWidth(from, to int64, granularity float64) int64 {
	w := int64(granularity * 1000)
	span := max(to-from, 1)
	if w <= 0 || span/w > 60 {
		w = (span + 59) / 60
	}
	return max(w, 1)
}

// eventSeries counts events and errors per interval.
func eventSeries(matched []*traceEvent, q queryBody) []map[string]any {
	from, to := int64(*q.Timeframe.From), int64(*q.Timeframe.To)
	w := bucketWidth(from, to, q.Granularity)
	type cell struct{ n, errs int64 }
	cells := map[int64]*cell{}
	var keys []int64
	for _, ev := range matched {
		b := from + (ev.ts-from)/w*w
		c := cells[b]
		if c == nil {
			c = &cell{}
			cells[b] = c
			keys = append(keys, b)
		}
		c.n++
		if ev.level() == "error" {
			c.errs++
		}
	}
	out := make([]map[string]any, 0, len(keys))
	for _, b := range keys {
		c := cells[b]
		out = append(out, map[string]any{"time": time.UnixMilli(b).UTC().Format(time.RFC3339), "data": []map[string]any{{
			"aggregates": map[string]any{"_count": c.n, "_interval": float64(w) / 1000},
			"count":      c.n, "interval": float64(w) / 1000, "sampleInterval": 1, "errors": c.errs, "groups": map[string]any{},
		}}})
	}
	return out
}
