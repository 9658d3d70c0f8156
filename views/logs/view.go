package logs

import (
	"strconv"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/cfclient/tail"
	"github.com/wfpconsole/wfp/ui"
)

// Fixed column widths: time, outcome (glyph and word), status, method,
// CPU/wall ms; the indent and the gaps between the eight columns.
const (
	wTime, wOutcome, wStatus, wMethod, wTimes = 8, 11, 3, 6, 8
	fixedWidth                                = 1 + wTime + wOutcome + wStatus + wMethod + wTimes + 7
)

// columns of the event list at width: host/path, script and the first log
// share what the fixed ones leave, the log taking the most. A screen of one
// script has no SCRIPT column (its width goes to the log).
func columns(width int, oneScript bool) []ui.TableColumn {
	rest := max(0, width-fixedWidth)
	path, script := rest*3/10, rest/4
	if oneScript {
		script = 0
		rest++ // no gap before it
	}
	logw := max(10, rest-path-script)
	path = max(10, path)
	cols := []ui.TableColumn{
		{Title: "TIME", Width: wTime},
		{Title: "OUTCOME", Width: wOutcome},
		{Title: "ST", Width: wStatus, Right: true},
		{Title: "METHOD", Width: wMethod},
		{Title: pathTitle(oneScript), Width: path},
	}
	if !oneScript {
		cols = append(cols, ui.TableColumn{Title: "SCRIPT", Width: max(8, script)})
	}
	return append(cols, ui.TableColumn{Title: "CPU/WALL", Width: wTimes, Right: true},
		ui.TableColumn{Title: "FIRST LOG", Width: logw})
}

// pathTitle is the request column's heading: a screen of one script shows
// paths only.
func pathTitle(oneScript bool) string {
	if oneScript {
		return "PATH"
	}
	return "HOST/PATH"
}

// oneScript reports a screen of one script's events.
func (m *Model) oneScript() bool { return m.target.Script != "" && !m.target.Live }

// renderRow renders one event on one line. Tenant text (URL, script, log)
// is sanitized here.
func (m *Model) renderRow(e *entry, s ui.RowState) string {
	st := &m.c.Styles
	ev := e.ev
	lead := " "
	if s.Cursor {
		lead = "▸"
	}
	status := ""
	if ev.Status != 0 {
		status = strconv.Itoa(ev.Status)
	}
	method, path := ev.Method, ev.HostPath()
	if m.oneScript() {
		// One script's host is the same on every line (the title and the
		// event's detail show it): the column is the path's.
		if i := strings.IndexByte(path, '/'); i > 0 {
			path = path[i:]
		}
	}
	if ev.Kind != "fetch" && ev.Kind != "" {
		method, path = ev.Kind, ev.Trigger
	}
	times := ""
	if ev.CPUMs != 0 || ev.WallMs != 0 {
		times = ms(ev.CPUMs) + "/" + ms(ev.WallMs)
	}
	cells := make([]string, 0, 8)
	cells = append(cells, ev.Time.Local().Format("15:04:05"),
		tail.OutcomeGlyph(ev.Outcome)+" "+tail.OutcomeWord(ev.Outcome),
		status, ui.Sanitize(method), ui.Sanitize(path))
	if !m.oneScript() {
		cells = append(cells, ui.Sanitize(ev.Script))
	}
	cells = append(cells, times, ui.Sanitize(ev.FirstLine()))
	line := m.table.Line(lead, cells...)
	switch {
	case s.Cursor:
		return st.Cursor.Render(line)
	case ev.Errored():
		return st.Error.Render(line)
	case ev.Kind == "info":
		return st.Warning.Render(line)
	}
	return line
}

// ms is a duration in milliseconds without trailing zeros.
func ms(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// View renders the screen.
func (m *Model) View() string {
	if m.detail {
		return m.detailView.View()
	}
	st := &m.c.Styles
	now := m.c.Now()
	parts := []string{m.title, m.rowsTitle()}
	if p := m.paused(); p != "" {
		parts = append(parts, p)
	}
	lines := []string{st.Title.Render(ui.Truncate(ui.Sanitize(strings.Join(parts, " · ")), m.width))}
	lines = append(lines, st.Subtle.Render(ui.Truncate(m.statsLine(now), m.width)))
	if m.typing {
		lines = append(lines, m.input.View())
	} else if m.filter != nil {
		lines = append(lines, st.Subtle.Render(ui.Truncate("/"+ui.Sanitize(m.filter.src), m.width)))
	}
	if m.typing && m.filterErr != "" {
		// The error replaces the headings line while it stands.
		lines = append(lines, st.Error.Render(ui.Truncate("✗ "+ui.Sanitize(m.filterErr), m.width)))
		t := m.table.View()
		if i := strings.IndexByte(t, '\n'); i >= 0 {
			t = t[i+1:]
		} else {
			t = ""
		}
		lines = append(lines, t)
		return strings.Join(lines, "\n")
	}
	if len(m.buf.shown) == 0 {
		lines = append(lines, st.Subtle.Render(ui.Truncate(m.emptyText(), m.width)))
		return strings.Join(lines, "\n")
	}
	lines = append(lines, m.table.View())
	return strings.Join(lines, "\n")
}

// emptyText says why there is nothing to show.
func (m *Model) emptyText() string {
	switch {
	case m.buf.n > 0:
		return "no event matches the filter (esc clears it)"
	case m.target.Live:
		return "waiting for events: the tail shows invocations from now on"
	}
	return "waiting for events: Workers Logs holds only scripts with observability enabled"
}

// statsLine is "12.0 ev/s · 0.5 err/s · sampling · polling every 3 s ·
// 20 req/min".
func (m *Model) statsLine(now time.Time) string {
	evs, errs := m.rates.perSecond(now)
	parts := []string{rate(evs) + " ev/s", rate(errs) + " err/s"}
	if m.state.Dropped > 0 {
		parts = append(parts, ui.Commas(m.state.Dropped)+" dropped")
	}
	if evicted := m.buf.next - uint64(m.buf.n); evicted > 0 {
		parts = append(parts, ui.Commas(int(evicted))+" rotated out")
	}
	parts = append(parts, m.sourceWords(now))
	return strings.Join(parts, " · ")
}

// rate is a per-second rate with one decimal.
func rate(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// rates counts events and errors per second over the last rateWindow.
type rates struct {
	buckets [rateWindow + 2]bucket
}

type bucket struct {
	sec       int64
	n, errors int
}

// rateWindow is the seconds the stats line averages over.
const rateWindow = 10

// add counts an event at now.
func (r *rates) add(now time.Time, errored bool) {
	sec := now.Unix()
	b := &r.buckets[sec%int64(len(r.buckets))]
	if b.sec != sec {
		*b = bucket{sec: sec}
	}
	b.n++
	if errored {
		b.errors++
	}
}

// perSecond is the events and errors per second over the last rateWindow
// seconds before now.
func (r *rates) perSecond(now time.Time) (float64, float64) {
	sec := now.Unix()
	n, e := 0, 0
	for _, b := range r.buckets {
		if b.sec > sec-rateWindow && b.sec <= sec {
			n += b.n
			e += b.errors
		}
	}
	return float64(n) / rateWindow, float64(e) / rateWindow
}
