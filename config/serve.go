package config

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Defaults of the [serve] section (wfp serve).
const (
	// DefaultServeListen is loopback: another address only when the file
	// or --listen says so.
	DefaultServeListen = "127.0.0.1:2222"
	// DefaultServeIdleTimeout ends a session idle this long.
	DefaultServeIdleTimeout = 30 * time.Minute
	// DefaultServeMaxSessions bounds the sessions open at once.
	DefaultServeMaxSessions = 32
	// ServeHostKeyName is the host key's file name in the state directory
	// (when host_key is not set).
	ServeHostKeyName = "serve_host_ed25519"
)

// Serve is the [serve] section: how `wfp serve` listens and who may
// connect.
type Serve struct {
	// Listen is host:port.
	Listen string
	// HostKey is the host key's path; "" means ServeHostKeyName under the
	// state directory.
	HostKey string
	// IdleTimeout ends an idle session; MaxSessions bounds them.
	IdleTimeout time.Duration
	MaxSessions int
	// Users are the people who may connect, each with a role and keys.
	Users []ServeUser
}

// ServeUser is one [[serve.users]] entry.
type ServeUser struct {
	// Name is who the header and the audit log say acts.
	Name string
	// Role is viewer, operator or admin.
	Role string
	// Keys are the user's public keys, from authorized_keys lines.
	Keys []ServeKey
}

// ServeKey is one public key of a user.
type ServeKey struct {
	// Key is the parsed key; Fingerprint its SHA256 fingerprint
	// ("SHA256:…"); Comment the line's comment.
	Key         ssh.PublicKey
	Fingerprint string
	Comment     string
}

// DefaultServe is the [serve] section when the file has none.
func DefaultServe() Serve {
	return Serve{Listen: DefaultServeListen, IdleTimeout: DefaultServeIdleTimeout, MaxSessions: DefaultServeMaxSessions}
}

var userNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// decodeServe reads the [serve] table into c.Serve, recording problems.
func (c *Config) decodeServe(v any) {
	tbl, ok := v.(map[string]any)
	if !ok {
		c.problem([]string{"serve"}, "must be a table, e.g. [serve]"+got(v))
		return
	}
	s := &c.Serve
	if c.elems == nil {
		c.elems = elemLines(c.data)
	}
	for k, val := range tbl {
		key := []string{"serve", k}
		switch k {
		case "listen":
			str, ok := val.(string)
			if !ok {
				c.problem(key, "must be a string such as \"127.0.0.1:2222\""+got(val))
				continue
			}
			if msg := CheckListen(str); msg != "" {
				c.problem(key, msg)
				continue
			}
			s.Listen = str
		case "host_key":
			str, ok := val.(string)
			if !ok || str == "" {
				c.problem(key, "must be a file path (the host key, created on first start)"+got(val))
				continue
			}
			s.HostKey = str
		case "idle_timeout":
			str, ok := val.(string)
			d, err := time.ParseDuration(str)
			if !ok || err != nil || d < time.Minute || d > 24*time.Hour {
				c.problem(key, fmt.Sprintf(`must be a duration between "1m" and "24h" such as "30m"%s`, got(val)))
				continue
			}
			s.IdleTimeout = d
		case "max_sessions":
			n, ok := val.(int64)
			if !ok || n < 1 || n > 1000 {
				c.problem(key, "must be an integer from 1 to 1000"+got(val))
				continue
			}
			s.MaxSessions = int(n)
		case "users":
			c.decodeServeUsers(val)
		case "token", "api_token":
			c.problem(key, tokenMessage)
		default:
			c.problem(key, "unknown key (known: listen, host_key, idle_timeout, max_sessions, [[serve.users]])")
		}
	}
}

