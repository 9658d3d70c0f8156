package cfclient

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/workers"
)

// wireQuery is the body of a telemetry query, in the API's JSON (the
// SDK's param types need the root package's constructors, which wfp does
// not import; its response types are used as they are).
type wireQuery struct {
	QueryID         string        `json:"queryId"`
	View            string        `json:"view"`
	Timeframe       wireTimeframe `json:"timeframe"`
	Limit           int           `json:"limit,omitempty"`
	Offset          string        `json:"offset,omitempty"`
	OffsetDirection string        `json:"offsetDirection,omitempty"`
	IgnoreSeries    bool          `json:"ignoreSeries,omitempty"`
	Parameters      wireParams    `json:"parameters"`
}

type wireTimeframe struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

type wireParams struct {
	Datasets          []string          `json:"datasets"`
	Filters           []wireFilter      `json:"filters,omitempty"`
	FilterCombination string            `json:"filterCombination,omitempty"`
	Needle            *wireNeedle       `json:"needle,omitempty"`
	Calculations      []wireCalculation `json:"calculations,omitempty"`
	GroupBys          []wireGroupBy     `json:"groupBys,omitempty"`
	Limit             int               `json:"limit,omitempty"`
}

type wireFilter struct {
	Key       string `json:"key"`
	Operation string `json:"operation"`
	Type      string `json:"type"`
	Value     any    `json:"value,omitempty"`
}

type wireNeedle struct {
	Value     string `json:"value"`
	IsRegex   bool   `json:"isRegex"`
	MatchCase bool   `json:"matchCase"`
}

type wireCalculation struct {
	Operator string `json:"operator"`
	Key      string `json:"key,omitempty"`
	KeyType  string `json:"keyType,omitempty"`
	Alias    string `json:"alias,omitempty"`
}

type wireGroupBy struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// wire builds the query body for view.
func (q TelemetryQuery) wire(view string) wireQuery {
	w := wireQuery{
		QueryID:    "wfp-" + view,
		View:       view,
		Timeframe:  wireTimeframe{From: q.From.UnixMilli(), To: q.To.UnixMilli()},
		Parameters: wireParams{Datasets: []string{"cloudflare-workers"}},
	}
	for _, f := range q.Filters {
		typ := f.Type
		if typ == "" {
			typ = "string"
		}
		w.Parameters.Filters = append(w.Parameters.Filters, wireFilter{Key: f.Key, Operation: f.Operation, Type: typ, Value: f.Value})
	}
	if len(q.Filters) > 0 {
		w.Parameters.FilterCombination = "and"
		if q.Or {
			w.Parameters.FilterCombination = "or"
		}
	}
	if q.Needle != "" {
		w.Parameters.Needle = &wireNeedle{Value: q.Needle}
	}
	return w
}

// query sends one telemetry query through the SDK service (on the
// client's http.Client, so through the throttle).
func (c *Client) query(ctx context.Context, body wireQuery) (*workers.ObservabilityTelemetryQueryResponse, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode telemetry query: %w", err)
	}
	var p workers.ObservabilityTelemetryQueryParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	return c.telemetry().Query(telemetryCtx(ctx), p, option.WithRequestBody("application/json", raw))
}
