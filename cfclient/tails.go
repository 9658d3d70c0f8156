package cfclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/workers"
)

// Live tails of account scripts (the dispatch Worker, the outbound Worker):
// the REST half of Cloudflare's trace-v1 tail. A tail is created, its URL
// dialled as a WebSocket (cfclient/tail), and deleted when done: a script
// allows only 10 open tails, counting the dashboard's and wrangler's.
// Creating a tail changes nothing on the platform, so it does not go through
// the gate and is allowed read-only (the token needs Workers Tail Read).

// Tail is one live tail of an account script.
type Tail struct {
	// ID names the tail in its DELETE.
	ID string
	// URL is the WebSocket to dial (it grants access by itself: no token).
	URL string
	// ExpiresAt is when Cloudflare stops forwarding events to it (zero when
	// the answer had no readable time); the socket stays open but silent.
	ExpiresAt time.Time
}

// TailFilters narrow what a tail forwards; Cloudflare applies them at the
// producer. The zero value forwards everything. The wire form is
// wrangler's: {"filters":[{"outcome":[…]},{"method":[…]},…]}.
type TailFilters struct {
	// SamplingRate between 0 and 1 exclusive forwards that share (0: all).
	SamplingRate float64
	// Outcomes keeps only these outcomes ("ok", "exception", "exceededCpu", …).
	Outcomes []string
	// Methods keeps only these HTTP methods.
	Methods []string
	// HeaderKey keeps requests with this header (HeaderQuery: whose value
	// matches it).
	HeaderKey, HeaderQuery string
	// ClientIPs keeps requests from these addresses ("self" is the tailing
	// machine's).
	ClientIPs []string
	// Query keeps events whose console messages contain it.
	Query string
	// ScriptVersion keeps one version's events.
	ScriptVersion string
}

// body is the POST body wrangler sends: always a filters array.
func (f TailFilters) body() map[string]any {
	filters := []any{}
	if f.SamplingRate > 0 && f.SamplingRate < 1 {
		filters = append(filters, map[string]any{"sampling_rate": f.SamplingRate})
	}
	if len(f.Outcomes) > 0 {
		filters = append(filters, map[string]any{"outcome": f.Outcomes})
	}
	if len(f.Methods) > 0 {
		filters = append(filters, map[string]any{"method": f.Methods})
	}
	if f.HeaderKey != "" {
		h := map[string]string{"key": f.HeaderKey}
		if f.HeaderQuery != "" {
			h["query"] = f.HeaderQuery
		}
		filters = append(filters, map[string]any{"header": h})
	}
	if len(f.ClientIPs) > 0 {
		filters = append(filters, map[string]any{"client_ip": f.ClientIPs})
	}
	if f.Query != "" {
		filters = append(filters, map[string]any{"query": f.Query})
	}
	if f.ScriptVersion != "" {
		filters = append(filters, map[string]any{"scriptVersion": f.ScriptVersion})
	}
	return map[string]any{"filters": filters}
}

// check names the filter field that breaks a rule.
func (f TailFilters) check() check {
	if f.SamplingRate < 0 || f.SamplingRate > 1 {
		return check{"sampling rate", fmt.Sprintf("must be between 0 and 1 (got %g)", f.SamplingRate)}
	}
	if f.HeaderKey == "" && f.HeaderQuery != "" {
		return check{"header", "a header value needs a header name"}
	}
	return check{}
}

// CreateTail starts a live tail of the account script name.
func (c *Client) CreateTail(ctx context.Context, name string, f TailFilters) (Tail, error) {
	const op = "tail.create"
	if err := firstFailure(op, name, check{"script", nonEmpty(name)}, f.check()); err != nil {
		return Tail{}, err
	}
	var p workers.ScriptTailNewParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	p.Body = f.body()
	res, err := c.scripts.Tail.New(ctx, url.PathEscape(name), p)
	if err != nil {
		return Tail{}, tailHint(c.fail(op, name, false, err))
	}
	return newTail(res.ID, res.URL, res.ExpiresAt)
}

// newTail checks a tail the API returned: a tail without an id or a
// WebSocket URL cannot be used (nor deleted).
func newTail(id, wsURL, expires string) (Tail, error) {
	if id == "" {
		return Tail{}, errors.New("tail.create: the API returned a tail without an id")
	}
	u, err := url.Parse(wsURL)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return Tail{ID: id}, fmt.Errorf("tail.create: the API returned %q as the tail's url: not a ws:// or wss:// URL", wsURL)
	}
	t := Tail{ID: id, URL: wsURL}
	if at, err := time.Parse(time.RFC3339, expires); err == nil {
		t.ExpiresAt = at
	}
	return t, nil
}

// wireLiveTail is a tail as the API lists it.
type wireLiveTail struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}

// ListTails returns the open tails of the account script name. The API's
// spec says one object and some clients decode an array; both are read.
func (c *Client) ListTails(ctx context.Context, name string) ([]Tail, error) {
	const op = "tail.list"
	if err := firstFailure(op, name, check{"script", nonEmpty(name)}); err != nil {
		return nil, err
	}
	env, err := callJSON[json.RawMessage](ctx, c, "GET",
		apiPath("accounts", c.opts.AccountID, "workers", "scripts", name, "tails"), nil, nil)
	if err != nil {
		return nil, tailHint(c.fail(op, name, false, err))
	}
	raw := strings.TrimSpace(string(env.Result))
	var wire []wireLiveTail
	switch {
	case raw == "" || raw == "null":
	case strings.HasPrefix(raw, "["):
		if err := json.Unmarshal(env.Result, &wire); err != nil {
			return nil, fmt.Errorf("%s %s: decode: %w", op, name, err)
		}
	default:
		var one wireLiveTail
		if err := json.Unmarshal(env.Result, &one); err != nil {
			return nil, fmt.Errorf("%s %s: decode: %w", op, name, err)
		}
		if one.ID != "" {
			wire = append(wire, one)
		}
	}
	out := make([]Tail, 0, len(wire))
	for _, w := range wire {
		t := Tail{ID: w.ID, URL: w.URL}
		if at, err := time.Parse(time.RFC3339, w.ExpiresAt); err == nil {
			t.ExpiresAt = at
		}
		out = append(out, t)
	}
	return out, nil
}

// DeleteTail closes the tail id of the account script name. A tail already
// gone is not an error: the aim, no tail left open, is reached.
func (c *Client) DeleteTail(ctx context.Context, name, id string) error {
	const op = "tail.delete"
	if err := firstFailure(op, name, check{"script", nonEmpty(name)}, check{"tail id", nonEmpty(id)}); err != nil {
		return err
	}
	var p workers.ScriptTailDeleteParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	_, err := c.scripts.Tail.Delete(ctx, url.PathEscape(name), url.PathEscape(id), p)
	if err != nil {
		err = c.fail(op, name+" "+id, false, err)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return tailHint(err)
	}
	return nil
}

// tailHint names the permission tails need when the token lacks it.
func tailHint(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Kind == ErrForbidden {
		e.Hint = "the token needs Workers Tail Read (Account · Workers Tail · Read) on this account"
	}
	return err
}
