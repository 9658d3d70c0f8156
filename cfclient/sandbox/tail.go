package sandbox

import (
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
