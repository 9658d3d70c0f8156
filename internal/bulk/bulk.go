// Package bulk carries a bulk selection from the screen where it was made
// (scripts, :inactive) to the plan screen, which no other view imports:
// the selecting screen navigates to a new plan route and sends a PlanMsg
// addressed to it (ui.Routed), as :tags does with the scripts screen.
package bulk

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the plan screen's route kind. Route.Namespace is the namespace,
// Route.Arg the request's id (a new screen per request).
const Kind = "plan"

// PlanMsg is a bulk selection for the plan screen at Route.
type PlanMsg struct {
	Route ui.Route
	// Req is the action, namespace, selected scripts (as listed), the
	// count hidden by the filter and, when the selection is exactly a tag
	// set, that tag filter. The plan screen asks for what the action still
	// needs (a tag, a tier, limits) and fills in the routing table and
	// last-used keys.
	Req change.BulkRequest
	// Selector is the filter text the selection was made with ("" for
	// marks only); Source names the screen ("marked", "filtered", ":inactive").
	Selector, Source string
}

// RouteKey routes the message to its plan screen.
func (m PlanMsg) RouteKey() string { return m.Route.Key() }

// Open returns the command that opens a new plan screen for req and hands
// it the selection. now makes the route unique.
func Open(req change.BulkRequest, selector, source string, now time.Time) tea.Cmd {
	r := ui.Route{Kind: Kind, Namespace: req.Namespace, Arg: fmt.Sprintf("%s@%d", req.Action, now.UnixNano())}
	msg := PlanMsg{Route: r, Req: req, Selector: selector, Source: source}
	return tea.Sequence(ui.Navigate(r), func() tea.Msg { return msg })
}
