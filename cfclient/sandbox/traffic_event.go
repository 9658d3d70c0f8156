package sandbox

import (
	"encoding/json"
	"sort"
	"sync"
	"time"
)

// traceEvent is one finished Worker invocation made by the traffic
// generator: the dispatcher's or a user script's. It is immutable once
// published, so readers share it without copying.
type traceEvent struct {
	seq       uint64 // generation order, unique per sandbox
	id        string // $metadata.id: sortable, see eventID
	requestID string // shared by the dispatcher and user events of one request
	ts        int64  // eventTimestamp, unix ms
	script    string
	namespace string   // dispatch namespace; "" for account scripts
	via       string   // the account script that dispatched it ("" for its own events)
	tags      []string // the script's tags (shared with the store, never written)
	version   string   // scriptVersion.id
	outcome   string
	status    int // response status; 0 when no response was produced
	method    string
	url       string
	host      string
	path      string
	clientIP  string
	colo      string
	country   string
	userAgent string
	cpuMs     int
	wallMs    int
	logs      []traceLog
	exc       []traceException
	stored    bool // kept for Workers Logs (observability on and sampled in)
}

// traceLog is one console call.
type traceLog struct {
	Message []any  `json:"message"`
	Level   string `json:"level"`
	TS      int64  `json:"timestamp"`
}

// traceException is one uncaught exception.
type traceException struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	TS      int64  `json:"timestamp"`
	Stack   string `json:"stack,omitempty"`
}

// level is the event's $metadata.level: "error" with an exception or an
// error outcome, else the most severe console level, else "info".
func (ev *traceEvent) level() string {
	if len(ev.exc) > 0 || (ev.outcome != "ok" && ev.outcome != "canceled") {
		return "error"
	}
	rank := map[string]int{"debug": 0, "log": 1, "info": 1, "warn": 2, "error": 3}
	best, lv := -1, "info"
	for _, l := range ev.logs {
		if r := rank[l.Level]; r > best {
			best, lv = r, l.Level
		}
	}
	if lv == "log" {
		lv = "info"
	}
	return lv
}

// message is $metadata.message: the first console line, or the request line.
func (ev *traceEvent) message() string {
	if len(ev.logs) > 0 {
		return joinArgs(ev.logs[0].Message)
	}
	return ev.method + " " + ev.url
}

// errorText is $metadata.error: the first exception ("" when none).
func (ev *traceEvent) errorText() string {
	switch {
	case len(ev.exc) > 0:
		return ev.exc[0].Name + ": " + ev.exc[0].Message
	case ev.outcome == "exceededCpu":
		return "Worker exceeded CPU time limit."
	case ev.outcome == "exceededMemory":
		return "Worker exceeded memory limit."
	}
	return ""
}

// joinArgs renders console arguments as one line (strings raw, others JSON).
func joinArgs(args []any) string {
	out := make([]byte, 0, 64)
	for i, a := range args {
		if i > 0 {
			out = append(out, ' ')
		}
		if s, ok := a.(string); ok {
			out = append(out, s...)
			continue
		}
		b, _ := json.Marshal(a)
		out = append(out, b...)
	}
	return string(out)
}

// headers are the request headers as a tail reports them (lower-cased,
// credentials REDACTED as Cloudflare redacts them for Tail Workers).
func (ev *traceEvent) headers() map[string]string {
	h := map[string]string{
		"accept":           "*/*",
		"cf-connecting-ip": ev.clientIP,
		"host":             ev.host,
		"user-agent":       ev.userAgent,
	}
	if ev.seq%5 == 0 {
		h["authorization"] = "REDACTED"
	}
	if ev.seq%7 == 0 {
		h["cookie"] = "REDACTED"
	}
	if ev.method == "POST" || ev.method == "PUT" {
		h["content-type"] = "application/json"
	}
	return h
}

// eventObject is the trace-v1 "event" of a fetch.
func (ev *traceEvent) eventObject() map[string]any {
	e := map[string]any{
		"request": map[string]any{
			"url":     ev.url,
			"method":  ev.method,
			"headers": ev.headers(),
			"cf":      map[string]any{"colo": ev.colo, "country": ev.country, "httpProtocol": "HTTP/2", "clientTcpRtt": 8 + ev.seq%40},
		},
	}
	if ev.status != 0 {
		e["response"] = map[string]any{"status": ev.status}
	}
	return e
}

