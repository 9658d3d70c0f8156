package scripts

import (
	"encoding/json"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
)

// rawState is the JSON overlay (y): the current row's listing.
type rawState struct {
	open  bool
	name  string   // sanitized
	lines []string // sanitized
	top   int
}

// listingJSON renders a script as the listing sent it, indented.
func listingJSON(s *cfclient.Script) string {
	out, err := json.MarshalIndent(s.APIObject(), "", "  ")
	if err != nil {
		return "error: " + err.Error()
	}
	return string(out)
}

// openRaw opens the overlay on the current row.
func (m *Model) openRaw() {
	s, ok := m.current()
	if !ok {
		return
	}
	m.facets.open = false
	m.raw = rawState{
		open:  true,
		name:  ui.Sanitize(s.Name),
		lines: strings.Split(ui.SanitizeMultiline(listingJSON(s)), "\n"),
	}
}

// handleRawKey scrolls or closes the overlay.
func (m *Model) handleRawKey(k tea.KeyPressMsg) {
	h := m.rawHeight()
	last := max(0, len(m.raw.lines)-h)
	if pos, ok := m.Keys.Move(k, m.raw.top, last+1, h); ok {
		m.raw.top = pos
		return
	}
	if key.Matches(k, m.Keys.CloseRaw) {
		m.raw = rawState{}
	}
}

// rawHeight is how many JSON lines fit under the overlay's heading.
func (m *Model) rawHeight() int { return max(1, m.height-2) }

// viewRaw renders the overlay in place of the table.
func (m *Model) viewRaw(b *strings.Builder) {
	st := &m.c.Styles
	h := m.rawHeight()
	b.WriteString(st.TableHeader.Render(fit("listing of "+m.raw.name+" · esc close · j/k scroll", m.width)))
	for i := m.raw.top; i < len(m.raw.lines) && i < m.raw.top+h; i++ {
		b.WriteByte('\n')
		b.WriteString(fit(m.raw.lines[i], m.width))
	}
}
