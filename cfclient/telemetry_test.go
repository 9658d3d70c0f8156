package cfclient

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// TestTelemetryQueries runs every telemetry endpoint against the
// sandbox's Workers Logs after simulated traffic.
func TestTelemetryQueries(t *testing.T) {
	now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	e := newTestEnv(t, sandbox.Options{Now: func() time.Time { return now }}, nil)
	e.sb.GenerateTraffic(200)
	ctx := testCtx(t)
	from, to := now.Add(-time.Hour), now.Add(time.Minute)

	page, err := e.c.TelemetryEvents(ctx, TelemetryQuery{From: from, To: to, Limit: 20,
		Filters: []TelemetryFilter{{Key: TelemetryKeyNamespace, Operation: "eq", Value: "production"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 20 || page.Count <= 20 {
		t.Fatalf("%d events of %d", len(page.Events), page.Count)
	}
	for _, ev := range page.Events {
		if ev.ID == "" || ev.Namespace != "production" || ev.Script == "" || ev.Outcome == "" || ev.RequestID == "" ||
			ev.Time.IsZero() || ev.CPUTimeMs == 0 || ev.WallTimeMs == 0 || ev.Event["request"] == nil {
			t.Fatalf("event %s: namespace %q script %q outcome %q request %q cpu %v wall %v",
				ev.ID, ev.Namespace, ev.Script, ev.Outcome, ev.RequestID, ev.CPUTimeMs, ev.WallTimeMs)
		}
	}
	next, err := e.c.TelemetryEvents(ctx, TelemetryQuery{From: from, To: to, Limit: 20, Offset: page.Events[19].ID,
		Filters: []TelemetryFilter{{Key: TelemetryKeyNamespace, Operation: "eq", Value: "production"}}})
	if err != nil || len(next.Events) == 0 || next.Events[0].ID == page.Events[19].ID {
		t.Errorf("the next page: %v %+v", err, next.Events)
	}

	groups, err := e.c.TelemetryCalculations(ctx, TelemetryQuery{From: from, To: to},
		[]TelemetryCalculation{{Operator: "count", Alias: "n"}, {Operator: "p99", Key: TelemetryKeyCPU, Alias: "p99"}},
		[]string{TelemetryKeyOutcome})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]float64{}
	for _, g := range groups {
		outcomes[g.Keys[TelemetryKeyOutcome]] = g.Values["n"]
	}
	if outcomes["ok"] == 0 || outcomes["exceededCpu"] == 0 {
		t.Errorf("counts by outcome %v", outcomes)
	}

	keys, err := e.c.TelemetryKeys(ctx, from, to)
	if err != nil || !slices.ContainsFunc(keys, func(k TelemetryKey) bool { return k.Key == TelemetryKeyService }) {
		t.Errorf("keys %v %v", keys, err)
	}
	vals, err := e.c.TelemetryValues(ctx, TelemetryKeyOutcome, from, to)
	if err != nil || !slices.Contains(vals, "ok") {
		t.Errorf("values %v %v", vals, err)
	}

	if _, err := e.c.TelemetryEvents(ctx, TelemetryQuery{From: to, To: from}); !errors.Is(err, ErrValidation) {
		t.Errorf("a reversed timeframe: %v", err)
	}
	if _, err := e.c.TelemetryCalculations(ctx, TelemetryQuery{From: from, To: to}, nil, nil); !errors.Is(err, ErrValidation) {
		t.Errorf("no calculation: %v", err)
	}
}
