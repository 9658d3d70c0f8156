package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/jobs"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// jobsUsage is the help of `wfp jobs`.
const jobsUsage = `usage: wfp jobs ls [--json]
       wfp jobs show <id> [--json] [--all]
       wfp jobs resume <id>     continue a paused or interrupted job (each
                                unfinished target is read again first)
       wfp jobs retry <id>      run a finished job's failed items again
       wfp jobs cancel <id>     give up a paused or interrupted job

Jobs are kept under $XDG_STATE_HOME/wfp/jobs/<id>/ (plan, journal, undo
kits); a job interrupted by a crash or kill -9 is listed as interrupted.

` + commonUsage + `
exit status: 0 done, 1 failure (no such job), 2 finished with items failed
or in conflict (or paused), 3 refused (read-only), 64 bad usage
`

// jobJSON is a job as `wfp jobs --json` prints it.
type jobJSON struct {
	ID           string     `json:"id"`
	Title        string     `json:"title"`
	Owner        string     `json:"owner"`
	State        string     `json:"state"`
	Reason       string     `json:"reason,omitempty"`
	Total        int        `json:"total"`
	Applied      int        `json:"applied"`
	AlreadyDone  int        `json:"already_done"`
	Conflicts    int        `json:"conflicts"`
	Failed       int        `json:"failed"`
	Refused      int        `json:"refused"`
	Pending      int        `json:"pending"`
	RequestsLeft int        `json:"requests_left"`
	LostSecrets  int        `json:"lost_secrets"`
	Created      time.Time  `json:"created"`
	Updated      time.Time  `json:"updated"`
	Items        []itemJSON `json:"items,omitempty"`
}

// itemJSON is one item of `wfp jobs show --json`.
type itemJSON struct {
	Index  int    `json:"index"`
	Kind   string `json:"kind"`
	Target string `json:"target"`
	State  string `json:"state"`
	Error  string `json:"error,omitempty"`
	Kit    string `json:"kit,omitempty"`
}

func toJobJSON(s jobs.Snapshot) jobJSON {
	return jobJSON{ID: s.ID, Title: s.Title, Owner: s.Owner, State: string(s.State), Reason: s.Reason, Total: s.Total,
		Applied: s.Applied, AlreadyDone: s.AlreadyDone, Conflicts: s.Conflicts, Failed: s.Failed, Refused: s.Refused,
		Pending: s.Pending, RequestsLeft: s.RequestsLeft, LostSecrets: s.LostSecrets, Created: s.Created, Updated: s.Updated}
}

// runJobs runs `wfp jobs ls|show|resume|retry|cancel`.
func runJobs(args []string, h headlessEnv) int {
	if len(args) == 0 {
		return h.usage("jobs", "want a subcommand: ls, show, resume, retry or cancel")
	}
	sub := args[0]
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprint(h.stdout, jobsUsage)
		return exitOK
	case "ls", "show", "resume", "retry", "cancel":
	default:
		return h.usage("jobs", "unknown subcommand %q", termsafe.Line(sub))
	}
	name := "jobs " + sub
	fs := flag.NewFlagSet("wfp "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c commonFlags
	setRO := c.register(fs)
	asJSON := fs.Bool("json", false, "")
	allItems := fs.Bool("all", false, "")
	pos, code, done := h.parseArgs(fs, args[1:], name, jobsUsage)
	if done {
		return code
	}
	setRO()
	if want := map[bool]int{true: 0, false: 1}[sub == "ls"]; len(pos) != want {
		return h.usage(name, "want %d argument(s)", want)
	}
	rt, err := h.openRuntime(c)
	if err != nil {
		return h.fail(name, err)
	}
	defer rt.Close()
	ctx, stop := h.context()
	defer stop()
	switch sub {
	case "ls":
		return jobsList(rt, h, *asJSON)
	case "show":
		return jobsShow(rt, h, pos[0], *asJSON, *allItems)
	case "cancel":
		if err := rt.Jobs.Cancel(pos[0]); err != nil {
			return h.fail(name, err)
		}
		fmt.Fprintf(h.stderr, "job %s cancelled; the items not run were left as they are\n", pos[0])
		return exitOK
	}
	var start func(string, cfclient.Actor) error = rt.Jobs.Resume
	if sub == "retry" {
		start = rt.Jobs.Retry
	}
	if err := start(pos[0], h.actor); err != nil {
		return h.fail(name, err)
	}
	fmt.Fprintf(h.stderr, "job %s resumed\n", pos[0])
	return waitJob(ctx, rt, pos[0], h)
}

// jobsList prints every job.
func jobsList(rt *Runtime, h headlessEnv, asJSON bool) int {
	list := rt.Jobs.List()
	if asJSON {
		out := make([]jobJSON, len(list))
		for i, s := range list {
			out[i] = toJobJSON(s)
		}
		return writeJSON(h, out)
	}
	tw := tabwriter.NewWriter(h.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tDONE\tFAILED\tCONFLICTS\tUPDATED\tJOB")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d\t%d\t%s\t%s\n", s.ID, s.State, s.Processed(), s.Total, s.Failed+s.Refused,
			s.Conflicts, s.Updated.UTC().Format(time.RFC3339), termsafe.Line(s.Title))
	}
	tw.Flush()
	return exitOK
}

