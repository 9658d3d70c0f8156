package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/config"
	"github.com/wfpconsole/wfp/internal/serve"
	"github.com/wfpconsole/wfp/internal/testenv"
)

// serveEnv is `wfp serve` on loopback, talking to a counting sandbox over
// HTTP as it would to Cloudflare (the token in the server's environment).
type serveEnv struct {
	rt   *Runtime
	sb   *sandbox.Server
	api  *countingAPI
	addr string
	keys map[string]gossh.Signer // user → key
	log  *lockedBuffer
	srv  *serve.Server
	// load is the runtime's configuration (for a second process).
	load config.LoadOptions
}

// lockedBuffer is a log the server writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newSigner is a fresh ed25519 client key and its authorized_keys line.
func newSigner(t testing.TB, comment string) (gossh.Signer, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return signer, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))) + " " + comment
}

// startServeEnv starts wfp serve with users (name → role) on a sandbox of
// scripts production scripts, on an ephemeral port with a temporary host
// key and config.
func startServeEnv(t testing.TB, scripts int, users map[string]string) *serveEnv {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Seed: 1, Scripts: scripts})
	if err != nil {
		t.Fatal(err)
	}
	api := serveAPI(t, sb)
	home := t.TempDir()
	e := &serveEnv{sb: sb, api: api, keys: map[string]gossh.Signer{}, log: &lockedBuffer{}}
	var cfg strings.Builder
	cfg.WriteString("[serve]\nlisten = \"127.0.0.1:0\"\nhost_key = " + fmt.Sprintf("%q", filepath.Join(home, "hostkey")) + "\n")
	for name, role := range users {
		signer, line := newSigner(t, name+"@laptop")
		e.keys[name] = signer
		fmt.Fprintf(&cfg, "\n[[serve.users]]\nname = %q\nrole = %q\nkeys = [%q]\n", name, role, line)
	}
	cfgPath := filepath.Join(home, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"HOME":                    home,
		"CLOUDFLARE_API_TOKEN":    sb.Token(),
		"CLOUDFLARE_ACCOUNT_ID":   sb.AccountID(),
		"CLOUDFLARE_API_BASE_URL": api.URL,
	}
	e.load = config.LoadOptions{
		ConfigPath: cfgPath,
		Env:        func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Home:       home,
	}
	e.rt, err = NewRuntime(runtimeOptions{load: e.load})
	if err != nil {
		t.Fatalf("NewRuntime: %v", err)
	}
	srv, ln, err := startServe(e.rt, "", e.log)
	if err != nil {
		e.rt.Close()
		t.Fatalf("startServe: %v", err)
	}
	e.srv, e.addr = srv, ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		e.rt.Close()
	})
	if st, err := os.Stat(filepath.Join(home, "hostkey")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v, mode %v; want created with 0600", err, st.Mode().Perm())
	}
	return e
}

// countingAPI is the sandbox served on loopback by the test, counting the
// requests (and, apart, the writes) that reach it over HTTP.
type countingAPI struct {
	URL      string
	Requests atomic.Int64
	Writes   atomic.Int64
	// WriteDelay slows each write (nanoseconds), so a job is still
	// running when the test disconnects.
	WriteDelay atomic.Int64
}

// serveAPI serves sb on 127.0.0.1 until the test ends.
func serveAPI(t testing.TB, sb *sandbox.Server) *countingAPI {
	t.Helper()
	c := &countingAPI{}
	c.URL = testenv.ServeWith(t, sb, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.Requests.Add(1)
			if r.Method != http.MethodGet {
				c.Writes.Add(1)
				time.Sleep(time.Duration(c.WriteDelay.Load()))
			}
			h.ServeHTTP(w, r)
		})
	})
	return c
}

// dial connects as user with signer.
func (e *serveEnv) dial(user string, signer gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", e.addr, &gossh.ClientConfig{
		User:            user,
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
}

// sshTerm is one interactive session: its screen and its keyboard.
type sshTerm struct {
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser
	scr    *screen
	// raw is every byte the session sent (escape sequences included).
	raw *lockedBuffer
}

// open opens user's interactive session at w×h, as xterm-256color.
func (e *serveEnv) open(t testing.TB, user string, w, h int) *sshTerm {
	t.Helper()
	return e.openTerm(t, user, "xterm-256color", w, h)
}

