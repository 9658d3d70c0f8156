package routing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/review"
	"github.com/wfpconsole/wfp/ui"
)

// E edits the route under the cursor's whole value in an in-console
// editor (ui.TextEditor): a JSON value's other fields (weights, modes,
// whatever the dispatch Worker reads) can be changed, not only its
// worker. The text is checked as it is typed (it must name a script; JSON
// must parse) and ctrl+s plans it as a route.put of the raw value,
// reviewed and applied like any change.

// valueEditor is the open value editor.
type valueEditor struct {
	open  bool
	route platform.Route
	ed    ui.TextEditor
}

// openValueEditor opens the editor on the route under the cursor.
func (m *Model) openValueEditor() tea.Cmd {
	r, ok := m.table.Current()
	if m.unrouted || !ok {
		return nil
	}
	if m.deps.Planner == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	if ui.SanitizeMultiline(r.Raw) != r.Raw {
		// The editor cannot hold it as it is: saving would rewrite it.
		return ui.ShowStatus(ui.LevelWarn, "this value holds control or invisible characters the editor would change; e repoints it, keeping the rest")
	}
	text := r.Raw
	var out bytes.Buffer
	if json.Indent(&out, []byte(text), "", "  ") == nil {
		text = out.String()
	}
	// Stored text is tenant text: escapes are shown, not sent.
	title := fmt.Sprintf("Value of %s %s · KV changes: up to 60 s to spread", r.Kind, r.Key)
	m.value = valueEditor{open: true, route: *r,
		ed: ui.NewTextEditor(title, text, "ctrl+s plans the value · esc cancels", m.c.Styles, checkRouteValue)}
	m.value.ed.SetSize(m.width, max(4, m.height-2))
	return nil
}

// checkRouteValue says which script a value routes to, or why it names
// none.
func checkRouteValue(text string) (string, error) {
	target, problem := platform.RouteTarget(text)
	if problem != "" {
		return "", &platform.RuleError{Field: "value", Rule: problem}
	}
	return "routes to " + target, nil
}

// handleValueKey handles a key while the value editor is open.
func (m *Model) handleValueKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.Keys.CancelForm):
		m.value = valueEditor{}
		return nil
	case key.Matches(k, m.Keys.SubmitValue):
		if m.planning {
			return nil
		}
		if why := m.canChange(); why != "" {
			return ui.ShowStatus(ui.LevelWarn, why)
		}
		if !m.value.ed.Valid() {
			_, err := checkRouteValue(m.value.ed.Value())
			return ui.ShowError(err, "")
		}
		if sameJSON(m.value.ed.Value(), m.value.route.Raw) {
			return ui.ShowStatus(ui.LevelInfo, "the value is unchanged; nothing to plan")
		}
		return m.planValue()
	}
	var cmd tea.Cmd
	m.value.ed, cmd = m.value.ed.Update(k)
	return cmd
}

// planValue plans writing the edited value.
func (m *Model) planValue() tea.Cmd {
	p, r, ns, raw := m.deps.Planner, m.value.route, m.ns, m.value.ed.Value()
	m.planning = true
	return review.Plan(m.key, m.c, p, func(ctx context.Context) ([]change.Op, error) {
		op, err := p.PutRouteValue(ctx, ns, r.Kind, r.Key, raw)
		if err != nil {
			return nil, err
		}
		return []change.Op{op}, nil
	})
}

// sameJSON reports whether two values are the same text, or the same JSON
// (the editor shows a JSON value indented).
func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	var x, y bytes.Buffer
	return json.Compact(&x, []byte(a)) == nil && json.Compact(&y, []byte(b)) == nil && x.String() == y.String()
}
