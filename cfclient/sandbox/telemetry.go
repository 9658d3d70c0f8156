package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Workers Logs: the telemetry query API over the events the traffic
// generator stored (scripts with observability.enabled, after their head
// sampling; see eventRing for the bounds).
//
//	POST /accounts/{a}/workers/observability/telemetry/query
//	POST /accounts/{a}/workers/observability/telemetry/keys
//	POST /accounts/{a}/workers/observability/telemetry/values
//
// Responses decode with cloudflare-go v6.10.0's ObservabilityTelemetry*
// types. Choices where the API is not documented (inferred):
//
//   - One event per invocation (dataset "cloudflare-workers",
//     $metadata.type "cf-worker-event"); its "source" is the invocation's
//     trace-v1 TraceItem (logs, exceptions, event, outcome…), the same JSON
//     a live tail sends, so one decoder reads both.
//   - Events view: newest first (parameters.orderBy {value:"timestamp",
//     order:"asc"} for oldest first); limit 1..2000, default 50; offset is
//     the $metadata.id of the last event of the previous page and the next
//     page starts right after it (an id that has left the ring still works:
//     ids carry their sequence number). events.count counts every match.
//   - Filters: leaves {key, operation, value} and groups {kind:"group",
//     filterCombination, filters}; top level combines with
//     parameters.filterCombination (default "and"). String comparisons are
//     case-sensitive; the needle searches message, logs, exceptions, URL and
//     script name, case-insensitive unless matchCase.
//   - Calculations: count counts events, or with a key the events that have
//     that key (so {operator:"count", key:"$metadata.error"} counts errors);
//     uniq counts distinct values; the others (min max sum avg median
//     p001…p999 stddev variance) take a number key. Grouped by groupBys,
//     one aggregate per group, ordered by parameters.orderBy (an alias or a
//     calculation name) or else by the first calculation, descending; at
//     most parameters.limit groups (default 100, at most 10,000).
//   - Events are stamped when their request was due and stored when the
//     generator runs (every 50 ms on a running sandbox), so one can appear
//     up to that long after its timestamp, as Workers Logs' ingestion lags
//     on Cloudflare: a poller should overlap its windows and de-duplicate
//     on $metadata.id.
//   - Invalid input is 400/10021 naming the field and the rule; an
//     unknown view is 400 too (traces, invocations, requests and agents are
//     not served).

// telemetryDataset is the only dataset.
const telemetryDataset = "cloudflare-workers"

func (s *Server) telemetryRoutes() []route {
	const base = "accounts/{account}/workers/observability/telemetry"
	a := s.inAccount
	return []route{
		newRoute("POST", base+"/query", a(s.telemetryQuery)),
		newRoute("POST", base+"/keys", a(s.telemetryKeys)),
		newRoute("POST", base+"/values", a(s.telemetryValues)),
	}
}

// queryBody is the query request.
type queryBody struct {
	QueryID      *string          `json:"queryId"`
	Timeframe    *timeframeBody   `json:"timeframe"`
	View         string           `json:"view"`
	Limit        *float64         `json:"limit"`
	Offset       string           `json:"offset"`
	Dry          bool             `json:"dry"`
	Granularity  float64          `json:"granularity"`
	IgnoreSeries bool             `json:"ignoreSeries"`
	Parameters   *queryParameters `json:"parameters"`
}

type timeframeBody struct {
	From *float64 `json:"from"`
	To   *float64 `json:"to"`
}

