package serve

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/wfpconsole/wfp/config"
	"github.com/wfpconsole/wfp/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestHostKeyCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "host")
	a, err := ensureHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	b, err := ensureHostKey(path)
	if err != nil || string(a) != string(b) {
		t.Fatalf("the host key changed on the second start (%v)", err)
	}
	os.Chmod(path, 0o644)
	if _, err := ensureHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a readable host key was accepted: %v", err)
	}
}

// quitModel is a model that shows a line and waits.
type quitModel struct{}

func (quitModel) Init() tea.Cmd                         { return nil }
func (m quitModel) Update(tea.Msg) (tea.Model, tea.Cmd) { return m, nil }
func (quitModel) View() tea.View                        { return tea.NewView("hello") }

// syncBuf is a log written by the server while the test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer serves quitModel on 127.0.0.1 to one viewer, ana, with sc
// adjusted by adjust, until the test ends; dial opens an SSH connection as
// ana.
type testServer struct {
	srv  *Server
	log  *syncBuf
	dial func() *gossh.Client
}

func startTestServer(t *testing.T, adjust func(*config.Serve)) testServer {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	pk, _ := gossh.NewPublicKey(pub)
	signer, _ := gossh.NewSignerFromKey(priv)
	sc := config.DefaultServe()
	adjust(&sc)
	sc.Users = []config.ServeUser{{Name: "ana", Role: "viewer", Keys: []config.ServeKey{{Key: pk, Fingerprint: gossh.FingerprintSHA256(pk)}}}}
	log := &syncBuf{}
	srv, err := New(Options{Serve: sc, HostKey: filepath.Join(t.TempDir(), "hk"), Log: log,
		Model: func(context.Context, Identity, string, int, int) (tea.Model, error) { return quitModel{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	dial := func() *gossh.Client {
		c, err := gossh.Dial("tcp", ln.Addr().String(), &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return testServer{srv: srv, log: log, dial: dial}
}

func TestMaxSessionsRefusesTheNext(t *testing.T) {
	ts := startTestServer(t, func(sc *config.Serve) { sc.MaxSessions = 1 })
	srv, log := ts.srv, ts.log
	open := func() (*gossh.Client, io.Reader) {
		c := ts.dial()
		s, _ := c.NewSession()
		s.RequestPty("xterm", 24, 80, nil)
		out, _ := s.StdoutPipe()
		errOut, _ := s.StderrPipe()
		if err := s.Shell(); err != nil {
			t.Fatal(err)
		}
		return c, io.MultiReader(out, errOut)
	}
	first, _ := open()
	defer first.Close()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Active() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the first session did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	second, _ := open()
	defer second.Close()
	for !strings.Contains(log.String(), "max_sessions") {
		if time.Now().After(deadline) {
			t.Fatalf("the second session was not refused:\n%s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if srv.Active() != 1 {
		t.Errorf("%d sessions active, want 1", srv.Active())
	}
}

func TestIdleSessionIsClosed(t *testing.T) {
	ts := startTestServer(t, func(sc *config.Serve) { sc.IdleTimeout = 300 * time.Millisecond })
	srv, log := ts.srv, ts.log
	c := ts.dial()
	defer c.Close()
	s, _ := c.NewSession()
	s.RequestPty("xterm", 24, 80, nil)
	in, _ := s.StdinPipe()
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	// Typing keeps it open past the timeout.
	for range 6 {
		time.Sleep(100 * time.Millisecond)
		in.Write([]byte("j"))
	}
	if srv.Active() != 1 {
		t.Fatal("a session with input was closed")
	}
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle session was not closed")
	}
	if !strings.Contains(log.String(), "idle for 300ms") {
		t.Errorf("not logged:\n%s", log.String())
	}
}
