package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/config"
	"github.com/wfpconsole/wfp/ui"
)

func TestConsoleFlagErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"extra"}, {"--scripts", "-1"}, {"--scripts", "x"}} {
		var out, errb bytes.Buffer
		if code := runConsole(args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if msg := errb.String(); !strings.HasPrefix(msg, "wfp: ") || strings.Count(msg, "\n") != 1 {
			t.Errorf("%q: stderr %q, want one line starting with wfp:", args, msg)
		}
	}
}

func TestConsoleHelpAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runConsole([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--read-only") {
		t.Errorf("--help: exit %d, out %q", code, out.String())
	}
	out.Reset()
	if code := runConsole([]string{"--version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "wfp ") {
		t.Errorf("--version: exit %d, out %q", code, out.String())
	}
}

// A broken config is reported before any screen opens: every problem, with
// the file, line and key, and a non-zero exit.
func TestConsoleConfigProblemsBeforeTheScreen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	body := "[profiles.default]\naccount_id = \"nothex\"\nread_only = \"yes\"\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", dir)
	var out, errb bytes.Buffer
	code := runConsole([]string{"--config", path}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", code, errb.String())
	}
	msg := errb.String()
	for _, want := range []string{"config.toml:2: profiles.default.account_id", "config.toml:3: profiles.default.read_only", "2 problem(s)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q, want nothing (no screen)", out.String())
	}
}

// With credentials in the environment, the console talks to the account
// they name (here a separate sandbox standing in for Cloudflare), not to an
// embedded sandbox, and --read-only reaches the client.
func TestConsoleUsesTheProfileAccount(t *testing.T) {
	remote, err := sandbox.New(sandbox.Options{Seed: 7, Scripts: 20, RateLimit: sandbox.RateLimit{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { remote.Close() })
	home := t.TempDir()
	env := map[string]string{
		"HOME":                    home,
		"CLOUDFLARE_API_TOKEN":    remote.Token(),
		"CLOUDFLARE_ACCOUNT_ID":   remote.AccountID(),
		"CLOUDFLARE_API_BASE_URL": remote.URL(),
	}
	ro := true
	rt, err := NewRuntime(runtimeOptions{load: config.LoadOptions{
		Env:      func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Home:     home,
		ReadOnly: &ro,
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if rt.Sandbox != nil {
		t.Fatal("started an embedded sandbox although credentials are set")
	}
	info := rt.Header(cfclient.Actor{Name: "tester@host"}, "")()
	if info.Sandbox || info.Account != remote.AccountID() || !info.ReadOnly {
		t.Errorf("header %+v: want the remote account, no SANDBOX badge, RO", info)
	}
	nss, err := rt.Client.ListNamespaces(t.Context())
	if err != nil || len(nss) == 0 {
		t.Fatalf("ListNamespaces on the remote: %v, %d namespaces", err, len(nss))
	}
	if err := rt.Client.DeleteNamespace(t.Context(), nss[0].Name); err == nil {
		t.Error("a read-only console deleted a namespace")
	}
	// The cache is the remote's own: kept under the config's cache
	// directory, per API site and account.
	if !strings.HasPrefix(rt.Store.Dir(), filepath.Join(home, ".cache", "wfp")) || !strings.Contains(rt.Store.Dir(), remote.AccountID()) {
		t.Errorf("cache dir %q", rt.Store.Dir())
	}
}

// A token without an account id is a configuration problem, named.
func TestConsoleTokenWithoutAccount(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home, "CLOUDFLARE_API_TOKEN": "tok-123"}
	_, err := NewRuntime(runtimeOptions{load: config.LoadOptions{
		Env:  func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Home: home,
	}})
	if err == nil || !strings.Contains(err.Error(), "no account id") || strings.Contains(err.Error(), "tok-123") {
		t.Fatalf("err = %v, want a missing account id named (and no token)", err)
	}
}

// A read of the routing table is background work the header counts.
func TestHeaderCountsTheRoutingRead(t *testing.T) {
	rt := testRuntime(t, 50)
	header := rt.Header(cfclient.Actor{Name: "tester@host"}, "")
	if got := header().Jobs; got != 0 {
		t.Fatalf("jobs before any read = %d", got)
	}
	// Slow responses keep the read running while the header is looked at.
	rt.Sandbox.SetFaults(sandbox.Faults{Latency: 100 * time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- rt.Routing.Read(t.Context()) }()
	deadline := time.Now().Add(10 * time.Second)
	for header().Jobs != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the header never counted the running read as a job")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := header().Jobs; got != 0 {
		t.Errorf("jobs after the read = %d, want 0", got)
	}
}

// :scripts refuses a namespace the last listing does not have, naming the
// known ones, and accepts a known one.
func TestScriptsCommandChecksTheNamespace(t *testing.T) {
	if _, err := namespaceArg(ui.Route{}, []string{"anything"}, nil); err != nil {
		t.Fatalf("before any listing every name is accepted, got %v", err)
	}
	known := []string{"production", "staging", "testing"}
	_, err := namespaceArg(ui.Route{}, []string{"nope"}, known)
	if err == nil || !strings.Contains(err.Error(), `no namespace "nope"`) || !strings.Contains(err.Error(), "production") {
		t.Errorf("err = %v, want the unknown name refused with the known ones", err)
	}
	if ns, err := namespaceArg(ui.Route{}, []string{"staging"}, known); err != nil || ns != "staging" {
		t.Errorf("staging: %q, %v", ns, err)
	}
	if ns, err := namespaceArg(ui.Route{Kind: ui.KindScript, Namespace: "testing"}, nil, known); err != nil || ns != "testing" {
		t.Errorf("no argument on a testing screen: %q, %v", ns, err)
	}
	if _, err := namespaceArg(ui.Route{}, nil, known); err == nil {
		t.Error("no argument and no namespace screen: want an error")
	}
}