type queryParameters struct {
	Datasets          []string         `json:"datasets"`
	Filters           []map[string]any `json:"filters"`
	FilterCombination string           `json:"filterCombination"`
	Needle            *needleBody      `json:"needle"`
	Calculations      []calcBody       `json:"calculations"`
	GroupBys          []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"groupBys"`
	OrderBy *struct {
		Value string `json:"value"`
		Order string `json:"order"`
	} `json:"orderBy"`
	Limit *float64 `json:"limit"`
}

type needleBody struct {
	Value     any  `json:"value"`
	IsRegex   bool `json:"isRegex"`
	MatchCase bool `json:"matchCase"`
}

type calcBody struct {
	Operator string `json:"operator"`
	Key      string `json:"key"`
	KeyType  string `json:"keyType"`
	Alias    string `json:"alias"`
}

// selection is the parsed part every endpoint shares: which events.
type selection struct {
	from, to int64
	datasets bool // false when the datasets name none of ours
	filter   filterNode
	needle   func(ev *traceEvent) bool
}

// parseTimeframe checks {from, to} (unix ms).
func parseTimeframe(tf *timeframeBody, field string) (int64, int64, *apiError) {
	if tf == nil || tf.From == nil || tf.To == nil {
		return 0, 0, errInvalid("%s is required: {from, to} in unix milliseconds", field)
	}
	from, to := *tf.From, *tf.To
	if math.IsNaN(from) || math.IsNaN(to) || from < 0 || to < from {
		return 0, 0, errInvalid("%s: from and to must be unix milliseconds with from <= to", field)
	}
	return int64(from), int64(to), nil
}

// parseSelection checks datasets, filters and needle.
func parseSelection(datasets []string, filters []map[string]any, combination string, needle *needleBody, prefix string) (selection, *apiError) {
	sel := selection{datasets: len(datasets) == 0}
	for _, d := range datasets {
		if d == telemetryDataset {
			sel.datasets = true
		}
	}
	root := map[string]any{"kind": "group", "filterCombination": combination}
	list := make([]any, len(filters))
	for i, f := range filters {
		list[i] = f
	}
	root["filters"] = list
	if combination == "" {
		root["filterCombination"] = nil
	}
	n, e := parseFilter(root, prefix+"filters", 0)
	if e != nil {
		e.Message = strings.Replace(e.Message, prefix+"filters.filterCombination", prefix+"filterCombination", 1)
		e.Message = strings.Replace(e.Message, prefix+"filters.filters[", prefix+"filters[", 1)
		return sel, e
	}
	sel.filter = n
	if needle != nil {
		m, e := needleMatcher(needle, prefix+"needle")
		if e != nil {
			return sel, e
		}
		sel.needle = m
	}
	return sel, nil
}

// needleMatcher compiles a needle into a test over an event's text.
func needleMatcher(nb *needleBody, field string) (func(ev *traceEvent) bool, *apiError) {
	var text string
	switch v := nb.Value.(type) {
	case string:
		text = v
	case float64:
		text = strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		text = strconv.FormatBool(v)
	default:
		return nil, errInvalid("%s.value is required (a string, number or boolean)", field)
	}
	expr := regexp.QuoteMeta(text)
	if nb.IsRegex {
		expr = text
	}
	if !nb.MatchCase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, errInvalid("%s.value is not a valid regular expression: %v", field, err)
	}
	return func(ev *traceEvent) bool {
		if re.MatchString(ev.script) || re.MatchString(ev.url) {
			return true
		}
		for _, l := range ev.logs {
			if re.MatchString(joinArgs(l.Message)) {
				return true
			}
		}
		for _, x := range ev.exc {
			if re.MatchString(x.Name + ": " + x.Message) {
				return true
			}
		}
		return false
	}, nil
}

// events returns the selected events, oldest first.
func (s *Server) selectEvents(sel selection) []*traceEvent {
	if !sel.datasets {
		return nil
	}
	s.events.add(s.now(), nil) // drop what aged out while no traffic came
	all := s.events.snapshot(sel.from, sel.to)
	out := all[:0]
	for _, ev := range all {
		if sel.filter.match(ev) && (sel.needle == nil || sel.needle(ev)) {
			out = append(out, ev)
		}
	}
	return out
}

// telemetryQuery serves POST …/telemetry/query.
func (s *Server) telemetryQuery(w http.ResponseWriter, r *http.Request, _ params) {
	start := time.Now()
	var q queryBody
	if e := decodeJSON(r, &q); e != nil {
		fail(w, e)
		return
	}
	if q.QueryID == nil || *q.QueryID == "" {
		fail(w, errInvalid("queryId is required (any id naming this query)"))
		return
	}
	from, to, e := parseTimeframe(q.Timeframe, "timeframe")
	if e != nil {
		fail(w, e)
		return
	}
	if q.View == "" {
		q.View = "events"
	}
	if q.View != "events" && q.View != "calculations" {
		fail(w, errInvalid("view %q is not served by the sandbox: use events or calculations", q.View))
		return
	}
	p := q.Parameters
	if p == nil {
		p = &queryParameters{}
	}
	sel, e := parseSelection(p.Datasets, p.Filters, p.FilterCombination, p.Needle, "parameters.")
	if e != nil {
		fail(w, e)
		return
	}
	sel.from, sel.to = from, to
	resp := s.runObject(q, p, from, to)
	var matched []*traceEvent
	if !q.Dry {
		matched = s.selectEvents(sel)
	}
	switch q.View {
	case "events":
		ev, e := eventsView(q, p, matched)
		if e != nil {
			fail(w, e)
			return
		}
		resp["events"] = ev
	case "calculations":
		calcs, e := calculationsView(q, p, matched, from, to)
		if e != nil {
			fail(w, e)
			return
		}
		resp["calculations"] = calcs
	}
	stats := map[string]any{"elapsed": time.Since(start).Seconds(), "rows_read": len(matched), "bytes_read": len(matched) * 800}
	resp["statistics"] = stats
	resp["run"].(map[string]any)["statistics"] = stats
	ok(w, resp)
}

// runObject is the response's "run": the query as the API echoes it.
func (s *Server) runObject(q queryBody, p *queryParameters, from, to int64) map[string]any {
	now := s.now().UTC().Format(time.RFC3339Nano)
	params := map[string]any{
		"datasets": nonNil(p.Datasets), "filters": nonNil(p.Filters), "calculations": nonNil(p.Calculations),
		"groupBys": nonNil(p.GroupBys), "havings": []any{}, "filterCombination": orDefault(p.FilterCombination, "and"),
	}
	if p.Needle != nil {
		params["needle"] = p.Needle
	}
	if p.OrderBy != nil {
		params["orderBy"] = p.OrderBy
	}
	if p.Limit != nil {
		params["limit"] = int64(*p.Limit)
	}
	return map[string]any{
		"run": map[string]any{
			"id": "run-" + *q.QueryID, "accountId": s.AccountID(), "dry": q.Dry, "granularity": q.Granularity,
			"status": "COMPLETED", "timeframe": map[string]int64{"from": from, "to": to}, "userId": s.userID(),
			"created": now, "updated": now,
			"query": map[string]any{
				"id": *q.QueryID, "adhoc": true, "created": now, "createdBy": s.userID(), "description": nil,
				"name": *q.QueryID, "parameters": params, "updated": now, "updatedBy": s.userID(),
			},
		},
	}
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// intLimit checks a limit within 1..max (def when absent).
func intLimit(v *float64, field string, def, maxV int) (int, *apiError) {
	if v == nil {
		return def, nil
	}
	if *v != math.Trunc(*v) || *v < 1 || *v > float64(maxV) {
		return 0, errInvalid("%s must be a whole number within 1..%d", field, maxV)
	}
	return int(*v), nil
}

// describeCalc is a calculation's name, e.g. "p99($workers.cpuTimeMs)".
func describeCalc(c calcBody) string {
	if c.Key == "" {
		return c.Operator
	}
	return fmt.Sprintf("%s(%s)", c.Operator, c.Key)
}
