package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/shared"
	"github.com/cloudflare/cloudflare-go/v6/workers"
)

// telemetrySandbox is a sandbox with 3,000 requests of traffic in the last
// few minutes, and the SDK's telemetry service pointed at it.
func telemetrySandbox(t *testing.T) (*Server, *workers.ObservabilityTelemetryService, *manualClock) {
	t.Helper()
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 300, Now: clock.Now, Traffic: 10})
	clock.Advance(5 * time.Minute)
	if n := s.AdvanceTraffic(); n != 3000 {
		t.Fatalf("AdvanceTraffic = %d, want 3000", n)
	}
	return s, workers.NewObservabilityTelemetryService(sdkOptions(s)...), clock
}

// rawQuery runs a query whose body is given as JSON, decoded by the SDK.
func rawQuery(t *testing.T, s *Server, svc *workers.ObservabilityTelemetryService, body string) (*workers.ObservabilityTelemetryQueryResponse, error) {
	t.Helper()
	var p workers.ObservabilityTelemetryQueryParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	return svc.Query(context.Background(), p, option.WithRequestBody("application/json", []byte(body)))
}

func timeframe(c *manualClock, d time.Duration) string {
	to := c.Now().UnixMilli()
	b, _ := json.Marshal(map[string]int64{"from": to - d.Milliseconds(), "to": to})
	return string(b)
}

func TestTelemetryEventsDecodeWithTheSDK(t *testing.T) {
	s, svc, clock := telemetrySandbox(t)
	ctx := context.Background()

	// A query built with the SDK's own types.
	var p workers.ObservabilityTelemetryQueryParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	p.QueryID.Value, p.QueryID.Present = "errors", true
	to := float64(clock.Now().UnixMilli())
	p.Timeframe.Value, p.Timeframe.Present = workers.ObservabilityTelemetryQueryParamsTimeframe{}, true
	p.Timeframe.Value.From.Value, p.Timeframe.Value.From.Present = to-float64(15*time.Minute/time.Millisecond), true
	p.Timeframe.Value.To.Value, p.Timeframe.Value.To.Present = to, true
	p.View.Value, p.View.Present = workers.ObservabilityTelemetryQueryParamsViewEvents, true
	p.Limit.Value, p.Limit.Present = 20, true
	var leaf workers.ObservabilityTelemetryQueryParamsParametersFiltersWorkersObservabilityFilterLeaf
	leaf.Key.Value, leaf.Key.Present = "$workers.outcome", true
	leaf.Operation.Value, leaf.Operation.Present = workers.ObservabilityTelemetryQueryParamsParametersFiltersWorkersObservabilityFilterLeafOperationEq, true
	leaf.Type.Value, leaf.Type.Present = workers.ObservabilityTelemetryQueryParamsParametersFiltersWorkersObservabilityFilterLeafTypeString, true
	leaf.Value.Value, leaf.Value.Present = shared.UnionString("exceededCpu"), true
	p.Parameters.Present = true
	p.Parameters.Value.Filters.Value, p.Parameters.Value.Filters.Present = []workers.ObservabilityTelemetryQueryParamsParametersFilterUnion{leaf}, true
	res, err := svc.Query(ctx, p)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if res.Run.Query.ID != "errors" || res.Run.Status != "COMPLETED" || res.Run.AccountID != s.AccountID() {
		t.Errorf("run = %+v", res.Run)
	}
	evs := res.Events.Events
	if len(evs) == 0 || len(evs) > 20 || res.Events.Count < float64(len(evs)) {
		t.Fatalf("%d events of count %v", len(evs), res.Events.Count)
	}
	for i, ev := range evs {
		w := ev.Workers
		if w.Outcome != "exceededCpu" || ev.Metadata.Level != "error" || ev.Metadata.Error == "" || ev.Metadata.ID == "" ||
			w.ScriptName == "" || w.ScriptName != ev.Metadata.Service || w.EventType != "fetch" || ev.Dataset != telemetryDataset || ev.Metadata.StatusCode != 503 {
			t.Fatalf("event %d = %+v / %+v", i, ev.Metadata, w)
		}
		// The SDK decodes $workers through a union whose variant lacks
		// cpuTimeMs, wallTimeMs and dispatchNamespace: they arrive in
		// ExtraFields.
		x := w.JSON.ExtraFields
		if x["cpuTimeMs"].Raw() == "" || x["cpuTimeMs"].Raw() == "0" || x["dispatchNamespace"].Raw() != `"production"` || x["wallTimeMs"].Raw() == "" {
			t.Fatalf("event %d $workers extra fields %v", i, x)
		}
		if i > 0 && ev.Timestamp > evs[i-1].Timestamp {
			t.Fatalf("events are not newest first")
		}
		// The source is the trace-v1 TraceItem.
		var item struct {
			Outcome    string            `json:"outcome"`
			ScriptName string            `json:"scriptName"`
			Logs       []json.RawMessage `json:"logs"`
			Exceptions []json.RawMessage `json:"exceptions"`
			Event      struct {
				Request struct{ URL, Method string }
			} `json:"event"`
		}
		raw, _ := json.Marshal(ev.Source)
		if err := json.Unmarshal(raw, &item); err != nil || item.Outcome != w.Outcome || item.ScriptName != w.ScriptName ||
			item.Logs == nil || item.Exceptions == nil || item.Event.Request.URL == "" {
			t.Fatalf("source = %s (%v)", raw, err)
		}
	}
}

