package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// HeaderInfo is what the header shows. main fills it from the config and
// cfclient stats; ui never imports cfclient.
type HeaderInfo struct {
	// Profile is the config profile name, Account the Cloudflare account
	// (name or id).
	Profile, Account string
	// Sandbox is true when talking to the embedded sandbox.
	Sandbox bool
	// Production marks a production profile: red frame and PRODUCTION badge.
	Production bool
	// ReadOnly shows RO instead of RW.
	ReadOnly bool
	// Budget is the API rate budget of the token.
	Budget BudgetInfo
	// Jobs is the number of background jobs running (bulk work, prefetch).
	Jobs int
	// BulkJobs is how many of Jobs are bulk jobs (:jobs): quitting
	// interrupts them, and the next start offers to resume them.
	BulkJobs int
	// Who is the session's user and role over SSH ("ana · viewer"); ""
	// on a local terminal.
	Who string
	// OtherProcess says another wfp process spends the same token's
	// budget (its requests count as foreign use).
	OtherProcess bool
	// Changes are the changes to scripts applied since the session's
	// previous snapshot, by any session or job; ChangesLost says some were
	// missed. The App hands them to every screen as a ScriptsChangedMsg.
	Changes     []ScriptChange
	ChangesLost bool
}

// ScriptChange is one applied change to a namespace's scripts, as the
// screens that list them need it.
type ScriptChange struct {
	// Namespace and Script name the script; Script is empty when the
	// whole namespace is gone.
	Namespace, Script string
	// Gone is a script (or namespace) deleted; Back a script restored.
	Gone, Back bool
	// Tags are the script's tags now, when TagsSet.
	Tags    []string
	TagsSet bool
	// At is when it was applied: data read after it already shows it.
	At time.Time
}

// BudgetInfo describes the API rate budget shared by every request.
type BudgetInfo struct {
	// Used and Remaining count requests in the current rolling Window;
	// Limit is the budget per window (0 hides the gauge). Used may exceed
	// Limit (others share the token): the gauge shows the excess apart.
	// Window is the server's window once a response has stated it.
	Used, Limit, Remaining int
	Window                 time.Duration
	// PausedUntil is set after a 429: every request waits until then.
	PausedUntil time.Time
	// QueuedInteractive and QueuedBackground wait for budget; InFlight are
	// on the wire.
	QueuedInteractive, QueuedBackground, InFlight int
	// LastError is the last API error, for the help overlay.
	LastError string
}

// Budget thresholds: the gauge turns yellow at 80 % of the window's budget
// and red at 95 %. The text gains " !" and " !!" so colour is not alone.
const (
	budgetWarnRatio     = 0.80
	budgetCriticalRatio = 0.95
)

// gaugeLevel is how close the API budget is to exhaustion.
type gaugeLevel int

const (
	gaugeOK gaugeLevel = iota
	gaugeWarn
	gaugeCritical
)

// budgetGauge returns the gauge text ("API 1087/1200 · 5m") and its level.
// The count never reads more than the limit: a count over it (other
// processes share the token, or the server lowered its limit) is shown as
// its own state, "API 108/108 +1 over · 5m !!", legible without colour.
func budgetGauge(b BudgetInfo, now time.Time) (string, gaugeLevel) {
	used, over := b.Used, ""
	if b.Limit > 0 && used > b.Limit {
		used, over = b.Limit, fmt.Sprintf(" +%d over", b.Used-b.Limit)
	}
	if wait := b.PausedUntil.Sub(now); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		return fmt.Sprintf("API %d/%d%s · paused %ds", used, b.Limit, over, secs), gaugeCritical
	}
	if b.Limit <= 0 {
		return "", gaugeOK
	}
	text := fmt.Sprintf("API %d/%d%s · %s", used, b.Limit, over, formatWindow(b.Window))
	ratio := float64(b.Used) / float64(b.Limit)
	switch {
	case ratio >= budgetCriticalRatio:
		return text + " !!", gaugeCritical
	case ratio >= budgetWarnRatio:
		return text + " !", gaugeWarn
	}
	return text, gaugeOK
}

