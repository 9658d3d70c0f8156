package tiers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/ui"
)

// E edits the whole tier table as JSON in an in-console editor (bubbles'
// textarea), for changes the one-tier form is too slow for. The text is
// checked as it is typed (platform.ParseTiers: every tier's rules, no
// name twice) and ctrl+s plans it like any other table. Only the fields
// wfp knows are shown; fields it does not know stay as stored.

// jsonEditor is the open JSON editor.
type jsonEditor struct {
	open bool
	ed   ui.TextEditor
	// fromRaw: the text is the stored value, which breaks a rule.
	fromRaw bool
}

// openJSON opens the editor on the table; a stored table that breaks a
// rule is read as text first, so it can be fixed here.
func (m *Model) openJSON() tea.Cmd {
	if m.src.Planner == nil {
		return ui.ShowStatus(ui.LevelWarn, "this console cannot make changes")
	}
	if m.tiersErr == nil {
		m.startJSON(editorText(m.tiers), false)
		return nil
	}
	c, key := m.src.Client, m.key
	ctx := m.c.Context()
	return func() tea.Msg {
		id, err := c.RoutingNamespace(ctx)
		if err != nil {
			return rawMsg{key: key, err: err}
		}
		b, err := c.GetValue(ctx, id, c.Schema().TiersKey)
		if errors.Is(err, cfclient.ErrNotFound) {
			return rawMsg{key: key, text: "{}"}
		}
		return rawMsg{key: key, text: string(b), err: err}
	}
}

// openRawJSON opens the editor on the stored text.
func (m *Model) openRawJSON(msg rawMsg) tea.Cmd {
	if msg.err != nil {
		return ui.ShowError(msg.err, "")
	}
	text := msg.text
	var out bytes.Buffer
	if json.Indent(&out, []byte(text), "", "  ") == nil {
		text = out.String()
	}
	// Stored text is tenant text: escapes are shown, not sent.
	m.startJSON(ui.SanitizeMultiline(text), true)
	return nil
}

// startJSON opens the editor on text.
func (m *Model) startJSON(text string, fromRaw bool) {
	title := "Tier table as JSON · " + ui.Plural(len(m.tiers), "tier", "tiers") + " stored · fields wfp does not know are kept"
	if fromRaw {
		title = "Tier table as stored (it breaks a rule) · fix it and plan"
	}
	stored := m.tiers
	check := func(text string) (string, error) {
		tiers, err := parseTable(text)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s · %s", ui.Plural(len(tiers), "tier", "tiers"), diff(stored, tiers)), nil
	}
	m.json = jsonEditor{open: true, fromRaw: fromRaw,
		ed: ui.NewTextEditor(title, text, "ctrl+s plans the table · esc cancels", m.c.Styles, check)}
	m.json.ed.SetSize(m.width, m.height)
}

// editorText is the table as the editor shows it: one tier per line, in
// the table's order.
func editorText(tiers []platform.Tier) string {
	if len(tiers) == 0 {
		return "{\n}"
	}
	var b strings.Builder
	b.WriteString("{\n")
	for i, t := range tiers {
		name, _ := json.Marshal(t.Name)
		fmt.Fprintf(&b, "  %s: {\"cpuMs\": %d, \"subRequests\": %d}", name, t.CPUMs, t.SubRequests)
		if i < len(tiers)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.String()
}

// parseTable reads the editor's text as a tier table.
func parseTable(text string) ([]platform.Tier, error) {
	if name, ok := duplicateName(text); ok {
		return nil, &platform.RuleError{Field: fmt.Sprintf("tier %q", name), Rule: "appears twice"}
	}
	tiers, err := platform.ParseTiers([]byte(text))
	if err != nil {
		return nil, err
	}
	if err := platform.ValidateTiers(tiers); err != nil {
		return nil, err
	}
	return tiers, nil
}

// duplicateName finds a tier named twice, which decoding into a map would
// silently merge (the last one winning).
func duplicateName(text string) (string, bool) {
	d := json.NewDecoder(strings.NewReader(text))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	seen := map[string]bool{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return "", false
		}
		name, _ := t.(string)
		if seen[name] {
			return name, true
		}
		seen[name] = true
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return "", false
		}
	}
	return "", false
}

// diff says what a new table changes: "adds gold · removes free · changes
// pro".
func diff(old, next []platform.Tier) string {
	var added, removed, changed []string
	for _, t := range next {
		switch o := platform.FindTier(old, t.Name); {
		case o == nil:
			added = append(added, t.Name)
		case *o != t:
			changed = append(changed, t.Name)
		}
	}
	for _, t := range old {
		if platform.FindTier(next, t.Name) == nil {
			removed = append(removed, t.Name)
		}
	}
	var parts []string
	for _, p := range []struct {
		verb  string
		names []string
	}{{"adds", added}, {"removes", removed}, {"changes", changed}} {
		if len(p.names) > 0 {
			slices.Sort(p.names)
			parts = append(parts, p.verb+" "+strings.Join(p.names, ", "))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, " · ")
}

// submitJSON plans the editor's table, unless it breaks a rule.
func (m *Model) submitJSON() tea.Cmd {
	tiers, err := parseTable(m.json.ed.Value())
	if err != nil {
		return ui.ShowError(err, "fix the table; nothing was changed")
	}
	return m.plan(wholeTable(tiers), true)
}

// update passes a message to the editor.
func (e *jsonEditor) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	e.ed, cmd = e.ed.Update(msg)
	return cmd
}

// jsonView renders the editor: a title, the text, what the text changes
// or the rule it breaks, and the keys.
func (m *Model) jsonView() string {
	ed := m.json.ed
	if m.planning {
		ed.SetHint("planning…")
	}
	return ed.View()
}
