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
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// maxSandboxScripts caps --scripts so a typo cannot exhaust memory.
const maxSandboxScripts = 1_000_000

// envSandboxToken is the variable --token may be given in instead, so the
// token does not show in ps or the shell's history.
const envSandboxToken = "WFP_SANDBOX_TOKEN"

// sandboxMemoryLimit is the Go runtime's soft memory limit for `wfp
// sandbox` when GOMEMLIMIT is not set. The 1,000,000-script world holds
// about 730 MB; without a limit the runtime lets the heap grow to twice what
// is live between collections (1.9 GB after a full listing), and the
// sandbox has to fit beside the console on a small machine. With it the
// process stays under 1 GB; a larger world (a big state file) runs past it,
// collected more often.
const sandboxMemoryLimit = 900 << 20

// setSandboxMemoryLimit sets sandboxMemoryLimit unless GOMEMLIMIT (which
// the runtime has already applied) is set; it reports whether it did.
func setSandboxMemoryLimit(getenv func(string) string) bool {
	if getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetMemoryLimit(sandboxMemoryLimit)
	return true
}

// sandboxFlags are the parsed `wfp sandbox` flags.
type sandboxFlags struct {
	addr        string
	allowRemote bool
	opts        sandbox.Options
}

// runSandbox runs the Cloudflare API emulator standalone until SIGINT or
// SIGTERM:
//
//	wfp sandbox [--addr 127.0.0.1:8787] [--seed N] [--scripts N]
//	            [--rate-limit 1200/300s|off] [--token T] [--state FILE]
//	            [--faults SPEC] [--traffic 20/s|off] [--allow-remote]
//
// The token may also come from WFP_SANDBOX_TOKEN (--token wins).
//
// It prints the three export lines a shell, wrangler or a second wfp needs
// to stdout; everything else goes to stderr. Exit status: 0 after a clean
// stop, 1 when the sandbox fails, 2 for bad flags.
func runSandbox(args []string, stdout, stderr io.Writer) int {
	setSandboxMemoryLimit(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runSandboxContext(ctx, args, stdout, stderr)
}

// runSandboxContext is runSandbox stopping when ctx is done.
func runSandboxContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseSandboxFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "wfp sandbox: %v (see wfp sandbox -h)\n", err)
		return 2
	}
	srv, err := sandbox.New(f.opts)
	if err != nil {
		fmt.Fprintf(stderr, "wfp sandbox: %v\n", err)
		return 1
	}
	// Seeding a big world leaves garbage about as big as the world: give
	// it back now rather than when the runtime gets round to it.
	debug.FreeOSMemory()
	if err := srv.Start(f.addr); err != nil {
		srv.Close()
		fmt.Fprintf(stderr, "wfp sandbox: %v\n", err)
		return 1
	}
	describeSandbox(stderr, f, srv)
	fmt.Fprintf(stdout, "export CLOUDFLARE_API_BASE_URL=%s%s\n", baseHost(srv.Addr()), sandbox.APIPrefix)
	fmt.Fprintf(stdout, "export CLOUDFLARE_ACCOUNT_ID=%s\n", srv.AccountID())
	fmt.Fprintf(stdout, "export CLOUDFLARE_API_TOKEN=%s\n", srv.Token())

	<-ctx.Done()
	fmt.Fprintln(stderr, "wfp sandbox: stopping")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "wfp sandbox: stop: %v\n", err)
		return 1
	}
	if f.opts.StatePath != "" {
		fmt.Fprintf(stderr, "wfp sandbox: state saved to %s\n", f.opts.StatePath)
	}
	return 0
}

// describeSandbox prints what is being served (never the token) to stderr.
func describeSandbox(w io.Writer, f sandboxFlags, srv *sandbox.Server) {
	switch {
	case srv.StateLoaded():
		fmt.Fprintf(w, "wfp sandbox: loaded the world from %s (--seed and --scripts do not apply)\n", f.opts.StatePath)
	case f.opts.Empty:
		fmt.Fprintln(w, "wfp sandbox: an empty account")
	default:
		fmt.Fprintf(w, "wfp sandbox: seeded world %d with %d scripts in production\n", f.opts.Seed, f.opts.Scripts)
	}
	if f.opts.StatePath != "" && !srv.StateLoaded() {
		fmt.Fprintf(w, "wfp sandbox: saving the world to %s\n", f.opts.StatePath)
	}
	rl := f.opts.RateLimit
	if rl == (sandbox.RateLimit{}) {
		rl = sandbox.DefaultRateLimit
	}
	if f.opts.Traffic > 0 {
		fmt.Fprintf(w, "wfp sandbox: simulating %g requests/s to the tenants\n", f.opts.Traffic)
	}
	fmt.Fprintf(w, "wfp sandbox: listening on %s, rate limit %s; stop with Ctrl-C\n", srv.Addr(), rl)
}

