package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// auditUsage is the help of `wfp audit`.
const auditUsage = `usage: wfp audit ls [--json] [--plan ID] [--limit N] [--all-accounts]

Lists the audit log's lines of this profile's account, oldest first: every
change wfp made or refused, who made it, before and after. --plan keeps one
plan's (or job's) lines, --limit the newest N. No API request.

` + commonUsage + `
exit status: 0 listed, 1 failure, 64 bad usage
`

// runAudit runs `wfp audit ls`.
func runAudit(args []string, h headlessEnv) int {
	if len(args) == 0 || args[0] != "ls" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(h.stdout, auditUsage)
			return exitOK
		}
		return h.usage("audit", "want the subcommand ls")
	}
	fs := flag.NewFlagSet("wfp audit ls", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c commonFlags
	setRO := c.register(fs)
	asJSON := fs.Bool("json", false, "")
	plan := fs.String("plan", "", "")
	limit := fs.Int("limit", 0, "")
	all := fs.Bool("all-accounts", false, "")
	pos, code, done := h.parseArgs(fs, args[1:], "audit ls", auditUsage)
	if done {
		return code
	}
	var err error
	if len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q", termsafe.Line(pos[0]))
	}
	if err == nil && *limit < 0 {
		err = fmt.Errorf("--limit: must not be negative")
	}
	if err != nil {
		return h.usage("audit ls", "%v", err)
	}
	setRO()
	rt, err := h.openRuntime(c)
	if err != nil {
		return h.fail("audit ls", err)
	}
	defer rt.Close()
	recs, bad, err := audit.Read(rt.Audit.Path())
	if err != nil {
		return h.fail("audit ls", err)
	}
	if bad > 0 {
		fmt.Fprintf(h.stderr, "wfp audit ls: %d lines of %s are not records (skipped)\n", bad, rt.Audit.Path())
	}
	var out []audit.Record
	for _, r := range recs {
		if (*all || r.Account == rt.Client.AccountID()) && (*plan == "" || r.PlanID == *plan) {
			out = append(out, r)
		}
	}
	if *limit > 0 && len(out) > *limit {
		out = out[len(out)-*limit:]
	}
	if *asJSON {
		if out == nil {
			out = []audit.Record{}
		}
		return writeJSON(h, out)
	}
	tw := tabwriter.NewWriter(h.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTOR\tOP\tTARGET\tRESULT\tPLAN")
	for _, r := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.UTC().Format(time.RFC3339), termsafe.Line(r.Actor),
			termsafe.Line(r.Op), termsafe.Line(r.Target), termsafe.OneLine(r.Result, 200), termsafe.Line(r.PlanID))
	}
	tw.Flush()
	return exitOK
}
