package cfclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudflare/cloudflare-go/v6/shared"
	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

// Plain net/http calls for the endpoints cloudflare-go lacks. They use the
// same http.Client as the SDK (so the throttle sees them) and turn error
// responses into the SDK's own error type, so one function (Client.fail)
// maps both.

// maxBody caps a response body read into memory (a listing page of 1000
// scripts is well under 1 MiB).
const maxBody = 64 << 20

// envelope is Cloudflare's v4 response envelope.
type envelope[T any] struct {
	Success    bool               `json:"success"`
	Errors     []shared.ErrorData `json:"errors"`
	Result     T                  `json:"result"`
	ResultInfo struct {
		Cursor string `json:"cursor"`
		Count  int    `json:"count"`
	} `json:"result_info"`
}

// apiPath joins escaped path segments below the base URL. Each segment is
// escaped here: cloudflare-go never escapes path parameters, and names,
// tags and keys may hold "/", "%" or spaces.
func apiPath(segs ...string) string {
	var b strings.Builder
	for i, s := range segs {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// callJSON sends one request and decodes the envelope's result into a T.
// body is sent as JSON unless nil.
func callJSON[T any](ctx context.Context, c *Client, method, path string, query url.Values, body any) (envelope[T], error) {
	var env envelope[T]
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return env, fmt.Errorf("encode request body: %w", err)
		}
		payload = b
	}
	raw, req, resp, err := c.send(ctx, method, path, query, payload, "application/json")
	if err != nil {
		return env, err
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return env, fmt.Errorf("decode %s response: %w", path, err)
	}
	if !env.Success {
		// A 2xx with success:false; cloudflare-go would ignore it, we do not.
		return env, &wfp.Error{Errors: env.Errors, StatusCode: resp.StatusCode, Request: req, Response: resp}
	}
	return env, nil
}

// send performs one request through the shared http.Client and returns the
// body; a payload is sent with contentType. A status of 400 or more comes
// back as a *wfp.Error.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, payload []byte, contentType string) ([]byte, *http.Request, *http.Response, error) {
	u := c.base.String() + "/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload) // a *bytes.Reader lets the throttle retry
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "wfp")
	if payload != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, req, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, req, resp, fmt.Errorf("read response: %w", err)
	}
	if len(raw) > maxBody {
		return nil, req, resp, fmt.Errorf("response larger than %d bytes", maxBody)
	}
	if resp.StatusCode >= 400 {
		e := &wfp.Error{StatusCode: resp.StatusCode, Request: req, Response: resp}
		_ = e.UnmarshalJSON(raw) // a non-JSON body (an HTML 502) leaves Errors empty
		return nil, req, resp, e
	}
	return raw, req, resp, nil
}