// parseSandboxFlags parses and checks the flags. -h prints the usage to
// stderr and returns flag.ErrHelp; any other problem is one error.
func parseSandboxFlags(args []string, stderr io.Writer) (sandboxFlags, error) {
	var (
		f         sandboxFlags
		scripts   int
		rateLimit string
		faults    string
		traffic   string
	)
	fs := flag.NewFlagSet("wfp sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8787", "listen address (loopback unless --allow-remote)")
	fs.Int64Var(&f.opts.Seed, "seed", 1, "seed of the generated world")
	fs.IntVar(&scripts, "scripts", 2000, "scripts in the production namespace (0: an empty account)")
	fs.StringVar(&rateLimit, "rate-limit", sandbox.DefaultRateLimit.String(), "requests per window per token, e.g. 1200/300s, or off")
	fs.StringVar(&f.opts.Token, "token", "", "API token to accept (default: $"+envSandboxToken+", else derived from --seed); the variable keeps it out of ps")
	fs.StringVar(&f.opts.StatePath, "state", "", "state file: loaded if it exists, else seeded and created; changes are saved to it")
	fs.StringVar(&faults, "faults", "", "injected faults, e.g. latency=50ms,error-rate=0.05,429-burst=10,429-retry=2s,drop-rate=0.01 (rates are shares from 0 to 1)")
	fs.StringVar(&traffic, "traffic", "off", "simulated requests to the tenants (logs, tails, health), e.g. 20/s, 300/m, or off")
	fs.BoolVar(&f.allowRemote, "allow-remote", false, "allow listening on a non-loopback address")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: wfp sandbox [flags]\n\nRuns the Cloudflare API emulator and prints the environment to use it.\n\nflags:")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\nenvironment:\n  "+envSandboxToken+"\n    \tthe API token to accept, as --token but not visible in ps (--token wins)")
		fmt.Fprintf(fs.Output(), "  GOMEMLIMIT\n    \tthe Go runtime's soft memory limit (default %d MiB here)\n", sandboxMemoryLimit>>20)
	}
	// Parse quietly: a bad flag is reported as one line by the caller.
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return f, err
	}
	if err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if scripts < 0 || scripts > maxSandboxScripts {
		return f, fmt.Errorf("--scripts %d: must be within 0..%d", scripts, maxSandboxScripts)
	}
	f.opts.Scripts, f.opts.Empty = scripts, scripts == 0
	if f.opts.RateLimit, err = sandbox.ParseRateLimit(rateLimit); err != nil {
		return f, fmt.Errorf("--rate-limit: %v", err)
	}
	if f.opts.Faults, err = sandbox.ParseFaults(faults); err != nil {
		return f, fmt.Errorf("--faults: %v", err)
	}
	if f.opts.Traffic, err = sandbox.ParseTraffic(traffic); err != nil {
		return f, fmt.Errorf("--traffic: %v", err)
	}
	tokenFrom := "--token"
	if f.opts.Token == "" {
		f.opts.Token, tokenFrom = os.Getenv(envSandboxToken), envSandboxToken
	}
	if err := checkToken(f.opts.Token); err != nil {
		return f, fmt.Errorf("%s: %v", tokenFrom, err)
	}
	if err := checkListenAddr(f.addr, f.allowRemote); err != nil {
		return f, err
	}
	return f, nil
}

// checkToken accepts tokens that are safe to print in an export line. The
// error does not repeat the token.
func checkToken(tok string) error {
	for _, c := range tok {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.~+/=", c)) {
			return errors.New("may contain only letters, digits and - _ . ~ + / =")
		}
	}
	return nil
}

// checkListenAddr refuses an address other hosts could reach unless
// allowRemote: the sandbox accepts a well-known token and has no TLS.
func checkListenAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: want HOST:PORT such as 127.0.0.1:8787", addr)
	}
	if port == "" {
		return fmt.Errorf("--addr %q: the port is missing", addr)
	}
	if allowRemote || isLoopbackHost(host) {
		return nil
	}
	return fmt.Errorf("--addr %q is not a loopback address; the sandbox has no TLS and a guessable token, so pass --allow-remote to listen there anyway", addr)
}

// isLoopbackHost reports whether host can only be reached from this machine.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// baseHost is "http://host:port" for a listening address; an unspecified
// address (all interfaces) is reached locally through 127.0.0.1.
func baseHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
