package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// Exit statuses of the headless commands (wfp scripts, bulk, jobs, route,
// audit): scripts can tell a refusal from a partial failure.
const (
	exitOK      = 0  // done
	exitFailure = 1  // a failure at run time (configuration, network, no such job)
	exitPartial = 2  // a job finished with items failed or in conflict, or paused
	exitRefused = 3  // refused: read-only, a wrong or missing --confirm, another account's plan
	exitUsage   = 64 // bad usage (EX_USAGE)
)

// headlessEnv is what a headless command runs with: its I/O, the process
// environment (tests inject one) and, when it is a terminal, stderr for
// progress.
type headlessEnv struct {
	stdout, stderr io.Writer
	// env looks up environment variables (nil: the process's); home is the
	// home directory ("" : the process's).
	env  func(string) (string, bool)
	home string
	// tty is set when stderr is a terminal: progress lines are drawn there.
	tty bool
	// actor is who acts (default: the OS user at this host).
	actor cfclient.Actor
}

// newHeadlessEnv is the process's environment.
func newHeadlessEnv(stdout, stderr io.Writer) headlessEnv {
	h := headlessEnv{stdout: stdout, stderr: stderr, actor: cfclient.Actor{Name: cfclient.LocalActor()}}
	if f, ok := stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			h.tty = true
		}
	}
	return h
}

// commonFlags are the flags every headless command takes.
type commonFlags struct {
	opts runtimeOptions
}

// register adds the common flags to fs.
func (c *commonFlags) register(fs *flag.FlagSet) func() {
	fs.StringVar(&c.opts.load.Profile, "profile", "", "")
	fs.StringVar(&c.opts.load.ConfigPath, "config", "", "")
	readOnly := fs.Bool("read-only", false, "")
	fs.BoolVar(&c.opts.sandbox, "sandbox", false, "")
	fs.IntVar(&c.opts.scripts, "scripts", 0, "")
	fs.Int64Var(&c.opts.seed, "seed", 1, "")
	return func() {
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "read-only" {
				c.opts.load.ReadOnly = readOnly
			}
		})
	}
}

// commonUsage describes the common flags.
const commonUsage = `common flags:
  --profile NAME  --config FILE  --read-only
  --sandbox [--scripts N] [--seed N]   the embedded sandbox (a new world every run)
`

// parseMixed parses args whose flags (--name, --name=value, -o FILE) may
// come between positional words, as in `wfp scripts ls staging -t ephemeral
// --json`: a word starting with "--", or one that names a flag of fs
// exactly ("-o"), is a flag; any other word, "-t" included, is positional.
// "--" ends the flags.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		name, isFlag := "", false
		switch {
		case strings.HasPrefix(a, "--"):
			name, isFlag = strings.TrimPrefix(a, "--"), true
		case strings.HasPrefix(a, "-") && fs.Lookup(strings.TrimPrefix(a, "-")) != nil:
			name, isFlag = strings.TrimPrefix(a, "-"), true
		}
		if !isFlag {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, "--"+name)
		if strings.Contains(name, "=") || name == "help" || name == "h" {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			return nil, fmt.Errorf("unknown flag --%s", name)
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 >= len(args) {
			return nil, fmt.Errorf("flag --%s needs a value", name)
		}
		i++
		flags = append(flags, args[i])
	}
	return pos, fs.Parse(flags)
}

// openRuntime builds the runtime for a headless command; on the embedded
// sandbox it says so on stderr (its world is new every run, so a plan or
// job of one run means nothing to the next).
func (h headlessEnv) openRuntime(c commonFlags) (*Runtime, error) {
	o := c.opts
	o.load.Env, o.load.Home = h.env, h.home
	rt, err := NewRuntime(o)
	if err != nil {
		return nil, err
	}
	if rt.Sandbox != nil {
		fmt.Fprintf(h.stderr, "wfp: no API token set; using the embedded sandbox (a new world every run)\n")
	}
	return rt, nil
}

// context is the command's context: it carries the actor and ends on
// SIGINT (a job is then paused, resumable).
func (h headlessEnv) context() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	return cfclient.WithActor(ctx, h.actor), stop
}

// fail prints err for command name and returns exitFailure (exitRefused for
// a read-only refusal).
func (h headlessEnv) fail(name string, err error) int {
	fmt.Fprintf(h.stderr, "wfp %s: %s\n", name, termsafe.OneLine(err.Error(), 2000))
	if hint := cfclient.Hint(err); hint != "" {
		fmt.Fprintf(h.stderr, "  hint: %s\n", termsafe.OneLine(hint, 500))
	}
	if errors.Is(err, cfclient.ErrReadOnly) {
		return exitRefused
	}
	return exitFailure
}

// usage prints a usage error for command name and returns exitUsage.
// parseArgs parses a headless command's args with parseMixed. -h prints
// text and ends the command (exitOK); a bad flag ends it as a usage error
// of cmd. done says the command is over, with code.
func (h headlessEnv) parseArgs(fs *flag.FlagSet, args []string, cmd, text string) (pos []string, code int, done bool) {
	pos, err := parseMixed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(h.stdout, text)
		return nil, exitOK, true
	}
	if err != nil {
		return nil, h.usage(cmd, "%v", err), true
	}
	return pos, 0, false
}

