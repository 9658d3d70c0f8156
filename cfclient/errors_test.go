package cfclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/shared"
	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// The mapping itself, for statuses and codes the sandbox does not produce
// on demand (the end-to-end tests below cover the ones it does).
func TestFailMapsStatusAndCode(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	cases := []struct {
		status, code int
		msg          string
		want         error
	}{
		{401, 0, "", ErrUnauthorized},
		{400, 6003, "Invalid request headers", ErrUnauthorized},
		{400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers", ErrUnauthorized},
		{403, 10000, "Authentication error", ErrForbidden},
		{404, 10007, "This Worker does not exist on your account.", ErrNotFound},
		{404, 10009, "key not found", ErrNotFound},
		{400, 7003, "Could not route", ErrNotFound},
		{429, 971, "Please wait and consider throttling your request speed", ErrRateLimited},
		{400, 10021, "bad metadata", ErrValidation},
		{400, 100103, "too many tags", ErrValidation},
		{502, 0, "", ErrServer},
		{500, 10002, "An unknown error has occurred", ErrServer},
	}
	for _, tc := range cases {
		api := &wfp.Error{StatusCode: tc.status}
		if tc.code != 0 {
			api.Errors = []shared.ErrorData{{Code: int64(tc.code), Message: tc.msg}}
		}
		err := e.c.fail("script.get", "ns/s", false, api)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("%d/%d: not an *Error: %v", tc.status, tc.code, err)
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%d/%d: kind %v, want %v", tc.status, tc.code, ce.Kind, tc.want)
		}
		if ce.Reason == "" || ce.Hint == "" || ce.Status != tc.status || ce.Code != tc.code {
			t.Errorf("%d/%d: incomplete error %+v", tc.status, tc.code, ce)
		}
		if strings.Contains(ce.Error(), "\n") {
			t.Errorf("%d/%d: error is not one line: %q", tc.status, tc.code, ce.Error())
		}
	}
}

func TestForbiddenNamesThePermission(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	err := e.c.fail("kv.value.put", "id/k", true, &wfp.Error{StatusCode: 403,
		Errors: []shared.ErrorData{{Code: 10000, Message: "Authentication error"}}})
	if !strings.Contains(Hint(err), "Workers KV Storage Edit") {
		t.Fatalf("hint %q does not name the permission", Hint(err))
	}
	err = e.c.fail("script.get", "ns/s", false, &wfp.Error{StatusCode: 403,
		Errors: []shared.ErrorData{{Code: 10000, Message: "Missing permission: Workers Scripts Read"}}})
	if !strings.Contains(err.Error(), "Workers Scripts Read") || !strings.Contains(Hint(err), "Workers Scripts Read") {
		t.Fatalf("error %q / hint %q do not name the permission", err, Hint(err))
	}
}

// Reasons come from the API (and tenants' text within it): control
// characters and bidi overrides are escaped visibly on one line by the one
// sanitiser, never passed through (or silently dropped).
func TestControlCharactersAreEscapedInReasons(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	err := e.c.fail("script.get", "x", false, &wfp.Error{StatusCode: 400,
		Errors: []shared.ErrorData{{Code: 10021, Message: "bad\x1b[2J\nthing\x07 \u202eevil"}}})
	if got := err.(*Error).Reason; got != `bad\x1b[2J thing\x07 \u202eevil` {
		t.Fatalf("reason %q", got)
	}
}

func TestWrongTokenIsForbidden(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	c := e.client(t, func(o *Options) { o.Token = "not-the-sandbox-token" })
	_, err := c.ListNamespaces(testCtx(t))
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("got %v, want ErrForbidden", err)
	}
	ce := err.(*Error)
	if ce.Status != 403 || ce.Code != 10000 || !strings.Contains(ce.Hint, "Workers Scripts Read") {
		t.Fatalf("error %+v", ce)
	}
	if strings.Contains(err.Error()+ce.Hint, "not-the-sandbox-token") {
		t.Fatal("the token appears in the error")
	}
}

func TestUnreachableAPIIsANetworkError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := New(Options{BaseURL: "http://" + addr + "/client/v4", AccountID: strings.Repeat("a", 32),
		Token: "t", Audit: audit.New(filepath.Join(t.TempDir(), "audit.jsonl")), HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// A POST: the throttle retries idempotent requests, which would only
	// make this test slower.
	_, err = c.CreateNamespace(testCtx(t), "unreachable")
	if !errors.Is(err, ErrNetwork) {
		t.Fatalf("got %v, want ErrNetwork", err)
	}
	if Hint(err) == "" || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %q hint %q", err, Hint(err))
	}
}

func TestCanceledContextKeepsItsCause(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.c.ListNamespaces(ctx)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrNetwork) {
		t.Fatalf("got %v, want ErrNetwork wrapping context.Canceled", err)
	}
}

func TestRateLimitedCarriesRetryAfter(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true, Faults: sandbox.Faults{Burst429: 1, Burst429Retry: 3 * time.Second}}, nil)
	// The throttle waits out a 429 unless the context would end first; then
	// the 429 itself comes back.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := e.c.ListNamespaces(ctx)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("got %v, want ErrRateLimited", err)
	}
	ce := err.(*Error)
	if ce.RetryAfter != 3*time.Second || ce.Code != 971 || !strings.Contains(ce.Hint, "3s") {
		t.Fatalf("error %+v", ce)
	}
}

