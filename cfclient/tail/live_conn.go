package tail

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// dial opens the WebSocket with the trace-v1 subprotocol and says hello.
func dial(ctx context.Context, url string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(dctx, url, &websocket.DialOptions{
		Subprotocols: []string{"trace-v1"},
		HTTPHeader:   http.Header{"User-Agent": {"wfp"}},
	})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial the tail: %s", resp.Status)
		}
		return nil, fmt.Errorf("dial the tail: %w", err)
	}
	if ws.Subprotocol() != "trace-v1" {
		ws.CloseNow()
		return nil, errors.New("dial the tail: the server did not accept the trace-v1 protocol")
	}
	ws.SetReadLimit(8 << 20)
	if err := ws.Write(dctx, websocket.MessageText, []byte(`{"debug":false}`)); err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("dial the tail: %w", err)
	}
	return ws, nil
}

// read sends every message of a connection to out, then its end.
func read(ctx context.Context, c *conn, out chan<- connMsg) {
	for {
		_, data, err := c.ws.Read(ctx)
		select {
		case out <- connMsg{gen: c.gen, data: data, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// ping pings every period; an unanswered ping closes the socket, which the
// reader reports as a drop.
func ping(ctx context.Context, ws *websocket.Conn, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, every)
			err := ws.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				ws.CloseNow()
				return
			}
		}
	}
}
