// Package plan is the bulk plan screen: a selection made on the scripts
// screen or :inactive becomes a change plan (change.PlanBulk, no request)
// shown target by target with before → after, counts per namespace,
// tenant and tier, what the filter hides, what cannot be undone, the API
// cost and time at the current budget and, for a tag set, the server-side
// alternative. p saves it as JSON (a dry run); enter asks for the typed
// phrase and starts the job (Runtime.Jobs); a read-only session sees the
// plan and cannot start it.
package plan

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/internal/bulk"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the screen's route kind (bulk.Kind).
const Kind = bulk.Kind

// Routing is the routing and tier tables; *cache.RoutingCache satisfies it.
type Routing interface {
	Table(ctx context.Context) (*platform.RoutingTable, time.Time, error)
	Tiers(ctx context.Context) ([]platform.Tier, error)
}

// Jobs starts a plan as a background job; *jobs.Engine satisfies it.
type Jobs interface {
	Start(plan *change.Plan, actor cfclient.Actor) (string, error)
}

// Deps are the screen's dependencies. Every call is made in a command.
type Deps struct {
	Planner *change.Planner
	Routing Routing
	// LastUse gives the last-used keys a cleanup deletes (nil: assume
	// every script has one; a key already gone is done without a write).
	LastUse interface{ Cached() *cache.LastUse }
	// Listings is the listing cache (delete dangling routes: which scripts
	// exist in the namespace).
	Listings interface {
		Scripts(ns string) (cache.Listing, error)
	}
	Jobs Jobs
	// Stats is the throttle's state (the time a plan takes at the budget).
	Stats func() throttle.Stats
	// Actor is who the session acts as (its context carries it).
	Actor func(ctx context.Context) cfclient.Actor
	// Save writes a plan as JSON and returns the file's path (p).
	Save func(plan *change.Plan) (string, error)
	// LastUsedPrefix is the profile's last-used key prefix.
	LastUsedPrefix string
	// Namespaces lists the dispatch namespaces (which one the routing
	// table routes into: delete dangling routes).
	Namespaces func(ctx context.Context) ([]cfclient.Namespace, error)
	// Secrets lists a script's secrets (S counts what a delete loses).
	Secrets SecretsFunc
	// DeleteByTags is the server-side delete of every script a tag filter
	// matches (x; *cfclient.Client's DeleteAllByTags): how many went.
	DeleteByTags func(ctx context.Context, ns string, filter cfclient.TagFilter) (int, error)
}

// Messages of the screen, routed to it.
type (
	// plannedMsg is a plan made (or why not).
	plannedMsg struct {
		key  string
		plan *change.Plan
		est  time.Duration // the time at the background budget
		err  error
	}
	// confirmedMsg is the operator's typed phrase.
	confirmedMsg struct{ key string }
	// startedMsg is the job started (or why not).
	startedMsg struct {
		key string
		id  string
		err error
	}
	// savedMsg is the plan saved as JSON.
	savedMsg struct {
		key, path string
		err       error
	}
)

// RouteKey routes each message to its screen.
func (m plannedMsg) RouteKey() string   { return m.key }
func (m confirmedMsg) RouteKey() string { return m.key }
func (m startedMsg) RouteKey() string   { return m.key }
func (m savedMsg) RouteKey() string     { return m.key }

// phase is where the screen is.
type phase int

const (
	waiting  phase = iota // for the selection (bulk.PlanMsg)
	asking                // for the tag, tier or limits
	planning              // PlanBulk running
	shown                 // the plan is on screen
	started               // the job runs
)

// Model is the plan screen.
type Model struct {
	// Keys are the screen's bindings.
	Keys KeyMap

	c     *ui.Common
	deps  Deps
	route ui.Route
	key   string

	width, height int

	phase    phase
	req      change.BulkRequest
	selector string
	source   string
	input    ui.Input
	inputErr string
	err      error
	plan     *change.Plan
	sum      planSums // computed once per plan: frames do not walk the ops
	est      time.Duration
	savedTo  string
	// secrets is the count of S (nil until made); countingSecrets while
	// it runs.
	secrets         *secretsMsg
	countingSecrets bool
	jobID           string
	table           ui.Table[int32] // op indexes
}

