package config

import (
	"strings"
	"testing"
	"time"
)

const (
	anaKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFPYtvFKVzx0sjOgUbphNSccI+cH2LceVeWNmVZo+bIx ana@laptop"
)

func TestServeDefaults(t *testing.T) {
	c := parse(t, "")
	if c.Serve.Listen != "127.0.0.1:2222" || c.Serve.IdleTimeout != 30*time.Minute || c.Serve.MaxSessions != 32 || c.Serve.HostKey != "" {
		t.Fatalf("defaults: %+v", c.Serve)
	}
}

func TestServeSectionParses(t *testing.T) {
	c := parse(t, `
[serve]
listen = "0.0.0.0:2022"
idle_timeout = "10m"
max_sessions = 4

[[serve.users]]
name = "ana"
role = "viewer"
keys = ["`+anaKey+`"]
`)
	if ps := c.Validate(); len(ps) != 0 {
		t.Fatalf("problems: %v", ps)
	}
	s := c.Serve
	if s.Listen != "0.0.0.0:2022" || s.IdleTimeout != 10*time.Minute || s.MaxSessions != 4 || len(s.Users) != 1 {
		t.Fatalf("serve: %+v", s)
	}
	u := s.Users[0]
	if u.Name != "ana" || u.Role != "viewer" || len(u.Keys) != 1 || !strings.HasPrefix(u.Keys[0].Fingerprint, "SHA256:") || u.Keys[0].Comment != "ana@laptop" {
		t.Fatalf("user: %+v", u)
	}
}

func TestServeProblemsNameKeyLineAndRule(t *testing.T) {
	c := parse(t, `[serve]
listen = "nowhere"
colour = 1

[[serve.users]]
name = "ana"
role = "viewer"
keys = ["`+anaKey+`"]

[[serve.users]]
name = "bo"
role = "root"
keys = [
  "`+anaKey+`",
  "ssh-ed25519 garbage bo@x",
]
`)
	want := map[string]int{ // key → line
		"serve.listen":           2,
		"serve.colour":           3,
		"serve.users[1].role":    12,
		"serve.users[1].keys[0]": 14,
		"serve.users[1].keys[1]": 15,
	}
	got := map[string]Problem{}
	for _, p := range c.Validate() {
		got[p.Key] = p
	}
	for k, line := range want {
		p, ok := got[k]
		if !ok {
			t.Errorf("no problem at %s; got %v", k, c.Validate())
			continue
		}
		if p.Line != line {
			t.Errorf("%s at line %d, want %d (%s)", k, p.Line, line, p.Message)
		}
	}
	if m := got["serve.users[1].keys[1]"].Message; !strings.Contains(m, "garbage") || !strings.Contains(m, "authorized_keys") {
		t.Errorf("malformed key message %q names neither the key nor the rule", m)
	}
	if m := got["serve.users[1].keys[0]"].Message; !strings.Contains(m, "ana") {
		t.Errorf("duplicate key message %q does not name its owner", m)
	}
}
