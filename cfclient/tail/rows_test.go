package tail

import (
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
)

// TestRowsOfOneInvocation joins Workers Logs rows the way Cloudflare
// stores them when the source is not a TraceItem: the invocation's own row
// (outcome, times, request) and a row per console line, one with an error.
func TestRowsOfOneInvocation(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	rows := []cfclient.TelemetryEvent{
		{ID: "3", Time: at.Add(2 * time.Millisecond), Type: "cf-worker", Level: "error", Message: "checkout failed",
			Error: "TypeError: x is undefined", RequestID: "r1", Script: "shop", Source: map[string]any{"stack": "at f (a.js:1:1)"}},
		{ID: "1", Time: at, Type: cfclient.TelemetryInvocation, RequestID: "r1", Script: "shop", Namespace: "production",
			Outcome: "exception", CPUTimeMs: 4, WallTimeMs: 9, EventType: "fetch", Trigger: "POST /cart",
			Event: map[string]any{"request": map[string]any{"url": "https://shop.example/cart", "method": "post",
				"headers": map[string]any{"Authorization": "Bearer t", "accept": "*/*"}}, "response": map[string]any{"status": 500.0}}},
		{ID: "2", Time: at.Add(time.Millisecond), Type: "cf-worker", Level: "log", Message: "adding item", RequestID: "r1", Script: "shop"},
	}
	if !hasInvocation(rows) {
		t.Fatal("the invocation row was not recognised")
	}
	ev := fromRows("r1/shop", rows)
	if ev.ID != "lr1/shop" || ev.Origin != FromLogs || !ev.Time.Equal(at) || ev.Outcome != "exception" || ev.Status != 500 ||
		ev.Method != "POST" || ev.URL != "https://shop.example/cart" || ev.Namespace != "production" || ev.CPUMs != 4 || ev.WallMs != 9 {
		t.Fatalf("event %+v", ev)
	}
	if len(ev.Logs) != 2 || ev.Logs[0].Text != "adding item" || ev.Logs[1].Level != "error" {
		t.Errorf("logs %+v", ev.Logs)
	}
	if len(ev.Exceptions) != 1 || ev.Exceptions[0].Name != "TypeError" || ev.Exceptions[0].Stack != "at f (a.js:1:1)" {
		t.Errorf("exceptions %+v", ev.Exceptions)
	}
	for _, h := range ev.Headers {
		if h.Name == "authorization" && h.Value != "REDACTED" {
			t.Errorf("authorization kept: %q", h.Value)
		}
	}
}
