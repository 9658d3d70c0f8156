package tail

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

func TestDecodeTraceFetch(t *testing.T) {
	ev, err := DecodeTrace(readFixture(t, "fetch_ok.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != "fetch" || ev.Method != "GET" || ev.Status != 200 || ev.Outcome != "ok" || ev.Script != "api-gateway" {
		t.Fatalf("decoded %+v", ev)
	}
	if ev.HostPath() != "api.example.com/v1/items?page=2" {
		t.Errorf("HostPath %q", ev.HostPath())
	}
	if ev.CPUMs != 3 || ev.WallMs != 14 || !ev.Time.Equal(time.UnixMilli(1767261600004)) {
		t.Errorf("times %v %v %v", ev.CPUMs, ev.WallMs, ev.Time)
	}
	if len(ev.Logs) != 1 || ev.Logs[0].Text != `listing items {"page":2,"user":42}` || ev.Logs[0].Args == "" {
		t.Errorf("logs %+v", ev.Logs)
	}
	got := map[string]string{}
	for _, h := range ev.Headers {
		got[h.Name] = h.Value
	}
	if got["authorization"] != "REDACTED" || got["cookie"] != "REDACTED" || got["user-agent"] != "curl/8.5.0" {
		t.Errorf("headers %v: credentials must be redacted, names lower-cased", got)
	}
	if ev.FirstLine() != `listing items {"page":2,"user":42}` {
		t.Errorf("FirstLine %q", ev.FirstLine())
	}
}

func TestDecodeTraceException(t *testing.T) {
	ev, err := DecodeTrace(readFixture(t, "exception.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !ev.Errored() || ev.Namespace != "customers-prod" || len(ev.Tags) != 2 || ev.Status != 500 {
		t.Fatalf("decoded %+v", ev)
	}
	if len(ev.Exceptions) != 1 || ev.Exceptions[0].Name != "TypeError" || !strings.Contains(ev.Exceptions[0].Stack, "handleOrder") {
		t.Errorf("exceptions %+v", ev.Exceptions)
	}
	if ev.FirstLine() != "TypeError: Cannot read properties of undefined (reading 'id')" {
		t.Errorf("an errored event's first line is its exception, got %q", ev.FirstLine())
	}
	if ev.Logs[1].Text != "missing customer order=991" || ev.Logs[1].Level != "error" {
		t.Errorf("log %+v", ev.Logs[1])
	}
}

func TestDecodeTraceOtherKinds(t *testing.T) {
	ov, err := DecodeTrace(readFixture(t, "overload.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ov.Kind != "info" || !ov.Overload || !strings.Contains(ov.Info, "sampling mode") || ov.Script != "" {
		t.Errorf("overload %+v", ov)
	}
	cron, err := DecodeTrace(readFixture(t, "cron.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cron.Kind != "cron" || cron.Trigger != "*/5 * * * *" || OutcomeWord(cron.Outcome) != "cpu limit" || OutcomeGlyph(cron.Outcome) != "⏱" {
		t.Errorf("cron %+v", cron)
	}
	if _, err := DecodeTrace([]byte(`{"outcome":`)); err == nil {
		t.Error("a truncated message must be an error")
	}
	a, _ := DecodeTrace(readFixture(t, "fetch_ok.json"))
	b, _ := DecodeTrace(readFixture(t, "fetch_ok.json"))
	if a.ID != b.ID || a.ID == cron.ID {
		t.Errorf("the same message must give the same id, another a different one: %s %s %s", a.ID, b.ID, cron.ID)
	}
}

// TestWriteJSONLinesRoundTrip writes events in wrangler's shape and reads
// them back with the trace-v1 decoder: what w writes is what a tail sends.
func TestWriteJSONLinesRoundTrip(t *testing.T) {
	var in []*Event
	for _, f := range []string{"fetch_ok.json", "exception.json", "cron.json"} {
		ev, err := DecodeTrace(readFixture(t, f))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, &ev)
	}
	var buf bytes.Buffer
	if err := WriteJSONLines(&buf, in); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(in) {
		t.Fatalf("%d lines for %d events", len(lines), len(in))
	}
	for i, l := range lines {
		var raw map[string]any
		if err := json.Unmarshal([]byte(l), &raw); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		for _, k := range []string{"outcome", "scriptName", "exceptions", "logs", "eventTimestamp", "event"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("line %d lacks %q (wrangler's TraceItem keys)", i, k)
			}
		}
		back, err := DecodeTrace([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		want := in[i]
		if back.Outcome != want.Outcome || back.URL != want.URL || back.Status != want.Status || back.Script != want.Script ||
			len(back.Logs) != len(want.Logs) || len(back.Exceptions) != len(want.Exceptions) || back.Trigger != want.Trigger {
			t.Errorf("line %d read back as %+v, want %+v", i, back, *want)
		}
		for j := range want.Logs {
			if back.Logs[j].Text != want.Logs[j].Text {
				t.Errorf("line %d log %d: %q, want %q", i, j, back.Logs[j].Text, want.Logs[j].Text)
			}
		}
	}
}

func TestStateDescribe(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		st   State
		want string
	}{
		{State{Phase: Connected}, "connected"},
		{State{Phase: Reconnecting, Next: now.Add(4 * time.Second), Attempt: 2}, "reconnecting in 4 s (attempt 2)"},
		{State{Phase: Polling, Interval: 3 * time.Second, PerMinute: 20}, "polling every 3 s · 20 req/min"},
		{State{Phase: Connected, Sampling: true}, "connected · sampling"},
	} {
		if got := c.st.Describe(now); got != c.want {
			t.Errorf("Describe = %q, want %q", got, c.want)
		}
	}
}

func TestRecentForgetsTheOldest(t *testing.T) {
	r := newRecent(2)
	if r.seen("a") || r.seen("b") || !r.seen("a") {
		t.Fatal("a and b are new, then a is seen")
	}
	r.seen("c") // evicts a
	if r.seen("a") {
		t.Error("a should have been forgotten after two newer ids")
	}
}

// TestFastDecoderAgreesWithEncodingJSON decodes messages with the fast
// reader and with encoding/json: the events must be the same, and a
// message the fast reader cannot take must still decode (or fail) as
// encoding/json says.
func TestFastDecoderAgreesWithEncodingJSON(t *testing.T) {
	msgs := [][]byte{}
	for _, f := range []string{"fetch_ok.json", "exception.json", "overload.json", "cron.json"} {
		msgs = append(msgs, readFixture(t, f))
	}
	msgs = append(msgs,
		[]byte(`{"outcome":"ok","scriptName":"a\u001b[31mb","logs":[{"message":["tab\there",{"k":[1,2.5e3,true,null]}],"level":"log","timestamp":5}],"exceptions":[],"eventTimestamp":7,"event":{"request":{"url":"https://x/\u00e9","method":"get","headers":{"X-Api-Key":"s3cr3t","Accept":"*/*"}},"response":{"status":201}}}`),
		[]byte(`{"outcome":"ok","scriptName":null,"logs":null,"exceptions":null,"eventTimestamp":null,"event":null}`),
		[]byte(` { "outcome" : "canceled" , "event" : { "queue" : "q" , "batchSize" : 3 } } `),
		[]byte(`{"outcome":"exception","scriptName":"w","logs":[{"message":[42,"x",{"a":"b"}],"level":"log","timestamp":1},{"message":["only"],"level":"error","timestamp":2},{"message":[],"level":"log","timestamp":3}],"exceptions":[{"name":"Error","message":{"code":7},"timestamp":4},{"name":"E2","message":"plain","timestamp":5,"stack":"a\nb"}],"event":{"request":{"url":"u","method":"PUT","headers":{"Set-Cookie":"s","X-Api-Key":"k","X-JWT":"j","Content-Type":"text/plain","x-trace":"t"}},"response":null}}`),
		[]byte(`{"outcome":"ok","event":{"mailFrom":"a@x","rcptTo":"b@y","rawSize":5}}`),
		[]byte(`{"outcome":"ok","event":{"scheduledTime":"2026-01-01T10:00:00.000Z"}}`),
		[]byte(`{"outcome":"ok","event":{"consumedEvents":[{"scriptName":"p"},{"scriptName":"q"},{"scriptName":"p"}]}}`),
		[]byte(`{"outcome":"ok","event":{"queue":"jobs","batchSize":7},"scriptTags":["a","b"],"truncated":true,"cpuTime":1.5}`),
		[]byte(`{"outc\u006fme":"ok"}`), // an escaped key: the slow path
	)
	for i, m := range msgs {
		var slow traceItem
		fast, fastOK := decodeFast(m)
		slowErr := json.Unmarshal(m, &slow)
		if slowErr != nil {
			t.Fatalf("message %d is not valid JSON: %v", i, slowErr)
		}
		got, err := DecodeTrace(m)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		want := build(m, &slow)
		if fastOK && !reflect.DeepEqual(fast, want) {
			t.Errorf("message %d: fast\n%+v\nwant\n%+v", i, fast, want)
		}
		if !fastOK && i < len(msgs)-1 {
			t.Errorf("message %d: the fast path should take it", i)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("message %d: DecodeTrace\n%+v\nwant\n%+v", i, got, want)
		}
	}
	// A log message that is not an array (encoding/json would refuse the
	// whole event) is kept as its one argument.
	lenient, err := DecodeTrace([]byte(`{"outcome":"ok","event":{"rpcMethod":"foo"},"logs":[{"message":"not an array","level":"warn","timestamp":1}]}`))
	if err != nil || len(lenient.Logs) != 1 || lenient.Logs[0].Text != "not an array" || lenient.Trigger != "foo" {
		t.Errorf("lenient: %+v %v", lenient, err)
	}
	for _, bad := range []string{`{"outcome":`, `{"outcome":"ok"} x`, `{"logs":[{"message":[1,]}]}`, `[1]`, `{"outcome":"\xff"}`} {
		if _, err := DecodeTrace([]byte(bad)); err == nil && bad != `{"outcome":"\xff"}` {
			t.Errorf("%q decoded without error", bad)
		}
	}
}

// BenchmarkDecodeTrace decodes one trace-v1 message (the exception fixture,
// with headers, logs and a stack): the live tail's per-event decoding cost.
func BenchmarkDecodeTrace(b *testing.B) {
	msg := readFixture(b, "exception.json")
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for range b.N {
		if _, err := DecodeTrace(msg); err != nil {
			b.Fatal(err)
		}
	}
}