// openTerm opens user's interactive session at w×h with TERM term.
func (e *serveEnv) openTerm(t testing.TB, user, term string, w, h int) *sshTerm {
	t.Helper()
	c, err := e.dial(user, e.keys[user])
	if err != nil {
		t.Fatalf("%s: dial: %v", user, err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("%s: session: %v", user, err)
	}
	if err := sess.RequestPty(term, h, w, gossh.TerminalModes{}); err != nil {
		t.Fatalf("%s: pty: %v", user, err)
	}
	in, _ := sess.StdinPipe()
	out, _ := sess.StdoutPipe()
	raw := &lockedBuffer{}
	st := &sshTerm{client: c, sess: sess, in: in, raw: raw, scr: newScreen(t, io.TeeReader(out, raw), w, h)}
	if err := sess.Shell(); err != nil {
		t.Fatalf("%s: shell: %v", user, err)
	}
	t.Cleanup(func() { c.Close() })
	return st
}

// typeKeys sends keystrokes (raw bytes, as a terminal would).
func (s *sshTerm) typeKeys(t testing.TB, keys string) {
	t.Helper()
	if _, err := io.WriteString(s.in, keys); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// settle waits until the sandbox has seen no request for a moment, and
// returns its count.
func (e *serveEnv) settle() int64 {
	last, since := e.api.Requests.Load(), time.Now()
	for time.Since(since) < 400*time.Millisecond {
		time.Sleep(50 * time.Millisecond)
		if n := e.api.Requests.Load(); n != last {
			last, since = n, time.Now()
		}
	}
	return last
}

func TestServeRefusesUnknownKeyAndExec(t *testing.T) {
	e := startServeEnv(t, 50, map[string]string{"ana": "viewer"})
	stranger, _ := newSigner(t, "stranger")
	if c, err := e.dial("ana", stranger); err == nil {
		c.Close()
		t.Fatal("an unknown key was let in")
	}
	if !strings.Contains(e.log.String(), "refused unknown key SHA256:") {
		t.Errorf("the refusal is not logged with the fingerprint:\n%s", e.log.String())
	}
	// A known key may not run a command.
	c, err := e.dial("ana", e.keys["ana"])
	if err != nil {
		t.Fatalf("ana: %v", err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := sess.CombinedOutput("cat /etc/passwd"); err == nil {
		t.Fatalf("exec ran: %q", out)
	}
	// No port forwarding either.
	if conn, err := c.Dial("tcp", e.addr); err == nil {
		conn.Close()
		t.Fatal("a direct-tcpip channel was opened")
	}
	if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Fatal("remote forwarding was accepted")
	}
}

func TestServeViewerEditSendsNothing(t *testing.T) {
	e := startServeEnv(t, 50, map[string]string{"ana": "viewer"})
	ana := e.open(t, "ana", 100, 30)
	ana.scr.waitFor(t, "ana's namespaces", "3 namespaces", "ana · viewer", " RO ")
	before := e.settle()
	t.Logf("before: sandbox %d, throttle %d", before, e.rt.Client.Stats().Used)
	// Create, rename and delete a namespace: each is refused.
	// (Only the keys: a name typed here would be keys of the screen.)
	for _, k := range []string{"n", "r"} {
		ana.typeKeys(t, k)
		time.Sleep(200 * time.Millisecond)
		ana.typeKeys(t, "\x1b")
	}
	if after := e.settle(); after != before {
		t.Fatalf("a viewer's attempted edits sent %d requests, want 0; screen:\n%s", after-before, ana.scr.text())
	}
	// Delete shows the plan (it counts the namespace's scripts: a read)
	// and offers no way to submit it; enter and the typed phrase change
	// nothing.
	ana.typeKeys(t, "D")
	time.Sleep(300 * time.Millisecond)
	ana.typeKeys(t, "\r")
	time.Sleep(200 * time.Millisecond)
	ana.typeKeys(t, "\x1b")
	e.settle()
	if w := e.api.Writes.Load(); w != 0 {
		t.Fatalf("a viewer's attempted delete sent %d writes, want 0; screen:\n%s", w, ana.scr.text())
	}
	// c copies the namespace's name to ana's own clipboard (OSC52 on her
	// session's output).
	ana.typeKeys(t, "c")
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("production"))
	deadline := time.Now().Add(raceSlowdown * 5 * time.Second)
	for !strings.Contains(ana.raw.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no OSC52 copy of production on ana's session")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(e.log.String(), "session start: ana (SHA256:") {
		t.Errorf("session start not logged:\n%s", e.log.String())
	}
}

func TestServeResizeReflows(t *testing.T) {
	e := startServeEnv(t, 50, map[string]string{"bo": "operator"})
	bo := e.open(t, "bo", 80, 24)
	bo.scr.waitFor(t, "bo's namespaces", "3 namespaces", "bo · operator")
	if err := bo.sess.WindowChange(40, 140); err != nil {
		t.Fatal(err)
	}
	bo.scr.emu.Resize(140, 40)
	deadline := time.Now().Add(raceSlowdown * 10 * time.Second)
	for {
		lines := strings.Split(bo.scr.text(), "\n")
		if len(lines) > 0 && len(strings.TrimRight(lines[0], " ")) > 80 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the header did not reflow to 140 columns:\n%s", bo.scr.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeTwoSessionsShareBudgetAndCacheNotScreens(t *testing.T) {
	e := startServeEnv(t, 600, map[string]string{"ana": "viewer", "bo": "operator"})
	ana := e.open(t, "ana", 100, 30)
	ana.scr.waitFor(t, "ana's namespaces", "3 namespaces", "production")
	ana.typeKeys(t, "\r")
	ana.scr.waitFor(t, "ana's production", "600 scripts · 600 shown · 0 marked")
	afterAna := e.settle()

	bo := e.open(t, "bo", 100, 30)
	bo.scr.waitFor(t, "bo's namespaces", "3 namespaces", "production")
	bo.typeKeys(t, "\r")
	bo.scr.waitFor(t, "bo's production", "600 scripts · 600 shown · 0 marked")
	if extra := e.settle() - afterAna; extra > 3 {
		t.Errorf("bo's open of a namespace ana listed sent %d requests, want at most 3 (no listing)", extra)
	}
	// One budget: both headers read the one throttle.
	used := e.rt.Client.Stats().Used
	if used < int(afterAna) {
		t.Errorf("throttle counted %d, sandbox saw %d", used, afterAna)
	}
	// Marks are each session's own.
	bo.typeKeys(t, " ")
	bo.scr.waitFor(t, "bo marks", "600 scripts · 600 shown · 1 marked")
	time.Sleep(150 * time.Millisecond)
	ana.scr.waitFor(t, "ana unmarked", "600 scripts · 600 shown · 0 marked")
}

func TestServeTwoSessionsTailingOneScriptOpenOneTail(t *testing.T) {
	e := startServeEnv(t, 50, map[string]string{"ana": "viewer", "bo": "operator"})
	ana := e.open(t, "ana", 100, 30)
	bo := e.open(t, "bo", 100, 30)
	for _, s := range []*sshTerm{ana, bo} {
		s.scr.waitFor(t, "namespaces", "3 namespaces")
		s.typeKeys(t, ":tail dispatcher\r")
		s.scr.waitFor(t, "tail", "connected")
	}
	if n := e.sandboxTails("dispatcher"); n != 1 {
		t.Fatalf("two sessions tailing dispatcher opened %d tails, want 1", n)
	}
}

// sandboxTails is the number of live tails open on script at the sandbox.
func (e *serveEnv) sandboxTails(script string) int { return e.sb.OpenTails(script) }

func TestServeDisconnectMidJobLeavesItRunning(t *testing.T) {
	e := startServeEnv(t, 40, map[string]string{"bo": "operator", "ana": "viewer"})
	bo := e.open(t, "bo", 120, 30)
	bo.scr.waitFor(t, "namespaces", "3 namespaces", "production")
	bo.typeKeys(t, "\r")
	bo.scr.waitFor(t, "production", "40 scripts · 40 shown")
	e.api.WriteDelay.Store(int64(50 * time.Millisecond))
	bo.typeKeys(t, "*")
	bo.scr.waitFor(t, "marked", "40 marked")
	bo.typeKeys(t, "D")
	bo.scr.waitFor(t, "plan", "delete", "enter starts it")
	bo.typeKeys(t, "\r")
	bo.scr.waitFor(t, "review", "Start a job of")
	phrase := regexp.MustCompile(`delete \d+ in production`).FindString(bo.scr.text())
	if phrase == "" {
		t.Fatalf("no phrase:\n%s", bo.scr.text())
	}
	bo.typeKeys(t, phrase+"\r")
	deadline := time.Now().Add(raceSlowdown * 10 * time.Second)
	for e.rt.Jobs.Running() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no job started:\n%s", bo.scr.text())
		}
		time.Sleep(10 * time.Millisecond)
	}
	bo.client.Close() // bo's laptop sleeps
	// The session ends; the job does not.
	for e.srv.Active() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the session did not end")
		}
		time.Sleep(10 * time.Millisecond)
	}
	jobs := e.rt.Jobs.List()
	if len(jobs) != 1 || e.rt.Jobs.Running() != 1 || jobs[0].Pending == 0 {
		t.Fatalf("after the disconnect: running %d, jobs %+v; want bo's job still running", e.rt.Jobs.Running(), jobs)
	}
	if !strings.HasPrefix(jobs[0].Owner, "bo (SHA256:") {
		t.Errorf("job owner %q, want bo and his key", jobs[0].Owner)
	}
	// Another session sees it under its owner on :jobs.
	ana := e.open(t, "ana", 120, 30)
	ana.scr.waitFor(t, "namespaces", "3 namespaces")
	ana.typeKeys(t, ":jobs\r")
	ana.scr.waitFor(t, "jobs", "bo (SHA256:")
	e.api.WriteDelay.Store(0)
	deadline = time.Now().Add(20 * time.Second)
	for e.rt.Jobs.Running() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the job did not finish: %+v", e.rt.Jobs.List())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if j := e.rt.Jobs.List()[0]; j.Applied != j.Total {
		t.Errorf("job ended with %d of %d applied: %+v", j.Applied, j.Total, j)
	}
}

