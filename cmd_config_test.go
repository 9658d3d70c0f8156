package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const configTestAccount = "0123456789abcdef0123456789abcdef"

// configTestEnv is an environment lookup over m (HOME included), leaving
// the process's environment alone.
func configTestEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// runConfigTest runs `wfp config args…` with env and returns the exit
// status, stdout and stderr.
func runConfigTest(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runConfigEnv(args, &stdout, &stderr, configTestEnv(env))
	return code, stdout.String(), stderr.String()
}

// writeConfigFile writes a config file under dir and returns its path.
func writeConfigFile(t *testing.T, dir, rel, text string) string {
	t.Helper()
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigCheckOK(t *testing.T) {
	home := t.TempDir()
	path := writeConfigFile(t, home, ".config/wfp/config.toml", `default_profile = "prod"
[profiles.prod]
account_id = "`+configTestAccount+`"
token_env = "CF_PROD_TOKEN"
production = true
[profiles.dev]
`)
	code, out, errOut := runConfigTest(t, map[string]string{"HOME": home}, "check")
	if code != 0 || out != "ok: "+path+" (profile prod)\n" || errOut != "" {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	code, out, _ = runConfigTest(t, map[string]string{"HOME": home}, "check", "--profile", "dev")
	if code != 0 || out != "ok: "+path+" (profile dev)\n" {
		t.Errorf("--profile dev: exit %d %q", code, out)
	}
	code, out, _ = runConfigTest(t, map[string]string{"HOME": t.TempDir()}, "check")
	if code != 0 || !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, "(profile default; no file, built-in defaults)") {
		t.Errorf("no file: exit %d %q", code, out)
	}
}

func TestConfigCheckProblems(t *testing.T) {
	dir := t.TempDir()
	path := writeConfigFile(t, dir, "wfp.toml", `[profiles.prod]
account_id = "ABC"
token = "do-not-echo-this-token"
[profiles.prod.rate]
window = "0s"
`)
	env := map[string]string{"HOME": dir, "CLOUDFLARE_ACCOUNT_ID": "nope"}
	code, out, errOut := runConfigTest(t, env, "check", "--config", path)
	want := path + ":2: profiles.prod.account_id: must be 32 lower-case hex characters, the account id shown in the Cloudflare dashboard (got \"ABC\")\n" +
		path + ":3: profiles.prod.token: tokens are read only from the environment (set token_env to the variable's name and remove this key)\n" +
		path + ":5: profiles.prod.rate.window: must be between 1s and 24h (got 0s)\n" +
		"environment: CLOUDFLARE_ACCOUNT_ID: must be 32 lower-case hex characters, the account id shown in the Cloudflare dashboard (got \"nope\")\n"
	if code != 1 || out != want || errOut != "" {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr %q", code, out, want, errOut)
	}
	if strings.Contains(out, "do-not-echo-this-token") {
		t.Error("the token in the file was echoed")
	}
}

func TestConfigCheckFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeConfigFile(t, dir, "bad.toml", "[profiles.prod]\naccount_id = \n")
	code, out, _ := runConfigTest(t, map[string]string{"HOME": dir}, "check", "--config", bad)
	if code != 1 || !strings.HasPrefix(out, bad+":2:") || !strings.Contains(out, "invalid TOML") {
		t.Errorf("malformed: exit %d %q", code, out)
	}
	missing := filepath.Join(dir, "missing.toml")
	code, out, errOut := runConfigTest(t, map[string]string{"HOME": dir, "WFP_CONFIG": missing}, "check")
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "wfp config check: config file "+missing+" (from env WFP_CONFIG)") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("explicit missing: exit %d stdout %q stderr %q", code, out, errOut)
	}
}

// Control characters in what config check prints (here the file's own
// name) are escaped, not replaced by "?", so the operator can tell what is
// there.
func TestConfigCheckEscapesControlCharacters(t *testing.T) {
	dir := t.TempDir()
	path := writeConfigFile(t, dir, "wfp\x1b]0;PWNED\x07.toml", "[profiles.prod]\naccount_id = \"ABC\"\n")
	code, out, _ := runConfigTest(t, map[string]string{"HOME": dir}, "check", "--config", path)
	shown := filepath.Join(dir, `wfp\x1b]0;PWNED\x07.toml`)
	if code != 1 || !strings.HasPrefix(out, shown+":2: profiles.prod.account_id:") || strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("exit %d, stdout %q; want the problem at %s", code, out, shown)
	}
	code, out, _ = runConfigTest(t, map[string]string{"HOME": dir}, "path", "--config", path)
	if code != 0 || !strings.Contains(out, "config file:  "+shown+" (exists") || strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("path: exit %d, stdout %q; want %s", code, out, shown)
	}
}

