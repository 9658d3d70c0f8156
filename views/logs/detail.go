package logs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient/tail"
)

// detailTitle is the title of an event's detail view.
func detailTitle(ev *tail.Event) string {
	what := ev.Method + " " + ev.URL
	if ev.Kind != "fetch" {
		what = ev.Kind + " " + ev.Trigger
	}
	return fmt.Sprintf("%s %s · %s", tail.OutcomeGlyph(ev.Outcome), tail.OutcomeWord(ev.Outcome), strings.TrimSpace(what))
}

// detailText is an event whole: what ran, how it ended, its timings, its
// console lines, its exceptions with their stacks and the request headers
// (credentials redacted). The TextView sanitizes it.
func detailText(ev *tail.Event) string {
	var b strings.Builder
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-10s %s\n", k, v)
		}
	}
	row("time", ev.Time.UTC().Format("2006-01-02 15:04:05.000 UTC"))
	row("outcome", ev.Outcome+" ("+tail.OutcomeWord(ev.Outcome)+")")
	if ev.Status != 0 {
		row("status", fmt.Sprint(ev.Status))
	}
	row("request", strings.TrimSpace(ev.Method+" "+ev.URL))
	if ev.Kind != "fetch" {
		row("trigger", strings.TrimSpace(ev.Kind+" "+ev.Trigger))
	}
	row("script", ev.Script)
	row("namespace", ev.Namespace)
	row("tags", strings.Join(ev.Tags, ", "))
	if ev.CPUMs != 0 || ev.WallMs != 0 {
		row("timings", fmt.Sprintf("cpu %s ms · wall %s ms", ms(ev.CPUMs), ms(ev.WallMs)))
	}
	row("source", ev.Origin.String())
	if ev.Truncated {
		row("truncated", "yes: the runtime cut this event down to fit its size limit")
	}
	if ev.Info != "" {
		row("notice", ev.Info)
	}
	fmt.Fprintf(&b, "\nlogs (%d)\n", len(ev.Logs))
	for _, l := range ev.Logs {
		fmt.Fprintf(&b, "  %s (%s) %s\n", clock(l.Time), l.Level, indentMore(l.Text))
	}
	if len(ev.Exceptions) > 0 {
		fmt.Fprintf(&b, "\nexceptions (%d)\n", len(ev.Exceptions))
		for _, x := range ev.Exceptions {
			fmt.Fprintf(&b, "  ✘ %s: %s\n", x.Name, indentMore(x.Message))
			for _, l := range strings.Split(strings.TrimRight(x.Stack, "\n"), "\n") {
				if strings.TrimSpace(l) != "" {
					fmt.Fprintf(&b, "      %s\n", strings.TrimSpace(l))
				}
			}
		}
	}
	if len(ev.Headers) > 0 {
		fmt.Fprintf(&b, "\nrequest headers (%d)\n", len(ev.Headers))
		for _, h := range ev.Headers {
			// Redacted at decode already; again here, whatever the source.
			fmt.Fprintf(&b, "  %s: %s\n", h.Name, tail.Redact(h.Name, h.Value))
		}
	}
	return b.String()
}

// clock is a log line's time of day.
func clock(t time.Time) string {
	if t.IsZero() {
		return "--:--:--.---"
	}
	return t.Local().Format("15:04:05.000")
}

// indentMore indents the continuation lines of a multi-line log.
func indentMore(s string) string { return strings.ReplaceAll(s, "\n", "\n      ") }

// write writes the shown events as JSON lines, in a command (the slice of
// pointers is copied here; events are never changed once received).
func (m *Model) write() tea.Cmd {
	events := m.buf.events()
	if len(events) == 0 {
		return nil
	}
	name := "wfp-logs-" + fileSafe(m.targetName()) + "-" + m.c.Now().UTC().Format("20060102-150405") + ".jsonl"
	path := filepath.Join(m.deps.Dir, name)
	key := m.key
	return func() tea.Msg {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return writtenMsg{key: key, err: fmt.Errorf("write logs: %w", err)}
		}
		err = tail.WriteJSONLines(f, events)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return writtenMsg{key: key, err: fmt.Errorf("write logs to %s: %w", path, err)}
		}
		return writtenMsg{key: key, path: path, n: len(events)}
	}
}

// targetName names the target in a file name.
func (m *Model) targetName() string {
	if m.target.Script != "" {
		return m.target.Script
	}
	return m.target.Namespace
}

// fileSafe keeps letters, digits, '-' and '_' of a name (tenant text never
// reaches a path unfiltered).
func fileSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		}
		if b.Len() >= 64 {
			break
		}
	}
	if b.Len() == 0 {
		return "events"
	}
	return b.String()
}
