package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// The tail WebSocket and the fan-out of events to it (see tail.go).

// publish sends events to the tails that want them.
func (h *tailHub) publish(now time.Time, evs []*traceEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.tails) == 0 {
		return
	}
	frames := map[*traceEvent][]byte{}
	for _, t := range h.tails {
		if !t.live(now) {
			continue
		}
		for _, ev := range evs {
			if ev.script != t.script && ev.via != t.script {
				continue
			}
			if !t.filters.match(ev) || !t.sampledIn(ev) {
				continue
			}
			if !t.admit(ev) {
				continue
			}
			b, ok := frames[ev]
			if !ok {
				b, _ = json.Marshal(ev.traceItem())
				frames[ev] = b
			}
			t.send(b)
		}
	}
}

// sampledIn applies the sampling_rate filter (stable per tail and event).
func (t *tail) sampledIn(ev *traceEvent) bool {
	if t.filters.sampling >= 1 {
		return true
	}
	h := fnv32(t.id + "/" + ev.id)
	return float64(h)/float64(1<<32) < t.filters.sampling
}

// admit counts the event against the overload limit of its second and
// sends the overload messages when the tail enters or leaves sampling.
func (t *tail) admit(ev *traceEvent) bool {
	sec := ev.ts / 1000
	if sec != t.sec {
		// Sampling ends after a second under the limit (or an empty one).
		if t.sampling && (t.inSec <= tailOverloadRate || sec > t.sec+1) {
			t.sampling = false
			t.send(infoFrame(t.script, ev.ts, "overload-stop", overloadStopMessage))
		}
		t.sec, t.inSec = sec, 0
	}
	t.inSec++
	if t.inSec <= tailOverloadRate {
		return true
	}
	if !t.sampling {
		t.sampling = true
		t.send(infoFrame(t.script, ev.ts, "overload", overloadMessage))
	}
	return false
}

// infoFrame is a tail-info message inside a TraceItem envelope.
func infoFrame(script string, ts int64, typ, msg string) []byte {
	b, _ := json.Marshal(map[string]any{"outcome": "ok", "scriptName": script, "exceptions": []any{}, "logs": []any{},
		"eventTimestamp": ts, "event": map[string]string{"type": typ, "message": msg}})
	return b
}

// send queues a frame on every socket, or keeps it until the first one.
// Caller holds the hub lock.
func (t *tail) send(b []byte) {
	t.sent++
	if !t.connected {
		if len(t.pending) < tailPending {
			t.pending = append(t.pending, b)
		}
		return
	}
	for ts := range t.socks {
		select {
		case ts.out <- b:
		default: // the client is too slow: the frame is lost
		}
	}
}

// serveTailSocket serves the WebSocket at /tail/<id>.
func (s *Server) serveTailSocket(w http.ResponseWriter, r *http.Request, id string) {
	h := s.tails
	h.mu.Lock()
	t := h.tails[id]
	h.mu.Unlock()
	if t == nil {
		fail(w, errf(http.StatusNotFound, codeTailNotFound, "Tail %q does not exist", id))
		return
	}
	if !offersSubprotocol(r, "trace-v1") {
		fail(w, errf(http.StatusNotAcceptable, codeInvalid, "the trace-v1 WebSocket subprotocol is required"))
		return
	}
	conn, err := websocket.Accept(maskingWriter{w}, r, &websocket.AcceptOptions{
		Subprotocols:       []string{"trace-v1"},
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		return // Accept wrote the error response
	}
	conn.SetReadLimit(1 << 20)
	ts := &tailSocket{conn: conn, out: make(chan []byte, tailQueue)}
	h.mu.Lock()
	if h.tails[id] != t { // deleted meanwhile
		h.mu.Unlock()
		conn.Close(websocket.StatusNormalClosure, "tail deleted")
		return
	}
	t.socks[ts] = true
	if !t.connected {
		t.connected = true
		for _, b := range t.pending {
			select {
			case ts.out <- b:
			default:
			}
		}
		t.pending = nil
	}
	h.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ts.writeLoop(ctx)
	ts.readLoop(ctx, h, t)
	h.mu.Lock()
	delete(t.socks, ts)
	h.mu.Unlock()
	conn.CloseNow()
}

// writeLoop sends queued frames until the context ends or a write fails.
func (ts *tailSocket) writeLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-ts.out:
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := ts.conn.Write(wctx, websocket.MessageBinary, b)
			cancel()
			if err != nil {
				ts.conn.CloseNow()
				return
			}
		}
	}
}

// readLoop reads client messages (answering pings meanwhile) until the
// socket closes.
func (ts *tailSocket) readLoop(ctx context.Context, h *tailHub, t *tail) {
	for {
		_, msg, err := ts.conn.Read(ctx)
		if err != nil {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(msg, &m) != nil {
			ts.conn.Close(websocket.StatusInvalidFramePayloadData, "messages must be JSON objects")
			return
		}
		if raw, ok := m["filters"]; ok {
			var list []map[string]json.RawMessage
			if json.Unmarshal(raw, &list) != nil {
				ts.conn.Close(websocket.StatusInvalidFramePayloadData, "filters must be a list of filter objects")
				return
			}
			f, e := parseTailFilters(list, "")
			if e != nil {
				ts.conn.Close(websocket.StatusPolicyViolation, e.Message[:min(len(e.Message), 120)])
				return
			}
			h.mu.Lock()
			t.filters = f
			h.mu.Unlock()
		}
	}
}

// offersSubprotocol reports whether the client asked for proto.
func offersSubprotocol(r *http.Request, proto string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == proto {
				return true
			}
		}
	}
	return false
}