// decodeServeUsers reads [[serve.users]].
func (c *Config) decodeServeUsers(v any) {
	list, ok := v.([]map[string]any)
	if !ok {
		c.problem([]string{"serve", "users"}, "must be an array of tables, written [[serve.users]]"+got(v))
		return
	}
	seenName := map[string]int{}
	seenKey := map[string]string{}
	for i, tbl := range list {
		at := []string{"serve", "users", strconv.Itoa(i)}
		where := fmt.Sprintf("serve.users[%d]", i)
		u := ServeUser{}
		for k, val := range tbl {
			key := append(append([]string{}, at...), k)
			switch k {
			case "name":
				str, _ := val.(string)
				if !userNameRE.MatchString(str) {
					c.serveProblem(key, where+".name", "must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"+gotValue(val))
					continue
				}
				u.Name = str
			case "role":
				str, _ := val.(string)
				if str != "viewer" && str != "operator" && str != "admin" {
					c.serveProblem(key, where+".role", "must be viewer, operator or admin"+gotValue(val))
					continue
				}
				u.Role = str
			case "keys":
				arr, ok := val.([]any)
				if !ok || len(arr) == 0 {
					c.serveProblem(key, where+".keys", "must be a non-empty array of authorized_keys lines"+got(val))
					continue
				}
				for j, kv := range arr {
					kkey := append(append([]string{}, key...), strconv.Itoa(j))
					kwhere := fmt.Sprintf("%s.keys[%d]", where, j)
					line, _ := kv.(string)
					pk, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
					if err != nil {
						c.serveProblem(kkey, kwhere, fmt.Sprintf("%s is not an authorized_keys line (\"ssh-ed25519 AAAA… comment\"): %v", quoteShort(line), err))
						continue
					}
					fp := ssh.FingerprintSHA256(pk)
					if other, dup := seenKey[fp]; dup {
						c.serveProblem(kkey, kwhere, fmt.Sprintf("key %s is already %s's: one key identifies one user", fp, other))
						continue
					}
					seenKey[fp] = displayOr(u.Name, tbl)
					u.Keys = append(u.Keys, ServeKey{Key: pk, Fingerprint: fp, Comment: printable(comment)})
				}
			default:
				c.serveProblem(key, where+"."+k, "unknown key (known: name, role, keys)")
			}
		}
		if _, ok := tbl["name"]; !ok {
			c.serveProblem(at, where, "has no name")
		}
		if _, ok := tbl["role"]; !ok {
			c.serveProblem(at, where, "has no role (viewer, operator or admin)")
		}
		if _, ok := tbl["keys"]; !ok {
			c.serveProblem(at, where, "has no keys")
		}
		if prev, dup := seenName[u.Name]; dup && u.Name != "" {
			c.serveProblem(append(at, "name"), where+".name", fmt.Sprintf("user %q is already defined by serve.users[%d]", u.Name, prev))
		}
		seenName[u.Name] = i
		c.Serve.Users = append(c.Serve.Users, u)
	}
}

// displayOr is the user's name for a message (the table's name when the
// loop has not read it yet).
func displayOr(name string, tbl map[string]any) string {
	if name != "" {
		return name
	}
	if s, ok := tbl["name"].(string); ok {
		return printable(s)
	}
	return "another user"
}

// gotValue describes a bad value for a message: its text when a string.
func gotValue(v any) string {
	if s, ok := v.(string); ok {
		return " (got " + quoteShort(s) + ")"
	}
	return got(v)
}

// serveProblem records a problem of [[serve.users]] at pieces' line,
// named as display (serve.users[0].keys[1]).
func (c *Config) serveProblem(pieces []string, display, msg string) {
	c.problems = append(c.problems, Problem{Layer: LayerFile, Key: display, Line: c.elems.find(pieces), Message: msg})
}

// CheckListen returns the rule a listen address breaks, or "".
func CheckListen(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("must be host:port such as \"127.0.0.1:2222\" (got %s)", quoteShort(addr))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("port must be 0-65535 (got %s)", quoteShort(port))
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Sprintf("host must be an address or name (got %s)", quoteShort(host))
	}
	return ""
}
