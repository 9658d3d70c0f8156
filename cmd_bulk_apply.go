package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// readPlan reads a saved plan, checking it is one.
func readPlan(path string) (*change.Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the plan: %w", err)
	}
	var plan change.Plan
	if err := json.Unmarshal(b, &plan); err != nil {
		return nil, fmt.Errorf("%s is not a plan: %w", path, err)
	}
	if plan.ID == "" || len(plan.Ops) == 0 {
		return nil, fmt.Errorf("%s is not a plan: it has no id or no op", path)
	}
	for i, op := range plan.Ops {
		if op.Kind == "" {
			return nil, fmt.Errorf("%s: op %d has no kind", path, i)
		}
	}
	return &plan, nil
}

// deleteServerSide runs a plan's server-side alternative: DELETE
// …/scripts?tags= until nothing more matches.
func deleteServerSide(ctx context.Context, rt *Runtime, plan *change.Plan, h headlessEnv) int {
	ss := plan.Bulk.ServerSide
	total, err := rt.Client.DeleteAllByTags(ctx, plan.Bulk.Namespace, ss.Filter)
	if err != nil {
		fmt.Fprintf(h.stderr, "wfp bulk apply: %d deleted, then: %s\n", total, termsafe.OneLine(err.Error(), 500))
		return exitPartial
	}
	fmt.Fprintf(h.stderr, "deleted %d scripts of %s server-side (tags %s); no undo kit was kept\n",
		total, termsafe.Line(plan.Bulk.Namespace), termsafe.Line(ss.Filter.String()))
	return exitOK
}

// bulkApply runs `wfp bulk apply`.
func bulkApply(args []string, h headlessEnv) int {
	fs := flag.NewFlagSet("wfp bulk apply", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c commonFlags
	setRO := c.register(fs)
	confirm := fs.String("confirm", "", "")
	serverSide := fs.Bool("server-side", false, "")
	pos, code, done := h.parseArgs(fs, args, "bulk apply", bulkUsage)
	if done {
		return code
	}
	setRO()
	if len(pos) != 1 {
		return h.usage("bulk apply", "want one plan file")
	}
	plan, err := readPlan(pos[0])
	if err != nil {
		return h.fail("bulk apply", err)
	}
	if *serverSide && (plan.Bulk == nil || plan.Bulk.ServerSide == nil) {
		return h.usage("bulk apply", "--server-side: this plan offers no server-side delete (its selection is not exactly a tag set)")
	}
	rt, err := h.openRuntime(c)
	if err != nil {
		return h.fail("bulk apply", err)
	}
	defer rt.Close()
	ctx, stop := h.context()
	defer stop()
	if err := rt.Client.MayWrite(ctx); err != nil {
		fmt.Fprintf(h.stderr, "wfp bulk apply: %s: the plan (%s) was not applied\n", reasonText(err), termsafe.Line(review.Phrase(plan)))
		return exitRefused
	}
	if plan.Account != "" && plan.Account != rt.Client.AccountID() {
		fmt.Fprintf(h.stderr, "wfp bulk apply: the plan was made for account %s, not this profile's %s: not applied\n",
			plan.Account, rt.Client.AccountID())
		return exitRefused
	}
	phrase := review.Phrase(plan)
	if review.NeedsPhrase(rt.Config.Profile.Production && rt.Sandbox == nil, plan) && *confirm != phrase {
		if *confirm == "" {
			fmt.Fprintf(h.stderr, "wfp bulk apply: this plan is confirmed by its phrase: --confirm %q\n", termsafe.Line(phrase))
		} else {
			fmt.Fprintf(h.stderr, "wfp bulk apply: --confirm %q is not the phrase %q: not applied\n", termsafe.Line(*confirm), termsafe.Line(phrase))
		}
		return exitRefused
	}
	if *serverSide {
		return deleteServerSide(ctx, rt, plan, h)
	}
	id, err := rt.Jobs.Start(plan, h.actor)
	if err != nil {
		if errors.Is(err, cfclient.ErrValidation) || errors.Is(err, cfclient.ErrReadOnly) {
			fmt.Fprintf(h.stderr, "wfp bulk apply: %s\n", reasonText(err))
			return exitRefused
		}
		return h.fail("bulk apply", err)
	}
	fmt.Fprintf(h.stderr, "job %s started: %s\n", id, termsafe.Line(phrase))
	return waitJob(ctx, rt, id, h)
}

// reasonText is an error's reason in one safe line.
func reasonText(err error) string {
	var e *cfclient.Error
	if errors.As(err, &e) {
		return termsafe.OneLine(e.Reason, 500)
	}
	return termsafe.OneLine(err.Error(), 500)
}
