package scripts

import (
	"encoding/json"
	"strings"
	"time"

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

// wireListing is a listed script in the API's field names, for y.
type wireListing struct {
	ID                 string    `json:"id"`
	Tag                string    `json:"tag"`
	ETag               string    `json:"etag"`
	Tags               []string  `json:"tags"`
	Handlers           []string  `json:"handlers"`
	CreatedOn          time.Time `json:"created_on"`
	ModifiedOn         time.Time `json:"modified_on"`
	CompatibilityDate  string    `json:"compatibility_date"`
	CompatibilityFlags []string  `json:"compatibility_flags"`
	UsageModel         string    `json:"usage_model"`
	LastDeployedFrom   string    `json:"last_deployed_from"`
	Logpush            bool      `json:"logpush"`
	HasAssets          bool      `json:"has_assets"`
	HasModules         bool      `json:"has_modules"`
}

// listingJSON renders a script as indented JSON.
func listingJSON(s *cfclient.Script) string {
	w := wireListing{
		ID: s.Name, Tag: s.Tag, ETag: s.ETag, Tags: s.Tags, Handlers: s.Handlers,
		CreatedOn: s.CreatedOn, ModifiedOn: s.ModifiedOn,
		CompatibilityDate: s.CompatibilityDate, CompatibilityFlags: s.CompatibilityFlags,
		UsageModel: s.UsageModel, LastDeployedFrom: s.LastDeployedFrom,
		Logpush: s.Logpush, HasAssets: s.HasAssets, HasModules: s.HasModules,
	}
	if w.Tags == nil {
		w.Tags = []string{}
	}
	out, err := json.MarshalIndent(w, "", "  ")
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
	if pos, ok := m.movement(k, m.raw.top, last+1, h); ok {
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
