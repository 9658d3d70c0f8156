// Package serve runs wfp's console over SSH (charm.land/wish): it owns the
// listener, the host key, public-key authentication against the [serve]
// users, the session limit and the session log. What a session shows is
// the caller's: Options.Model builds one Bubble Tea model per SSH session.
//
// Only interactive sessions with a pty are served: exec requests,
// subsystems, port and agent forwarding are refused.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	wishtea "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/wfpconsole/wfp/config"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// Identity is who an SSH session belongs to: a [[serve.users]] entry and
// the key they authenticated with.
type Identity struct {
	// Name and Role are the user's (config.ServeUser).
	Name, Role string
	// Fingerprint is the key's SHA256 fingerprint ("SHA256:…").
	Fingerprint string
}

// Actor is the name the audit log records: "ana (SHA256:…)".
func (id Identity) Actor() string { return id.Name + " (" + id.Fingerprint + ")" }

// ModelFunc builds the model of one session. ctx ends when the SSH session
// does; term is the client's TERM; w, h the pty's size.
type ModelFunc func(ctx context.Context, id Identity, term string, w, h int) (tea.Model, error)

// Options configure a Server.
type Options struct {
	// Serve is the [serve] section (listen, idle timeout, session limit,
	// users). HostKey is the host key's path (resolved by the caller).
	Serve   config.Serve
	HostKey string
	// Model builds each session's model.
	Model ModelFunc
	// Log receives one line per session start, end and refusal.
	Log io.Writer
	// Now is the clock of the log lines (default time.Now).
	Now func() time.Time
}

// Server is a running `wfp serve`.
type Server struct {
	opts   Options
	srv    *ssh.Server
	keys   map[string]config.ServeUser // by key fingerprint
	active atomic.Int64
	logMu  sync.Mutex
}

type identityKey struct{}

// New builds a server: the host key is read from Options.HostKey, created
// (ed25519, mode 0600) when missing.
func New(o Options) (*Server, error) {
	if o.Model == nil {
		return nil, errors.New("serve: no model")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	s := &Server{opts: o, keys: map[string]config.ServeUser{}}
	for _, u := range o.Serve.Users {
		for _, k := range u.Keys {
			s.keys[k.Fingerprint] = u
		}
	}
	pem, err := ensureHostKey(o.HostKey)
	if err != nil {
		return nil, err
	}
	s.srv, err = wish.NewServer(
		wish.WithAddress(o.Serve.Listen),
		wish.WithHostKeyPEM(pem),
		wish.WithPublicKeyAuth(s.authorize),
		wish.WithMiddleware(wishtea.Middleware(s.handler), s.gate),
	)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.srv.SessionRequestCallback = func(sess ssh.Session, req string) bool {
		_, _, pty := sess.Pty()
		if req != "shell" || !pty {
			s.logf("refused %s request from %s: only interactive sessions with a terminal (ssh -t) are served", termsafe.OneLine(req, 40), s.who(sess.Context()))
			return false
		}
		return true
	}
	return s, nil
}

// authorize accepts exactly the keys of the [serve] users.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	fp := gossh.FingerprintSHA256(key)
	u, ok := s.keys[fp]
	if !ok {
		s.logf("refused unknown key %s (ssh user %q) from %s", fp, termsafe.OneLine(ctx.User(), 64), ctx.RemoteAddr())
		return false
	}
	ctx.SetValue(identityKey{}, Identity{Name: u.Name, Role: u.Role, Fingerprint: fp})
	return true
}

// gate runs first: it holds the session limit and logs start and end.
func (s *Server) gate(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		id, _ := sess.Context().Value(identityKey{}).(Identity)
		if n := s.active.Add(1); int(n) > s.opts.Serve.MaxSessions {
			s.active.Add(-1)
			s.logf("refused %s: %d sessions already (max_sessions)", s.who(sess.Context()), s.opts.Serve.MaxSessions)
			wish.Fatalln(sess, "wfp: too many sessions; try again later")
			return
		}
		defer s.active.Add(-1)
		start := s.opts.Now()
		s.logf("session start: %s as %s from %s", id.Actor(), id.Role, sess.RemoteAddr())
		next(sess)
		s.logf("session end: %s after %s", id.Actor(), s.opts.Now().Sub(start).Round(time.Second))
	}
}

// handler builds the session's model (wish's Bubble Tea middleware then
// runs it on the session's input and output, with the client's TERM and
// window size).
func (s *Server) handler(sess ssh.Session) (tea.Model, []tea.ProgramOption) {
	id, _ := sess.Context().Value(identityKey{}).(Identity)
	pty, _, _ := sess.Pty()
	m, err := s.opts.Model(sess.Context(), id, pty.Term, pty.Window.Width, pty.Window.Height)
	if err != nil {
		s.logf("session of %s failed to start: %v", id.Actor(), err)
		wish.Fatalln(sess, "wfp: "+err.Error())
		return nil, nil
	}
	last := &atomic.Int64{}
	last.Store(s.opts.Now().UnixNano())
	if d := s.opts.Serve.IdleTimeout; d > 0 {
		go watchIdle(last, d, s.opts.Now, func() {
			s.logf("idle for %s: closing the session of %s", d, id.Actor())
			wish.Println(sess, "\r\nwfp: closed after "+d.String()+" without input (idle_timeout)")
			sess.Close()
		}, sess.Context().Done())
	}
	return idleModel{inner: m, last: last, now: s.opts.Now}, nil
}

// who names a session's user for a log line.
func (s *Server) who(ctx ssh.Context) string {
	if id, ok := ctx.Value(identityKey{}).(Identity); ok {
		return id.Actor()
	}
	return "an unauthenticated client"
}

// Active is the number of sessions open now.
func (s *Server) Active() int { return int(s.active.Load()) }

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops listening and closes every session.
func (s *Server) Close() error { return s.srv.Close() }

// Shutdown stops listening and waits for the sessions to end, until ctx.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// logf writes one log line.
func (s *Server) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, "%s wfp serve: %s\n", s.opts.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}
