// Package review is how a screen shows a change plan for confirmation and
// applies it: the diff and cost of every op, the confirmation the rules ask
// for (docs/ux.md: one reversible change is y/N with No focused; anything
// irreversible, any delete, several changes or a production profile is a
// typed phrase naming scope and count; read-only shows the plan and why it
// cannot be applied), and the commands that plan and apply off the Update
// goroutine, their results routed to the screen that asked.
package review

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/ui"
)

// Messages of the pipeline; each carries the route key of the screen that
// asked, so the App delivers it there only.
type (
	// PlannedMsg is a plan made (or why it could not be).
	PlannedMsg struct {
		Key  string
		Plan *change.Plan
		Err  error
	}
	// ConfirmedMsg is the operator's yes to a plan in review.
	ConfirmedMsg struct {
		Key  string
		Plan *change.Plan
	}
	// AppliedMsg is what applying a plan did.
	AppliedMsg struct {
		Key    string
		Plan   *change.Plan
		Result change.Result
	}
)

// RouteKey routes the message to its screen (ui.Routed).
func (m PlannedMsg) RouteKey() string   { return m.Key }
func (m ConfirmedMsg) RouteKey() string { return m.Key }
func (m AppliedMsg) RouteKey() string   { return m.Key }

// Plan returns a command that plans the ops ops returns (reads and
// validation happen in the command) as one plan by the session's actor.
func Plan(key string, c *ui.Common, planner *change.Planner, ops func(ctx context.Context) ([]change.Op, error)) tea.Cmd {
	ctx, now := c.Context(), c.Now()
	return func() tea.Msg {
		list, err := ops(ctx)
		if err != nil {
			return PlannedMsg{Key: key, Err: err}
		}
		return PlannedMsg{Key: key, Plan: change.NewPlan(planner.Actor(ctx), now, list...)}
	}
}

// Apply returns a command that applies plan with the session's context
// (its Actor decides what the gate allows).
func Apply(key string, c *ui.Common, applier *change.Applier, plan *change.Plan) tea.Cmd {
	ctx := c.Context()
	return func() tea.Msg {
		return AppliedMsg{Key: key, Plan: plan, Result: applier.Apply(ctx, plan)}
	}
}

// Ask returns the command that opens the review of plan: its diff, cost
// and warnings, and the confirmation the rules ask for. A read-only session
// sees the same review, without a way to apply it.
func Ask(key string, c *ui.Common, plan *change.Plan) tea.Cmd {
	return ui.AskConfirm(Request(key, c.Production, c.ReadOnly, plan))
}

// Request is the confirm request reviewing plan.
func Request(key string, production, readOnly bool, plan *change.Plan) ui.ConfirmRequest {
	req := ui.ConfirmRequest{
		Title:    Title(plan),
		Body:     Body(plan),
		YesLabel: "Apply",
		ReadOnly: readOnly,
		OnYes:    ConfirmedMsg{Key: key, Plan: plan},
	}
	if readOnly {
		req.Body += "\n\nThis session is read-only: the plan is shown, it cannot be applied."
		return req
	}
	if NeedsPhrase(production, plan) {
		req.Phrase = Phrase(plan)
	}
	return req
}

// Title names the plan: "Change the tags of production/tenant-1?".
func Title(plan *change.Plan) string {
	if len(plan.Ops) == 1 {
		op := plan.Ops[0]
		return fmt.Sprintf("%s %s?", verb(op.Kind), op.Target)
	}
	return fmt.Sprintf("Apply %d changes?", len(plan.Ops))
}

// verb says what an op kind does, for titles.
func verb(k change.Kind) string {
	switch k {
	case change.TagsSet:
		return "Change the tags of"
	case change.TierSet:
		return "Change the tier of"
	case change.LimitsSet:
		return "Change the limits of"
	case change.RoutePut:
		return "Point route"
	case change.RouteDelete:
		return "Delete route"
	case change.TiersDefine:
		return "Rewrite the tier table"
	case change.NamespaceCreate:
		return "Create namespace"
	case change.NamespaceRename:
		return "Rename namespace"
	case change.NamespaceDelete:
		return "Delete namespace"
	case change.KVPut:
		return "Write KV key"
	case change.KVDelete:
		return "Delete KV key"
	case change.ScriptDelete:
		return "Delete script"
	case change.ScriptRestore:
		return "Restore script"
	}
	return string(k)
}

// NeedsPhrase says whether plan must be confirmed by typing a phrase:
// anything irreversible, any delete, more than one change, or any change
// on a production profile.
func NeedsPhrase(production bool, plan *change.Plan) bool {
	if production || len(plan.Ops) != 1 || plan.Irreversible() > 0 {
		return true
	}
	switch plan.Ops[0].Kind {
	case change.RouteDelete, change.KVDelete, change.NamespaceDelete, change.ScriptDelete:
		return true
	}
	return false
}