func TestServerErrorOnWrite(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Empty: true, Faults: sandbox.Faults{ErrorRate: 1}}, nil)
	_, err := e.c.CreateNamespace(testCtx(t), "server-error")
	if !errors.Is(err, ErrServer) || err.(*Error).Status != http.StatusInternalServerError {
		t.Fatalf("got %v, want ErrServer 500", err)
	}
}

func TestMissingObjectsAreNotFound(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	if _, err := e.c.GetNamespace(ctx, "no-such-namespace"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetNamespace: got %v, want ErrNotFound", err)
	}
	if _, err := e.c.GetScript(ctx, "production", "no-such-script"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetScript: got %v, want ErrNotFound", err)
	} else if err.(*Error).Code != 10007 {
		t.Errorf("GetScript: code %d, want 10007", err.(*Error).Code)
	}
	if _, err := e.c.GetSettings(ctx, "production", "no-such-script"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetSettings: got %v, want ErrNotFound", err)
	}
	err := e.c.ListScripts(ctx, "no-such-namespace", TagFilter{}, func([]Script) error { return nil })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("ListScripts: got %v, want ErrNotFound", err)
	}
}

func TestDuplicateNamespaceIsValidation(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	_, err := e.c.CreateNamespace(testCtx(t), "production")
	if !errors.Is(err, ErrValidation) || err.(*Error).Status != http.StatusBadRequest {
		t.Fatalf("got %v, want ErrValidation 400", err)
	}
}

// TestErrorExplain checks the console's view of an error: what failed and
// why on one line, and the hint.
func TestErrorExplain(t *testing.T) {
	e := &Error{Kind: ErrForbidden, Op: "scripts.list", Target: "production", Reason: "the token lacks Workers Scripts Read", Hint: "add the permission\nto the token"}
	reason, hint := e.Explain()
	if reason != "scripts.list production: the token lacks Workers Scripts Read" {
		t.Errorf("reason = %q", reason)
	}
	if strings.Contains(hint, "\n") || !strings.Contains(hint, "add the permission") {
		t.Errorf("hint = %q, want one line", hint)
	}
}

// A validation error about a tier, tag, route or flag whose name holds an
// escape sequence (or an invisible character) shows it escaped, so the
// operator sees what was there; nothing is stripped, and no raw control or
// invisible character reaches the terminal. Runs through the real client
// against the sandbox.
func TestValidationErrorsShowHostileNamesEscaped(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Scripts: 5}, nil)
	ctx := testCtx(t)
	const evil = "\x1b]0;PWNED\x07"
	script := listAll(t, e.c, "production", TagFilter{})[0].Name
	id, err := e.c.RoutingNamespace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	flags := []string{"ok", "flag" + evil}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"tier name", func() error {
			return e.c.WriteTiers(ctx, []platform.Tier{{Name: evil, CPUMs: 50, SubRequests: 50}})
		}, `tier "\x1b]0;PWNED\a" name`},
		{"tier name with a zero-width space", func() error {
			return e.c.WriteTiers(ctx, []platform.Tier{{Name: "pro\u200b", CPUMs: 5, SubRequests: 50}})
		}, `tier "pro\u200b" name`},
		{"tag added", func() error { return e.c.AddTag(ctx, "production", script, "tag"+evil) }, `tag "tag\x1b]0;PWNED\a"`},
		{"tags replaced", func() error {
			_, err := e.c.ReplaceTags(ctx, "production", script, []string{"a", "b c" + evil})
			return err
		}, `tags[1] "b c\x1b]0;PWNED\a"`},
		{"route key", func() error { return e.c.SetRoute(ctx, platform.RouteHostname, evil+".example", script) }, `route key "\x1b]0;PWNED\a.example"`},
		{"route target", func() error { return e.c.SetRoute(ctx, platform.RouteHostname, "a.example", "t"+evil) }, `target "t\x1b]0;PWNED\a"`},
		{"compatibility flag", func() error {
			_, err := e.c.PatchSettings(ctx, "production", script, SettingsPatch{CompatibilityFlags: &flags})
			return err
		}, `compatibility_flags "flag\x1b]0;PWNED\a"`},
		{"tier table read", func() error {
			if err := e.c.PutValue(ctx, id, "tiers", []byte(`{"\u001b]0;PWNED\u0007":{"subRequests":5}}`)); err != nil {
				return err
			}
			_, err := e.c.ReadTiers(ctx)
			return err
		}, `tier "\x1b]0;PWNED\a": cpuMs is missing`},
	}
	for _, tc := range cases {
		err := tc.call()
		if !errors.Is(err, ErrValidation) {
			t.Errorf("%s: %v, want a validation error", tc.name, err)
			continue
		}
		reason, hint := err.(*Error).Explain()
		if !strings.Contains(reason, tc.want) {
			t.Errorf("%s: error %q, want it to show %q", tc.name, reason, tc.want)
		}
		for _, s := range []string{reason, hint} {
			if i := strings.IndexFunc(s, termsafe.Unsafe); i >= 0 {
				t.Errorf("%s: %q holds a raw %q", tc.name, s, s[i:])
			}
		}
	}
}
