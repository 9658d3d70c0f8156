// Package tail is wfp's one stream of Worker events, whichever the source:
// the live trace-v1 tail of an account script (Live: a WebSocket, created,
// kept alive, reconnected and deleted here) and the Workers Logs of user
// scripts (Poll: the telemetry query API, polled at background priority).
// Both send Items on one channel: normalized Events, and State messages
// saying how the source is doing (connected, reconnecting in 4 s, polling
// every 3 s at 20 requests/min). A Group runs the streams of a process and
// waits, on exit, until every live tail it opened is deleted: a script
// allows only 10.
//
// The package decodes the wire formats (tail-protocol.md; cloudflare-go's
// telemetry types through cfclient); it never touches the terminal: tenant
// text is kept as it came, for the screens to sanitise.
package tail

import (
	"strings"
	"time"
)

// Origin says where an event came from.
type Origin uint8

// Origins.
const (
	// FromLive is the live trace-v1 tail of an account script.
	FromLive Origin = iota + 1
	// FromLogs is Workers Logs (the telemetry query API).
	FromLogs
)

// String names the origin.
func (o Origin) String() string {
	switch o {
	case FromLive:
		return "live tail"
	case FromLogs:
		return "Workers Logs"
	}
	return "unknown"
}

// Event is one Worker invocation, normalized: the same fields whether a
// live tail or Workers Logs reported it. Header values that carry
// credentials are already redacted (see Redact).
type Event struct {
	// ID is unique per source: Workers Logs' invocation id, or a hash of the
	// live tail's message.
	ID     string
	Origin Origin
	// Time is when the invocation started.
	Time time.Time
	// Outcome is the runtime's: ok, exception, exceededCpu, exceededMemory,
	// canceled, unknown, … (not the HTTP status: a 500 may be ok).
	Outcome string
	// Kind is the trigger: fetch, cron, alarm, queue, email, rpc, tail, info
	// (a tail's own notice, such as sampling mode), or "" when unknown.
	Kind string
	// Trigger describes a non-fetch trigger ("*/5 * * * *", a queue name).
	Trigger string
	// Method, URL and Status are the request's and response's (fetch).
	Method string
	URL    string
	Status int
	// Script, Namespace and Tags name the producer (Namespace and Tags for a
	// user script in a dispatch namespace).
	Script    string
	Namespace string
	Tags      []string
	// CPUMs and WallMs are the invocation's times (0 when unknown).
	CPUMs, WallMs float64
	Truncated     bool
	Logs          []Log
	Exceptions    []Exception
	// Headers are the request's, names lower-cased, credentials redacted.
	Headers []Header
	// Info is a tail's notice (Kind "info"): sampling mode started or
	// ended.
	Info string
	// Overload is set on the notice that the tail samples (drops) events.
	Overload bool
}

// Log is one console line.
type Log struct {
	Level string
	// Text is the arguments as console.log prints them, joined by spaces.
	Text string
	// Args is the arguments' JSON array when it is not just ["Text"] (for
	// the wrangler JSON export); "" otherwise.
	Args string
	Time time.Time
}

// Exception is an uncaught exception.
type Exception struct {
	Name, Message, Stack string
	Time                 time.Time
}

// Header is one request header.
type Header struct{ Name, Value string }

// Errored reports whether the outcome is an error (wrangler's --status
// error: exception, exceededCpu, exceededMemory, unknown, …).
func (e *Event) Errored() bool {
	switch e.Outcome {
	case "ok", "canceled", "":
		return false
	}
	return true
}

// FirstLine is the event's first log line, or its first exception, or its
// notice.
func (e *Event) FirstLine() string {
	switch {
	case e.Info != "":
		return e.Info
	case len(e.Exceptions) > 0 && (len(e.Logs) == 0 || e.Errored()):
		x := e.Exceptions[0]
		return x.Name + ": " + x.Message
	case len(e.Logs) > 0:
		return e.Logs[0].Text
	}
	return ""
}

// Host and Path split the URL for the one-line view: "acme.example/orders".
func (e *Event) HostPath() string {
	u := e.URL
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	return u
}

// OutcomeWord is the outcome as a word an operator reads (wrangler's pretty
// labels, shortened to fit a column).
func OutcomeWord(outcome string) string {
	switch outcome {
	case "ok":
		return "ok"
	case "exception":
		return "exception"
	case "exceededCpu":
		return "cpu limit"
	case "exceededMemory":
		return "mem limit"
	case "canceled":
		return "canceled"
	case "":
		return "-"
	}
	return outcome
}

// OutcomeGlyph is a glyph for the outcome, so that colour is never the only
// signal: ✓ ok, ✗ exception, ⏱ a limit, ∅ canceled, ? anything else.
func OutcomeGlyph(outcome string) string {
	switch outcome {
	case "ok":
		return "✓"
	case "exception":
		return "✗"
	case "exceededCpu", "exceededMemory":
		return "⏱"
	case "canceled":
		return "∅"
	}
	return "?"
}

// Redact returns a header's value as it may be kept: the value of a
// credential header (cookie, set-cookie, or a name containing auth, key,
// secret, token or jwt — the runtime's own rule for tail items) becomes
// "REDACTED".
func Redact(name, value string) string {
	if redacts(strings.ToLower(name)) {
		return "REDACTED"
	}
	return value
}

// redacts reports whether a header's value is a credential, by its
// lower-cased name.
func redacts(name string) bool {
	if name == "cookie" || name == "set-cookie" {
		return true
	}
	for _, w := range [...]string{"auth", "key", "secret", "token", "jwt"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
