package tail

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/wfpconsole/wfp/cfclient"
)

// Workers Logs stores an invocation as several rows sharing its request
// id: the invocation's own row ($metadata.type "cf-worker-event": outcome,
// times, the request) and one row per console line. fromRows joins them
// into one Event.

// isInvocation reports the invocation's own row.
func isInvocation(r cfclient.TelemetryEvent) bool {
	if r.Type != "" {
		return r.Type == cfclient.TelemetryInvocation
	}
	return r.Message == "" && r.Outcome != "" // a store that types no row
}

// hasInvocation reports whether rows hold the invocation's own row.
func hasInvocation(rows []cfclient.TelemetryEvent) bool {
	return slices.ContainsFunc(rows, isInvocation)
}

// fromRows builds the Event of one invocation from its rows. When the
// invocation's row carries the invocation's TraceItem as its source (as the
// sandbox's does), that is decoded as a live tail's message would be.
func fromRows(key string, rows []cfclient.TelemetryEvent) Event {
	slices.SortStableFunc(rows, func(a, b cfclient.TelemetryEvent) int { return a.Time.Compare(b.Time) })
	inv := rows[0]
	if i := slices.IndexFunc(rows, isInvocation); i >= 0 {
		inv = rows[i]
	}
	ev, _ := sourceEvent(inv)
	ev.ID, ev.Origin = "l"+key, FromLogs
	if ev.Time.IsZero() {
		ev.Time = inv.Time
	}
	if ev.Outcome == "" {
		ev.Outcome, ev.CPUMs, ev.WallMs, ev.Truncated = inv.Outcome, inv.CPUTimeMs, inv.WallTimeMs, inv.Truncated
	}
	if ev.Script == "" {
		ev.Script = inv.Script
	}
	if ev.Script == "" {
		ev.Script = inv.Service
	}
	if ev.Namespace == "" {
		ev.Namespace = inv.Namespace
	}
	if ev.Kind == "" {
		fromEventMap(&ev, inv)
	}
	if ev.Status == 0 {
		ev.Status = inv.Status
	}
	for _, r := range rows {
		if ev.Outcome == "" && r.Outcome != "" {
			ev.Outcome, ev.CPUMs, ev.WallMs = r.Outcome, r.CPUTimeMs, r.WallTimeMs
		}
		if r.Time.Before(ev.Time) {
			ev.Time = r.Time
		}
		if isInvocation(r) {
			if r.Error != "" && len(ev.Exceptions) == 0 {
				ev.Exceptions = append(ev.Exceptions, exceptionOf(r))
			}
			continue
		}
		if r.Error != "" {
			ev.Exceptions = append(ev.Exceptions, exceptionOf(r))
		}
		if r.Message != "" || r.Error == "" {
			ev.Logs = append(ev.Logs, Log{Level: r.Level, Text: r.Message, Time: r.Time})
		}
	}
	return ev
}

// sourceEvent decodes a row's source as a TraceItem, when it is one.
func sourceEvent(r cfclient.TelemetryEvent) (Event, bool) {
	src, ok := r.Source.(map[string]any)
	if !ok {
		return Event{}, false
	}
	if _, ok := src["outcome"]; !ok {
		return Event{}, false
	}
	raw, err := json.Marshal(src)
	if err != nil {
		return Event{}, false
	}
	ev, err := DecodeTrace(raw)
	if err != nil {
		return Event{}, false
	}
	return ev, true
}

// fromEventMap reads the trigger from $workers.event (and the row's
// trigger when it has none).
func fromEventMap(ev *Event, r cfclient.TelemetryEvent) {
	kind := r.EventType
	if kind == "scheduled" {
		kind = "cron"
	}
	ev.Kind = kind
	if req, ok := r.Event["request"].(map[string]any); ok {
		ev.Kind = "fetch"
		ev.URL, _ = req["url"].(string)
		m, _ := req["method"].(string)
		ev.Method = strings.ToUpper(m)
		if hs, ok := req["headers"].(map[string]any); ok {
			for k, v := range hs {
				s, _ := v.(string)
				ev.Headers = append(ev.Headers, Header{Name: strings.ToLower(k), Value: Redact(k, s)})
			}
			slices.SortFunc(ev.Headers, func(a, b Header) int { return strings.Compare(a.Name, b.Name) })
		}
	}
	if resp, ok := r.Event["response"].(map[string]any); ok {
		if s, ok := resp["status"].(float64); ok {
			ev.Status = int(s)
		}
	}
	if ev.URL == "" {
		ev.URL = r.URL
	}
	if ev.Kind == "fetch" && ev.Method == "" && r.Trigger != "" {
		// "GET /path": the trigger says the method when the event does not.
		if m, _, ok := strings.Cut(r.Trigger, " "); ok {
			ev.Method = strings.ToUpper(m)
		}
	}
	if ev.Kind != "fetch" && ev.Kind != "" {
		ev.Trigger = r.Trigger
		if c, ok := r.Event["cron"].(string); ok {
			ev.Trigger = c
		}
	}
}

// exceptionOf reads an exception from a row's error ("TypeError: …") and
// its source's stack, if any.
func exceptionOf(r cfclient.TelemetryEvent) Exception {
	x := Exception{Message: r.Error, Time: r.Time}
	if name, msg, ok := strings.Cut(r.Error, ": "); ok && name != "" && !strings.ContainsAny(name, " \t") {
		x.Name, x.Message = name, msg
	}
	if src, ok := r.Source.(map[string]any); ok {
		if s, ok := src["stack"].(string); ok {
			x.Stack = s
		}
		if x.Name == "" {
			x.Name, _ = src["name"].(string)
		}
	}
	if x.Name == "" {
		x.Name = "Error"
	}
	return x
}
