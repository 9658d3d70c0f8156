package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/config"
	"github.com/wfpconsole/wfp/internal/serve"
)

// serveUsage is the help of `wfp serve`.
const serveUsage = `usage: wfp serve [--config FILE] [--profile NAME] [--listen ADDR] [--sandbox [--scripts N] [--seed N]]

Serve the console over SSH to the [[serve.users]] of the config file, each
identified by their key and held to their role (viewer, operator, admin) in
the client's change gate. Every session shares this process's one API budget,
caches, jobs and log streams; the token stays in this process's environment
(with none, the embedded sandbox is served, as the console does).

flags:
  --config FILE    config file (default $XDG_CONFIG_HOME/wfp/config.toml)
  --profile NAME   config profile
  --listen ADDR    host:port (default [serve] listen, else 127.0.0.1:2222)
  --sandbox        serve the embedded sandbox even when credentials are set
  --scripts N      scripts seeded in the sandbox's production namespace
  --seed N         the sandbox's seed (default 1)

Then: ssh -p 2222 localhost
`

// serveFlags are the parsed flags of `wfp serve`.
type serveFlags struct {
	runtimeOptions
	listen string
}

// parseServeFlags parses `wfp serve`'s command line.
func parseServeFlags(args []string) (serveFlags, error) {
	var f serveFlags
	fs := flag.NewFlagSet("wfp serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.load.Profile, "profile", "", "")
	fs.StringVar(&f.load.ConfigPath, "config", "", "")
	fs.StringVar(&f.listen, "listen", "", "")
	fs.BoolVar(&f.sandbox, "sandbox", false, "")
	fs.IntVar(&f.scripts, "scripts", 0, "")
	fs.Int64Var(&f.seed, "seed", 1, "")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.listen != "" {
		if msg := config.CheckListen(f.listen); msg != "" {
			return f, fmt.Errorf("--listen: %s", msg)
		}
	}
	if f.scripts < 0 || f.scripts > maxSandboxScripts {
		return f, fmt.Errorf("--scripts: must be between 0 and %d, got %d", maxSandboxScripts, f.scripts)
	}
	return f, nil
}

// runServe runs `wfp serve` until SIGINT or SIGTERM. Exit status: 0 after
// a signal, 1 for a configuration or start-up problem, 2 for bad flags.
func runServe(args []string, stdout, stderr io.Writer) int {
	f, err := parseServeFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, serveUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "wfp serve: %v (see wfp serve --help)\n", err)
		return 2
	}
	rt, err := NewRuntime(f.runtimeOptions)
	if err != nil {
		fmt.Fprintf(stderr, "wfp serve: %v\n", err)
		return 1
	}
	defer rt.Close()
	srv, ln, err := startServe(rt, f.listen, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wfp serve: %v\n", err)
		return 1
	}
	if rt.Sandbox != nil {
		fmt.Fprintf(stderr, "wfp serve: no API token set; serving the embedded sandbox at %s\n", rt.Sandbox.URL())
	}
	fmt.Fprintf(stderr, "wfp serve: listening on %s (ssh -p %s %s)\n", ln.Addr(), portOf(ln.Addr()), "localhost")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case s := <-sig:
		fmt.Fprintf(stderr, "wfp serve: %v: closing the sessions\n", s)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		return 0
	case err := <-done:
		if err != nil {
			fmt.Fprintf(stderr, "wfp serve: %v\n", err)
			return 1
		}
		return 0
	}
}

// startServe builds the SSH server of rt's [serve] section (listen
// overrides its address) and opens its listener; log receives the session
// log.
func startServe(rt *Runtime, listen string, log io.Writer) (*serve.Server, net.Listener, error) {
	sc := rt.Config.File.Serve
	if listen != "" {
		sc.Listen = listen
	}
	if len(sc.Users) == 0 {
		return nil, nil, fmt.Errorf("%s has no [[serve.users]]: nobody could connect (README: Serving the team over SSH)", rt.Config.Paths.Config)
	}
	hostKey := sc.HostKey
	if hostKey == "" {
		hostKey = filepath.Join(rt.Config.Paths.StateDir, config.ServeHostKeyName)
	}
	srv, err := serve.New(serve.Options{
		Serve:   sc,
		HostKey: hostKey,
		Log:     log,
		Model: func(ctx context.Context, id serve.Identity, term string, w, h int) (tea.Model, error) {
			return serveSession(ctx, rt, id)
		},
	})
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", sc.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", sc.Listen, err)
	}
	return srv, ln, nil
}

// serveSession is the Session of one SSH user on the shared runtime: their
// actor (name and key fingerprint) and role go into the session's context,
// so the client's gate holds every change to the role.
func serveSession(ctx context.Context, rt *Runtime, id serve.Identity) (tea.Model, error) {
	role, err := cfclient.ParseRole(id.Role)
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", id.Name, err)
	}
	actor := cfclient.Actor{Name: id.Actor(), Role: role}
	s, err := NewSession(ctx, rt, sessionOptions{Actor: actor, Who: id.Name + " · " + id.Role})
	if err != nil {
		return nil, err
	}
	return s.Model(), nil
}

// portOf is the port of a listener's address.
func portOf(a net.Addr) string {
	_, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "2222"
	}
	return port
}