func TestTelemetryPagesWithoutGapsOrDuplicates(t *testing.T) {
	s, svc, clock := telemetrySandbox(t)
	tf := timeframe(clock, 10*time.Minute)
	filter := `"parameters":{"filters":[{"key":"$workers.scriptName","operation":"neq","type":"string","value":"nobody"}]}`
	seen := map[string]bool{}
	offset, total := "", -1
	for page := 0; ; page++ {
		body := `{"queryId":"page","view":"events","limit":500,"timeframe":` + tf + `,` + filter
		if offset != "" {
			body += `,"offset":"` + offset + `"`
		}
		res, err := rawQuery(t, s, svc, body+`}`)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		total = int(res.Events.Count)
		if len(res.Events.Events) == 0 {
			break
		}
		for _, ev := range res.Events.Events {
			if seen[ev.Metadata.ID] {
				t.Fatalf("page %d repeats %s", page, ev.Metadata.ID)
			}
			seen[ev.Metadata.ID] = true
		}
		offset = res.Events.Events[len(res.Events.Events)-1].Metadata.ID
	}
	if len(seen) != total || total < 1000 || total != s.events.len() {
		t.Fatalf("paged %d events of count %d (ring %d)", len(seen), total, s.events.len())
	}
}

func TestTelemetryHealthCalculations(t *testing.T) {
	s, svc, clock := telemetrySandbox(t)
	body := `{"queryId":"health","view":"calculations","timeframe":` + timeframe(clock, 15*time.Minute) + `,
		"parameters":{"groupBys":[{"type":"string","value":"$workers.scriptName"}],
		"filters":[{"key":"$workers.dispatchNamespace","operation":"eq","type":"string","value":"production"}],
		"calculations":[{"operator":"count","alias":"requests"},{"operator":"count","key":"$metadata.error","alias":"errors"},
			{"operator":"p50","key":"$workers.cpuTimeMs","keyType":"number","alias":"cpu_p50"},
			{"operator":"p99","key":"$workers.cpuTimeMs","keyType":"number","alias":"cpu_p99"}],
		"orderBy":{"value":"errors","order":"desc"},"limit":1000}}`
	res, err := rawQuery(t, s, svc, body)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if len(res.Calculations) != 4 || res.Calculations[1].Alias != "errors" || res.Calculations[2].Calculation != "p50($workers.cpuTimeMs)" {
		t.Fatalf("calculations = %+v", res.Calculations)
	}
	// Recompute from the ring.
	type want struct {
		n, errs int
		cpu     []int
	}
	by := map[string]*want{}
	for _, ev := range s.events.snapshot(0, clock.Now().UnixMilli()) {
		if ev.namespace != seedProduction {
			continue
		}
		w := by[ev.script]
		if w == nil {
			w = &want{}
			by[ev.script] = w
		}
		w.n++
		if ev.errorText() != "" {
			w.errs++
		}
		w.cpu = append(w.cpu, ev.cpuMs)
	}
	errAggs := res.Calculations[1].Aggregates
	if len(errAggs) != len(by) {
		t.Fatalf("%d groups, want %d", len(errAggs), len(by))
	}
	if !sort.SliceIsSorted(errAggs, func(i, j int) bool { return errAggs[i].Value > errAggs[j].Value }) || errAggs[0].Value == 0 {
		t.Fatalf("not sorted by errors, or no errors: first %+v", errAggs[0])
	}
	for i, agg := range errAggs {
		if len(agg.Groups) != 1 || agg.Groups[0].Key != "$workers.scriptName" {
			t.Fatalf("groups %+v", agg.Groups)
		}
		name := string(agg.Groups[0].Value.(shared.UnionString))
		w := by[name]
		slices.Sort(w.cpu)
		p50 := w.cpu[(len(w.cpu)+1)/2-1]
		reqs, p50got := res.Calculations[0].Aggregates[i], res.Calculations[2].Aggregates[i]
		if w == nil || int(agg.Value) != w.errs || int(reqs.Value) != w.n || int(p50got.Value) != p50 ||
			string(reqs.Groups[0].Value.(shared.UnionString)) != name {
			t.Fatalf("%s: requests %v errors %v p50 %v, want %+v p50 %d", name, reqs.Value, agg.Value, p50got.Value, w, p50)
		}
	}
}