// Phrase is what the operator types to confirm plan: it names the scope
// and the count ("delete staging (1,204 scripts)", "delete 37 routes",
// "apply 3 changes in production"). Tenant text in it is escaped as the
// screen shows it, so what is shown is what can be typed.
func Phrase(plan *change.Plan) string {
	if plan.Bulk != nil {
		return plan.Bulk.Phrase(ui.Sanitize) // "delete 37 in staging"
	}
	if len(plan.Ops) == 1 {
		op := plan.Ops[0]
		switch op.Kind {
		case change.NamespaceDelete:
			return fmt.Sprintf("delete %s (%s scripts)", ui.Sanitize(op.Target.Namespace), ui.Commas(op.Before.Scripts))
		case change.RouteDelete, change.KVDelete, change.ScriptDelete:
			return "delete " + ui.Sanitize(op.Target.String())
		}
		return "apply " + ui.Sanitize(op.Target.String())
	}
	verb, noun := "delete", "routes"
	ns := plan.Ops[0].Target.Namespace
	for _, op := range plan.Ops {
		switch op.Kind {
		case change.RouteDelete:
		case change.KVDelete:
			noun = "keys"
		default:
			verb, noun = "apply", "changes"
		}
		if op.Target.Namespace != ns {
			ns = ""
		}
	}
	if verb == "delete" && noun == "keys" {
		for _, op := range plan.Ops {
			if op.Kind == change.RouteDelete {
				noun = "routes and keys"
			}
		}
	}
	phrase := fmt.Sprintf("%s %d %s", verb, len(plan.Ops), noun)
	if ns != "" {
		phrase += " in " + ui.Sanitize(ns)
	}
	return phrase
}

// Body is the review's text: every op's before → after, its warnings and
// whether it can be undone, then the cost.
func Body(plan *change.Plan) string {
	var b strings.Builder
	kv := false
	for i, op := range plan.Ops {
		if i > 0 {
			b.WriteString("\n")
		}
		if len(plan.Ops) > 1 {
			fmt.Fprintf(&b, "%d. ", i+1)
		}
		fmt.Fprintf(&b, "%s %s\n", op.Kind, op.Target)
		fmt.Fprintf(&b, "  - %s\n", change.Describe(op.Kind, op.Before))
		fmt.Fprintf(&b, "  + %s\n", change.Describe(op.Kind, op.After))
		for _, w := range op.Warnings {
			fmt.Fprintf(&b, "  ! %s\n", w)
		}
		if op.Irreversible != "" {
			fmt.Fprintf(&b, "  ! cannot be undone: %s\n", op.Irreversible)
		}
		if op.Loses != "" {
			fmt.Fprintf(&b, "  ! %s\n", op.Loses)
		}
		switch op.Kind {
		case change.RoutePut, change.RouteDelete, change.KVPut, change.KVDelete, change.TiersDefine:
			kv = true
		}
	}
	fmt.Fprintf(&b, "\n%s; each target is checked again right before it is written.",
		ui.Plural(plan.Requests(), "API request", "API requests"))
	if kv {
		b.WriteString("\nWorkers KV changes can take up to 60 s to reach every Cloudflare location.")
	}
	return b.String()
}

// Outcome is the footer status after applying: what was done, or what
// failed and what was left as it was.
func Outcome(m AppliedMsg) tea.Cmd {
	r := m.Result
	if r.Err == nil {
		return ui.ShowStatus(ui.LevelInfo, fmt.Sprintf("applied %s · :audit shows it, u undoes it",
			ui.Plural(r.Applied, "change", "changes")))
	}
	st := ui.StatusFromError(r.Err)
	prefix := ""
	switch {
	case r.RolledBack:
		prefix = "rolled back: "
	case r.Applied > 0:
		prefix = fmt.Sprintf("%d of %d applied, then: ", r.Applied, len(m.Plan.Ops))
	}
	st.Text = prefix + st.Text
	return func() tea.Msg { return st }
}

// Step moves a plan one step along the pipeline for a screen: a plan made
// opens its review (a planning error goes to the footer), a yes applies it,
// and the outcome is said and after (if not nil) runs with what was
// applied (to reload). handled is false for any other message. Screens
// call it from Update for their own messages (they carry the screen's
// route key).
func Step(msg tea.Msg, c *ui.Common, applier *change.Applier, after func(AppliedMsg) tea.Cmd) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case PlannedMsg:
		if msg.Err != nil {
			return ui.ShowError(msg.Err, ""), true
		}
		return Ask(msg.Key, c, msg.Plan), true
	case ConfirmedMsg:
		if c.ReadOnly || applier == nil {
			// The review offered no yes; one that came anyway is refused
			// here too (and by the client's gate after it).
			return ui.ShowStatus(ui.LevelWarn, "this session is read-only: the plan was not applied"), true
		}
		return Apply(msg.Key, c, applier, msg.Plan), true
	case AppliedMsg:
		var again tea.Cmd
		if after != nil {
			again = after(msg)
		}
		return tea.Batch(Outcome(msg), again), true
	}
	return nil, false
}

// Reload adapts a screen's reload command to Step's after.
func Reload(reload func() tea.Cmd) func(AppliedMsg) tea.Cmd {
	return func(AppliedMsg) tea.Cmd { return reload() }
}
