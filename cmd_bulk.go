package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/termsafe"
	"github.com/wfpconsole/wfp/ui"
)

// bulkUsage is the help of `wfp bulk`.
const bulkUsage = `usage: wfp bulk plan <action> <namespace> [selector] [flags] [-o plan.json]
       wfp bulk apply <plan.json> --confirm "<phrase>" [--server-side]

plan makes a plan (a dry run: nothing is changed) of one action on the
scripts the selector picks (see wfp scripts -h), writes it as JSON to -o (or
stdout) and says on stderr what it does, what it costs and the phrase that
applies it. Actions:
  delete        delete the scripts (an undo kit of each is kept first)
  tag-add       --tag T        add a tag          tag-remove  --tag T
  tier          --tier NAME    move to a tier
  limits        --cpu-ms N --subrequests N        set their own limits
  routes        delete routes that point at scripts missing from the
                namespace (no selector)
  cleanup       delete the scripts with their routes and last-used keys
flags: --cached (plan from the listing cache: no request for the listing),
       --read-values (idle terms: read last-used values without metadata),
       --count-secrets (delete, cleanup: read each script's settings, one
       request each, to count the scripts whose secret values would be lost)

apply runs a saved plan as a job, in the background share of the API
budget, each target checked again right before its write; progress goes to
stderr when it is a terminal. Ctrl+C pauses the job (wfp jobs resume ID).
--confirm must be the phrase plan printed ("delete 37 in staging"), as the
console asks it. --server-side (a delete of exactly a tag set) sends
DELETE …/scripts?tags= instead: one request, no undo kit, no per-script
check.

` + commonUsage + `
exit status: 0 done, 1 failure, 2 finished with items failed or in
conflict (or paused), 3 refused (read-only, wrong phrase, another
account's plan), 64 bad usage
`

// runBulk runs `wfp bulk plan|apply`.
func runBulk(args []string, h headlessEnv) int {
	if len(args) == 0 {
		return h.usage("bulk", "want the subcommand plan or apply")
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(h.stdout, bulkUsage)
		return exitOK
	case "plan":
		return bulkPlan(args[1:], h)
	case "apply":
		return bulkApply(args[1:], h)
	}
	return h.usage("bulk", "unknown subcommand %q: want plan or apply", termsafe.Line(args[0]))
}

