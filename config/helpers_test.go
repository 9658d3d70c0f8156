package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	acct1 = "0123456789abcdef0123456789abcdef"
	acct2 = "fedcba9876543210fedcba9876543210"
	acct3 = "00000000000000000000000000000003"
)

// envOf is an environment lookup over m, leaving the process's alone.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// writeConfig writes text to dir/name and returns the path.
func writeConfig(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// parse parses text or fails the test.
func parse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := Parse("c.toml", []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// findProblem returns the problem at key, failing when there is none.
func findProblem(t *testing.T, ps []Problem, key string) Problem {
	t.Helper()
	for _, p := range ps {
		if p.Key == key {
			return p
		}
	}
	t.Fatalf("no problem at %s; got:\n%s", key, formatAll(ps))
	return Problem{}
}

// formatAll lists problems one a line, for failure messages.
func formatAll(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Format("c.toml") + "\n")
	}
	return b.String()
}
