package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	tea "charm.land/bubbletea/v2"
)

// consoleUsage is the help of `wfp` itself.
const consoleUsage = `usage: wfp [--profile NAME] [--config FILE] [--read-only] [--sandbox [--scripts N] [--seed N]]
       wfp serve [flags]        serve the console over SSH (wfp serve -h)
       wfp sandbox [flags]      run the Cloudflare API emulator standalone (wfp sandbox -h)
       wfp config check|path    validate the config / print the paths in use

The console for Cloudflare Workers for Platforms. With no API token in the
environment (CLOUDFLARE_API_TOKEN, or the variable the profile's token_env
names) it starts the embedded sandbox on a loopback port and talks to it over
HTTP; --sandbox forces that.

flags:
  --profile NAME   config profile (default: default_profile, or "default")
  --config FILE    config file (default $XDG_CONFIG_HOME/wfp/config.toml)
  --read-only      refuse every change (enforced in the client, not only hidden)
  --sandbox        use the embedded sandbox even when credentials are set
  --scripts N      scripts seeded in the sandbox's production namespace (default 2000)
  --seed N         the sandbox's seed (default 1)
  --no-color       monochrome (also NO_COLOR=1)
  --version        print the version
`

// consoleFlags are the parsed flags of the console.
type consoleFlags struct {
	runtimeOptions
	noColor bool
	version bool
}

// parseConsoleFlags parses the console's command line.
func parseConsoleFlags(args []string) (consoleFlags, error) {
	var f consoleFlags
	fs := flag.NewFlagSet("wfp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.load.Profile, "profile", "", "")
	fs.StringVar(&f.load.ConfigPath, "config", "", "")
	readOnly := fs.Bool("read-only", false, "")
	fs.BoolVar(&f.sandbox, "sandbox", false, "")
	fs.IntVar(&f.scripts, "scripts", 0, "")
	fs.Int64Var(&f.seed, "seed", 1, "")
	fs.BoolVar(&f.noColor, "no-color", false, "")
	fs.BoolVar(&f.version, "version", false, "")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "read-only" {
			f.load.ReadOnly = readOnly
		}
	})
	if f.scripts < 0 || f.scripts > maxSandboxScripts {
		return f, fmt.Errorf("--scripts: must be between 0 and %d, got %d", maxSandboxScripts, f.scripts)
	}
	return f, nil
}

// runConsole runs the console until the operator quits. Exit status: 0 after
// a normal quit, 1 for a configuration or start-up problem (printed before the
// screen opens), 2 for bad flags.
func runConsole(args []string, stdout, stderr io.Writer) int {
	f, err := parseConsoleFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, consoleUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "wfp: %v (see wfp --help)\n", err)
		return 2
	}
	if f.version {
		fmt.Fprintln(stdout, "wfp", version)
		return 0
	}
	rt, err := NewRuntime(f.runtimeOptions)
	if err != nil {
		fmt.Fprintf(stderr, "wfp: %v\n", err)
		return 1
	}
	defer rt.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sess, err := NewSession(ctx, rt, sessionOptions{NoColor: f.noColor})
	if err != nil {
		fmt.Fprintf(stderr, "wfp: %v\n", err)
		return 1
	}
	if rt.Sandbox != nil {
		// Said before the screen opens too, so it stays in the scrollback
		// (the console shows it in its footer when it opens).
		fmt.Fprintf(stderr, "wfp: no API token set; using the embedded sandbox at %s\n", rt.Sandbox.URL())
	}
	return runProgram(ctx, sess.Model(), f.noColor, stderr)
}

// runProgram runs a Bubble Tea program on the terminal. Bubble Tea restores
// the terminal when a panic reaches it; the deferred recover covers the rest
// of this goroutine.
func runProgram(ctx context.Context, m tea.Model, noColor bool, stderr io.Writer) (code int) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "wfp: internal error: %v\n%s", v, debug.Stack())
			code = 1
		}
	}()
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if noColor {
		opts = append(opts, tea.WithEnvironment(append(os.Environ(), "NO_COLOR=1")))
	}
	p := tea.NewProgram(m, opts...)
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintf(stderr, "wfp: %v\n", err)
		return 1
	}
	return 0
}
