package health

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
)

// Load reads the health of the scripts of ns (every script when ns is "")
// over the Window before now: two calculations, grouped by script.
func Load(ctx context.Context, src Source, ns string, now time.Time) ([]Row, error) {
	// The end reaches a minute past now: the server's clock may be ahead
	// of ours.
	q := cfclient.TelemetryQuery{From: now.Add(-Window), To: now.Add(time.Minute), Limit: 1000}
	if ns != "" {
		q.Filters = []cfclient.TelemetryFilter{{Key: cfclient.TelemetryKeyNamespace, Operation: "eq", Value: ns}}
	}
	by := []string{cfclient.TelemetryKeyService, cfclient.TelemetryKeyNamespace}
	all, err := src.TelemetryCalculations(ctx, q, []cfclient.TelemetryCalculation{
		{Operator: "count", Alias: "requests"},
		{Operator: "p50", Key: cfclient.TelemetryKeyCPU, Alias: "cpu_p50"},
		{Operator: "p99", Key: cfclient.TelemetryKeyCPU, Alias: "cpu_p99"},
	}, by)
	if err != nil {
		return nil, fmt.Errorf("health: requests per script: %w", err)
	}
	qe := q
	qe.Filters = append(slices.Clone(q.Filters), cfclient.TelemetryFilter{
		Key: cfclient.TelemetryKeyOutcome, Operation: "not_in", Value: []string{"ok", "canceled"}})
	errs, err := src.TelemetryCalculations(ctx, qe, []cfclient.TelemetryCalculation{{Operator: "count", Alias: "errors"}},
		append(by, cfclient.TelemetryKeyOutcome))
	if err != nil {
		return nil, fmt.Errorf("health: errors per script: %w", err)
	}
	return merge(all, errs), nil
}

// merge joins the two answers into rows sorted by errors, then error rate,
// then name.
func merge(all, errs []cfclient.TelemetryGroup) []Row {
	index := map[string]int{}
	var rows []Row
	row := func(g cfclient.TelemetryGroup) *Row {
		s, ns := g.Keys[cfclient.TelemetryKeyService], g.Keys[cfclient.TelemetryKeyNamespace]
		k := ns + "/" + s
		i, ok := index[k]
		if !ok {
			i = len(rows)
			index[k] = i
			rows = append(rows, Row{Script: s, Namespace: ns, errorsByOutcome: map[string]int{}})
		}
		return &rows[i]
	}
	for _, g := range all {
		r := row(g)
		r.Requests = int(g.Values["requests"])
		r.CPUP50, r.CPUP99 = g.Values["cpu_p50"], g.Values["cpu_p99"]
	}
	for _, g := range errs {
		r := row(g)
		n := int(g.Values["errors"])
		r.Errors += n
		r.errorsByOutcome[g.Keys[cfclient.TelemetryKeyOutcome]] += n
	}
	for i := range rows {
		best := 0
		for o, n := range rows[i].errorsByOutcome {
			if n > best || n == best && o < rows[i].TopError {
				best, rows[i].TopError = n, o
			}
		}
		rows[i].Requests = max(rows[i].Requests, rows[i].Errors)
	}
	slices.SortFunc(rows, func(a, b Row) int {
		switch {
		case a.Errors != b.Errors:
			return b.Errors - a.Errors
		case a.Rate() != b.Rate():
			if a.Rate() > b.Rate() {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Namespace+"/"+a.Script, b.Namespace+"/"+b.Script)
	})
	return rows
}
