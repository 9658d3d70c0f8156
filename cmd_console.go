package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/config"
	"github.com/wfpconsole/wfp/ui"
)

// consoleUsage is the help of `wfp` itself.
const consoleUsage = `usage: wfp [--profile NAME] [--config FILE] [--read-only] [--sandbox [--scripts N] [--seed N]]
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
	load    config.LoadOptions
	sandbox bool
	scripts int
	seed    int64
	noColor bool
	version bool
	// clock, when set, is the console's and the sandbox's clock (tests).
	clock func() time.Time
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	con, err := newConsole(ctx, f)
	if err != nil {
		fmt.Fprintf(stderr, "wfp: %v\n", err)
		return 1
	}
	defer con.Close()
	if con.sandbox != nil {
		// Said before the screen opens, so it stays in the scrollback.
		fmt.Fprintf(stderr, "wfp: no API token set; using the embedded sandbox at %s\n", con.sandbox.URL())
	}
	return con.run(ctx, stderr)
}

// console is the wired console: configuration, the client (and the sandbox
// it talks to, when it does), and the root model.
type console struct {
	resolved *config.Resolved
	client   *cfclient.Client
	routing  *cfclient.RoutingCache
	sandbox  *sandbox.Server
	app      *ui.App
	names    *namespaceNames
	noColor  bool
	// onSandbox is fixed at start; the header reads it from Update while
	// Close may run on another goroutine.
	onSandbox bool
	closeOnce sync.Once
}

// newConsole loads the configuration, starts the sandbox when there are no
// credentials (or --sandbox), builds the client and the App. It is the
// production wiring the flow tests use too.
func newConsole(ctx context.Context, f consoleFlags) (*console, error) {
	r, err := config.Load(f.load)
	if err != nil {
		var pe *config.ProblemsError
		if errors.As(err, &pe) {
			lines := make([]string, 0, len(pe.Problems))
			for _, p := range pe.Problems {
				lines = append(lines, "  "+p.Format(pe.Path))
			}
			return nil, fmt.Errorf("the configuration has %d problem(s) (wfp config check lists them):\n%s",
				len(pe.Problems), strings.Join(lines, "\n"))
		}
		return nil, err
	}
	con := &console{resolved: r, names: &namespaceNames{}, noColor: f.noColor}
	opts, err := con.clientOptions(f)
	if err != nil {
		con.Close()
		return nil, err
	}
	p := r.Profile
	th := cfclient.NewThrottle(cfclient.ThrottleOptions{
		Requests:     p.Rate.Requests,
		Window:       p.Rate.Window,
		SafetyMargin: p.Rate.SafetyMargin,
		MaxInFlight:  p.Rate.MaxInFlight,
	}, cfclient.NewTransport(60*time.Second))
	opts.Throttle = th
	con.client, err = cfclient.New(opts)
	if err != nil {
		con.Close()
		return nil, err
	}
	con.routing = cfclient.NewRoutingCache(con.client)
	clock := f.clock
	if clock == nil {
		clock = time.Now
	}
	common := ui.NewCommon(ctx, clock, con.header)
	con.app, err = ui.NewApp(common, con.factories(), ui.Route{Kind: ui.KindNamespaces}, ui.AppOptions{
		Commands: con.commands(),
		NoColor:  f.noColor,
	})
	if err != nil {
		con.Close()
		return nil, err
	}
	return con, nil
}

// clientOptions fills the client options from the profile, starting the
// sandbox when it is to be used.
func (con *console) clientOptions(f consoleFlags) (cfclient.Options, error) {
	r := con.resolved
	p := r.Profile
	opts := cfclient.Options{
		Profile:   p.Name,
		ReadOnly:  p.ReadOnly,
		AuditPath: r.Paths.AuditLog,
		CacheDir:  r.Paths.CacheDir,
		Routing: cfclient.RoutingSchema{
			NamespaceID:     p.Routing.KVNamespaceID,
			NamespaceTitle:  p.Routing.KVNamespaceTitle,
			HostnamePrefix:  p.Routing.HostnamePrefix,
			SubdomainPrefix: p.Routing.SubdomainPrefix,
			PathPrefix:      p.Routing.PathPrefix,
			LastUsedPrefix:  p.Routing.LastUsedPrefix,
		},
		TierTagPrefix: p.TierTagPrefix,
		TiersKey:      p.TiersKey,
	}
	if !f.sandbox && r.Token.IsSet() {
		if p.AccountID == "" {
			return opts, fmt.Errorf("profile %q has a token (%s) but no account id: set CLOUDFLARE_ACCOUNT_ID or profiles.%s.account_id in %s",
				p.Name, r.Sources.Token, p.Name, r.Paths.Config)
		}
		opts.BaseURL = p.APIBaseURL
		opts.AccountID = p.AccountID
		opts.Token = r.Token.Reveal()
		return opts, nil
	}
	sopts := sandbox.Options{Seed: f.seed, Scripts: f.scripts, Now: f.clock}
	sb, err := sandbox.New(sopts)
	if err != nil {
		return opts, fmt.Errorf("sandbox: %w", err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		sb.Close()
		return opts, fmt.Errorf("sandbox: %w", err)
	}
	con.sandbox = sb
	con.onSandbox = true
	opts.BaseURL = sb.URL()
	opts.AccountID = sb.AccountID()
	opts.Token = sb.Token()
	opts.Profile = "sandbox"
	// Sandbox changes are rehearsals: keep them out of the real audit log.
	opts.AuditPath = filepath.Join(r.Paths.StateDir, "sandbox-audit.jsonl")
	return opts, nil
}

// header is the header's snapshot: cheap, called from Update.
func (con *console) header() ui.HeaderInfo {
	p := con.resolved.Profile
	info := ui.HeaderInfo{
		Profile:    p.Name,
		Account:    con.client.AccountID(),
		Sandbox:    con.onSandbox,
		Production: p.Production && !con.onSandbox,
		ReadOnly:   con.client.ReadOnly(),
	}
	if con.onSandbox {
		info.Profile = "sandbox"
	}
	// The one background job so far: a read of the routing table.
	switch con.routing.Progress().Phase {
	case cfclient.RoutingSizing, cfclient.RoutingListing, cfclient.RoutingReading:
		info.Jobs = 1
	}
	st := con.client.Stats()
	info.Budget = ui.BudgetInfo{
		Used:              st.Used,
		Limit:             st.Limit,
		Remaining:         st.Remaining,
		Window:            st.Window,
		PausedUntil:       st.PausedUntil,
		QueuedInteractive: st.QueuedInteractive,
		QueuedBackground:  st.QueuedBackground,
		InFlight:          st.InFlight,
		LastError:         st.LastError,
	}
	return info
}

// run runs the Bubble Tea program. Bubble Tea restores the terminal when a
// panic reaches it; the deferred recover covers the rest of this goroutine.
func (con *console) run(ctx context.Context, stderr io.Writer) (code int) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "wfp: internal error: %v\n%s", v, debug.Stack())
			code = 1
		}
	}()
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if con.noColor {
		opts = append(opts, tea.WithEnvironment(append(os.Environ(), "NO_COLOR=1")))
	}
	p := tea.NewProgram(con.app, opts...)
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintf(stderr, "wfp: %v\n", err)
		return 1
	}
	return 0
}

// Close stops the shared routing load and the sandbox, if one was started.
func (con *console) Close() {
	con.closeOnce.Do(func() {
		if con.routing != nil {
			con.routing.Close()
		}
		if con.sandbox != nil {
			con.sandbox.Close()
		}
	})
}
