package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/workers"
	"github.com/coder/websocket"
)

// tailItem is the part of a TraceItem the tests read.
type tailItem struct {
	Outcome           string            `json:"outcome"`
	ScriptName        string            `json:"scriptName"`
	DispatchNamespace string            `json:"dispatchNamespace"`
	Logs              []json.RawMessage `json:"logs"`
	Exceptions        []json.RawMessage `json:"exceptions"`
	EventTimestamp    int64             `json:"eventTimestamp"`
	Event             struct {
		Type    string `json:"type"`
		Request struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
	} `json:"event"`
}

// createTail creates a tail of script with the given filters JSON.
func createTail(t *testing.T, s *Server, script, filters string) tailJSON {
	t.Helper()
	r := do(t, s, http.MethodPost, acct(s)+"/workers/scripts/"+script+"/tails", `{"filters":`+filters+`}`)
	ok, errs, res, _ := r.env(t)
	if r.Status != 200 || !ok {
		t.Fatalf("create tail: %d %v", r.Status, errs)
	}
	var tj tailJSON
	if err := json.Unmarshal(res, &tj); err != nil {
		t.Fatal(err)
	}
	return tj
}

// dialTail connects to a tail and sends {"debug":false} as wrangler does.
func dialTail(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"trace-v1"}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	if c.Subprotocol() != "trace-v1" || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("subprotocol %q, status %d", c.Subprotocol(), resp.StatusCode)
	}
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"debug":false}`)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// readItems reads n frames (each must be binary) and decodes them.
func readItems(t *testing.T, c *websocket.Conn, n int) []tailItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := make([]tailItem, 0, n)
	for len(out) < n {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d of %d frames: %v", len(out), n, err)
		}
		if typ != websocket.MessageBinary {
			t.Fatalf("frame type %v, want binary", typ)
		}
		var it tailItem
		if err := json.Unmarshal(b, &it); err != nil || it.Logs == nil || it.Exceptions == nil {
			t.Fatalf("frame %s: %v (logs and exceptions must be arrays)", b, err)
		}
		out = append(out, it)
	}
	return out
}

func TestTailStreamsDispatcherAndTenantEvents(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 100, Now: clock.Now})
	tj := createTail(t, s, "dispatcher", `[]`)
	if len(tj.ID) != 32 || !strings.HasPrefix(tj.URL, "ws://"+s.Addr()+"/tail/") ||
		tj.ExpiresAt != clock.Now().Add(6*time.Hour).UTC().Format("2006-01-02T15:04:05Z") {
		t.Fatalf("tail %+v", tj)
	}
	// Events made before the socket connects are delivered when it does.
	n := s.GenerateTraffic(5)
	c := dialTail(t, tj.URL)
	items := readItems(t, c, n)
	n2 := s.GenerateTraffic(5)
	items = append(items, readItems(t, c, n2)...)
	var disp, tenant int
	for i, it := range items {
		switch {
		case it.ScriptName == "dispatcher" && it.DispatchNamespace == "":
			disp++
		case it.DispatchNamespace == seedProduction && it.ScriptName != "":
			tenant++
			if i+1 >= len(items) || items[i+1].ScriptName != "dispatcher" || items[i+1].Event.Request.URL != it.Event.Request.URL {
				t.Errorf("tenant event %d is not followed by the dispatcher's for the same request", i)
			}
		default:
			t.Errorf("unexpected item %+v", it)
		}
		if it.Event.Request.URL == "" || it.Event.Request.Method == "" || it.EventTimestamp == 0 {
			t.Errorf("item %d lacks its request: %+v", i, it)
		}
	}
	if disp != 10 || tenant == 0 {
		t.Fatalf("%d dispatcher and %d tenant events for 10 requests", disp, tenant)
	}
	if s.TailSockets() != 1 || s.OpenTails("dispatcher") != 1 {
		t.Fatalf("sockets %d, open tails %d", s.TailSockets(), s.OpenTails("dispatcher"))
	}
}

func TestTailFilters(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 300, Now: clock.Now})
	errTail := createTail(t, s, "dispatcher", `[{"outcome":["exception","exceededCpu"]}]`)
	postTail := createTail(t, s, "dispatcher", `[{"method":["POST"]},{"query":"queued event"}]`)
	errs, posts := dialTail(t, errTail.URL), dialTail(t, postTail.URL)
	var wantErr, wantPost int
	for _, ev := range generate(t, s, 200) {
		if ev.outcome == "exception" || ev.outcome == "exceededCpu" {
			wantErr++
		}
		if ev.method == "POST" && eventMentions(ev, "queued event") {
			wantPost++
		}
		if ev.ts/1000 != clock.Now().Unix() {
			t.Fatal("events left the second; the overload limit would interfere")
		}
	}
	if wantErr == 0 || wantPost == 0 || wantErr > tailOverloadRate || wantPost > tailOverloadRate {
		t.Fatalf("want %d error and %d POST events: pick another seed", wantErr, wantPost)
	}
	for _, it := range readItems(t, errs, wantErr) {
		if it.Outcome != "exception" && it.Outcome != "exceededCpu" {
			t.Fatalf("outcome filter let %s through", it.Outcome)
		}
	}
	for _, it := range readItems(t, posts, wantPost) {
		if it.Event.Request.Method != "POST" {
			t.Fatalf("method filter let %s through", it.Event.Request.Method)
		}
	}

	// wrangler's "everything but the kitchen sink" (tail-protocol.md 2.2).
	createTail(t, s, "dispatcher", `[{"sampling_rate":0.69},{"outcome":["ok","exception","exceededCpu","exceededMemory","unknown"]},`+
		`{"method":["GET","POST","PUT"]},{"header":{"key":"X-HELLO","query":"world"}},{"client_ip":["192.0.2.1","self"]},`+
		`{"query":"onlyTheseMessagesPlease"},{"scriptVersion":"87501bef-3ef2-4464-a3d6-35e548695742"}]`)

	for body, field := range map[string]string{
		`{"filters":[{"bogus":1}]}`:                    "filters[0].bogus",
		`{"filters":[{"sampling_rate":0}]}`:            "filters[0].sampling_rate",
		`{"filters":[{"outcome":"ok"}]}`:               "filters[0].outcome",
		`{"filters":[{"method":["GET"],"query":"x"}]}`: "filters[0]",
		`{"filters":[{"header":{"query":"x"}}]}`:       "filters[0].header.key",
	} {
		r := do(t, s, http.MethodPost, acct(s)+"/workers/scripts/dispatcher/tails", body)
		_, e, _, _ := r.env(t)
		if r.Status != 400 || len(e) == 0 || !strings.Contains(e[0].Message, field) {
			t.Errorf("%s: %d %v, want 400 naming %s", body, r.Status, e, field)
		}
	}
}

func TestTailSamplingRate(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 100, Now: clock.Now})
	half := createTail(t, s, "dispatcher", `[{"sampling_rate":0.5}]`)
	c := dialTail(t, half.URL)
	var want int
	s.tails.mu.Lock()
	tl := s.tails.tails[half.ID]
	s.tails.mu.Unlock()
	for _, ev := range generate(t, s, 40) {
		if tl.sampledIn(ev) {
			want++
		}
	}
	if want == 0 || want >= 70 {
		t.Fatalf("sampling 0.5 kept %d of about 80 events", want)
	}
	readItems(t, c, want)
}

func TestTailOverloadMessages(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 100, Now: clock.Now})
	c := dialTail(t, createTail(t, s, "dispatcher", `[]`).URL)
	if n := s.GenerateTraffic(150); n <= tailOverloadRate+1 {
		t.Fatalf("150 requests made %d events", n)
	}
	items := readItems(t, c, tailOverloadRate+1)
	last := items[tailOverloadRate]
	if last.Event.Type != "overload" || last.Outcome != "ok" {
		t.Fatalf("frame %d = %+v, want the overload message", tailOverloadRate, last)
	}
	clock.Advance(2 * time.Second)
	n := s.GenerateTraffic(3)
	items = readItems(t, c, n+1)
	if items[0].Event.Type != "overload-stop" {
		t.Fatalf("after the burst: %+v, want overload-stop first", items[0])
	}
	for _, it := range items[1:] {
		if it.Event.Type != "" {
			t.Fatalf("unexpected info message %+v", it)
		}
	}
}

func TestTailLimitDeleteAndExpiry(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 50, Now: clock.Now})
	var ids []string
	for range maxTailsPerScript {
		ids = append(ids, createTail(t, s, "dispatcher", `[]`).ID)
	}
	path := acct(s) + "/workers/scripts/dispatcher/tails"
	r := do(t, s, http.MethodPost, path, `{"filters":[]}`)
	expectAPIError(t, r, 400, codeTooManyTails)
	if s.OpenTails("dispatcher") != 10 || s.OpenTails("outbound") != 0 {
		t.Fatalf("open tails %d", s.OpenTails("dispatcher"))
	}
	// Another script has its own ten.
	createTail(t, s, "outbound", `[]`)

	c := dialTail(t, "ws://"+s.Addr()+"/tail/"+ids[0])
	r = do(t, s, http.MethodDelete, path+"/"+ids[0], nil)
	if ok, _, res, _ := r.env(t); r.Status != 200 || !ok || string(res) != "null" {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("socket of a deleted tail: %v, want a 1000 close", err)
	}
	if s.TailDeletes() != 1 || s.OpenTails("dispatcher") != 9 {
		t.Fatalf("deletes %d, open %d", s.TailDeletes(), s.OpenTails("dispatcher"))
	}
	expectAPIError(t, do(t, s, http.MethodDelete, path+"/"+ids[0], nil), 404, codeTailNotFound)
	createTail(t, s, "dispatcher", `[]`) // the slot is free again

	var list []tailJSON
	_, _, res, _ := do(t, s, http.MethodGet, path, nil).env(t)
	if json.Unmarshal(res, &list) != nil || len(list) != 10 {
		t.Fatalf("list: %s", res)
	}
	expectAPIError(t, do(t, s, http.MethodPost, acct(s)+"/workers/scripts/nope/tails", `{}`), 404, codeScriptNotFound)

	// At expiry a tail goes silent and frees its slot; its socket stays.
	live := dialTail(t, "ws://"+s.Addr()+"/tail/"+ids[1])
	sent := func() int {
		s.tails.mu.Lock()
		defer s.tails.mu.Unlock()
		return s.tails.tails[ids[1]].sent
	}
	s.GenerateTraffic(1)
	before := sent()
	clock.Advance(tailLifetime)
	if s.OpenTails("dispatcher") != 0 {
		t.Fatalf("open tails after expiry: %d", s.OpenTails("dispatcher"))
	}
	s.GenerateTraffic(20)
	queued := sent() - before
	fresh := createTail(t, s, "dispatcher", `[]`)
	fc := dialTail(t, fresh.URL)
	n := s.GenerateTraffic(1)
	readItems(t, fc, n)
	if before == 0 || queued != 0 {
		t.Fatalf("the tail sent %d events before expiry and %d after", before, queued)
	}
	// The expired tail's socket stays open (registration is asynchronous).
	for deadline := time.Now().Add(5 * time.Second); s.TailSockets() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("sockets %d, want the expired tail's and the fresh one's", s.TailSockets())
		}
	}
	live.CloseNow()
}

func TestTailSocketRules(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 50, Now: clock.Now})
	tj := createTail(t, s, "dispatcher", `[]`)
	// Without trace-v1: 406.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, tj.URL, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotAcceptable {
		t.Fatalf("dial without subprotocol: %v %v", resp, err)
	}
	// An unknown tail: 404.
	_, resp, err = websocket.Dial(ctx, "ws://"+s.Addr()+"/tail/"+strings.Repeat("0", 32), &websocket.DialOptions{Subprotocols: []string{"trace-v1"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("dial unknown tail: %v %v", resp, err)
	}
	// Dropped sockets: the client sees an abnormal close; the tail stays.
	c := dialTail(t, tj.URL)
	for s.TailSockets() == 0 {
		time.Sleep(time.Millisecond)
	}
	if n := s.DropTailSockets(); n != 1 {
		t.Fatalf("dropped %d sockets", n)
	}
	if _, _, err := c.Read(ctx); err == nil || websocket.CloseStatus(err) != -1 {
		t.Fatalf("read after drop: %v, want a connection error without a close frame", err)
	}
	if s.OpenTails("dispatcher") != 1 {
		t.Fatal("dropping sockets deleted the tail")
	}
	c2 := dialTail(t, tj.URL)
	for s.TailSockets() == 0 { // events with no socket connected are lost
		time.Sleep(time.Millisecond)
	}
	readItems(t, c2, s.GenerateTraffic(2))
}

func TestTailThroughTheSDK(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 50, Now: clock.Now})
	svc := workers.NewScriptTailService(sdkOptions(s)...)
	ctx := context.Background()
	var np workers.ScriptTailNewParams
	np.AccountID.Value, np.AccountID.Present = s.AccountID(), true
	np.Body = map[string]any{"filters": []any{map[string]any{"outcome": []string{"ok"}}}}
	tl, err := svc.New(ctx, "dispatcher", np)
	if err != nil || len(tl.ID) != 32 || !strings.HasPrefix(tl.URL, "ws://") || tl.ExpiresAt == "" {
		t.Fatalf("New = %+v, %v", tl, err)
	}
	var dp workers.ScriptTailDeleteParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	res, err := svc.Delete(ctx, "dispatcher", tl.ID, dp)
	if err != nil || !res.Success || s.TailDeletes() != 1 || s.OpenTails("dispatcher") != 0 {
		t.Fatalf("Delete = %+v, %v; deletes %d", res, err, s.TailDeletes())
	}
	_, err = svc.Delete(ctx, "dispatcher", tl.ID, dp)
	expectSDKCode(t, err, 404, codeTailNotFound)
}
