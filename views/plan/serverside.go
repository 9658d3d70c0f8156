package plan

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/ui"
)

// Messages of the server-side delete, routed to the screen.
type (
	// serverSideConfirmedMsg is the operator's typed phrase for x.
	serverSideConfirmedMsg struct{ key string }
	// serverSideDoneMsg is the server-side delete's result.
	serverSideDoneMsg struct {
		key     string
		deleted int
		err     error
	}
)

// RouteKey routes each message to its screen.
func (m serverSideConfirmedMsg) RouteKey() string { return m.key }
func (m serverSideDoneMsg) RouteKey() string      { return m.key }

// serverSidePhrase is the phrase x asks for: the job's phrase with the
// way it is done, so that neither confirms the other.
func (m *Model) serverSidePhrase() string {
	return m.plan.Bulk.Phrase(ui.Sanitize) + " server-side"
}

// askServerSide opens the typed-phrase review of the one-request delete
// the plan offers when its selection is exactly a tag set.
func (m *Model) askServerSide() tea.Cmd {
	if m.plan == nil || m.plan.Bulk == nil || m.plan.Bulk.ServerSide == nil {
		return nil
	}
	bk, ss := m.plan.Bulk, m.plan.Bulk.ServerSide
	return m.askPhrase(ui.ConfirmRequest{
		Title: fmt.Sprintf("Delete every script tagged %s in %s at the API?", ui.Sanitize(ss.Filter.String()), ui.Sanitize(bk.Namespace)),
		Body: fmt.Sprintf("DELETE …/scripts?tags=%s: %s for the %s the listing shows (and any tagged since).\n%s.",
			ui.Sanitize(ss.Filter.String()), ui.Plural(ss.Requests, "request", "requests"),
			ui.Plural(bk.Scripts, "script", "scripts"), ss.TradeOff),
		YesLabel: "Delete",
		OnYes:    serverSideConfirmedMsg{key: m.key},
	}, m.serverSidePhrase(), "nothing can be deleted")
}

// deleteServerSide runs the server-side delete in a command (the client's
// gate refuses a read-only session before any request and audits each call).
func (m *Model) deleteServerSide() tea.Cmd {
	if m.c.ReadOnly || m.plan == nil || m.deps.DeleteByTags == nil {
		return ui.ShowStatus(ui.LevelWarn, "this session is read-only: nothing was deleted")
	}
	key, ctx, del := m.key, m.c.Context(), m.deps.DeleteByTags
	ns, filter := m.plan.Bulk.Namespace, m.plan.Bulk.ServerSide.Filter
	return func() tea.Msg {
		n, err := del(ctx, ns, filter)
		return serverSideDoneMsg{key: key, deleted: n, err: err}
	}
}

// handleServerSideDone reports the result; the plan is spent either way
// (the scripts it listed are gone, or some are and the error says why).
func (m *Model) handleServerSideDone(msg serverSideDoneMsg) tea.Cmd {
	m.phase = started
	ns := ui.Sanitize(m.plan.Bulk.Namespace)
	if msg.err != nil {
		m.err = fmt.Errorf("server-side delete in %s: %d deleted, then: %w", ns, msg.deleted, msg.err)
		return ui.ShowError(m.err, "the scripts left are still tagged: plan again to see them")
	}
	return ui.ShowStatus(ui.LevelInfo, fmt.Sprintf("deleted %s in %s server-side; no undo kit was kept (ctrl+r on the scripts screen lists what is left)",
		ui.Plural(msg.deleted, "script", "scripts"), ns))
}
