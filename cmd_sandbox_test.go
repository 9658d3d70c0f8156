package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
)

// sandboxOutput is a bytes.Buffer safe to write from the sandbox goroutine
// while the test reads it.
type sandboxOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *sandboxOutput) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *sandboxOutput) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSandboxBadFlags(t *testing.T) {
	cases := map[string][]string{
		"unknown flag":     {"--bogus"},
		"scripts not int":  {"--scripts", "many"},
		"scripts negative": {"--scripts", "-1"},
		"scripts too many": {"--scripts", "5000000"},
		"rate limit":       {"--rate-limit", "fast"},
		"faults":           {"--faults", "error-rate=2"},
		"traffic":          {"--traffic", "fast"},
		"traffic unit":     {"--traffic", "20/d"},
		"traffic too high": {"--traffic", "5000/s"},
		"token":            {"--token", "a b$(rm)"},
		"addr":             {"--addr", "nonsense"},
		"addr no port":     {"--addr", "127.0.0.1:"},
		"argument":         {"extra"},
		"remote":           {"--addr", "0.0.0.0:8787"},
		"remote host":      {"--addr", "example.com:8787"},
		"all interfaces":   {"--addr", ":8787"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runSandboxContext(context.Background(), args, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "wfp sandbox: ") {
				t.Errorf("stderr %q, want one line starting with \"wfp sandbox: \"", msg)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
	// Rates that are not numbers from 0 to 1 are refused, naming the field
	// and the rule (NaN used to be accepted and inject nothing).
	// (A canceled context stops a sandbox that starts after all at once.)
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for _, v := range []string{"NaN", "nan", "Inf", "-Inf", "-0.5", "1.5"} {
		for _, k := range []string{"error-rate", "drop-rate"} {
			var stdout, stderr bytes.Buffer
			args := []string{"--addr", "127.0.0.1:0", "--scripts", "1", "--faults", "latency=1ms," + k + "=" + v}
			code := runSandboxContext(stopped, args, &stdout, &stderr)
			want := "wfp sandbox: --faults: " + k + "=" + v + ": must be a number from 0 to 1 (the share of requests)"
			if code != 2 || !strings.HasPrefix(stderr.String(), want) || stdout.Len() != 0 {
				t.Errorf("--faults %s=%s: exit %d, stderr %q, want it to start %q", k, v, code, stderr.String(), want)
			}
		}
	}
	var stderr bytes.Buffer
	runSandboxContext(stopped, []string{"--traffic", "-3/s"}, io.Discard, &stderr)
	if want := "wfp sandbox: --traffic: traffic \"-3/s\": want a rate such as 20/s, 300/m, or off"; !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("--traffic -3/s: stderr %q, want it to start %q", stderr.String(), want)
	}
	stderr.Reset()
	runSandboxContext(context.Background(), []string{"--addr", "10.1.2.3:80"}, io.Discard, &stderr)
	if !strings.Contains(stderr.String(), "--allow-remote") {
		t.Errorf("refusing a remote address should point at --allow-remote: %q", stderr.String())
	}
}

func TestSandboxHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runSandboxContext(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if !strings.Contains(stderr.String(), "-rate-limit") || stdout.Len() != 0 {
		t.Errorf("help: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.1": true, "::1": true, "localhost": true,
		"": false, "0.0.0.0": false, "::": false, "10.0.0.1": false, "example.com": false, "localhost.evil.com": false,
	} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v", host, got)
		}
	}
}

// startSandboxCmd runs the sandbox command in the background and returns its
// three export values once printed, a stop function and its exit channel.
func startSandboxCmd(t *testing.T, args ...string) (env map[string]string, stderr *sandboxOutput, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr = &sandboxOutput{}
	done := make(chan int, 1)
	go func() {
		done <- runSandboxContext(ctx, args, pw, stderr)
		pw.Close()
	}()
	env = map[string]string{}
	sc := bufio.NewScanner(pr)
	var lines []string
	for len(lines) < 3 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 3 {
		cancel()
		t.Fatalf("printed %q (stderr %q), want three export lines", lines, stderr.String())
	}
	for _, l := range lines {
		k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		if !strings.HasPrefix(l, "export ") || !ok {
			t.Fatalf("line %q is not an export", l)
		}
		env[k] = v
	}
	go io.Copy(io.Discard, pr)
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("the sandbox did not stop within 10s of its context ending")
			return -1
		}
	}
	return env, stderr, stop
}