// formatWindow renders a rate window compactly: 5m, 30s, 1h.
func formatWindow(d time.Duration) string {
	switch {
	case d <= 0:
		return "?"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0 && d < time.Minute:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.Round(time.Second).String()
}

// segment is one piece of the header; when the line is too narrow the
// segment with the highest drop number goes first (0 is never dropped).
type segment struct {
	text string
	drop int
}

// renderHeader renders the one-line header at width cells.
func renderHeader(st *Styles, info HeaderInfo, now time.Time, width int) string {
	var left, right []segment
	switch {
	case info.Production:
		left = append(left, segment{st.BadgeProduction.Render(" PRODUCTION "), 0})
	case info.Sandbox:
		left = append(left, segment{st.BadgeSandbox.Render(" SANDBOX "), 0})
	default:
		// A real account whose profile is not marked production must not
		// look like a harmless one.
		left = append(left, segment{st.BadgeLive.Render(" LIVE "), 0})
	}
	if info.ReadOnly {
		left = append(left, segment{st.BadgeReadOnly.Render(" RO "), 0})
	} else {
		left = append(left, segment{st.BadgeReadWrite.Render(" RW "), 0})
	}
	if info.Who != "" {
		left = append(left, segment{st.Subtle.Render(Truncate(Sanitize(info.Who), 32)), 1})
	}
	// The profile leads the breadcrumbs; the account is said here, once.
	if info.Account != "" {
		left = append(left, segment{st.HeaderAccount.Render("acct " + Truncate(Sanitize(info.Account), 32)), 5})
	}

	if gauge, level := budgetGauge(info.Budget, now); gauge != "" {
		style := st.GaugeOK
		switch level {
		case gaugeWarn:
			style = st.GaugeWarn
		case gaugeCritical:
			style = st.GaugeCritical
		}
		right = append(right, segment{style.Render(gauge), 2})
	}
	if info.OtherProcess {
		right = append(right, segment{st.Subtle.Render("+other wfp"), 4})
	}
	if q := info.Budget.QueuedInteractive + info.Budget.QueuedBackground; q > 0 {
		right = append(right, segment{st.Subtle.Render(fmt.Sprintf("%d queued", q)), 4})
	}
	if info.Jobs > 0 {
		right = append(right, segment{st.Jobs.Render(Plural(info.Jobs, "job", "jobs")), 3})
	}
	return st.Header.Render(layoutLine(left, right, width, " ", "  "))
}

// layoutLine puts left segments at the start and right segments at the end
// of a width-wide line, dropping segments by priority until they fit.
func layoutLine(left, right []segment, width int, lsep, rsep string) string {
	for {
		l := joinSegments(left, lsep)
		r := joinSegments(right, rsep)
		gap := width - ansi.StringWidth(l) - ansi.StringWidth(r)
		if gap >= 1 || !dropOne(&left, &right) {
			if gap < 1 {
				return Truncate(l+" "+r, width)
			}
			return l + strings.Repeat(" ", gap) + r
		}
	}
}

// dropOne removes the segment with the highest drop number; it reports
// false when only undroppable segments remain.
func dropOne(left, right *[]segment) bool {
	best, side, idx := 0, 0, -1
	for i, s := range *left {
		if s.drop > best {
			best, side, idx = s.drop, 0, i
		}
	}
	for i, s := range *right {
		if s.drop > best {
			best, side, idx = s.drop, 1, i
		}
	}
	if idx < 0 {
		return false
	}
	target := left
	if side == 1 {
		target = right
	}
	*target = append((*target)[:idx:idx], (*target)[idx+1:]...)
	return true
}

func joinSegments(segs []segment, sep string) string {
	parts := make([]string, len(segs))
	for i, s := range segs {
		parts[i] = s.text
	}
	return strings.Join(parts, sep)
}