// New builds the screen for r; the selection arrives as a bulk.PlanMsg.
func New(c *ui.Common, d Deps, r ui.Route) *Model {
	m := &Model{Keys: DefaultKeyMap(), c: c, deps: d, route: r, key: r.Key(), width: c.Width, height: c.Height}
	m.table = ui.NewTable(m.opKey, m.renderRow, ui.WithIndent(2), ui.WithTableStyles(c.Styles.Table),
		ui.WithTableKeyMap(m.Keys.MoveKeyMap), ui.WithFittedRows(),
		ui.WithColumns(
			ui.TableColumn{Title: "OP", Width: 13},
			ui.TableColumn{Title: "TARGET", MinWidth: 20},
			ui.TableColumn{Title: "BEFORE → AFTER", MinWidth: 20},
		))
	m.input = ui.NewInput("> ", c.Styles.Input)
	return m
}

// Factory returns the ui.Factory of the screen.
func Factory(d Deps) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) { return New(c, d, r), nil }
}

// Init does nothing: the selection comes as a message.
func (m *Model) Init() tea.Cmd { return nil }

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case bulk.PlanMsg:
		if msg.Route.Key() == m.key && m.phase == waiting {
			m.req, m.selector, m.source = msg.Req, msg.Selector, msg.Source
			cmd = m.start()
		}
	case plannedMsg:
		if msg.key == m.key {
			m.plan, m.est, m.err = msg.plan, msg.est, msg.err
			m.phase = shown
			if msg.plan != nil {
				m.sum = sums(msg.plan)
				rows := make([]int32, len(msg.plan.Ops))
				for i := range rows {
					rows[i] = int32(i)
				}
				m.table.SetRows(rows)
			}
		}
	case confirmedMsg:
		if msg.key == m.key {
			cmd = m.startJob()
		}
	case serverSideConfirmedMsg:
		if msg.key == m.key {
			cmd = m.deleteServerSide()
		}
	case serverSideDoneMsg:
		if msg.key == m.key {
			cmd = m.handleServerSideDone(msg)
		}
	case startedMsg:
		if msg.key == m.key {
			cmd = m.handleStarted(msg)
		}
	case countSecretsMsg:
		if msg.key == m.key {
			cmd = m.countSecrets()
		}
	case secretsMsg:
		if msg.key == m.key {
			cmd = m.handleSecrets(msg)
		}
	case savedMsg:
		if msg.key == m.key {
			if msg.err != nil {
				cmd = ui.ShowError(msg.err, "")
			} else {
				m.savedTo = msg.path
				cmd = ui.ShowStatus(ui.LevelInfo, "plan saved (dry run): "+msg.path)
			}
		}
	case ui.StylesChangedMsg:
		m.table.SetStyles(m.c.Styles.Table)
		m.input.SetStyles(m.c.Styles.Input)
	case tea.PasteMsg:
		if m.phase == asking {
			m.input, cmd = m.input.Update(msg)
		}
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	}
	m.syncKeys()
	m.layout()
	return m, cmd
}

// start asks for what the action needs, or plans at once.
func (m *Model) start() tea.Cmd {
	switch m.req.Action {
	case change.ActionTagAdd, change.ActionTagRemove, change.ActionTier, change.ActionLimits:
		m.phase = asking
		m.input.Focus()
		return nil
	}
	return m.makePlan()
}

// prompt is what the input asks for.
func (m *Model) prompt() string {
	switch m.req.Action {
	case change.ActionTagAdd:
		return "tag to add to each script"
	case change.ActionTagRemove:
		return "tag to remove from each script"
	case change.ActionTier:
		return "tier to move each script to"
	}
	return "limits to set, as cpu_ms=50,subrequests=20 (either or both)"
}

// submit takes the input as the action's parameter and plans.
func (m *Model) submit() tea.Cmd {
	v := strings.TrimSpace(m.input.Value())
	m.inputErr = ""
	switch m.req.Action {
	case change.ActionTagAdd, change.ActionTagRemove:
		if r := platform.ValidTag(v); r != "" {
			m.inputErr = "tag: " + r
			return nil
		}
		m.req.Tag = v
	case change.ActionTier:
		if v == "" {
			m.inputErr = "tier: name one from the tier table (:tiers lists them)"
			return nil
		}
		m.req.Tier = v
	case change.ActionLimits:
		l, err := ParseLimits(v)
		if err != nil {
			m.inputErr = err.Error()
			return nil
		}
		m.req.Limits = l
	}
	m.input.Blur()
	return m.makePlan()
}