func TestSandboxServesAndStops(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	env, stderr, stop := startSandboxCmd(t, "--addr", "127.0.0.1:0", "--seed", "4", "--scripts", "30",
		"--token", "test-token", "--rate-limit", "100/60s", "--state", state)
	base, acct, tok := env["CLOUDFLARE_API_BASE_URL"], env["CLOUDFLARE_ACCOUNT_ID"], env["CLOUDFLARE_API_TOKEN"]
	if len(env) != 3 || !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/client/v4") ||
		len(acct) != 32 || tok != "test-token" {
		t.Fatalf("exports %v", env)
	}

	get := func(token string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("GET", base+"/accounts/"+acct+"/no-such-endpoint", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("response is not JSON: %v", err)
		}
		return resp, body
	}
	// The printed token is accepted (the request reaches routing and is
	// counted against the configured limit); another is refused.
	resp, body := get(tok)
	if resp.StatusCode != 400 || resp.Header.Get("X-RateLimit-Limit") != "100" || body["success"] != false {
		t.Errorf("with the printed token: %d %v %v", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := get("other"); resp.StatusCode != 403 {
		t.Errorf("with another token: status %d, want 403", resp.StatusCode)
	}

	if code := stop(); code != 0 {
		t.Fatalf("exit %d after cancel, want 0; stderr %q", code, stderr.String())
	}
	if strings.Contains(stderr.String(), tok) {
		t.Error("the token was written to stderr")
	}
	if fi, err := os.Stat(state); err != nil || fi.Size() == 0 {
		t.Errorf("state file after stop: %v", err)
	}

	// A second run loads the file: same account, whatever the seed.
	env2, stderr2, stop2 := startSandboxCmd(t, "--addr", "127.0.0.1:0", "--seed", "5", "--state", state)
	if env2["CLOUDFLARE_ACCOUNT_ID"] != acct || !strings.Contains(stderr2.String(), "loaded the world from") {
		t.Errorf("second run: account %s (want %s), stderr %q", env2["CLOUDFLARE_ACCOUNT_ID"], acct, stderr2.String())
	}
	if code := stop2(); code != 0 {
		t.Fatalf("second run exit %d", code)
	}
}

// The token can come from WFP_SANDBOX_TOKEN, so it does not show in ps;
// --token wins over it, and a bad one is refused without being repeated.
func TestSandboxTokenFromEnvironment(t *testing.T) {
	t.Setenv(envSandboxToken, "env-token-123")
	env, stderr, stop := startSandboxCmd(t, "--addr", "127.0.0.1:0", "--scripts", "1")
	tok := env["CLOUDFLARE_API_TOKEN"]
	if tok != "env-token-123" {
		t.Errorf("token %q, want the one from %s", tok, envSandboxToken)
	}
	req, _ := http.NewRequest("GET", env["CLOUDFLARE_API_BASE_URL"]+"/accounts/"+env["CLOUDFLARE_ACCOUNT_ID"]+"/workers/dispatch/namespaces", nil)
	req.Header.Set("Authorization", "Bearer env-token-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("with the token from the environment: status %d, want 200", resp.StatusCode)
	}
	if code := stop(); code != 0 || strings.Contains(stderr.String(), tok) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}

	env, _, stop = startSandboxCmd(t, "--addr", "127.0.0.1:0", "--scripts", "1", "--token", "flag-token")
	if env["CLOUDFLARE_API_TOKEN"] != "flag-token" {
		t.Errorf("with --token and %s: token %q, want the flag's", envSandboxToken, env["CLOUDFLARE_API_TOKEN"])
	}
	stop()

	t.Setenv(envSandboxToken, "bad token $(rm)")
	var stdout, errOut bytes.Buffer
	stopped, cancel := context.WithCancel(context.Background())
	cancel() // a sandbox that starts after all stops at once
	code := runSandboxContext(stopped, []string{"--addr", "127.0.0.1:0", "--scripts", "1"}, &stdout, &errOut)
	if code != 2 || !strings.HasPrefix(errOut.String(), "wfp sandbox: "+envSandboxToken+": may contain only") ||
		strings.Contains(errOut.String(), "bad token") || stdout.Len() != 0 {
		t.Errorf("a bad token in %s: exit %d, stderr %q", envSandboxToken, code, errOut.String())
	}
	errOut.Reset()
	runSandboxContext(context.Background(), []string{"-h"}, &stdout, &errOut)
	if !strings.Contains(errOut.String(), envSandboxToken) {
		t.Errorf("wfp sandbox -h does not mention %s:\n%s", envSandboxToken, errOut.String())
	}
}

func TestSandboxBadStateFile(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(state, []byte("not a state file"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := runSandboxContext(context.Background(), []string{"--addr", "127.0.0.1:0", "--state", state}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), state) || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and an error naming the file", code, stdout.String(), stderr.String())
	}
}

func TestSandboxTrafficFeedsWorkersLogs(t *testing.T) {
	env, stderr, stop := startSandboxCmd(t, "--addr", "127.0.0.1:0", "--scripts", "30", "--traffic", "200/s", "--rate-limit", "off")
	defer stop()
	if !strings.Contains(stderr.String(), "simulating 200 requests/s") {
		t.Errorf("stderr %q does not announce the traffic", stderr.String())
	}
	query := func() float64 {
		now := time.Now().UnixMilli()
		body := fmt.Sprintf(`{"queryId":"t","timeframe":{"from":%d,"to":%d},"limit":1}`, now-60_000, now+1000)
		req, _ := http.NewRequest("POST", env["CLOUDFLARE_API_BASE_URL"]+"/accounts/"+env["CLOUDFLARE_ACCOUNT_ID"]+
			"/workers/observability/telemetry/query", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+env["CLOUDFLARE_API_TOKEN"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Result struct{ Events struct{ Count float64 } }
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("query: %d %v", resp.StatusCode, err)
		}
		return out.Result.Events.Count
	}
	// The traffic runs on the real clock: wait (bounded) for the first events.
	for deadline := time.Now().Add(10 * time.Second); query() == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no events within 10 s at 200 requests/s")
		}
	}
}

// wfp sandbox runs with a soft memory limit unless GOMEMLIMIT chose one.
func TestSandboxMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	debug.SetMemoryLimit(math.MaxInt64)
	set := func(string) string { return "2GiB" }
	if setSandboxMemoryLimit(set) || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatal("the limit was changed although GOMEMLIMIT is set")
	}
	unset := func(string) string { return "" }
	if !setSandboxMemoryLimit(unset) || debug.SetMemoryLimit(-1) != sandboxMemoryLimit {
		t.Fatalf("limit %d without GOMEMLIMIT, want %d", debug.SetMemoryLimit(-1), sandboxMemoryLimit)
	}
}
