package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wfpconsole/wfp/config"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// configUsage is the help of `wfp config`.
const configUsage = `usage: wfp config check [--config FILE] [--profile NAME]
       wfp config path  [--config FILE] [--profile NAME]

check  validate the config file, the environment and the flags; print
       "ok: FILE (profile NAME)" or every problem as FILE:LINE: KEY: RULE
path   print the config file, state and cache directories, audit log and
       the active profile, with where each setting came from
`

// runConfig runs `wfp config check|path`. Exit status: 0 ok, 1 problems or
// an unreadable config, 2 bad usage.
func runConfig(args []string, stdout, stderr io.Writer) int {
	return runConfigEnv(args, stdout, stderr, nil)
}

// runConfigEnv is runConfig reading the environment through env (nil: the
// process environment), so tests need not change the process's.
func runConfigEnv(args []string, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "wfp config: missing subcommand: check or path (see wfp config -h)")
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, configUsage)
		return 0
	case "check", "path":
	default:
		fmt.Fprintf(stderr, "wfp config: unknown subcommand %q: want check or path (see wfp config -h)\n", args[0])
		return 2
	}
	name := args[0]
	fs := flag.NewFlagSet("wfp config "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := config.LoadOptions{Env: env}
	fs.StringVar(&opts.ConfigPath, "config", "", "config file")
	fs.StringVar(&opts.Profile, "profile", "", "profile name")
	err := fs.Parse(args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, configUsage)
		return 0
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(stderr, "wfp config %s: %s (see wfp config -h)\n", name, configText(err.Error()))
		return 2
	}
	if name == "check" {
		return configCheck(opts, stdout, stderr)
	}
	return configPath(opts, stdout, stderr)
}

// configCheck prints "ok" or every problem.
func configCheck(opts config.LoadOptions, stdout, stderr io.Writer) int {
	r, err := config.Resolve(opts)
	var syntax *config.SyntaxError
	if errors.As(err, &syntax) {
		fmt.Fprintln(stdout, configText(syntax.Error()))
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "wfp config check: %s\n", configText(err.Error()))
		return 1
	}
	if len(r.Problems) > 0 {
		for _, p := range r.Problems {
			fmt.Fprintln(stdout, p.Format(r.Paths.Config))
		}
		return 1
	}
	note := ""
	if !r.File.Exists {
		note = "; no file, built-in defaults"
	}
	fmt.Fprintf(stdout, "ok: %s (profile %s%s)\n", configText(r.Paths.Config), r.Profile.Name, note)
	return 0
}

// configPath prints the paths in use and where the settings came from.
func configPath(opts config.LoadOptions, stdout, stderr io.Writer) int {
	r, err := config.Resolve(opts)
	if err != nil {
		// Still show where wfp looks: that is what the user needs to fix it.
		if paths, perr := opts.Paths(); perr == nil {
			printConfigPaths(stdout, paths, configFileState(paths.Config))
		}
		fmt.Fprintf(stderr, "wfp config path: %s\n", configText(err.Error()))
		return 1
	}
	exists := "not found: built-in defaults"
	if r.File.Exists {
		exists = "exists"
	}
	printConfigPaths(stdout, r.Paths, exists)
	p := r.Profile
	row := func(label, value string) {
		fmt.Fprintf(stdout, "%-14s%s\n", label+":", configText(value))
	}
	row("profile", fmt.Sprintf("%s (from %s)", p.Name, r.Sources.Profile))
	row("account id", configOrUnset(p.AccountID)+" (from "+r.Sources.AccountID.String()+")")
	row("api base url", p.APIBaseURL+" (from "+r.Sources.APIBaseURL.String()+")")
	switch {
	case config.CheckTokenEnv(p.TokenEnv) != "":
		// Never the value: it may be a token pasted by mistake.
		row("token", "not read: token_env is not a variable's name (see wfp config check)")
	case r.Token.IsSet():
		row("token", fmt.Sprintf("$%s (set)", p.TokenEnv))
	default:
		row("token", fmt.Sprintf("$%s (not set)", p.TokenEnv))
	}
	row("read-only", fmt.Sprintf("%t (from %s)", p.ReadOnly, r.Sources.ReadOnly))
	row("production", fmt.Sprintf("%t", p.Production))
	if n := len(r.Problems); n > 0 {
		row("problems", fmt.Sprintf("%d (run wfp config check)", n))
	}
	return 0
}

// printConfigPaths prints the file and directory lines of `wfp config path`.
func printConfigPaths(w io.Writer, paths config.Paths, state string) {
	fmt.Fprintf(w, "%-14s%s (%s; from %s)\n", "config file:", configText(paths.Config), state, paths.ConfigSource)
	fmt.Fprintf(w, "%-14s%s\n", "state dir:", configText(paths.StateDir))
	fmt.Fprintf(w, "%-14s%s\n", "audit log:", configText(paths.AuditLog))
	fmt.Fprintf(w, "%-14s%s\n", "cache dir:", configText(paths.CacheDir))
}

// configFileState says whether a path exists, for printConfigPaths.
func configFileState(path string) string {
	if _, err := os.Stat(path); err != nil {
		return "not readable"
	}
	return "exists"
}

// configOrUnset shows "" as "(unset)".
func configOrUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

// configText makes text safe on a terminal: control and invisible
// characters are escaped (termsafe.Line), not replaced, so what was there
// can still be read.
func configText(s string) string { return termsafe.Line(s) }
