package tail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The trace-v1 message: one JSON object per invocation, the runtime's
// TraceItem (tail-protocol.md §3). Decoded leniently: unknown keys are
// ignored, every key may be missing or null.

type traceItem struct {
	Outcome           string           `json:"outcome"`
	ScriptName        *string          `json:"scriptName"`
	DispatchNamespace string           `json:"dispatchNamespace"`
	ScriptTags        []string         `json:"scriptTags"`
	Exceptions        []traceException `json:"exceptions"`
	Logs              []traceLog       `json:"logs"`
	EventTimestamp    *int64           `json:"eventTimestamp"`
	Event             *traceEvent      `json:"event"`
	CPUTime           float64          `json:"cpuTime"`
	WallTime          float64          `json:"wallTime"`
	Truncated         bool             `json:"truncated"`
}

type traceException struct {
	Name      string          `json:"name"`
	Message   json.RawMessage `json:"message"`
	Timestamp int64           `json:"timestamp"`
	Stack     string          `json:"stack"`
}

type traceLog struct {
	Message   []json.RawMessage `json:"message"` // the arguments
	Level     string            `json:"level"`
	Timestamp int64             `json:"timestamp"`
}

type traceRequest struct {
	URL     string     `json:"url"`
	Method  string     `json:"method"`
	Headers headerList `json:"headers"`
}

type traceResponse struct {
	Status int `json:"status"`
}

type consumed struct {
	ScriptName string `json:"scriptName"`
}

type traceEvent struct {
	Request        *traceRequest   `json:"request"`
	Response       *traceResponse  `json:"response"`
	Cron           string          `json:"cron"`
	ScheduledTime  json.RawMessage `json:"scheduledTime"`
	Queue          string          `json:"queue"`
	BatchSize      int             `json:"batchSize"`
	MailFrom       string          `json:"mailFrom"`
	RcptTo         string          `json:"rcptTo"`
	RPCMethod      string          `json:"rpcMethod"`
	ConsumedEvents []consumed      `json:"consumedEvents"`
	Type           string          `json:"type"`
	Message        string          `json:"message"`
}

// DecodeTrace decodes one trace-v1 message into an Event. Its ID is a hash
// of the message's bytes: two sockets that deliver the same invocation
// (while a tail is replaced) give the same ID.
func DecodeTrace(msg []byte) (Event, error) {
	if ev, ok := decodeFast(msg); ok {
		return ev, nil
	}
	// Something the fast reader does not take (an escaped key, a
	// malformed message): encoding/json decides, with its errors.
	var it traceItem
	if err := json.Unmarshal(msg, &it); err != nil {
		return Event{}, fmt.Errorf("decode tail message: %w", err)
	}
	return build(msg, &it), nil
}

// build makes the Event of a decoded message.
func build(msg []byte, it *traceItem) Event {
	h := fnv.New64a()
	h.Write(msg)
	ev := Event{
		ID:        "t" + strconv.FormatUint(h.Sum64(), 36),
		Origin:    FromLive,
		Outcome:   it.Outcome,
		Namespace: it.DispatchNamespace,
		Tags:      it.ScriptTags,
		CPUMs:     it.CPUTime,
		WallMs:    it.WallTime,
		Truncated: it.Truncated,
	}
	if it.ScriptName != nil {
		ev.Script = *it.ScriptName
	}
	if it.EventTimestamp != nil {
		ev.Time = time.UnixMilli(*it.EventTimestamp)
	}
	if len(it.Logs) > 0 {
		ev.Logs = make([]Log, 0, len(it.Logs))
		for _, l := range it.Logs {
			ev.Logs = append(ev.Logs, decodeLog(l))
		}
	}
	if len(it.Exceptions) > 0 {
		ev.Exceptions = make([]Exception, 0, len(it.Exceptions))
		for _, x := range it.Exceptions {
			ev.Exceptions = append(ev.Exceptions, Exception{
				Name: x.Name, Message: argText(x.Message), Stack: x.Stack, Time: time.UnixMilli(x.Timestamp),
			})
		}
	}
	if it.Event != nil {
		classify(&ev, it.Event)
	}
	compact(&ev)
	return ev
}

// classify fills the trigger fields, in wrangler's order of checks.
func classify(ev *Event, e *traceEvent) {
	switch {
	case e.Cron != "":
		ev.Kind, ev.Trigger = "cron", e.Cron
	case e.Request != nil:
		ev.Kind, ev.Method, ev.URL = "fetch", strings.ToUpper(e.Request.Method), e.Request.URL
		if len(e.Request.Headers) > 0 {
			ev.Headers = e.Request.Headers
			slices.SortFunc(ev.Headers, func(a, b Header) int { return strings.Compare(a.Name, b.Name) })
		}
		if e.Response != nil {
			ev.Status = e.Response.Status
		}
	case e.MailFrom != "":
		ev.Kind, ev.Trigger = "email", "from "+e.MailFrom+" to "+e.RcptTo
	case len(e.ScheduledTime) > 0:
		ev.Kind, ev.Trigger = "alarm", "alarm"
	case len(e.ConsumedEvents) > 0:
		var names []string
		for _, c := range e.ConsumedEvents {
			if c.ScriptName != "" && !slices.Contains(names, c.ScriptName) {
				names = append(names, c.ScriptName)
			}
		}
		ev.Kind, ev.Trigger = "tail", "tailing "+strings.Join(names, ",")
	case e.Type != "" && e.Message != "":
		ev.Kind, ev.Info = "info", e.Message
		ev.Overload = e.Type == "overload"
		ev.Trigger = e.Type
	case e.Queue != "":
		ev.Kind, ev.Trigger = "queue", fmt.Sprintf("%s (%d messages)", e.Queue, e.BatchSize)
	case e.RPCMethod != "":
		ev.Kind, ev.Trigger = "rpc", e.RPCMethod
	}
}

// decodeLog turns console arguments into one line, the way console.log
// joins them: strings as they are, anything else as JSON.
func decodeLog(l traceLog) Log {
	out := Log{Level: l.Level, Time: time.UnixMilli(l.Timestamp)}
	if len(l.Message) == 1 && isJSONString(l.Message[0]) {
		out.Text = argText(l.Message[0])
		return out
	}
	var text, args strings.Builder
	args.WriteByte('[')
	for i, a := range l.Message {
		if i > 0 {
			text.WriteByte(' ')
			args.WriteByte(',')
		}
		text.WriteString(argText(a))
		args.Write(a)
	}
	args.WriteByte(']')
	out.Text, out.Args = text.String(), args.String()
	return out
}

func isJSONString(raw json.RawMessage) bool {
	return len(raw) > 0 && raw[0] == '"'
}

// argText is one console argument as text: a string unquoted, anything
// else as its JSON.
func argText(raw json.RawMessage) string {
	if !isJSONString(raw) {
		return string(raw)
	}
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]) // nothing escaped: the bytes are the text
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
