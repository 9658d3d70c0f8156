package jobs

import (
	"fmt"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/cfclient/jobs"
	"github.com/wfpconsole/wfp/ui"
)

// View renders the list of jobs, or one job's items.
func (m *Model) View() string {
	st := &m.c.Styles
	if m.open != "" {
		s, _ := m.current()
		head := []string{
			st.Title.Render(ui.Truncate(fmt.Sprintf("job %s · %s · %s", m.open, ui.Sanitize(s.Title), s.State), m.width)),
			ui.Truncate(m.progressLine(s), m.width),
		}
		if s.Reason != "" {
			head = append(head, st.Warning.Render(ui.Truncate("  "+ui.Sanitize(s.Reason), m.width)))
		} else {
			head = append(head, st.Subtle.Render(ui.Truncate("  u undoes an applied item (a deleted script comes back from its undo kit, without its secrets)", m.width)))
		}
		return strings.Join(head, "\n") + "\n" + m.items.View()
	}
	running := 0
	for _, s := range m.snaps {
		if s.State == jobs.Running {
			running++
		}
	}
	title := fmt.Sprintf("%s · %d running", ui.Plural(len(m.snaps), "job", "jobs"), running)
	body := m.list.View()
	if len(m.snaps) == 0 {
		body += "\n" + st.Subtle.Render(ui.Truncate("  no jobs yet: D, X, +, -, T or L on a scripts screen plans one", m.width))
	}
	return st.Title.Render(ui.Truncate(title, m.width)) + "\n" + body
}

// progressLine: "██████░░░░ 412/1,000 · 3 failed · 4.1/s · ETA 2m".
func (m *Model) progressLine(s jobs.Snapshot) string {
	pct := 0.0
	if s.Total > 0 {
		pct = float64(s.Processed()) / float64(s.Total)
	}
	bar := m.bar
	bar.SetWidth(20)
	line := "  " + bar.ViewAs(pct) + fmt.Sprintf(" %s/%s", ui.Commas(s.Processed()), ui.Commas(s.Total))
	line += fmt.Sprintf(" · %d applied · %d already done · %d failed · %d conflicts", s.Applied, s.AlreadyDone, s.Failed+s.Refused, s.Conflicts)
	if s.Rate > 0 {
		line += fmt.Sprintf(" · %.1f/s", s.Rate)
	}
	if s.ETA > 0 {
		line += " · ETA " + eta(s.ETA)
	}
	return line
}

// eta: "40s", "12m", "2h05m".
func eta(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()+0.5))
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// renderJob renders one job of the list.
func (m *Model) renderJob(s jobs.Snapshot, rs ui.RowState) string {
	lead := " "
	if rs.Cursor {
		lead = "▸"
	}
	pct := 0.0
	if s.Total > 0 {
		pct = float64(s.Processed()) / float64(s.Total)
	}
	rate := "-"
	if s.Rate > 0 {
		rate = fmt.Sprintf("%.1f/s", s.Rate)
	}
	title := ui.Sanitize(s.Title)
	if s.Owner != "" && (m.deps.Actor == nil || s.Owner != m.deps.Actor(m.c.Context()).Name) {
		title += " · by " + ui.Sanitize(s.Owner) // another person's job (wfp serve)
	}
	line := m.list.Line(lead, title, string(s.State), m.bar.ViewAs(pct),
		ui.Commas(s.Processed())+"/"+ui.Commas(s.Total), ui.Commas(s.Failed+s.Refused), rate, eta(s.ETA))
	if rs.Cursor {
		return m.c.Styles.Cursor.Render(ui.Clip(line, rs.Width))
	}
	return line
}

// renderItem renders one item of the open job.
func (m *Model) renderItem(it jobs.Item, rs ui.RowState) string {
	lead := " "
	if rs.Cursor {
		lead = "▸"
	}
	// A job runs in one namespace (its title names it): the column shows
	// what differs.
	target := it.Target
	if ns := m.openSnap.Namespace; ns != "" {
		target = strings.TrimPrefix(target, ns+"/")
	}
	line := m.items.Line(lead, fmt.Sprint(it.Index+1), string(it.Kind), ui.Sanitize(target), string(it.State), ui.Sanitize(it.Err))
	if rs.Cursor {
		return m.c.Styles.Cursor.Render(ui.Clip(line, rs.Width))
	}
	return line
}
