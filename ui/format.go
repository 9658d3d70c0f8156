package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Formatters shared by the screens: numbers, ages, dates, and padding and
// truncation by display width (cells, not bytes or runes).

// Commas renders n with thousands separators: 1,234,567 and -12,300.
func Commas(n int) string {
	if n > -1000 && n < 1000 {
		return strconv.Itoa(n)
	}
	// Built on the stack: one allocation, the result (tables call this
	// for every visible row of every frame).
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(n), 10)
	var out [27]byte
	o := out[:0]
	if n < 0 {
		o = append(o, '-')
		d = d[1:]
	}
	head := len(d) % 3
	if head == 0 {
		head = 3
	}
	o = append(o, d[:head]...)
	for i := head; i < len(d); i += 3 {
		o = append(o, ',')
		o = append(o, d[i:i+3]...)
	}
	return string(o)
}

// Plural returns "1 namespace" or "1,234 namespaces".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Commas(n) + " " + many
}

// Age renders how long ago something happened, for data ages ("refreshed
// 12s ago"): "just now", "12s ago", "3m ago", "2h ago", "4d ago". Hours are
// counted up to a day.
func Age(d time.Duration) string { return age(d, 24*time.Hour) }

// AgeHours is Age counting hours up to two days ("30h ago") before it
// counts days: the script screen's dates and ages, where "1d ago" for
// something 47 hours old is too coarse.
func AgeHours(d time.Duration) string { return age(d, 48*time.Hour) }

// age renders d in the largest unit that fits, hours below hoursUpTo.
func age(d, hoursUpTo time.Duration) string {
	switch {
	case d < time.Second:
		return "just now" // or a clock a little behind the data's
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < hoursUpTo:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
}

// RelDate renders a date for a table cell of at most 10 cells: "—" for
// none, "just now" within a minute, "5m ago", "5h ago" within two days,
// "12d ago" within 30 days, and Date before that (or for a date ahead of
// now).
func RelDate(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return Date(t)
	case d < time.Minute:
		return "just now"
	case d < 30*24*time.Hour:
		return AgeHours(d)
	}
	return Date(t)
}

// Date renders t's day in UTC, "2006-01-02"; "-" for the zero time.
func Date(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

// DateTime renders t in UTC to the minute, "2006-01-02 15:04"; "-" for the
// zero time.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// PadRight pads s with spaces to w cells (s as is when it is as wide).
func PadRight(s string, w int) string {
	if n := w - ansi.StringWidth(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// PadLeft right-aligns s in w cells.
func PadLeft(s string, w int) string {
	if n := w - ansi.StringWidth(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}

// Truncate cuts s to w cells, ending in "…" when it was cut; escape
// sequences are kept whole. s is returned as is when it fits.
func Truncate(s string, w int) string {
	return ansi.Truncate(s, max(0, w), "…")
}

// Clip cuts s to w cells without a tail: the last resort that keeps a line
// inside the screen. s is returned as is when it fits.
func Clip(s string, w int) string {
	return ansi.Truncate(s, max(0, w), "")
}