// bulkPlan runs `wfp bulk plan`.
func bulkPlan(args []string, h headlessEnv) int {
	fs := flag.NewFlagSet("wfp bulk plan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c commonFlags
	setRO := c.register(fs)
	out := fs.String("o", "", "")
	tag := fs.String("tag", "", "")
	tier := fs.String("tier", "", "")
	cpu := fs.Int("cpu-ms", -1, "")
	subreq := fs.Int("subrequests", -1, "")
	cached := fs.Bool("cached", false, "")
	readValues := fs.Bool("read-values", false, "")
	countSecrets := fs.Bool("count-secrets", false, "")
	pos, code, done := h.parseArgs(fs, args, "bulk plan", bulkUsage)
	if done {
		return code
	}
	setRO()
	if len(pos) < 2 {
		return h.usage("bulk plan", "want an action and a namespace")
	}
	action, ns, text := change.Action(pos[0]), pos[1], strings.Join(pos[2:], " ")
	if !slices.Contains(change.Actions, action) {
		return h.usage("bulk plan", "action %q: want one of %v", termsafe.Line(pos[0]), change.Actions)
	}
	if action == change.ActionRoutes && text != "" {
		return h.usage("bulk plan", "routes takes no selector: it plans the routes to scripts missing from %s", termsafe.Line(ns))
	}
	rt, err := h.openRuntime(c)
	if err != nil {
		return h.fail("bulk plan", err)
	}
	defer rt.Close()
	ctx, stop := h.context()
	defer stop()
	all, saved, err := listNamespace(ctx, rt, ns, *cached)
	if err != nil {
		return h.fail("bulk plan", err)
	}
	req := change.BulkRequest{Action: action, Namespace: ns, Tag: *tag, Tier: *tier}
	if *cpu >= 0 {
		req.Limits.CPUMs = cpu
	}
	if *subreq >= 0 {
		req.Limits.Subrequests = subreq
	}
	if action != change.ActionRoutes {
		sel, err := selectScripts(ctx, rt, all, text, *readValues)
		if err != nil {
			return h.fail("bulk plan", err)
		}
		if sel.unknown > 0 {
			fmt.Fprintf(h.stderr, "wfp bulk plan: %d scripts left out: their last use is unread (%s; --read-values reads them)\n",
				sel.unknown, sel.unreadCost)
		}
		req.Scripts, req.TagSet = sel.scripts, sel.tagSet
	}
	if err := fillBulkRequest(ctx, rt, &req, all, h); err != nil {
		return h.fail("bulk plan", err)
	}
	plan, err := rt.Planner.PlanBulk(req, h.actor.Name, rt.Client.Now())
	if err != nil {
		return h.fail("bulk plan", err)
	}
	if *countSecrets && plan.Bulk.SecretsUnknown {
		err := rt.Planner.CountSecrets(ctx, plan, func(done, total int) {
			if h.tty {
				fmt.Fprintf(h.stderr, "\r\x1b[Kreading settings for secrets: %d/%d", done, total)
			}
		})
		if h.tty {
			fmt.Fprint(h.stderr, "\r\x1b[K")
		}
		if err != nil {
			return h.fail("bulk plan", err)
		}
	}
	b, err := json.MarshalIndent(plan, "", " ")
	if err != nil {
		return h.fail("bulk plan", err)
	}
	b = append(b, '\n')
	if *out == "" {
		if _, err := h.stdout.Write(b); err != nil {
			return h.fail("bulk plan", err)
		}
	} else if err := cache.WriteFileAtomic(*out, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return h.fail("bulk plan", err)
	}
	describePlan(h.stderr, rt, plan, saved, *out)
	return exitOK
}

// fillBulkRequest adds what the action needs beyond the selection: the
// tier table, the routing table (its read's cost said first), the
// last-used keys, and which scripts exist.
func fillBulkRequest(ctx context.Context, rt *Runtime, req *change.BulkRequest, all []cfclient.Script, h headlessEnv) error {
	switch req.Action {
	case change.ActionTier:
		tiers, err := rt.Routing.Tiers(ctx)
		if err != nil {
			return err
		}
		req.Tiers = tiers
	case change.ActionRoutes, change.ActionCleanup:
		table, _, err := rt.Routing.Table(ctx)
		var ce *cache.RoutingCostError
		if errors.As(err, &ce) {
			fmt.Fprintf(h.stderr, "wfp bulk plan: reading the routing table: %s\n", ce.Estimate.Describe())
			if err = rt.Routing.Read(ctx); err == nil {
				table, _, err = rt.Routing.Table(ctx)
			}
		}
		if err != nil {
			return fmt.Errorf("routing table: %w", err)
		}
		req.Routing = table
		if req.Action == change.ActionRoutes {
			exists := make(map[string]bool, len(all))
			for _, s := range all {
				exists[s.Name] = true
			}
			req.Existing = func(n string) bool { return exists[n] }
			return nil
		}
		lu, err := rt.LastUsed.Load(ctx, cache.LastUsedLoad{ValueReads: -1})
		if err != nil {
			return fmt.Errorf("last-used keys: %w", err)
		}
		prefix := rt.Client.Schema().Routing.LastUsedPrefix
		req.LastUsed = make(map[string]bool, len(lu.At)+len(lu.Unread))
		for name := range lu.At {
			req.LastUsed[prefix+name] = true
		}
		for _, name := range lu.Unread {
			req.LastUsed[prefix+name] = true
		}
	}
	return nil
}

// describePlan says on w what plan does, costs and the phrase that applies
// it. Tenant text is escaped.
func describePlan(w io.Writer, rt *Runtime, plan *change.Plan, listed time.Time, out string) {
	b := plan.Bulk
	fmt.Fprintf(w, "plan %s: %s\n", plan.ID, termsafe.Line(review.Phrase(plan)))
	fmt.Fprintf(w, "  %d ops on %d scripts of %s (listing of %s)", len(plan.Ops), b.Scripts, termsafe.Line(b.Namespace),
		listed.UTC().Format(time.RFC3339))
	if b.Routes > 0 || b.Keys > 0 {
		fmt.Fprintf(w, ", %d routes, %d last-used keys", b.Routes, b.Keys)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  by tenant: %s\n", topCounts(b.ByTenant, "(no customer tag)"))
	fmt.Fprintf(w, "  by tier:   %s\n", topCounts(b.ByTier, "(no tier)"))
	if len(b.Skipped) > 0 {
		fmt.Fprintf(w, "  left out: %d selected scripts cannot take it, e.g. %s: %s\n", len(b.Skipped),
			termsafe.Line(b.Skipped[0].Script), termsafe.OneLine(b.Skipped[0].Reason, 200))
	}
	switch {
	case b.SecretsUnknown:
		fmt.Fprintln(w, "  cannot be undone: the secret values of deleted scripts. The listing does not say which scripts have")
		fmt.Fprintf(w, "  secrets: --count-secrets reads each one's settings (%s requests); else each undo kit names those it\n", ui.Commas(b.Scripts))
		fmt.Fprintln(w, "  could not keep, and the job counts them")
	case b.WithSecrets > 0:
		fmt.Fprintf(w, "  cannot be undone: the secret values of %d of the scripts (undo restores them without)\n", b.WithSecrets)
	}
	st := rt.Client.Stats()
	cost := fmt.Sprintf("%s API requests", ui.Commas(plan.Requests()))
	if st.BackgroundLimit > 0 && st.Window > 0 {
		d := time.Duration(float64(plan.Requests()) / float64(st.BackgroundLimit) * float64(st.Window))
		cost += fmt.Sprintf(" ≈ %s at the background budget (%d per %s)", d.Round(time.Second), st.BackgroundLimit, st.Window)
	}
	fmt.Fprintf(w, "  cost: %s\n", cost)
	if ss := b.ServerSide; ss != nil {
		fmt.Fprintf(w, "  server-side alternative (--server-side): DELETE …/scripts?tags=%s, %d request(s): %s\n",
			termsafe.Line(ss.Filter.String()), ss.Requests, ss.TradeOff)
	}
	file := out
	if file == "" {
		file = "plan.json"
	}
	if review.NeedsPhrase(rt.Config.Profile.Production && rt.Sandbox == nil, plan) {
		fmt.Fprintf(w, "apply: wfp bulk apply %s --confirm %q\n", file, termsafe.Line(review.Phrase(plan)))
	} else {
		fmt.Fprintf(w, "apply: wfp bulk apply %s\n", file)
	}
}

// topCounts says the largest counts of m ("customer-1 12, customer-7 3, …").
func topCounts(m map[string]int, none string) string {
	type kv struct {
		k string
		n int
	}
	var l []kv
	for k, n := range m {
		l = append(l, kv{k, n})
	}
	slices.SortFunc(l, func(a, b kv) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.k, b.k)
	})
	var parts []string
	for i, x := range l {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("and %d more", len(l)-8))
			break
		}
		k := termsafe.Line(x.k)
		if x.k == "" {
			k = none
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, x.n))
	}
	return strings.Join(parts, ", ")
}