// jobsShow prints a job and its first 20 items not done (all of them with
// all; every item with --json).
func jobsShow(rt *Runtime, h headlessEnv, id string, asJSON, all bool) int {
	s, items, _, err := rt.Jobs.Get(id)
	if err != nil {
		return h.fail("jobs show", err)
	}
	if asJSON {
		j := toJobJSON(s)
		for _, it := range items {
			j.Items = append(j.Items, itemJSON{Index: it.Index, Kind: string(it.Kind), Target: it.Target,
				State: string(it.State), Error: it.Err, Kit: it.Kit})
		}
		return writeJSON(h, j)
	}
	fmt.Fprintf(h.stdout, "job %s: %s\n  %s", s.ID, termsafe.Line(s.Title), s.State)
	if s.Reason != "" {
		fmt.Fprintf(h.stdout, " (%s)", termsafe.OneLine(s.Reason, 500))
	}
	fmt.Fprintf(h.stdout, "\n  %d of %d: %d applied, %d found done, %d conflicts, %d failed, %d refused, %d pending (%d requests)\n",
		s.Processed(), s.Total, s.Applied, s.AlreadyDone, s.Conflicts, s.Failed, s.Refused, s.Pending, s.RequestsLeft)
	if s.LostSecrets > 0 {
		fmt.Fprintf(h.stdout, "  %d secret values went with the deleted scripts (not restorable)\n", s.LostSecrets)
	}
	tw := tabwriter.NewWriter(h.stdout, 0, 0, 2, ' ', 0)
	shown := 0
	for _, it := range items {
		if it.State == jobs.ItemApplied || it.State == jobs.ItemDone {
			continue
		}
		if shown++; shown <= 20 || all {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", it.Index, it.State, it.Kind, termsafe.Line(it.Target), termsafe.OneLine(it.Err, 300))
		}
	}
	tw.Flush()
	if shown > 20 && !all {
		fmt.Fprintf(h.stdout, "  … and %d more not done (--all lists them)\n", shown-20)
	}
	return exitOK
}

// writeJSON writes v indented to stdout.
func writeJSON(h headlessEnv, v any) int {
	enc := json.NewEncoder(h.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return h.fail("jobs", err)
	}
	return exitOK
}

// waitJob follows job id until it stops, drawing progress on stderr when
// it is a terminal. ctx ending (Ctrl+C) pauses the job. The exit status
// says how it ended.
func waitJob(ctx context.Context, rt *Runtime, id string, h headlessEnv) int {
	ch, unsub := rt.Jobs.Subscribe()
	defer unsub()
	var last time.Time
	for {
		select {
		case list := <-ch:
			for _, s := range list {
				if s.ID != id {
					continue
				}
				if s.State != jobs.Running {
					return jobEnded(rt, id, h)
				}
				if h.tty && time.Since(last) >= 200*time.Millisecond {
					last = time.Now()
					fmt.Fprintf(h.stderr, "\r\x1b[K%s", progressLine(s))
				}
			}
		case <-ctx.Done():
			_ = rt.Jobs.Pause(id)
			return jobEnded(rt, id, h)
		}
	}
}

// progressLine is one line of a running job's progress.
func progressLine(s jobs.Snapshot) string {
	line := fmt.Sprintf("%s: %d/%d", termsafe.Line(s.Title), s.Processed(), s.Total)
	if n := s.Failed + s.Conflicts + s.Refused; n > 0 {
		line += fmt.Sprintf(" · %d not applied", n)
	}
	if s.Rate > 0 {
		line += fmt.Sprintf(" · %.1f/s · ETA %s", s.Rate, s.ETA.Round(time.Second))
	}
	return line
}

// jobEnded says how job id ended and returns the exit status.
func jobEnded(rt *Runtime, id string, h headlessEnv) int {
	s, items, _, err := rt.Jobs.Get(id)
	if err != nil {
		return h.fail("jobs", err)
	}
	if h.tty {
		fmt.Fprint(h.stderr, "\r\x1b[K")
	}
	fmt.Fprintf(h.stderr, "job %s %s: %d applied, %d found done, %d conflicts, %d failed, %d refused, %d pending\n",
		id, s.State, s.Applied, s.AlreadyDone, s.Conflicts, s.Failed, s.Refused, s.Pending)
	if s.LostSecrets > 0 {
		fmt.Fprintf(h.stderr, "  %d secret values went with the deleted scripts (not restorable)\n", s.LostSecrets)
	}
	shown := 0
	for _, it := range items {
		if it.State == jobs.ItemFailed || it.State == jobs.ItemConflict || it.State == jobs.ItemRefused {
			if shown++; shown <= 20 {
				fmt.Fprintf(h.stderr, "  %s %s: %s\n", it.State, termsafe.Line(it.Target), termsafe.OneLine(it.Err, 300))
			}
		}
	}
	if shown > 20 {
		fmt.Fprintf(h.stderr, "  … and %d more (wfp jobs show %s)\n", shown-20, id)
	}
	switch s.State {
	case jobs.Done:
		return exitOK
	case jobs.Paused, jobs.Interrupted:
		fmt.Fprintf(h.stderr, "  %s; continue with: wfp jobs resume %s\n", termsafe.OneLine(s.Reason, 500), id)
	case jobs.Partial:
		if s.Failed+s.Refused > 0 {
			fmt.Fprintf(h.stderr, "  run the failed items again with: wfp jobs retry %s\n", id)
		}
	}
	return exitPartial
}
