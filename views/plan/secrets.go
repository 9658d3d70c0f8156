package plan

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/throttle"
	"github.com/wfpconsole/wfp/ui"
)

// Counting secrets (S): a deleted script's secret values cannot be read,
// so cannot be restored. The listing does not say which scripts have
// secrets; finding out costs one request per script, stated first and
// asked above secretsAutoMax.

// secretsAutoMax is the most requests S spends without asking.
const secretsAutoMax = 100

// Messages of the count.
type (
	// countSecretsMsg is the operator's yes to a count above the bound.
	countSecretsMsg struct{ key string }
	// secretsMsg is the count: scripts with secrets and secret values.
	secretsMsg struct {
		key             string
		scripts, values int
		checked         int
		err             error
	}
)

// RouteKey routes each message to its screen.
func (m countSecretsMsg) RouteKey() string { return m.key }
func (m secretsMsg) RouteKey() string      { return m.key }

// deleted are the scripts the plan deletes.
func (m *Model) deleted() []change.Target {
	var out []change.Target
	if m.plan == nil {
		return nil
	}
	for _, op := range m.plan.Ops {
		if op.Kind == change.ScriptDelete {
			out = append(out, op.Target)
		}
	}
	return out
}

// askSecrets is S: count at once when cheap, else ask with the cost.
func (m *Model) askSecrets() tea.Cmd {
	n := len(m.deleted())
	if n == 0 || m.deps.Secrets == nil || m.countingSecrets {
		return nil
	}
	if n <= secretsAutoMax {
		return m.countSecrets()
	}
	return ui.AskConfirm(ui.ConfirmRequest{
		Title: fmt.Sprintf("Count the secrets of %s?", ui.Plural(n, "script", "scripts")),
		Body: fmt.Sprintf("One request per script: %s ≈ %s of background budget. Nothing is changed.",
			ui.Plural(n, "request", "requests"), span(budgetTime(n, m.deps.Stats))),
		YesLabel: "Count",
		OnYes:    countSecretsMsg{key: m.key},
	})
}

// countSecrets reads each deleted script's secrets in a command, in the
// background class.
func (m *Model) countSecrets() tea.Cmd {
	m.countingSecrets = true
	targets, key, secrets := m.deleted(), m.key, m.deps.Secrets
	ctx := throttle.WithPriority(m.c.Context(), throttle.Background)
	return func() tea.Msg {
		out := secretsMsg{key: key}
		for _, t := range targets {
			s, err := secrets(ctx, t.Namespace, t.Script)
			if err != nil {
				out.err = fmt.Errorf("secrets of %s: %w", t, err)
				return out
			}
			out.checked++
			if len(s) > 0 {
				out.scripts++
				out.values += len(s)
			}
		}
		return out
	}
}

// handleSecrets records the count in the plan's summary.
func (m *Model) handleSecrets(msg secretsMsg) tea.Cmd {
	m.countingSecrets = false
	if msg.err != nil {
		return ui.ShowError(msg.err, "")
	}
	m.secrets = &msg
	if m.plan != nil && m.plan.Bulk != nil {
		m.plan.Bulk.WithSecrets = msg.scripts
	}
	return nil
}

// SecretsFunc lists a script's secrets; (*cfclient.Client).Secrets.
type SecretsFunc = func(ctx context.Context, ns, name string) ([]cfclient.Secret, error)