// traceItemJSON is a TraceItem as trace-v1 sends it, in workerd's key order.
type traceItemJSON struct {
	WallTime                 int               `json:"wallTime"`
	CPUTime                  int               `json:"cpuTime"`
	Truncated                bool              `json:"truncated"`
	ExecutionModel           string            `json:"executionModel"`
	Outcome                  string            `json:"outcome"`
	ScriptName               string            `json:"scriptName"`
	ScriptVersion            map[string]string `json:"scriptVersion,omitempty"`
	DispatchNamespace        string            `json:"dispatchNamespace,omitempty"`
	ScriptTags               []string          `json:"scriptTags,omitempty"`
	DiagnosticsChannelEvents []any             `json:"diagnosticsChannelEvents"`
	Exceptions               []traceException  `json:"exceptions"`
	Logs                     []traceLog        `json:"logs"`
	EventTimestamp           int64             `json:"eventTimestamp"`
	Event                    map[string]any    `json:"event"`
}

// traceItem is the event as a trace-v1 TraceItem. exceptions and logs are
// never null (wrangler reads their length).
func (ev *traceEvent) traceItem() traceItemJSON {
	t := traceItemJSON{
		WallTime: ev.wallMs, CPUTime: ev.cpuMs, ExecutionModel: "stateless",
		Outcome: ev.outcome, ScriptName: ev.script,
		DispatchNamespace: ev.namespace, ScriptTags: ev.tags,
		DiagnosticsChannelEvents: []any{},
		Exceptions:               ev.exc, Logs: ev.logs,
		EventTimestamp: ev.ts, Event: ev.eventObject(),
	}
	if ev.version != "" {
		t.ScriptVersion = map[string]string{"id": ev.version}
	}
	if t.Exceptions == nil {
		t.Exceptions = []traceException{}
	}
	if t.Logs == nil {
		t.Logs = []traceLog{}
	}
	return t
}

// eventRing is Workers Logs' storage: the stored events of every script in
// one ring, oldest first. It is bounded twice: at most capacity events (the
// oldest are dropped first), and none older than retention (7 days, as
// Workers Logs keeps them). With the default capacity of 50,000 events of
// about 1 KB each, it stays near 50 MB at most; a sandbox with no traffic
// holds nothing.
type eventRing struct {
	mu        sync.RWMutex
	buf       []*traceEvent // circular; len(buf) == capacity once full
	start     int           // index of the oldest event
	n         int
	capacity  int
	retention time.Duration
}

// defaultTelemetryCap is the ring's default capacity.
const defaultTelemetryCap = 50_000

// telemetryRetention is how long Workers Logs keeps an event.
const telemetryRetention = 7 * 24 * time.Hour

func newEventRing(capacity int, retention time.Duration) *eventRing {
	return &eventRing{capacity: capacity, retention: retention}
}

// add appends events (in seq order) and drops what falls out of the bounds.
func (r *eventRing) add(now time.Time, evs []*traceEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range evs {
		if len(r.buf) < r.capacity {
			r.buf = append(r.buf, ev)
			r.n++
			continue
		}
		r.buf[(r.start+r.n)%r.capacity] = ev
		if r.n == r.capacity {
			r.start = (r.start + 1) % r.capacity
		} else {
			r.n++
		}
	}
	cut := now.Add(-r.retention).UnixMilli()
	for r.n > 0 && r.buf[r.start].ts < cut {
		r.buf[r.start] = nil
		r.start = (r.start + 1) % len(r.buf)
		r.n--
	}
}

// snapshot returns the events with from <= ts <= to, oldest first.
func (r *eventRing) snapshot(from, to int64) []*traceEvent {
	r.mu.RLock()
	defer r.mu.RUnlock()
	at := func(i int) *traceEvent { return r.buf[(r.start+i)%len(r.buf)] }
	lo := sort.Search(r.n, func(i int) bool { return at(i).ts >= from })
	out := make([]*traceEvent, 0, 64)
	for i := lo; i < r.n; i++ {
		ev := at(i)
		if ev.ts > to {
			break
		}
		out = append(out, ev)
	}
	return out
}

// len is the number of events held.
func (r *eventRing) len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.n
}
