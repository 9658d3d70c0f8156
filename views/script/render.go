package script

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/routingwatch"
	"github.com/wfpconsole/wfp/ui"
)

// labelW is the width of the label column ("compatibility  ").
const labelW = 15

// View renders the content area: a window of the details (or the JSON
// view) with a scroll indicator on the last line when they do not fit.
func (m *Model) View() string {
	if m.editing() {
		return m.editView()
	}
	if m.raw {
		return m.rawView.View()
	}
	return ui.ScrollWindow(m.lines(), m.offset, m.width, m.height, m.c.Styles.Subtle)
}

// lines renders every section, each line at most the width. It is cheap
// (one script), so it runs on every View rather than being cached.
func (m *Model) lines() []string {
	var out []string
	add := func(ls ...string) { out = append(out, ls...) }
	st := &m.c.Styles
	add(st.Title.Render(m.fit(ui.Sanitize(m.name))))
	add(m.overview()...)
	add("", m.heading("LIMITS"))
	add(m.limits()...)
	add("", m.heading(m.countTitle("BINDINGS", len(m.settings.val.Bindings), m.settings.have)))
	add(m.bindings()...)
	add("", m.heading(m.countTitle("SECRETS", len(m.secrets.val), m.secrets.have)+" · names only, values are never shown"))
	add(m.secretLines()...)
	add("", m.heading(m.routesTitle()))
	add(m.routeLines()...)
	add("", m.heading("TAIL CONSUMERS"))
	add(m.tailConsumers()...)
	add("", m.heading("OBSERVABILITY"))
	add(m.observability()...)
	return out
}

// overview is the script's identity and deployment.
func (m *Model) overview() []string {
	d := &m.details
	out := []string{m.field("namespace", ui.Sanitize(m.ns))}
	if !d.have {
		return append(out, m.state(d.loading, d.err, "loading details…")...)
	}
	s := d.val
	now := m.c.Now()
	out = append(out, m.state(false, d.err, "")...) // a failed refresh, above the old values
	out = append(out, m.wrapField("tags", m.tagItems(s.Tags))...)
	out = append(out, m.field("tier", m.tierText(s.Tags)))
	out = append(out,
		m.field("created", when(s.CreatedOn, now)),
		m.field("modified", when(s.ModifiedOn, now)),
		m.field("handlers", orDash(joinSan(s.Handlers, ", "))),
	)
	compat := orDash(ui.Sanitize(s.CompatibilityDate))
	out = append(out, m.field("compatibility", compat))
	if len(s.CompatibilityFlags) > 0 {
		out = append(out, m.wrapField("flags", sanitizeAll(s.CompatibilityFlags))...)
	}
	out = append(out,
		m.field("usage model", orDash(ui.Sanitize(s.UsageModel))),
		m.field("deployed from", orDash(ui.Sanitize(s.LastDeployedFrom))),
		m.field("logpush", onOff(s.Logpush)),
	)
	if p := placement(s.Placement); p != "" {
		out = append(out, m.field("placement", p))
	}
	return out
}

// tagItems renders tags, sanitized, for wrapping.
func (m *Model) tagItems(tags []string) []string {
	if len(tags) == 0 {
		return []string{m.c.Styles.Subtle.Render("none")}
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = m.c.Styles.Tag.Render(ui.Sanitize(t))
	}
	return out
}

// tierTags are the tags that name the tier: the details', or the
// settings' when the details could not be loaded.
func (m *Model) tierTags() ([]string, bool) {
	switch {
	case m.details.have:
		return m.details.val.Tags, true
	case m.settings.have:
		return m.settings.val.Tags, true
	}
	return nil, false
}

// tierText says which tier the tags name, flagging an ambiguous tier and a
// tier missing from the tier table.
func (m *Model) tierText(tags []string) string {
	st := &m.c.Styles
	name, ambiguous := m.src.TierOf(tags)
	if name == "" {
		return st.Subtle.Render("none (no tier tag)")
	}
	text := ui.Sanitize(name)
	if ambiguous {
		text += "  " + st.Warning.Render("WARNING ambiguous: the tags name several tiers; using "+ui.Sanitize(name))
	}
	if m.tiers.have && platform.FindTier(m.tiers.val, name) == nil {
		text += "  " + st.Warning.Render("WARNING tier not defined in the tier table")
	}
	return text
}

