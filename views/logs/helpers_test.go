package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/tail"
	"github.com/wfpconsole/wfp/internal/testenv"
	"github.com/wfpconsole/wfp/ui"
)

// TestMain keeps a developer's real credentials out of the tests.
func TestMain(m *testing.M) { testenv.Main(m) }

// base is the fixed time of the test events.
var base = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

// traceMsg is the trace-v1 message of the i-th synthetic invocation: a
// mix of scripts, methods, outcomes and console lines like the sandbox's
// traffic.
func traceMsg(i int) []byte {
	outcomes := []string{"ok", "ok", "ok", "ok", "ok", "ok", "exception", "exceededCpu", "ok", "canceled"}
	outcome := outcomes[i%len(outcomes)]
	status := 200
	switch outcome {
	case "exception", "exceededCpu":
		status = 500
	}
	if i%13 == 0 {
		status = 404
	}
	script := fmt.Sprintf("tenant-%05d-api-prod", i%97)
	ts := base.Add(time.Duration(i) * time.Millisecond).UnixMilli()
	item := map[string]any{
		"wallTime": 10 + i%40, "cpuTime": 1 + i%9, "truncated": false, "executionModel": "stateless",
		"outcome": outcome, "scriptName": script, "dispatchNamespace": "production",
		"scriptTags":               []string{"tier-pro", fmt.Sprintf("customer-%d", i%97)},
		"diagnosticsChannelEvents": []any{},
		"exceptions":               []any{},
		"logs": []any{
			map[string]any{"message": []any{"handling request", map[string]any{"n": i}}, "level": "log", "timestamp": ts + 1},
		},
		"eventTimestamp": ts,
		"event": map[string]any{
			"request": map[string]any{
				"url":    fmt.Sprintf("https://shop%d.example.com/cart/%d", i%97, i%1000),
				"method": []string{"GET", "POST", "GET", "PUT"}[i%4],
				"headers": map[string]string{"accept": "*/*", "host": fmt.Sprintf("shop%d.example.com", i%97),
					"user-agent": "Mozilla/5.0", "cf-connecting-ip": "203.0.113.7", "authorization": "REDACTED"},
				"cf": map[string]any{"colo": "AMS", "country": "NL", "httpProtocol": "HTTP/2"},
			},
			"response": map[string]any{"status": status},
		},
	}
	if outcome == "exception" {
		item["exceptions"] = []any{map[string]any{"name": "TypeError", "message": "Cannot read properties of undefined (reading 'id')",
			"timestamp": ts + 2, "stack": "TypeError: x\n    at handle (index.js:42:17)"}}
		item["logs"] = append(item["logs"].([]any), map[string]any{"message": []any{"checkout failed"}, "level": "error", "timestamp": ts + 2})
	}
	b, err := json.Marshal(item)
	if err != nil {
		panic(err)
	}
	return b
}

// traceEvent decodes the i-th synthetic invocation.
func traceEvent(t testing.TB, i int) *tail.Event {
	t.Helper()
	ev, err := tail.DecodeTrace(traceMsg(i))
	if err != nil {
		t.Fatal(err)
	}
	return &ev
}

// newTestModel builds a logs screen on a fixed clock whose stream is ch.
func newTestModel(t testing.TB, r ui.Route, ch chan tail.Item, capacity int) *Model {
	t.Helper()
	c := ui.NewCommon(context.Background(), func() time.Time { return base.Add(time.Minute) }, nil)
	c.Styles = ui.NoColorStyles()
	c.Width, c.Height = 80, 21
	m, err := New(c, Deps{Capacity: capacity, Dir: t.TempDir(), Open: func(context.Context, Target) <-chan tail.Item { return ch }}, r)
	if err != nil {
		t.Fatal(err)
	}
	m.Init()
	return m
}

// feed sends items to the model as one batch, as the reader would.
func feed(m *Model, items ...tail.Item) {
	m.Update(itemsMsg{key: m.key, token: m.token, items: items})
}

// events wraps events as items.
func events(evs ...*tail.Event) []tail.Item {
	out := make([]tail.Item, len(evs))
	for i, ev := range evs {
		out[i] = tail.Item{Event: ev}
	}
	return out
}

// press sends a key.
func press(m *Model, k string) tea.Cmd {
	var msg tea.KeyPressMsg
	switch k {
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		msg = tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		msg = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		msg = tea.KeyPressMsg{Code: tea.KeyUp}
	default:
		r := []rune(k)[0]
		msg = tea.KeyPressMsg{Code: r, Text: k}
	}
	_, cmd := m.Update(msg)
	return cmd
}

// typeText types s into whatever has focus.
func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}