func TestConfigPath(t *testing.T) {
	home, xdgState := t.TempDir(), t.TempDir()
	path := writeConfigFile(t, home, ".config/wfp/config.toml", `[profiles.support]
account_id = "`+configTestAccount+`"
token_env = "SUPPORT_TOKEN"
read_only = true
`)
	env := map[string]string{
		"HOME": home, "XDG_STATE_HOME": xdgState,
		"SUPPORT_TOKEN":           "support-secret-token-value",
		"CLOUDFLARE_API_BASE_URL": "http://127.0.0.1:8787/client/v4",
	}
	code, out, errOut := runConfigTest(t, env, "path")
	want := "config file:  " + path + " (exists; from default)\n" +
		"state dir:    " + filepath.Join(xdgState, "wfp") + "\n" +
		"audit log:    " + filepath.Join(xdgState, "wfp", "audit.jsonl") + "\n" +
		"cache dir:    " + filepath.Join(home, ".cache", "wfp") + "\n" +
		"profile:      support (from file profiles.support (the only profile))\n" +
		"account id:   " + configTestAccount + " (from file profiles.support.account_id)\n" +
		"api base url: http://127.0.0.1:8787/client/v4 (from env CLOUDFLARE_API_BASE_URL)\n" +
		"token:        $SUPPORT_TOKEN (set)\n" +
		"read-only:    true (from file profiles.support.read_only)\n" +
		"production:   false\n"
	if code != 0 || out != want || errOut != "" {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr %q", code, out, want, errOut)
	}
	if strings.Contains(out+errOut, "support-secret-token-value") {
		t.Error("token printed")
	}
}

// A token pasted into token_env is refused by config check and never
// printed by config path, whatever else is wrong.
func TestConfigNeverPrintsATokenInTokenEnv(t *testing.T) {
	for _, tok := range []string{
		"Y8a2Lr0kZcTqW1vN3fBq5eJ8xG2hR7mP9sK4dLwX",
		"f9a1c0b7e2d4a6f8c1b3e5d7a9f0c2e4b6a8c",
		"Y8a2-Lr0kZcTqW1vN3fBq5eJ8xG2hR7mP9sK4dL",
	} {
		dir := t.TempDir()
		path := writeConfigFile(t, dir, "wfp.toml", "[profiles.prod]\naccount_id = \""+configTestAccount+"\"\ntoken_env = \""+tok+"\"\n")
		env := map[string]string{"HOME": dir, tok: "the-real-secret"}
		code, out, errOut := runConfigTest(t, env, "check", "--config", path)
		if code != 1 || !strings.Contains(out, path+":3: profiles.prod.token_env: must be the name of the environment variable") ||
			!strings.Contains(out, "looks like a token") {
			t.Errorf("check: exit %d, stdout %q", code, out)
		}
		all := out + errOut
		code, out, errOut = runConfigTest(t, env, "path", "--config", path)
		if code != 0 || !strings.Contains(out, "token:        not read: token_env is not a variable's name (see wfp config check)\n") {
			t.Errorf("path: exit %d, stdout %q", code, out)
		}
		all += out + errOut
		for _, secret := range []string{tok, tok[:12], "the-real-secret"} {
			if strings.Contains(all, secret) {
				t.Errorf("%q was printed:\n%s", secret, all)
			}
		}
	}
}

func TestConfigPathWithBrokenFile(t *testing.T) {
	dir := t.TempDir()
	bad := writeConfigFile(t, dir, "bad.toml", "[profiles\n")
	code, out, errOut := runConfigTest(t, map[string]string{"HOME": dir}, "path", "--config", bad)
	if code != 1 || !strings.HasPrefix(out, "config file:  "+bad+" (exists; from flag --config)\n") ||
		!strings.Contains(out, "audit log:    "+filepath.Join(dir, ".local", "state", "wfp", "audit.jsonl")) ||
		!strings.Contains(errOut, bad+":1:") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr %q", code, out, errOut)
	}
	// Problems do not stop `path`; it counts them.
	probs := writeConfigFile(t, dir, "probs.toml", "[profiles.p]\naccount_id = \"x\"\n")
	code, out, _ = runConfigTest(t, map[string]string{"HOME": dir}, "path", "--config", probs)
	if code != 0 || !strings.Contains(out, "problems:     1 (run wfp config check)\n") {
		t.Errorf("exit %d\nstdout:\n%s", code, out)
	}
}

func TestConfigUsage(t *testing.T) {
	env := map[string]string{"HOME": t.TempDir()}
	for name, args := range map[string][]string{
		"no subcommand":      {},
		"unknown subcommand": {"edit"},
		"unknown flag":       {"check", "--bogus"},
		"flag without value": {"path", "--config"},
		"extra argument":     {"check", "extra"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runConfigTest(t, env, args...)
			if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "wfp config") {
				t.Errorf("exit %d stdout %q stderr %q: want 2 and one line on stderr", code, out, errOut)
			}
		})
	}
	for _, args := range [][]string{{"-h"}, {"help"}, {"check", "-h"}} {
		code, out, _ := runConfigTest(t, env, args...)
		if code != 0 || !strings.Contains(out, "usage: wfp config check") {
			t.Errorf("%v: exit %d %q", args, code, out)
		}
	}
}

// TestConfigProcessEnv goes through runConfig, which reads the real
// environment.
func TestConfigProcessEnv(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_API_TOKEN", "WFP_PROFILE", "WFP_READ_ONLY", "XDG_STATE_HOME", "XDG_CACHE_HOME"} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	path := writeConfigFile(t, dir, "xdg/wfp/config.toml", "[profiles.ops]\nproduction = true\n")
	t.Setenv("WFP_PROFILE", "ops")
	var stdout, stderr bytes.Buffer
	if code := runConfig([]string{"check"}, &stdout, &stderr); code != 0 || stdout.String() != "ok: "+path+" (profile ops)\n" {
		t.Errorf("exit %d stdout %q stderr %q", code, stdout.String(), stderr.String())
	}
}
