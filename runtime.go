package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/jobs"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/tail"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/config"
	"github.com/wfpconsole/wfp/internal/budgetshare"
	"github.com/wfpconsole/wfp/ui"
	"github.com/wfpconsole/wfp/views/logs"
)

// Runtime is what a wfp process has once, whoever is at the keyboard: the
// configuration, the throttle (one API budget), the client, the caches,
// the audit log, and the embedded sandbox when there is one. Sessions share
// it; later the job engine and tail streams live here too. Its state
// reaches screens only as messages: Header is called from commands, never
// from a View or Update.
type Runtime struct {
	Config   *config.Resolved
	Throttle *throttle.Throttle
	Client   *cfclient.Client
	Audit    *audit.Log
	// Store is the disk cache of this API site and account; Routing the
	// process's routing and tier tables.
	Store   *cache.Store
	Routing *cache.RoutingCache
	// LastUsed is each script's last use, read from the routing
	// namespace's last-used: keys (their metadata, values as a fallback).
	LastUsed *cache.LastUsedCache
	// Planner and Changes are the change pipeline: plans are made and
	// applied (through the client's gate, audited) for any session, whose
	// context says who acts.
	Planner *change.Planner
	Changes *change.Applier
	// Jobs runs plans as resumable background jobs (bulk deletes, retags),
	// journaled under the state directory's jobs/ (the embedded sandbox's
	// under its temporary directory: its world does not outlive the
	// process, so neither may its jobs). It keeps the undo kits of every
	// script delete, so undo restores them.
	Jobs *jobs.Engine
	// Tails runs the log streams (live tails and Workers Logs pollers) of
	// every session; Close waits for them, so no live tail is left open.
	Tails *tail.Group
	// LiveTails shares one live tail per script among the sessions (a
	// script allows 10 open tails); its streams run on Tails.
	LiveTails *tail.Shared
	// Sandbox is the embedded sandbox (nil when talking to Cloudflare or a
	// standalone sandbox).
	Sandbox *sandbox.Server
	// Profile is the profile name the header shows ("sandbox" on the
	// embedded sandbox).
	Profile string

	// clock is the process's clock (runtimeOptions.clock, or time.Now): the
	// log streams' windows and timers read it.
	clock func() time.Time

	// tmpCache is the embedded sandbox's cache directory, removed on Close:
	// its world is seeded anew every run, so a cache must not outlive it.
	tmpCache  string
	closeOnce sync.Once
	// changes are the script changes applied in this process, taken by
	// each session with its header snapshots.
	changes changeFeed
	// share is the budget shared with other local processes on the
	// token (nil on the embedded sandbox).
	share *budgetshare.Share
}

// runtimeOptions are what the command line adds to the configuration.
type runtimeOptions struct {
	load    config.LoadOptions
	sandbox bool  // use the embedded sandbox even with credentials
	scripts int   // the embedded sandbox's production namespace size
	seed    int64 // the embedded sandbox's seed
	// clock, when set, is the client's and the sandbox's clock (tests).
	clock func() time.Time
}

