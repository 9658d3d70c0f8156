package cfclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/shared"
	"github.com/cloudflare/cloudflare-go/v6/workers"

	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// Workers Logs: the telemetry query API (POST …/workers/observability/
// telemetry/query, /keys, /values). It holds the logs of every script whose
// settings have observability.enabled, for a bounded retention (7 days on
// Cloudflare), and is the only log source for user scripts in a dispatch
// namespace (they have no live tail). Every query is one API request
// against the token's 1200 / 5 min budget; callers that poll mark their
// context throttle.Background. Queries are reads sent as POST: they are
// marked retryable for the throttle.

// Telemetry keys wfp reads and filters on.
const (
	TelemetryKeyID        = "$metadata.id"
	TelemetryKeyService   = "$metadata.service"
	TelemetryKeyType      = "$metadata.type"
	TelemetryKeyLevel     = "$metadata.level"
	TelemetryKeyError     = "$metadata.error"
	TelemetryKeyScript    = "$workers.scriptName"
	TelemetryKeyNamespace = "$workers.dispatchNamespace"
	TelemetryKeyOutcome   = "$workers.outcome"
	TelemetryKeyCPU       = "$workers.cpuTimeMs"
	TelemetryKeyWall      = "$workers.wallTimeMs"
	TelemetryKeyRequestID = "$workers.requestId"
	// TelemetryInvocation is $metadata.type of the one row an invocation
	// writes about itself (its logs are rows of type "cf-worker").
	TelemetryInvocation = "cf-worker-event"
)

// TelemetryFilter is one condition of a query: Key Operation Value, with
// Type "string" (default), "number" or "boolean". Operations are the
// API's: eq, neq, in, not_in, includes, starts_with, regex, exists, gt, …
type TelemetryFilter struct {
	Key, Operation, Type string
	Value                any
}

// TelemetryQuery is what a query looks at: a timeframe, filters (all must
// hold, or any with Or), a free-text needle, a page size and a cursor.
type TelemetryQuery struct {
	From, To time.Time
	Filters  []TelemetryFilter
	Or       bool
	// Needle searches the events' text (case-insensitive).
	Needle string
	// Limit caps the events of one page (default 100).
	Limit int
	// Offset is the cursor: the last event's ID of the previous page.
	Offset string
}

// TelemetryEvent is one row of Workers Logs: an invocation's own row
// (Type TelemetryInvocation) or one of its console lines.
type TelemetryEvent struct {
	ID        string // $metadata.id: unique, the cursor and the de-duplication key
	Time      time.Time
	Type      string // $metadata.type
	Level     string
	Message   string
	Error     string
	Service   string // the script
	Trigger   string // "GET /path"
	RequestID string
	URL       string
	Status    int
	// From $workers: the invocation the row belongs to.
	Script, Namespace, Outcome, EventType string
	CPUTimeMs, WallTimeMs                 float64
	Truncated                             bool
	// Event is $workers.event (request, response, …) as decoded JSON.
	Event map[string]any
	// Source is the row's own payload (a console.log's arguments).
	Source any
}

// TelemetryEvents is one page of the events view.
type TelemetryEvents struct {
	Events []TelemetryEvent
	// Count is how many events the whole timeframe holds, when the API says.
	Count int
}

// TelemetryCalculation asks for one aggregate: Operator (count, avg, p50,
// p99, …) of Key (none for count), shown under Alias.
type TelemetryCalculation struct {
	Operator, Key, Alias string
}

// TelemetryGroup is one group of a calculations answer: the group-by
// values (by key) and each calculation's value (by alias, or operator
// when it has none).
type TelemetryGroup struct {
	Keys   map[string]string
	Values map[string]float64
	Count  int
}

// telemetryCtx marks a query a retryable read.
func telemetryCtx(ctx context.Context) context.Context { return throttle.WithRetryable(ctx) }

// check names what is wrong with a query.
func (q TelemetryQuery) check() check {
	switch {
	case q.From.IsZero() || q.To.IsZero():
		return check{"timeframe", "needs a start and an end"}
	case q.To.Before(q.From):
		return check{"timeframe", fmt.Sprintf("ends (%s) before it starts (%s)", q.To.Format(time.RFC3339), q.From.Format(time.RFC3339))}
	case q.Limit < 0 || q.Limit > 2000:
		return check{"limit", fmt.Sprintf("must be between 1 and 2000 (got %d)", q.Limit)}
	}
	for _, f := range q.Filters {
		if f.Key == "" || f.Operation == "" {
			return check{"filter", "needs a key and an operation"}
		}
	}
	return check{}
}