// bindings lists the script's bindings with a short target each.
func (m *Model) bindings() []string {
	s := &m.settings
	if !s.have {
		return m.state(s.loading, s.err, "loading settings…")
	}
	out := m.state(false, s.err, "")
	if len(s.val.Bindings) == 0 {
		return append(out, m.c.Styles.Subtle.Render("none"))
	}
	const nameW, typeW = 18, 20
	for _, b := range s.val.Bindings {
		name := ui.Truncate(ui.Sanitize(b.Name), nameW-2)
		typ := ui.Truncate(ui.Sanitize(b.Type), typeW-2)
		out = append(out, m.fit(ui.PadRight(name, nameW)+ui.PadRight(typ, typeW)+bindingSummary(b)))
	}
	return out
}

// secretLines lists secret names and types, never values (the API does
// not send them, and nothing here would show them).
func (m *Model) secretLines() []string {
	s := &m.secrets
	if !s.have {
		return m.state(s.loading, s.err, "loading secrets…")
	}
	out := m.state(false, s.err, "")
	if len(s.val) == 0 {
		return append(out, m.c.Styles.Subtle.Render("none"))
	}
	for _, sec := range s.val {
		out = append(out, m.fit(ui.PadRight(ui.Truncate(ui.Sanitize(sec.Name), 30), 32)+ui.Sanitize(sec.Type)))
	}
	return out
}

// routesTitle is the routes heading, with the routing table's age.
func (m *Model) routesTitle() string {
	t := m.countTitle("ROUTES", len(m.routes.val), m.routes.have)
	if m.routes.have && !m.routesAt.IsZero() {
		t += " · routing table read " + ui.AgeHours(m.c.Now().Sub(m.routesAt))
		if !m.reading {
			t += " · R re-reads"
		}
	}
	return t
}

// routeLines lists the routes that send traffic to the script, and warns
// when none does; or says what reading the routing table costs (and asks
// for R), or how far its read has got.
func (m *Model) routeLines() []string {
	st := &m.c.Styles
	r := &m.routes
	var out []string
	if line := m.routingProgressLine(); line != "" && (m.reading || r.loading) {
		out = append(out, m.wrap(st.Subtle, line)...)
	}
	if !r.have {
		switch {
		case r.err != nil:
			return append(out, m.state(false, r.err, "")...)
		case m.routeCost != nil && !m.reading:
			return append(out, m.wrap(st.Warning, costText(*m.routeCost))...)
		case len(out) > 0:
			return out
		case r.loading:
			if w := m.budgetWaitText(); w != "" {
				return m.wrap(st.Subtle, "routing table: "+w+" (read once for all scripts, in the background)")
			}
		}
		return m.state(r.loading, nil, "loading routing table… (read once for all scripts, in the background)")
	}
	out = append(out, m.state(false, r.err, "")...)
	if len(r.val) == 0 {
		return append(out, st.Warning.Render(m.fit("WARNING no route points to this script: the dispatcher sends it no traffic")))
	}
	for _, rt := range r.val {
		line := ui.PadRight(string(rt.Kind), 11) + ui.Sanitize(rt.Key)
		if extra := routeExtras(rt.Raw); extra != "" {
			line += "  " + st.Subtle.Render(extra)
		}
		out = append(out, m.fit(line))
	}
	return out
}

// routingProgressLine says how far a running read of the routing table
// has got, from the newest snapshot the watch pushed ("" when none runs),
// and whether it is waiting for API budget.
func (m *Model) routingProgressLine() string {
	tail := " · background, waits for API budget"
	if w := m.budgetWaitText(); w != "" {
		tail = " · " + w
	}
	return routingwatch.ProgressLine(m.watch.Progress, m.c.Now(), tail)
}

// budgetWaitText says that the routing read waits for API budget and about
// how long ("waiting for API budget, ~40 s"), from the newest snapshot;
// "" when it is not waiting.
func (m *Model) budgetWaitText() string {
	until := m.watch.Progress.WaitingUntil
	if until.IsZero() || !(m.reading || m.routes.loading) {
		return ""
	}
	d := until.Sub(m.c.Now())
	switch {
	case d <= 0:
		return "waiting for API budget"
	case d < time.Minute:
		return "waiting for API budget, ~" + strconv.Itoa(int((d+time.Second-1)/time.Second)) + " s"
	}
	return "waiting for API budget, ~" + strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " min"
}

// costText asks before an expensive read of the routing table.
func costText(e cache.RoutingEstimate) string {
	return e.Describe() + ". press R to read it (once, shared by every script screen)"
}