func TestTelemetryKeysAndValues(t *testing.T) {
	s, svc, clock := telemetrySandbox(t)
	ctx := context.Background()
	var kp workers.ObservabilityTelemetryKeysParams
	kp.AccountID.Value, kp.AccountID.Present = s.AccountID(), true
	keys, err := svc.Keys(ctx, kp)
	if err != nil || len(keys.Result) < 10 {
		t.Fatalf("Keys = %v, %v", keys, err)
	}
	types := map[string]string{}
	for _, k := range keys.Result {
		types[k.Key] = string(k.Type)
		if k.LastSeenAt <= 0 {
			t.Errorf("key %s last seen %v", k.Key, k.LastSeenAt)
		}
	}
	if types["$workers.scriptName"] != "string" || types["$workers.cpuTimeMs"] != "number" {
		t.Fatalf("key types %v", types)
	}
	var vp workers.ObservabilityTelemetryValuesParams
	vp.AccountID.Value, vp.AccountID.Present = s.AccountID(), true
	vp.Datasets.Value, vp.Datasets.Present = []string{}, true
	vp.Key.Value, vp.Key.Present = "$workers.outcome", true
	vp.Type.Value, vp.Type.Present = workers.ObservabilityTelemetryValuesParamsTypeString, true
	to := float64(clock.Now().UnixMilli())
	vp.Timeframe.Present = true
	vp.Timeframe.Value.From.Value, vp.Timeframe.Value.From.Present = to-3.6e6, true
	vp.Timeframe.Value.To.Value, vp.Timeframe.Value.To.Present = to, true
	vals, err := svc.Values(ctx, vp)
	if err != nil {
		t.Fatalf("Values: %v", err)
	}
	var got []string
	for _, v := range vals.Result {
		got = append(got, string(v.Value.(shared.UnionString)))
	}
	if !slices.Contains(got, "ok") || !slices.Contains(got, "exceededCpu") || got[0] != "ok" {
		t.Fatalf("outcome values %v", got)
	}
}

