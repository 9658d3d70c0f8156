package sandbox

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// rawFrame writes one client frame; masked selects RFC 6455 masking.
func rawFrame(w io.Writer, opcode byte, payload []byte, masked bool) error {
	h := []byte{0x80 | opcode, byte(len(payload))}
	if !masked {
		_, err := w.Write(append(h, payload...))
		return err
	}
	h[1] |= 0x80
	key := []byte{1, 2, 3, 4}
	p := make([]byte, len(payload))
	for i := range payload {
		p[i] = payload[i] ^ key[i%4]
	}
	_, err := w.Write(append(append(h, key...), p...))
	return err
}

// readServerFrame reads one unmasked server frame.
func readServerFrame(r *bufio.Reader) (opcode byte, payload []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err = io.ReadFull(r, l[:]); err != nil {
			return 0, nil, err
		}
		n = int(l[0])<<8 | int(l[1])
	case 127:
		return 0, nil, errors.New("frame too large for the test")
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(r, payload)
	return h[0] & 0x0f, payload, err
}

func TestTailAcceptsUnmaskedClientFrames(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Seed: 3, Scripts: 50, Now: clock.Now})
	tj := createTail(t, s, "dispatcher", `[]`)
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(conn, "GET /tail/%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: trace-v1\r\nUser-Agent: wrangler/4.0.0\r\n\r\n",
		tj.ID, s.Addr(), base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Protocol") != "trace-v1" {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	// wrangler's first message is unmasked; so is this ping.
	if err := rawFrame(conn, 0x1, []byte(`{"debug":false}`), false); err != nil {
		t.Fatal(err)
	}
	if err := rawFrame(conn, 0x9, []byte("wrangler tail ping"), false); err != nil {
		t.Fatal(err)
	}
	op, p, err := readServerFrame(br)
	if err != nil || op != 0xA || string(p) != "wrangler tail ping" {
		t.Fatalf("pong: op %x %q %v", op, p, err)
	}
	// A masked ping works as well.
	if err := rawFrame(conn, 0x9, []byte("masked"), true); err != nil {
		t.Fatal(err)
	}
	if op, p, err = readServerFrame(br); err != nil || op != 0xA || string(p) != "masked" {
		t.Fatalf("masked pong: op %x %q %v", op, p, err)
	}
	n := s.GenerateTraffic(1)
	for range n {
		op, p, err := readServerFrame(br)
		var it tailItem
		if err != nil || op != 0x2 || json.Unmarshal(p, &it) != nil || it.ScriptName == "" {
			t.Fatalf("event frame: op %x %s %v", op, p, err)
		}
	}
}
