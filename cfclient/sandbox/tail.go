package sandbox

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Live tails of account scripts, as docs/tail-protocol.md describes
// (trace-v1). Choices where Cloudflare's behaviour is not documented
// (inferred):
//
//   - POST …/workers/scripts/{s}/tails takes {"filters":[…]} (an empty
//     body means no filters) and answers {id, url, expires_at}: id is 32
//     hex, url is ws://<the host the client called>/tail/<id>, expires_at is
//     six hours later on the sandbox clock (RFC 3339, seconds, UTC).
//   - At most 10 tails per script are open (created, not deleted, not
//     expired); the 11th is refused with 400/10057 "too many tails".
//     cloudflare-go does not retry a 400.
//   - GET …/tails lists the open tails as an array of {id, url, expires_at}.
//   - DELETE …/tails/{id} answers result null, closes the tail's sockets
//     with 1000 "tail deleted" and frees its slot at once; an unknown id is
//     404/10059.
//   - The socket requires the trace-v1 subprotocol (406 without it), echoes
//     it, declines compression, answers pings with the same payload, and
//     accepts unmasked client frames (wrangler's). Client messages
//     {"debug":…} and {} are accepted and ignored; {"filters":[…]} replaces
//     the tail's filters (the legacy protocol); text that is not JSON closes
//     the socket with 1007.
//   - Events are binary frames, one TraceItem each. A tail of the
//     dispatcher also gets the events of the user scripts it dispatched to
//     (they carry dispatchNamespace and scriptTags), each before the
//     dispatcher's own event of the same request.
//   - Events published before a tail's first socket connects are kept (up
//     to 1,000) and sent when it connects; later, events with no socket
//     connected are lost, as on Cloudflare.
//   - Above 100 events in one second (of event time) a tail drops the rest
//     of that second and sends an "overload" message; the first second back
//     under the limit sends "overload-stop". A socket that cannot keep up
//     (512 frames queued) loses frames.
//   - At expires_at the tail goes silent but its sockets stay open.

// tailPathPrefix is where tail WebSockets are served (outside the API).
const tailPathPrefix = "/tail/"

// tailLifetime is how long a tail lives after it is created.
const tailLifetime = 6 * time.Hour

// maxTailsPerScript is Cloudflare's limit of concurrent tails per Worker.
const maxTailsPerScript = 10

// tailOverloadRate is the events per second above which a tail samples.
const tailOverloadRate = 100

// tailPending caps the events kept for a tail before its first socket.
const tailPending = 1000

// tailQueue is the frames queued per socket.
const tailQueue = 512

const (
	codeTooManyTails = 10057
	codeTailNotFound = 10059
)

const (
	overloadMessage     = "Tail is currently in sampling mode due to the high volume of messages. To prevent messages from being dropped consider adding filters."
	overloadStopMessage = "Tail has exited sampling mode and is no longer dropping messages."
)

// tailHub holds the tails and their sockets. One mutex guards it all.
type tailHub struct {
	s       *Server
	mu      sync.Mutex
	tails   map[string]*tail
	deletes int
}

// tail is one created tail.
type tail struct {
	id, script string
	host       string // the API host the client called, for the url
	expires    time.Time
	filters    tailFilters
	socks      map[*tailSocket]bool
	connected  bool // a socket has connected at least once
	pending    [][]byte
	sec        int64 // the second (unix) being counted for overload
	inSec      int
	sampling   bool
	sent       int // frames sent or kept for the first socket
}

// tailSocket is one connected WebSocket.
type tailSocket struct {
	conn *websocket.Conn
	out  chan []byte
}

func newTailHub(s *Server) *tailHub { return &tailHub{s: s, tails: map[string]*tail{}} }

// tailJSON is a tail as the REST endpoints return it.
type tailJSON struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}

func (t *tail) json() tailJSON {
	return tailJSON{ID: t.id, URL: "ws://" + t.host + tailPathPrefix + t.id, ExpiresAt: t.expires.UTC().Format("2006-01-02T15:04:05Z")}
}

// live reports whether the tail still forwards events at now.
func (t *tail) live(now time.Time) bool { return now.Before(t.expires) }

func (s *Server) tailRoutes() []route {
	const base = "accounts/{account}/workers/scripts/{script}/tails"
	a := s.inAccount
	return []route{
		newRoute("POST", base, a(s.createTail)),
		newRoute("GET", base, a(s.listTails)),
		newRoute("DELETE", base+"/{tail}", a(s.deleteTail)),
	}
}