func (h headlessEnv) usage(name, format string, args ...any) int {
	fmt.Fprintf(h.stderr, "wfp %s: %s (see wfp %s -h)\n", name, fmt.Sprintf(format, args...), strings.Fields(name)[0])
	return exitUsage
}

// listNamespace returns ns's scripts: from the listing cache with cached
// (no request; an error when there is none), else listed from the API (one
// request per 1,000 scripts) and saved to the cache for the next plan.
func listNamespace(ctx context.Context, rt *Runtime, ns string, cached bool) ([]cfclient.Script, time.Time, error) {
	if cached {
		l, err := rt.Store.Scripts(ns)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("listing cache of %s: %w (list without --cached first)", ns, err)
		}
		return l.Scripts(), l.Saved, nil
	}
	var pages [][]cfclient.Script
	var all []cfclient.Script
	err := rt.Client.ListScripts(ctx, ns, cfclient.TagFilter{}, func(p []cfclient.Script) error {
		pages = append(pages, p)
		all = append(all, p...)
		return nil
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	_ = rt.Store.SaveScripts(ns, pages) // a cache that cannot be written costs the next listing, nothing else
	return all, rt.Client.Now(), nil
}

// selection is a selector applied to a listing.
type selection struct {
	scripts []cfclient.Script
	// unknown counts scripts an idle term could not judge (their last use
	// is unread); unreadCost says what reading it costs.
	unknown    int
	unreadCost string
	// tagSet is the API tag filter selecting exactly these scripts, when
	// the selector is tag terms only (all of them fit the API's filter).
	tagSet *cfclient.TagFilter
	query  selector.Query
}

// selectScripts applies the selector text (the console's filter grammar,
// selector.ParseSelection: names, -t tags, created>/modified>/idle>, tier:)
// to scripts, in listing order. An idle term reads the last-used keys
// (one request per 1,000 keys; values of keys without metadata only with
// readValues, whose cost is stated otherwise).
func selectScripts(ctx context.Context, rt *Runtime, scripts []cfclient.Script, text string, readValues bool) (selection, error) {
	q, err := selector.ParseSelection(text)
	if err != nil {
		return selection{}, fmt.Errorf("selector: %w", err)
	}
	sel := selection{query: q}
	keep := make([]bool, len(scripts))
	switch {
	case q.Kind == selector.Tags:
		for i, s := range scripts {
			keep[i] = q.Selects(s.Tags)
		}
	case q.Text == "":
		for i := range keep {
			keep[i] = true
		}
	default:
		names := make([]string, len(scripts))
		for i, s := range scripts {
			names[i] = s.Name
		}
		ix := selector.NewIndex(names)
		switch q.Kind {
		case selector.Substring:
			for _, i := range ix.Containing(q.Text, nil) {
				keep[i] = true
			}
		case selector.Inverse:
			for _, i := range ix.FindInverse(q.Text) {
				keep[i] = true
			}
		default:
			for _, i := range ix.Matching(q.Text, nil) {
				keep[i] = true
			}
		}
	}
	var lu *cache.LastUse
	if q.Uses(selector.Idle) {
		load := cache.LastUsedLoad{ValueReads: -1}
		if readValues {
			load.ValueReads = 1 << 30
		}
		if lu, err = rt.LastUsed.Load(ctx, load); err != nil {
			return selection{}, fmt.Errorf("read last use: %w", err)
		}
		sel.unreadCost = rt.LastUsed.Describe(lu)
	}
	now := rt.Client.Now()
	schema := rt.Client.Schema()
	for i, s := range scripts {
		if !keep[i] {
			continue
		}
		if len(q.Attrs) > 0 {
			a := selector.Attrs{Created: s.CreatedOn, Modified: s.ModifiedOn}
			if tier, ambiguous := schema.TierOf(s.Tags); !ambiguous {
				a.Tier = tier
			}
			if lu != nil {
				at, state := lu.State(s.Name)
				a.LastUsed, a.LastUseUnknown = at, state == cache.Unknown
			}
			if !q.HoldsAttrs(a, now) {
				if a.LastUseUnknown {
					sel.unknown++
				}
				continue
			}
		}
		sel.scripts = append(sel.scripts, s)
	}
	if q.Kind == selector.Tags && len(q.Attrs) == 0 {
		f := cfclient.TagFilter{}
		ok := true
		for _, t := range q.Terms {
			ok = ok && cfclient.TagFilterable(t.Tag)
			if t.Negate {
				f.HasNot = append(f.HasNot, t.Tag)
			} else {
				f.Has = append(f.Has, t.Tag)
			}
		}
		if ok && len(f.Has) > 0 {
			sel.tagSet = &f
		}
	}
	return sel, nil
}
