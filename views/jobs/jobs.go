// Package jobs is the :jobs screen: every bulk job with a progress bar,
// rate, ETA and failures; enter opens a job's items (state and reason of
// each); p pauses, r resumes, x cancels, f retries the failed items, and u
// undoes a finished item (a deleted script comes back from its undo kit)
// through the change pipeline's review. Progress arrives as the engine's
// snapshots on a channel, read by a re-armed command.
package jobs

import (
	"context"
	"fmt"

	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/jobs"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/ui"
)

// Kind is the screen's route kind; Route.Arg, when set, is a job id whose
// items open at once.
const Kind = "jobs"

// Engine is the job engine; *jobs.Engine satisfies it.
type Engine interface {
	Subscribe() (<-chan []jobs.Snapshot, func())
	Get(id string) (jobs.Snapshot, []jobs.Item, *change.Plan, error)
	Pause(id string) error
	Cancel(id string) error
	Resume(id string, actor cfclient.Actor) error
	Retry(id string, actor cfclient.Actor) error
}

var _ Engine = (*jobs.Engine)(nil)

// Deps are the screen's dependencies.
type Deps struct {
	Engine Engine
	// Actor is who the session acts as.
	Actor func(ctx context.Context) cfclient.Actor
	// AuditLog is the audit log's path (undo reads the job's lines).
	AuditLog string
	Planner  *change.Planner
	Applier  *change.Applier
}

// Messages, routed to the screen.
type (
	subscribedMsg struct {
		key  string
		ch   <-chan []jobs.Snapshot
		stop func()
	}
	snapsMsg struct {
		key   string
		snaps []jobs.Snapshot
		ok    bool // false: the channel closed
	}
	itemsMsg struct {
		key   string
		id    string
		snap  jobs.Snapshot
		items []jobs.Item
		err   error
	}
	doneMsg struct {
		key  string
		what string
		err  error
	}
)

// RouteKey routes each message to its screen.
func (m subscribedMsg) RouteKey() string { return m.key }
func (m snapsMsg) RouteKey() string      { return m.key }
func (m itemsMsg) RouteKey() string      { return m.key }
func (m doneMsg) RouteKey() string       { return m.key }

// Model is the :jobs screen.
type Model struct {
	// Keys are the screen's bindings.
	Keys KeyMap

	c     *ui.Common
	deps  Deps
	route ui.Route
	key   string

	width, height int

	ch   <-chan []jobs.Snapshot
	stop func()

	snaps []jobs.Snapshot
	list  ui.Table[jobs.Snapshot]
	bar   progress.Model

	// open is the job whose items are shown ("" for the list).
	open      string
	openSnap  jobs.Snapshot
	items     ui.Table[jobs.Item]
	itemsBusy bool // a Get is running
	itemsDue  bool // a snapshot came while it ran
}

// New builds the screen for r.
func New(c *ui.Common, d Deps, r ui.Route) *Model {
	m := &Model{Keys: DefaultKeyMap(), c: c, deps: d, route: r, key: r.Key(), open: r.Arg,
		width: c.Width, height: c.Height}
	m.bar = progress.New(progress.WithWidth(10), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
	m.list = ui.NewTable(func(s jobs.Snapshot) string { return s.ID }, m.renderJob, ui.WithIndent(2),
		ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap),
		ui.WithColumns(
			ui.TableColumn{Title: "JOB", MinWidth: 16},
			ui.TableColumn{Title: "STATE", Width: 11},
			ui.TableColumn{Title: "PROGRESS", Width: 10},
			ui.TableColumn{Title: "DONE", Width: 11, Right: true},
			ui.TableColumn{Title: "FAIL", Width: 4, Right: true},
			ui.TableColumn{Title: "RATE", Width: 6, Right: true},
			ui.TableColumn{Title: "ETA", Width: 6, Right: true},
		))
	m.items = ui.NewTable(func(it jobs.Item) string { return fmt.Sprint(it.Index) }, m.renderItem, ui.WithIndent(2),
		ui.WithTableStyles(c.Styles.Table), ui.WithTableKeyMap(m.Keys.MoveKeyMap),
		ui.WithColumns(
			ui.TableColumn{Title: "#", Width: 5, Right: true},
			ui.TableColumn{Title: "OP", Width: 13},
			ui.TableColumn{Title: "TARGET", MinWidth: 30},
			ui.TableColumn{Title: "STATE", Width: 8},
			ui.TableColumn{Title: "REASON", MinWidth: 10},
		))
	m.layout()
	return m
}

// Factory returns the ui.Factory of the screen.
func Factory(d Deps) ui.Factory {
	return func(c *ui.Common, r ui.Route) (ui.Screen, error) { return New(c, d, r), nil }
}

// Init subscribes to the engine's snapshots (in a command).
func (m *Model) Init() tea.Cmd {
	key, e := m.key, m.deps.Engine
	return func() tea.Msg {
		ch, stop := e.Subscribe()
		return subscribedMsg{key: key, ch: ch, stop: stop}
	}
}