func TestTwoProcessesOnOneTokenShareTheBudget(t *testing.T) {
	e := startServeEnv(t, 50, map[string]string{"ana": "viewer"})
	// A second wfp process: another Runtime on the same token and state
	// directory (its own throttle, as another process would have).
	other, err := NewRuntime(runtimeOptions{load: e.load})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := e.rt.Client.ListNamespaces(t.Context()); err != nil { // the serving process's own send
		t.Fatal(err)
	}
	for range 7 {
		if _, err := other.Client.ListNamespaces(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(raceSlowdown * 10 * time.Second)
	for {
		st := e.rt.Client.Stats()
		if st.PeerProcesses == 1 && st.PeerSends == 7 && st.Used >= 8 {
			break
		}
		if time.Now().After(deadline) {
			var files []string
			filepath.Walk(e.rt.Config.Paths.StateDir, func(p string, _ os.FileInfo, _ error) error { files = append(files, p); return nil })
			t.Fatalf("the serving process does not see the other's sends: %+v\n%s", st, strings.Join(files, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if info := e.rt.Header(cfclient.Actor{}, "")(); !info.OtherProcess {
		t.Error("the header does not say another process uses the token")
	}
}

func TestServeColoursFollowTheClientsTerm(t *testing.T) {
	e := startServeEnv(t, 50, map[string]string{"ana": "viewer", "bo": "operator"})
	colour := e.openTerm(t, "ana", "xterm-256color", 100, 30)
	mono := e.openTerm(t, "bo", "dumb", 100, 30)
	colour.scr.waitFor(t, "ana", "3 namespaces")
	// TERM=dumb renders with fewer capabilities, and the test's terminal
	// emulator misplaces a line the renderer rewrites in place ("3
	// nespaces" once, under -race): wait for rows written whole.
	mono.scr.waitFor(t, "bo", "production", "testing")
	time.Sleep(200 * time.Millisecond)
	isColour := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|4[0-7]|38;5;\d+|48;5;\d+|38;2;[0-9;]+|48;2;[0-9;]+)m`)
	if !isColour.MatchString(colour.raw.String()) {
		t.Error("an xterm-256color session has no colour")
	}
	if m := isColour.FindString(mono.raw.String()); m != "" {
		t.Errorf("a TERM=dumb session got colour %q", m)
	}
}
