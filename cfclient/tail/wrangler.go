package tail

import (
	"encoding/json"
	"io"
	"strings"
)

// The export format: one TraceItem per line, the objects `wrangler tail
// --format json` prints (wrangler indents them over several lines; one a
// line is the same JSON, and what jq and log tools read). Events from
// Workers Logs are written in the same shape.

type wranglerItem struct {
	WallTime                 float64             `json:"wallTime"`
	CPUTime                  float64             `json:"cpuTime"`
	Truncated                bool                `json:"truncated"`
	ExecutionModel           string              `json:"executionModel"`
	Outcome                  string              `json:"outcome"`
	ScriptName               *string             `json:"scriptName"`
	DispatchNamespace        string              `json:"dispatchNamespace,omitempty"`
	ScriptTags               []string            `json:"scriptTags,omitempty"`
	DiagnosticsChannelEvents []struct{}          `json:"diagnosticsChannelEvents"`
	Exceptions               []wranglerException `json:"exceptions"`
	Logs                     []wranglerLog       `json:"logs"`
	EventTimestamp           *int64              `json:"eventTimestamp"`
	Event                    any                 `json:"event"`
}

type wranglerException struct {
	Name      string `json:"name"`
	Message   string `json:"message"`
	Timestamp int64  `json:"timestamp"`
	Stack     string `json:"stack,omitempty"`
}

type wranglerLog struct {
	Message   json.RawMessage `json:"message"`
	Level     string          `json:"level"`
	Timestamp int64           `json:"timestamp"`
}

type wranglerRequest struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
}

// WriteJSONLines writes events as JSON lines in the shape of `wrangler
// tail --format json`.
func WriteJSONLines(w io.Writer, events []*Event) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, ev := range events {
		if err := enc.Encode(wranglerShape(ev)); err != nil {
			return err
		}
	}
	return nil
}

// wranglerShape is an event as a TraceItem.
func wranglerShape(ev *Event) wranglerItem {
	it := wranglerItem{
		WallTime: ev.WallMs, CPUTime: ev.CPUMs, Truncated: ev.Truncated, ExecutionModel: "stateless",
		Outcome: ev.Outcome, DispatchNamespace: ev.Namespace, ScriptTags: ev.Tags,
		DiagnosticsChannelEvents: []struct{}{},
		Exceptions:               make([]wranglerException, 0, len(ev.Exceptions)),
		Logs:                     make([]wranglerLog, 0, len(ev.Logs)),
	}
	if ev.Script != "" {
		s := ev.Script
		it.ScriptName = &s
	}
	if !ev.Time.IsZero() {
		ms := ev.Time.UnixMilli()
		it.EventTimestamp = &ms
	}
	for _, x := range ev.Exceptions {
		it.Exceptions = append(it.Exceptions, wranglerException{Name: x.Name, Message: x.Message, Timestamp: x.Time.UnixMilli(), Stack: x.Stack})
	}
	for _, l := range ev.Logs {
		msg := json.RawMessage(l.Args)
		if l.Args == "" {
			b, _ := json.Marshal([]string{l.Text})
			msg = b
		}
		it.Logs = append(it.Logs, wranglerLog{Message: msg, Level: l.Level, Timestamp: l.Time.UnixMilli()})
	}
	switch ev.Kind {
	case "fetch":
		req := wranglerRequest{URL: ev.URL, Method: ev.Method, Headers: map[string]string{}}
		for _, h := range ev.Headers {
			req.Headers[h.Name] = h.Value
		}
		e := map[string]any{"request": req}
		if ev.Status != 0 {
			e["response"] = map[string]int{"status": ev.Status}
		}
		it.Event = e
	case "cron":
		it.Event = map[string]any{"cron": ev.Trigger, "scheduledTime": ev.Time.UnixMilli()}
	case "info":
		it.Event = map[string]string{"type": ev.Trigger, "message": ev.Info}
	case "queue":
		name, _, _ := strings.Cut(ev.Trigger, " (")
		it.Event = map[string]any{"queue": name}
	case "rpc":
		it.Event = map[string]string{"rpcMethod": ev.Trigger}
	}
	return it
}