// TelemetryEvents runs the events view: one page of rows, oldest first
// within the page as the API orders them. Page on with Offset set to the
// last event's ID.
func (c *Client) TelemetryEvents(ctx context.Context, q TelemetryQuery) (TelemetryEvents, error) {
	const op = "telemetry.events"
	if err := firstFailure(op, "", q.check()); err != nil {
		return TelemetryEvents{}, err
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	body := q.wire("events")
	body.Limit = q.Limit
	if q.Offset != "" {
		body.Offset, body.OffsetDirection = q.Offset, "next"
	}
	res, err := c.query(ctx, body)
	if err != nil {
		return TelemetryEvents{}, telemetryHint(c.fail(op, "", false, err))
	}
	out := TelemetryEvents{Count: int(res.Events.Count), Events: make([]TelemetryEvent, 0, len(res.Events.Events))}
	for _, e := range res.Events.Events {
		out.Events = append(out.Events, fromSDKEvent(e))
	}
	return out, nil
}

// wireWorkers is an event's $workers as sent. cloudflare-go v6.10.0 decodes
// $workers through a union whose variant has no cpuTimeMs, wallTimeMs or
// dispatchNamespace, so those are read from the event's raw JSON here.
type wireWorkers struct {
	Workers struct {
		ScriptName        string         `json:"scriptName"`
		DispatchNamespace string         `json:"dispatchNamespace"`
		Outcome           string         `json:"outcome"`
		EventType         string         `json:"eventType"`
		RequestID         string         `json:"requestId"`
		CPUTimeMs         float64        `json:"cpuTimeMs"`
		WallTimeMs        float64        `json:"wallTimeMs"`
		Truncated         bool           `json:"truncated"`
		Event             map[string]any `json:"event"`
	} `json:"$workers"`
}

// fromSDKEvent copies the fields wfp uses out of the SDK's event.
func fromSDKEvent(e workers.ObservabilityTelemetryQueryResponseEventsEvent) TelemetryEvent {
	m := e.Metadata
	ev := TelemetryEvent{
		ID: m.ID, Time: time.UnixMilli(e.Timestamp), Type: m.Type, Level: m.Level, Message: m.Message,
		Error: m.Error, Service: m.Service, Trigger: m.Trigger, RequestID: m.RequestID, URL: m.URL,
		Status: int(m.StatusCode), Source: e.Source,
	}
	var w wireWorkers
	if raw := e.JSON.RawJSON(); raw != "" && json.Unmarshal([]byte(raw), &w) == nil {
		x := w.Workers
		ev.Script, ev.Namespace, ev.Outcome, ev.EventType = x.ScriptName, x.DispatchNamespace, x.Outcome, x.EventType
		ev.CPUTimeMs, ev.WallTimeMs, ev.Truncated, ev.Event = x.CPUTimeMs, x.WallTimeMs, x.Truncated, x.Event
		if ev.RequestID == "" {
			ev.RequestID = x.RequestID
		}
	}
	if ev.Script == "" {
		ev.Script = ev.Service
	}
	return ev
}

// TelemetryCalculations runs the calculations view: each calculation over
// the query's events, per group of the groupBy keys (string keys).
func (c *Client) TelemetryCalculations(ctx context.Context, q TelemetryQuery, calcs []TelemetryCalculation, groupBy []string) ([]TelemetryGroup, error) {
	const op = "telemetry.calculations"
	if err := firstFailure(op, "", q.check()); err != nil {
		return nil, err
	}
	if len(calcs) == 0 {
		return nil, validationError(op, "", "calculations", "name at least one")
	}
	body := q.wire("calculations")
	for _, k := range calcs {
		w := wireCalculation{Operator: k.Operator, Key: k.Key, Alias: k.Alias}
		if k.Key != "" {
			w.KeyType = "number"
		}
		body.Parameters.Calculations = append(body.Parameters.Calculations, w)
	}
	for _, g := range groupBy {
		body.Parameters.GroupBys = append(body.Parameters.GroupBys, wireGroupBy{Type: "string", Value: g})
	}
	body.Parameters.Limit = q.Limit
	body.IgnoreSeries = true
	res, err := c.query(ctx, body)
	if err != nil {
		return nil, telemetryHint(c.fail(op, "", false, err))
	}
	return mergeGroups(res.Calculations), nil
}

// mergeGroups joins the calculations' aggregates by their group values:
// one TelemetryGroup per distinct group, holding every calculation.
func mergeGroups(calcs []workers.ObservabilityTelemetryQueryResponseCalculation) []TelemetryGroup {
	var out []TelemetryGroup
	index := map[string]int{}
	for _, calc := range calcs {
		name := calc.Alias
		if name == "" {
			name = calc.Calculation
		}
		for _, a := range calc.Aggregates {
			keys := make(map[string]string, len(a.Groups))
			id := ""
			for _, g := range a.Groups {
				v := unionText(g.Value)
				keys[g.Key] = v
				id += strconv.Quote(g.Key) + "=" + strconv.Quote(v) + ";"
			}
			i, ok := index[id]
			if !ok {
				i = len(out)
				index[id] = i
				out = append(out, TelemetryGroup{Keys: keys, Values: map[string]float64{}})
			}
			out[i].Values[name] = a.Value
			out[i].Count = max(out[i].Count, int(a.Count))
		}
	}
	return out
}

// unionText is a group value as text.
func unionText(v any) string {
	switch x := v.(type) {
	case shared.UnionString:
		return string(x)
	case shared.UnionFloat:
		return strconv.FormatFloat(float64(x), 'f', -1, 64)
	case shared.UnionBool:
		return strconv.FormatBool(bool(x))
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// TelemetryKey is a key the account's events carry.
type TelemetryKey struct {
	Key, Type string
	LastSeen  time.Time
}

// TelemetryKeys lists the keys of the events in a timeframe.
func (c *Client) TelemetryKeys(ctx context.Context, from, to time.Time) ([]TelemetryKey, error) {
	const op = "telemetry.keys"
	if err := firstFailure(op, "", TelemetryQuery{From: from, To: to}.check()); err != nil {
		return nil, err
	}
	var p workers.ObservabilityTelemetryKeysParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	raw, err := json.Marshal(map[string]any{"from": from.UnixMilli(), "to": to.UnixMilli(), "datasets": []string{"cloudflare-workers"}})
	if err != nil {
		return nil, fmt.Errorf("encode telemetry keys: %w", err)
	}
	page, err := c.telemetry().Keys(telemetryCtx(ctx), p, option.WithRequestBody("application/json", raw))
	if err != nil {
		return nil, telemetryHint(c.fail(op, "", false, err))
	}
	out := make([]TelemetryKey, 0, len(page.Result))
	for _, k := range page.Result {
		out = append(out, TelemetryKey{Key: k.Key, Type: string(k.Type), LastSeen: time.UnixMilli(int64(k.LastSeenAt))})
	}
	return out, nil
}

// TelemetryValues lists the distinct values of a string key in a timeframe
// (the scripts that logged, the outcomes seen).
func (c *Client) TelemetryValues(ctx context.Context, key string, from, to time.Time) ([]string, error) {
	const op = "telemetry.values"
	if err := firstFailure(op, key, check{"key", nonEmpty(key)}, TelemetryQuery{From: from, To: to}.check()); err != nil {
		return nil, err
	}
	var p workers.ObservabilityTelemetryValuesParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	raw, err := json.Marshal(map[string]any{
		"datasets": []string{"cloudflare-workers"}, "key": key, "type": "string",
		"timeframe": wireTimeframe{From: from.UnixMilli(), To: to.UnixMilli()},
	})
	if err != nil {
		return nil, fmt.Errorf("encode telemetry values: %w", err)
	}
	page, err := c.telemetry().Values(telemetryCtx(ctx), p, option.WithRequestBody("application/json", raw))
	if err != nil {
		return nil, telemetryHint(c.fail(op, key, false, err))
	}
	out := make([]string, 0, len(page.Result))
	for _, v := range page.Result {
		out = append(out, unionText(v.Value))
	}
	return out, nil
}

// telemetry is the SDK's telemetry service on the client's http.Client.
func (c *Client) telemetry() *workers.ObservabilityTelemetryService {
	return workers.NewObservabilityTelemetryService(
		option.WithBaseURL(c.base.String()),
		option.WithAPIToken(c.opts.Token),
		option.WithMaxRetries(0),
		option.WithHTTPClient(c.http),
	)
}

// telemetryHint names the permission Workers Logs needs, and what a
// refused query usually means.
func telemetryHint(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Kind == ErrForbidden {
		e.Hint = "the token needs Workers Observability Read (Account · Workers Observability · Read) on this account"
	}
	return err
}