func TestTelemetryRefusesBadQueries(t *testing.T) {
	s, _, clock := telemetrySandbox(t)
	tf := timeframe(clock, time.Minute)
	path := acct(s) + "/workers/observability/telemetry/query"
	for body, field := range map[string]string{
		`{"timeframe":` + tf + `}`:                               "queryId",
		`{"queryId":"q"}`:                                        "timeframe",
		`{"queryId":"q","timeframe":{"from":5,"to":1}}`:          "timeframe",
		`{"queryId":"q","view":"traces","timeframe":` + tf + `}`: "view",
		`{"queryId":"q","limit":0,"timeframe":` + tf + `}`:       "limit",
		`{"queryId":"q","offset":"nope","timeframe":` + tf + `}`: "offset",
		`{"queryId":"q","timeframe":` + tf + `,"parameters":{"filters":[{"key":"$workers.bogus","operation":"eq","value":"x"}]}}`:                     "filters[0].key",
		`{"queryId":"q","timeframe":` + tf + `,"parameters":{"filters":[{"key":"status","operation":"like","value":"x"}]}}`:                           "filters[0].operation",
		`{"queryId":"q","timeframe":` + tf + `,"parameters":{"filters":[{"key":"status","operation":"eq","value":"5xx"}]}}`:                           "filters[0].value",
		`{"queryId":"q","view":"calculations","timeframe":` + tf + `,"parameters":{"calculations":[{"operator":"p99","key":"$workers.scriptName"}]}}`: "calculations[0]",
		`{"queryId":"q","timeframe":` + tf + `,"parameters":{"needle":{"value":"(","isRegex":true}}}`:                                                 "needle",
	} {
		r := do(t, s, http.MethodPost, path, body)
		_, errs, _, _ := r.env(t)
		if r.Status != 400 || len(errs) == 0 || !strings.Contains(errs[0].Message, field) {
			t.Errorf("%s: %d %s, want 400 naming %s", body, r.Status, r.Body, field)
		}
	}
}

func TestTelemetryFiltersAndNeedle(t *testing.T) {
	s, svc, clock := telemetrySandbox(t)
	tf := timeframe(clock, 10*time.Minute)
	res, err := rawQuery(t, s, svc, `{"queryId":"q","limit":2000,"timeframe":`+tf+`,"parameters":{"filterCombination":"and","filters":[
		{"key":"status","operation":"gte","type":"number","value":500},
		{"kind":"group","filterCombination":"or","filters":[{"key":"level","operation":"eq","value":"error"},{"key":"outcome","operation":"eq","value":"ok"}]}]}}`)
	if err != nil || len(res.Events.Events) == 0 {
		t.Fatalf("status >= 500: %v, %v", res, err)
	}
	for _, ev := range res.Events.Events {
		if ev.Metadata.StatusCode < 500 {
			t.Fatalf("status %d passed gte 500", ev.Metadata.StatusCode)
		}
	}
	res, err = rawQuery(t, s, svc, `{"queryId":"q","limit":2000,"timeframe":`+tf+`,"parameters":{"needle":{"value":"MISSING CUSTOMER"}}}`)
	if err != nil || len(res.Events.Events) == 0 {
		t.Fatalf("needle: %v, %v", res, err)
	}
	for _, ev := range res.Events.Events {
		if ev.Workers.Outcome != "exception" {
			t.Fatalf("needle matched a %s event", ev.Workers.Outcome)
		}
	}
}

func TestTelemetryGroupsByTwoKeys(t *testing.T) {
	s, svc, clock := telemetrySandbox(t)
	res, err := rawQuery(t, s, svc, `{"queryId":"q","view":"calculations","ignoreSeries":true,"timeframe":`+timeframe(clock, time.Hour)+`,
		"parameters":{"groupBys":[{"type":"string","value":"$workers.scriptName"},{"type":"string","value":"$workers.outcome"}],
		"calculations":[{"operator":"count"}],"limit":10000}}`)
	if err != nil {
		t.Fatal(err)
	}
	total, seen := 0, map[string]bool{}
	for _, agg := range res.Calculations[0].Aggregates {
		if len(agg.Groups) != 2 || agg.Groups[1].Key != "$workers.outcome" {
			t.Fatalf("groups %+v", agg.Groups)
		}
		k := string(agg.Groups[0].Value.(shared.UnionString)) + "/" + string(agg.Groups[1].Value.(shared.UnionString))
		if seen[k] {
			t.Fatalf("group %s twice", k)
		}
		seen[k] = true
		total += int(agg.Value)
	}
	if total != s.events.len() || len(res.Calculations[0].Series) != 0 {
		t.Fatalf("groups count %d events, the ring holds %d; series %d", total, s.events.len(), len(res.Calculations[0].Series))
	}
}