// NewRuntime loads the configuration, starts the embedded sandbox when
// there are no credentials (or sandbox is set), and builds the throttle,
// the client and the caches. Nothing is sent yet.
func NewRuntime(o runtimeOptions) (*Runtime, error) {
	r, err := config.Load(o.load)
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
	p := r.Profile
	rt := &Runtime{Config: r, Profile: p.Name, Tails: tail.NewGroup(), clock: o.clock}
	rt.LiveTails = tail.NewShared(rt.Tails)
	if rt.clock == nil {
		rt.clock = time.Now
	}
	topts := throttle.Options{
		Requests:     p.Rate.Requests,
		Window:       p.Rate.Window,
		SafetyMargin: p.Rate.SafetyMargin,
		MaxInFlight:  p.Rate.MaxInFlight,
	}
	if !o.sandbox && r.Token.IsSet() {
		// Other wfp processes on this token share its budget through a
		// small file under the state directory (never the token).
		share, err := budgetshare.Open(budgetshare.Options{StateDir: r.Paths.StateDir,
			Site: p.APIBaseURL, Account: p.AccountID, Token: r.Token.Reveal(), Window: p.Rate.Window, Now: o.clock})
		if err != nil {
			return nil, fmt.Errorf("shared budget: %w", err)
		}
		rt.share, topts.Peers = share, share
	}
	rt.Throttle = throttle.New(topts, throttle.NewTransport(60*time.Second))
	opts := cfclient.Options{
		Profile:  p.Name,
		ReadOnly: p.ReadOnly,
		Audit:    audit.New(r.Paths.AuditLog),
		Schema:   p.Schema(),
		Throttle: rt.Throttle,
	}
	cacheRoot := r.Paths.CacheDir
	switch {
	case !o.sandbox && r.Token.IsSet():
		if p.AccountID == "" {
			rt.Close()
			return nil, fmt.Errorf("profile %q has a token (%s) but no account id: set CLOUDFLARE_ACCOUNT_ID or profiles.%s.account_id in %s",
				p.Name, r.Sources.Token, p.Name, r.Paths.Config)
		}
		opts.BaseURL = p.APIBaseURL
		opts.AccountID = p.AccountID
		opts.Token = r.Token.Reveal()
	default:
		sb, err := sandbox.New(sandbox.Options{Seed: o.seed, Scripts: o.scripts, Now: o.clock, Traffic: 5}) // 5 requests/s of simulated traffic, so logs and health show live data
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		if err := sb.Start("127.0.0.1:0"); err != nil {
			sb.Close()
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		rt.Sandbox = sb
		rt.Profile = "sandbox"
		opts.BaseURL, opts.AccountID, opts.Token = sb.URL(), sb.AccountID(), sb.Token()
		opts.Profile = "sandbox"
		// Sandbox changes are rehearsals: keep them out of the real audit log.
		opts.Audit = audit.New(filepath.Join(r.Paths.StateDir, "sandbox-audit.jsonl"))
		if rt.tmpCache, err = os.MkdirTemp("", "wfp-sandbox-cache-"); err != nil {
			sb.Close()
			return nil, fmt.Errorf("sandbox cache: %w", err)
		}
		cacheRoot = rt.tmpCache
	}
	rt.Audit = opts.Audit
	rt.Client, err = cfclient.New(opts)
	if err != nil {
		rt.Close()
		return nil, err
	}
	rt.Store = cache.New(cacheRoot, rt.Client.BaseURL(), rt.Client.AccountID(), rt.Client.Now)
	rt.Routing = cache.NewRoutingCache(rt.Client, rt.Store)
	rt.LastUsed = cache.NewLastUsedCache(rt.Client)
	rt.Planner = change.NewPlanner(rt.Client)
	rt.Changes = change.NewApplier(rt.Client, rt.Audit, rt.Client.Profile())
	rt.Changes.OnApplied = rt.applied
	jobsDir := filepath.Join(r.Paths.StateDir, "jobs")
	if rt.Sandbox != nil {
		jobsDir = filepath.Join(rt.tmpCache, "jobs")
	}
	rt.Jobs, err = jobs.New(jobs.Options{Dir: jobsDir, Applier: rt.Changes, Client: rt.Client, Audit: rt.Audit})
	if err != nil {
		rt.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return rt, nil
}

// applied keeps the process's caches in step with a change just applied,
// whichever screen (or undo) applied it: a route change is patched into
// the cached routing table (re-reading it costs a request per 100 routes,
// and KV may still answer the old value for 60 s); a new tier table is
// read again on next use.
func (rt *Runtime) applied(op change.Op) {
	rt.changes.add(op, rt.Client.Now())
	switch op.Kind {
	case change.RoutePut, change.RouteDelete:
		var v *string
		if op.After != nil {
			v = op.After.Value
		}
		rt.Routing.Patch(op.Target.Key, v)
	case change.TiersDefine:
		rt.Routing.InvalidateTiers()
	}
}

// Header takes a header snapshot for a session whose operator is actor.
// It reads the throttle's and the routing cache's state under their locks,
// so the App calls it only from a command (see ui.Common.Header).
func (rt *Runtime) Header(actor cfclient.Actor, who string) func() ui.HeaderInfo {
	p := rt.Config.Profile
	onSandbox := rt.Sandbox != nil
	// seen is the session's place in the change feed; snapshots are taken
	// one at a time (the App's tick chain), but atomically all the same.
	var seen atomic.Uint64
	seen.Store(rt.changes.head())
	return func() ui.HeaderInfo {
		info := ui.HeaderInfo{
			Profile:    rt.Profile,
			Account:    rt.Client.AccountID(),
			Sandbox:    onSandbox,
			Production: p.Production && !onSandbox,
			ReadOnly:   rt.Client.ReadOnly() || actor.ReadOnly || actor.Role == cfclient.RoleViewer,
			Who:        who,
		}
		// Background work: a read of the routing table, and running jobs.
		switch rt.Routing.Progress().Phase {
		case cache.RoutingSizing, cache.RoutingListing, cache.RoutingReading:
			info.Jobs = 1
		}
		if rt.Jobs != nil {
			info.BulkJobs = rt.Jobs.Running()
			info.Jobs += info.BulkJobs
		}
		var next uint64
		info.Changes, next, info.ChangesLost = rt.changes.since(seen.Load())
		seen.Store(next)
		st := rt.Client.Stats()
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
		info.OtherProcess = st.PeerProcesses > 0
		return info
	}
}

// tailDrain bounds how long Close waits for the log streams to end (each
// deletes its live tail first, within its own 10 s).
const tailDrain = 12 * time.Second

// Close pauses running jobs (resumable), waits for the log streams (whose
// contexts the sessions cancelled) to delete their live tails, stops the
// shared routing load and the embedded sandbox, and removes the embedded
// sandbox's cache. Safe to call twice.
func (rt *Runtime) Close() {
	rt.closeOnce.Do(func() {
		if rt.Jobs != nil {
			rt.Jobs.Close() // running jobs pause (resumable) before the sandbox goes
		}
		if rt.Tails != nil {
			rt.Tails.Wait(tailDrain)
		}
		if rt.Routing != nil {
			rt.Routing.Close()
		}
		if rt.Sandbox != nil {
			rt.Sandbox.Close()
		}
		if rt.tmpCache != "" {
			os.RemoveAll(rt.tmpCache)
		}
		if rt.share != nil {
			rt.share.Close()
		}
	})
}

// OpenLogs starts the log stream of a logs screen on the runtime's group:
// the live tail of an account script, or Workers Logs polled for a user
// script or a whole namespace (a tag selection is applied by the screen).
// The stream ends, deleting its tail, when ctx is cancelled.
func (rt *Runtime) OpenLogs(ctx context.Context, t logs.Target) <-chan tail.Item {
	if t.Live {
		return rt.LiveTails.Live(ctx, rt.Client, t.Script, tail.LiveOptions{Now: rt.clock})
	}
	o := tail.PollOptions{Target: "namespace " + t.Namespace, Now: rt.clock}
	if t.Namespace != "" {
		o.Filters = append(o.Filters, cfclient.TelemetryFilter{Key: cfclient.TelemetryKeyNamespace, Operation: "eq", Value: t.Namespace})
	}
	if t.Script != "" {
		o.Target = t.Script
		o.Filters = append(o.Filters, cfclient.TelemetryFilter{Key: cfclient.TelemetryKeyService, Operation: "eq", Value: t.Script})
	}
	return rt.Tails.Poll(ctx, rt.Client, o)
}
