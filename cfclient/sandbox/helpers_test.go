package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6/option"
)

// TestMain clears the variables cloudflare-go reads from the environment, so
// a developer's real credentials can never reach a test.
func TestMain(m *testing.M) {
	for _, k := range []string{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL",
		"CLOUDFLARE_BASE_URL", "CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_USER_SERVICE_KEY"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// startSandbox starts a sandbox on a loopback port and stops it when the test
// ends. Scripts defaults to a small world (50) to keep tests fast.
func startSandbox(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Scripts == 0 && !opts.Empty {
		opts.Scripts = 50
	}
	if opts.RateLimit == (RateLimit{}) {
		opts.RateLimit = RateLimit{Off: true}
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("sandbox.Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sdkOptions are the cloudflare-go options that point the SDK at s, with SDK
// retries off so a test sees every response as it was.
func sdkOptions(s *Server) []option.RequestOption {
	return []option.RequestOption{
		option.WithBaseURL(s.URL()),
		option.WithAPIToken(s.Token()),
		option.WithMaxRetries(0),
	}
}

// rawResp is a raw HTTP response with its body read.
type rawResp struct {
	Status int
	Header http.Header
	Body   []byte
}

// env decodes the body as a Cloudflare envelope.
func (r rawResp) env(t testing.TB) (success bool, errs []wireError, result json.RawMessage, info json.RawMessage) {
	t.Helper()
	var e struct {
		Success    bool            `json:"success"`
		Errors     []wireError     `json:"errors"`
		Result     json.RawMessage `json:"result"`
		ResultInfo json.RawMessage `json:"result_info"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("body is not a JSON envelope: %v\n%s", err, r.Body)
	}
	return e.Success, e.Errors, e.Result, e.ResultInfo
}

// errCode returns the first error code of an error envelope (0 if none).
func (r rawResp) errCode(t testing.TB) int {
	t.Helper()
	_, errs, _, _ := r.env(t)
	if len(errs) == 0 {
		return 0
	}
	return errs[0].Code
}

// do sends a raw request to path (below /client/v4, already escaped as it
// should go on the wire) with the sandbox's token. body may be nil, a
// []byte, a string or any value to encode as JSON.
func do(t testing.TB, s *Server, method, path string, body any, header ...string) rawResp {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
		ctype = "application/json"
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token())
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResp{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// acct is the account path prefix of s.
func acct(s *Server) string { return "/accounts/" + s.AccountID() }