// ParseLimits reads "cpu_ms=50,subrequests=20" (either or both), checking
// each with the platform's rules.
func ParseLimits(s string) (platform.Limits, error) {
	var l platform.Limits
	if strings.TrimSpace(s) == "" {
		return l, fmt.Errorf("limits: give cpu_ms=N, subrequests=N or both, comma-separated")
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || err != nil {
			return l, fmt.Errorf("limits: %q is not name=whole number (cpu_ms=50)", ui.Sanitize(part))
		}
		switch strings.TrimSpace(k) {
		case "cpu_ms":
			if r := platform.ValidCPUMs(n); r != "" {
				return l, fmt.Errorf("limits.cpu_ms: %s", r)
			}
			l.CPUMs = &n
		case "subrequests":
			if r := platform.ValidSubRequests(n); r != "" {
				return l, fmt.Errorf("limits.subrequests: %s", r)
			}
			l.Subrequests = &n
		default:
			return l, fmt.Errorf("limits: %q is not cpu_ms or subrequests", ui.Sanitize(k))
		}
	}
	return l, nil
}

// makePlan plans in a command: reads the routing table (cached) and the
// tiers when the action needs them, then PlanBulk (no request).
func (m *Model) makePlan() tea.Cmd {
	m.phase = planning
	key, ctx, d, req, now := m.key, m.c.Context(), m.deps, m.req, m.c.Now()
	return func() tea.Msg {
		var err error
		switch req.Action {
		case change.ActionCleanup, change.ActionRoutes:
			if req.Routing, _, err = d.Routing.Table(ctx); err != nil {
				return plannedMsg{key: key, err: fmt.Errorf("the routing table (read it with R on the routing screen): %w", err)}
			}
		case change.ActionTier:
			if req.Tiers, err = d.Routing.Tiers(ctx); err != nil {
				return plannedMsg{key: key, err: fmt.Errorf("the tier table: %w", err)}
			}
		}
		if req.Action == change.ActionCleanup && d.LastUse != nil {
			if lu := d.LastUse.Cached(); lu != nil {
				req.LastUsed = lastUsedKeys(lu, d.LastUsedPrefix)
			}
		}
		if req.Action == change.ActionRoutes {
			if err := routesIntoOK(ctx, d, &req); err != nil {
				return plannedMsg{key: key, err: err}
			}
		}
		plan, err := d.Planner.PlanBulk(req, d.Actor(ctx).Name, now)
		if err != nil {
			return plannedMsg{key: key, err: err}
		}
		return plannedMsg{key: key, plan: plan, est: budgetTime(plan.Requests(), d.Stats)}
	}
}

// routesIntoOK checks that req's namespace is the one the routing table
// routes into ("production" when the account has it, else the first, as
// the routing screen says) and sets Existing from its cached listing:
// routes to another namespace's scripts are not dangling, and without the
// whole listing every route would look so.
func routesIntoOK(ctx context.Context, d Deps, req *change.BulkRequest) error {
	if d.Namespaces == nil || d.Listings == nil {
		return fmt.Errorf("dangling routes: this console cannot tell which namespace the routing table routes into")
	}
	nss, err := d.Namespaces(ctx)
	if err != nil {
		return fmt.Errorf("dangling routes: %w", err)
	}
	routed := ""
	for i, n := range nss {
		if n.Name == "production" || i == 0 && routed == "" {
			routed = n.Name
		}
	}
	if req.Namespace != routed {
		return fmt.Errorf("dangling routes: the routing table routes into %s, not %s; plan it from %s's scripts screen",
			ui.Sanitize(routed), ui.Sanitize(req.Namespace), ui.Sanitize(routed))
	}
	l, err := d.Listings.Scripts(req.Namespace)
	if err != nil {
		return fmt.Errorf("dangling routes: the whole listing of %s is needed (open its scripts screen first): %w", ui.Sanitize(req.Namespace), err)
	}
	names := make(map[string]bool, l.Rows.Len())
	for i := range l.Rows.Len() {
		names[l.Rows.Name(i)] = true
	}
	req.Existing = func(n string) bool { return names[n] }
	return nil
}