// createTail serves POST …/tails.
func (s *Server) createTail(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.readScript(accountScope, p, func(scope, *Script) {}); e != nil {
		fail(w, e)
		return
	}
	b, e := readBody(r, maxJSONBody)
	if e != nil {
		fail(w, e)
		return
	}
	var body struct {
		Filters []map[string]json.RawMessage `json:"filters"`
	}
	if strings.TrimSpace(string(b)) != "" {
		if e := unmarshalJSON(b, &body); e != nil {
			fail(w, e)
			return
		}
	}
	self, _, _ := net.SplitHostPort(r.RemoteAddr)
	f, e := parseTailFilters(body.Filters, self)
	if e != nil {
		fail(w, e)
		return
	}
	h := s.tails
	now := s.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := h.openLocked(p["script"], now); n >= maxTailsPerScript {
		fail(w, errf(http.StatusBadRequest, codeTooManyTails,
			"Too many tails are open on %s (at most %d): delete one or wait for one to expire", p["script"], maxTailsPerScript))
		return
	}
	t := &tail{id: randomHex(16), script: p["script"], host: r.Host, expires: now.Add(tailLifetime),
		filters: f, socks: map[*tailSocket]bool{}}
	h.tails[t.id] = t
	ok(w, t.json())
}

// listTails serves GET …/tails.
func (s *Server) listTails(w http.ResponseWriter, _ *http.Request, p params) {
	if e := s.readScript(accountScope, p, func(scope, *Script) {}); e != nil {
		fail(w, e)
		return
	}
	h := s.tails
	now := s.now()
	h.mu.Lock()
	out := []tailJSON{}
	for _, t := range h.tails {
		if t.script == p["script"] && t.live(now) {
			out = append(out, t.json())
		}
	}
	h.mu.Unlock()
	ok(w, out)
}

// deleteTail serves DELETE …/tails/{tail}.
func (s *Server) deleteTail(w http.ResponseWriter, _ *http.Request, p params) {
	h := s.tails
	h.mu.Lock()
	t := h.tails[p["tail"]]
	if t == nil || t.script != p["script"] {
		h.mu.Unlock()
		fail(w, errf(http.StatusNotFound, codeTailNotFound, "Tail %q does not exist on %s", p["tail"], p["script"]))
		return
	}
	delete(h.tails, t.id)
	h.deletes++
	socks := t.sockets()
	h.mu.Unlock()
	for _, ts := range socks {
		// Close waits for the client's close frame; the client may be
		// waiting for this response first.
		go ts.conn.Close(websocket.StatusNormalClosure, "tail deleted")
	}
	ok(w, nil)
}

func (t *tail) sockets() []*tailSocket {
	out := make([]*tailSocket, 0, len(t.socks))
	for ts := range t.socks {
		out = append(out, ts)
	}
	return out
}

// openLocked counts a script's open tails. Caller holds h.mu.
func (h *tailHub) openLocked(script string, now time.Time) int {
	n := 0
	for _, t := range h.tails {
		if t.script == script && t.live(now) {
			n++
		}
	}
	return n
}

// OpenTails is the number of open tails (created, not deleted, not
// expired) of an account script.
func (s *Server) OpenTails(script string) int {
	h := s.tails
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.openLocked(script, s.now())
}

// TailDeletes is how many tails have been deleted through the API.
func (s *Server) TailDeletes() int {
	h := s.tails
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.deletes
}

// TailSockets is the number of connected tail WebSockets.
func (s *Server) TailSockets() int {
	h := s.tails
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, t := range h.tails {
		n += len(t.socks)
	}
	return n
}

// DropTailSockets cuts every tail WebSocket without a close handshake (the
// client sees 1006, as when the infrastructure drops it); the tails stay.
// It reports how many it cut.
func (s *Server) DropTailSockets() int {
	socks := s.tails.allSockets()
	for _, ts := range socks {
		ts.conn.CloseNow()
	}
	return len(socks)
}

func (h *tailHub) allSockets() []*tailSocket {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*tailSocket
	for _, t := range h.tails {
		out = append(out, t.sockets()...)
	}
	return out
}

// closeAll cuts every socket (the sandbox is closing).
func (h *tailHub) closeAll() {
	for _, ts := range h.allSockets() {
		ts.conn.CloseNow()
	}
}

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