// wait reads the next snapshots (the re-armed reader).
func (m *Model) wait() tea.Cmd {
	ch, key, ctx := m.ch, m.key, m.c.Context()
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case s, ok := <-ch:
			return snapsMsg{key: key, snaps: s, ok: ok}
		case <-ctx.Done():
			return snapsMsg{key: key}
		}
	}
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (ui.Screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case subscribedMsg:
		if msg.key == m.key {
			if m.stop != nil {
				m.stop()
			}
			m.ch, m.stop = msg.ch, msg.stop
			cmd = m.wait()
		}
	case snapsMsg:
		if msg.key == m.key && msg.ok {
			m.snaps = msg.snaps
			m.list.SetRows(m.snaps)
			cmd = tea.Batch(m.wait(), m.refreshItems())
		}
	case itemsMsg:
		if msg.key == m.key {
			m.itemsBusy = false
			if msg.err != nil {
				cmd = ui.ShowError(msg.err, "")
			} else if msg.id == m.open {
				m.openSnap = msg.snap
				m.items.SetRows(msg.items)
			}
			if m.itemsDue {
				m.itemsDue = false
				cmd = tea.Batch(cmd, m.refreshItems())
			}
		}
	case doneMsg:
		if msg.key == m.key {
			if msg.err != nil {
				cmd = ui.ShowError(msg.err, "")
			} else {
				cmd = ui.ShowStatus(ui.LevelInfo, msg.what)
			}
		}
	case review.PlannedMsg, review.ConfirmedMsg, review.AppliedMsg:
		cmd, _ = review.Step(msg, m.c, m.deps.Applier, nil)
	case ui.StylesChangedMsg:
		m.list.SetStyles(m.c.Styles.Table)
		m.items.SetStyles(m.c.Styles.Table)
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	}
	m.syncKeys()
	return m, cmd
}

// refreshItems reads the open job's items in a command (one at a time).
func (m *Model) refreshItems() tea.Cmd {
	if m.open == "" {
		return nil
	}
	if m.itemsBusy {
		m.itemsDue = true
		return nil
	}
	m.itemsBusy = true
	key, id, e := m.key, m.open, m.deps.Engine
	return func() tea.Msg {
		snap, items, _, err := e.Get(id)
		return itemsMsg{key: key, id: id, snap: snap, items: items, err: err}
	}
}

// act runs an engine call on the job in a command.
func (m *Model) act(id, what string, f func(id string, actor cfclient.Actor) error) tea.Cmd {
	key, ctx, actor := m.key, m.c.Context(), m.deps.Actor
	return func() tea.Msg {
		err := f(id, actor(ctx))
		return doneMsg{key: key, what: fmt.Sprintf("job %s: %s", id, what), err: err}
	}
}

// undo plans the undo of the finished item under the cursor from its
// audit line (a deleted script: script.restore from its undo kit) and
// opens its review.
func (m *Model) undo() tea.Cmd {
	it, ok := m.items.Current()
	if !ok || m.open == "" {
		return nil
	}
	if it.State != jobs.ItemApplied {
		return ui.ShowStatus(ui.LevelWarn, fmt.Sprintf("item %d is %s: only an applied item can be undone", it.Index+1, it.State))
	}
	if m.deps.Planner == nil || m.deps.Applier == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	planID, index, path, planner, now := m.open, it.Index, m.deps.AuditLog, m.deps.Planner, m.c.Now()
	return review.Plan(m.key, m.c, planner, func(ctx context.Context) ([]change.Op, error) {
		recs, _, err := audit.Read(path)
		if err != nil {
			return nil, fmt.Errorf("read the audit log: %w", err)
		}
		var picked []change.Entry
		for _, e := range change.PlanEntries(change.Entries(recs), planID) {
			if e.Op == index {
				picked = append(picked, e)
			}
		}
		if len(picked) == 0 {
			return nil, fmt.Errorf("item %d of job %s has no applied change in the audit log", index+1, planID)
		}
		plan, err := change.Undo(picked, "", now)
		if err != nil {
			return nil, err
		}
		for i, op := range plan.Ops {
			if plan.Ops[i], err = planner.Replan(ctx, "", op); err != nil {
				return nil, err
			}
		}
		return plan.Ops, nil
	})
}

// Title names the screen in the breadcrumbs.
func (m *Model) Title() string {
	if m.open != "" {
		return "job " + m.open
	}
	return "jobs"
}

// Capturing reports false: no text input.
func (m *Model) Capturing() bool { return false }

// WantsEsc reports that esc closes a job's items first.
func (m *Model) WantsEsc() bool { return m.open != "" && m.route.Arg == "" }

// SetSize sets the content area's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

func (m *Model) layout() {
	m.list.SetSize(m.width, max(2, m.height-1))
	m.items.SetSize(m.width, max(2, m.height-3))
}

// Close ends the subscription.
func (m *Model) Close() {
	if m.stop != nil {
		m.stop()
		m.stop = nil
	}
}

var (
	_ ui.Screen  = (*Model)(nil)
	_ ui.Closer  = (*Model)(nil)
	_ ui.Escaper = (*Model)(nil)
)