// tailConsumers lists the Workers receiving the script's logs.
func (m *Model) tailConsumers() []string {
	s := &m.settings
	if !s.have {
		return m.state(s.loading, s.err, "loading settings…")
	}
	if len(s.val.TailConsumers) == 0 {
		return []string{m.c.Styles.Subtle.Render("none")}
	}
	var out []string
	for _, tc := range s.val.TailConsumers {
		line := ui.Sanitize(tc.Service)
		if tc.Environment != "" {
			line += " · environment " + ui.Sanitize(tc.Environment)
		}
		if tc.Namespace != "" {
			line += " · namespace " + ui.Sanitize(tc.Namespace)
		}
		out = append(out, m.fit(line))
	}
	return out
}

// observability summarises the observability object (the details', or the
// settings' when the details have none).
func (m *Model) observability() []string {
	switch {
	case m.details.have && len(m.details.val.Observability) > 0:
		return []string{m.fit(observabilitySummary(m.details.val.Observability))}
	case m.settings.have:
		return []string{m.fit(observabilitySummary(m.settings.val.Observability))}
	case m.details.have:
		return []string{m.fit(observabilitySummary(nil))}
	}
	return m.state(m.details.loading || m.settings.loading, m.details.err, "loading…")
}

// state renders a section that is loading or failed. A failure shows its
// reason and the hint (naming the missing permission on a 403).
func (m *Model) state(loading bool, err error, loadingText string) []string {
	st := &m.c.Styles
	if err != nil {
		s := ui.StatusFromError(err)
		out := m.wrap(st.Error, "✗ error: "+ui.Sanitize(s.Text))
		if s.Hint != "" {
			out = append(out, m.wrap(st.Subtle, "hint: "+ui.Sanitize(s.Hint))...)
		}
		return out
	}
	if loading && loadingText != "" {
		return []string{st.Subtle.Render(m.fit(loadingText))}
	}
	return nil
}

// heading renders a section heading.
func (m *Model) heading(s string) string {
	return m.c.Styles.Bold.Render(m.fit(s))
}

// countTitle is "BINDINGS (4)", or "BINDINGS" before the count is known.
func (m *Model) countTitle(name string, n int, known bool) string {
	if !known {
		return name
	}
	return name + " (" + strconv.Itoa(n) + ")"
}

// field renders "label          value".
func (m *Model) field(label, value string) string {
	return m.fit(m.c.Styles.Key.Render(ui.PadRight(label, labelW)) + value)
}

// wrapField renders items after a label, wrapped under the value column.
func (m *Model) wrapField(label string, items []string) []string {
	lines := wrapItems(items, max(10, m.width-labelW))
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = m.field(label, l)
		} else {
			out[i] = m.fit(strings.Repeat(" ", labelW) + l)
		}
	}
	return out
}

// wrap word-wraps plain (already sanitized) text to the width and styles
// each line; errors and notes are worth reading whole at 80 columns.
func (m *Model) wrap(style lipgloss.Style, text string) []string {
	lines := strings.Split(ansi.Wrap(text, max(10, m.width), " "), "\n")
	for i, l := range lines {
		lines[i] = style.Render(m.fit(strings.TrimRight(l, " ")))
	}
	return lines
}

// fit truncates a line to the width.
func (m *Model) fit(s string) string { return ui.Truncate(s, m.width) }

// wrapItems joins items with two spaces into lines at most w cells wide;
// an item wider than w gets a line of its own (and is cut by fit).
func wrapItems(items []string, w int) []string {
	var out []string
	cur, curW := "", 0
	for _, it := range items {
		iw := ansi.StringWidth(it)
		switch {
		case curW == 0:
			cur, curW = it, iw
		case curW+2+iw <= w:
			cur += "  " + it
			curW += 2 + iw
		default:
			out = append(out, cur)
			cur, curW = it, iw
		}
	}
	if curW > 0 || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

// when renders a time as "2024-03-02 (362d ago)".
func when(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return ui.Date(t) + " (" + ui.AgeHours(now.Sub(t)) + ")"
}

// withUnit renders a limit that may be unset.
func withUnit(p *int, unit string) string {
	if p == nil {
		return "—"
	}
	return strconv.Itoa(*p) + unit
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// joinSan sanitizes and joins.
func joinSan(ss []string, sep string) string {
	return strings.Join(sanitizeAll(ss), sep)
}

func sanitizeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = ui.Sanitize(s)
	}
	return out
}