// lastUsedKeys is the set of last-used KV keys a snapshot saw.
func lastUsedKeys(lu *cache.LastUse, prefix string) map[string]bool {
	keys := make(map[string]bool, len(lu.At)+len(lu.Unread))
	if prefix == "" {
		prefix = platform.DefaultLastUsedPrefix
	}
	for s := range lu.At {
		keys[prefix+s] = true
	}
	for _, s := range lu.Unread {
		keys[prefix+s] = true
	}
	return keys
}

// planSums are a plan's totals, shown on every frame.
type planSums struct {
	requests, irreversible int
	tenants, tiers         string
}

// sums computes a plan's totals.
func sums(p *change.Plan) planSums {
	s := planSums{requests: p.Requests(), irreversible: p.Irreversible(), tenants: "-", tiers: "-"}
	if p.Bulk != nil {
		s.tenants, s.tiers = topCounts(p.Bulk.ByTenant, "no tenant"), topCounts(p.Bulk.ByTier, "no tier")
	}
	return s
}

// budgetTime is how long n background requests take at the throttle's
// background budget.
func budgetTime(n int, stats func() throttle.Stats) time.Duration {
	if stats == nil {
		return 0
	}
	st := stats()
	if st.BackgroundLimit <= 0 || st.Window <= 0 {
		return 0
	}
	return time.Duration(float64(n) / float64(st.BackgroundLimit) * float64(st.Window))
}

// ask opens the typed-phrase review of the plan.
func (m *Model) ask() tea.Cmd {
	p := m.plan
	if p == nil {
		return nil
	}
	return m.askPhrase(ui.ConfirmRequest{
		Title:    fmt.Sprintf("Start a job of %s?", ui.Plural(len(p.Ops), "op", "ops")),
		Body:     m.reviewBody(),
		YesLabel: "Start",
		OnYes:    confirmedMsg{key: m.key},
	}, p.Bulk.Phrase(ui.Sanitize), "the plan is shown, it cannot be started")
}

// askPhrase asks to confirm req by typing phrase; a read-only session
// sees req with why it cannot go on instead of a phrase to type.
func (m *Model) askPhrase(req ui.ConfirmRequest, phrase, readOnly string) tea.Cmd {
	req.ReadOnly = m.c.ReadOnly
	if m.c.ReadOnly {
		req.Body += "\n\nThis session is read-only: " + readOnly + "."
	} else {
		req.Phrase = phrase
	}
	return ui.AskConfirm(req)
}

// startJob starts the plan as a job in a command.
func (m *Model) startJob() tea.Cmd {
	if m.c.ReadOnly || m.plan == nil || m.deps.Jobs == nil {
		return ui.ShowStatus(ui.LevelWarn, "this session is read-only: the plan was not started")
	}
	key, ctx, d, plan := m.key, m.c.Context(), m.deps, m.plan
	return func() tea.Msg {
		id, err := d.Jobs.Start(plan, d.Actor(ctx))
		return startedMsg{key: key, id: id, err: err}
	}
}

// handleStarted opens :jobs on the new job.
func (m *Model) handleStarted(msg startedMsg) tea.Cmd {
	if msg.err != nil {
		return ui.ShowError(msg.err, "")
	}
	m.phase, m.jobID = started, msg.id
	return tea.Batch(ui.ShowStatus(ui.LevelInfo, "job "+msg.id+" started · :jobs shows it"),
		ui.Navigate(ui.Route{Kind: "jobs", Arg: msg.id}))
}

// save writes the plan as JSON in a command.
func (m *Model) save() tea.Cmd {
	if m.plan == nil || m.deps.Save == nil {
		return nil
	}
	key, save, plan := m.key, m.deps.Save, m.plan
	return func() tea.Msg {
		path, err := save(plan)
		return savedMsg{key: key, path: path, err: err}
	}
}

// opKey is the table's row key.
func (m *Model) opKey(i int32) string { return strconv.Itoa(int(i)) }

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string { return "plan " + string(m.req.Action) }

// Capturing reports that the parameter input has the keyboard.
func (m *Model) Capturing() bool { return m.phase == asking }

// SetSize sets the content area's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

func (m *Model) layout() {
	m.input.SetWidth(max(10, m.width-4))
	m.table.SetSize(m.width, max(2, m.height-len(m.summary())))
}

var _ ui.Screen = (*Model)(nil)
