package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/internal/bulk"
	"github.com/wfpconsole/wfp/ui"
	"github.com/wfpconsole/wfp/views/inactive"
	"github.com/wfpconsole/wfp/views/jobs"
	"github.com/wfpconsole/wfp/views/plan"
)

// The bulk screens: the plan screen, :jobs and :inactive, wired to the
// Runtime's planner, job engine and caches.

// bulkFactories adds the bulk screens' factories.
func (s *Session) bulkFactories(f map[string]ui.Factory) {
	rt := s.Runtime
	f[plan.Kind] = plan.Factory(plan.Deps{
		Planner: rt.Planner, Routing: rt.Routing, LastUse: rt.LastUsed, Listings: rt.Store,
		Jobs: rt.Jobs, Stats: rt.Client.Stats, Actor: rt.Client.Actor, Save: rt.savePlan,
		LastUsedPrefix: rt.Client.Schema().Routing.LastUsedPrefix,
		Namespaces:     rt.Client.ListNamespaces,
		Secrets:        rt.Client.Secrets,
		DeleteByTags:   rt.Client.DeleteAllByTags,
	})
	f[jobs.Kind] = jobs.Factory(jobs.Deps{Engine: rt.Jobs, Actor: rt.Client.Actor, AuditLog: rt.Audit.Path(),
		Planner: rt.Planner, Applier: rt.Changes})
	f[inactive.Kind] = inactive.Factory(inactive.Deps{Source: rt.Client, LastUse: rt.LastUsed, Listings: rt.Store,
		PricePerScript: rt.Config.Profile.PricePerScriptMonth,
		Plan: func(req change.BulkRequest, selector, source string) tea.Cmd {
			return bulk.Open(req, selector, source, s.Common.Now())
		}})
}

// jobsCommand is :jobs.
func (s *Session) jobsCommand() ui.Command {
	return ui.Command{
		Name: "jobs",
		Args: "[job id]",
		Help: "bulk jobs: progress, rate, ETA, failures; enter shows a job's items; p/r/x pause, resume, cancel; u undoes an item",
		Run: func(_ ui.Route, args []string, _ ui.Completions) (tea.Cmd, error) {
			r := ui.Route{Kind: jobs.Kind}
			if len(args) > 1 {
				return nil, fmt.Errorf("takes at most one argument: a job id")
			}
			if len(args) == 1 {
				r.Arg = args[0]
			}
			return ui.Navigate(r), nil
		},
	}
}

// resumeOffer is the question asked at start when an earlier process
// left jobs unfinished: yes opens :jobs, where r resumes each.
func (s *Session) resumeOffer() tea.Cmd {
	rec := s.Runtime.Jobs.Recoverable()
	if len(rec) == 0 {
		return nil
	}
	body := ""
	for i, j := range rec {
		if i == 5 {
			body += fmt.Sprintf("… and %d more\n", len(rec)-5)
			break
		}
		body += fmt.Sprintf("%s · %s · %s, %d of %d left\n", j.ID, j.Title, j.State, j.Pending, j.Total)
	}
	body += "\nEach unfinished item is read again before anything is written: nothing is done twice."
	return ui.AskConfirm(ui.ConfirmRequest{
		Title:    fmt.Sprintf("%s unfinished: open :jobs to resume?", plural(len(rec), "job", "jobs")),
		Body:     body,
		YesLabel: "Open :jobs",
		OnYes:    ui.NavigateMsg{Route: ui.Route{Kind: jobs.Kind}},
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// savePlan writes a plan as indented JSON under the state directory
// (plans/<id>.json; sandbox plans are named sandbox-<id>.json) and
// returns the path: a dry run, and what `wfp bulk apply` reads.
func (rt *Runtime) savePlan(p *change.Plan) (string, error) {
	dir := filepath.Join(rt.Config.Paths.StateDir, "plans")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("save the plan: %w", err)
	}
	name := p.ID + ".json"
	if rt.Sandbox != nil {
		name = "sandbox-" + name
	}
	path := filepath.Join(dir, name)
	err := cache.WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	})
	if err != nil {
		return "", fmt.Errorf("save the plan: %w", err)
	}
	return path, nil
}
