package ui

import (
	"testing"
	"time"
)

func TestCommas(t *testing.T) {
	cases := map[int]string{
		0: "0", 7: "7", 999: "999", 1000: "1,000", 1234: "1,234", 12300: "12,300",
		123456: "123,456", 1234567: "1,234,567", -5: "-5", -999: "-999", -1000: "-1,000",
		-1234567: "-1,234,567",
	}
	for n, want := range cases {
		if got := Commas(n); got != want {
			t.Errorf("Commas(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 jobs"}, {1, "1 job"}, {2, "2 jobs"}, {1234, "1,234 jobs"}} {
		if got := Plural(c.n, "job", "jobs"); got != c.want {
			t.Errorf("Plural(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestAge(t *testing.T) {
	cases := []struct {
		d               time.Duration
		age, ageInHours string
	}{
		{0, "just now", "just now"},
		{-time.Second, "just now", "just now"},
		{12 * time.Second, "12s ago", "12s ago"},
		{3 * time.Minute, "3m ago", "3m ago"},
		{2*time.Hour + 5*time.Minute, "2h ago", "2h ago"},
		{30 * time.Hour, "1d ago", "30h ago"},
		{50 * time.Hour, "2d ago", "2d ago"},
		{400 * 24 * time.Hour, "400d ago", "400d ago"},
	}
	for _, c := range cases {
		if got := Age(c.d); got != c.age {
			t.Errorf("Age(%v) = %q, want %q", c.d, got, c.age)
		}
		if got := AgeHours(c.d); got != c.ageInHours {
			t.Errorf("AgeHours(%v) = %q, want %q", c.d, got, c.ageInHours)
		}
	}
}

func TestDates(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "—"},
		{now.Add(time.Hour), "2025-03-01"}, // ahead of the clock
		{now.Add(-30 * time.Second), "just now"},
		{now.Add(-5 * time.Minute), "5m ago"},
		{now.Add(-47 * time.Hour), "47h ago"},
		{now.Add(-12 * 24 * time.Hour), "12d ago"},
		{now.Add(-31 * 24 * time.Hour), "2025-01-29"},
	}
	for _, c := range cases {
		if got := RelDate(c.t, now); got != c.want {
			t.Errorf("RelDate(%v) = %q, want %q", c.t, got, c.want)
		}
	}
	east := time.FixedZone("east", 10*3600)
	late := time.Date(2025, 3, 2, 5, 30, 0, 0, east) // 2025-03-01 19:30 UTC
	if got := Date(late); got != "2025-03-01" {
		t.Errorf("Date = %q, want the UTC day", got)
	}
	if got := DateTime(late); got != "2025-03-01 19:30" {
		t.Errorf("DateTime = %q", got)
	}
	if Date(time.Time{}) != "-" || DateTime(time.Time{}) != "-" {
		t.Error("the zero time should be -")
	}
}

func TestPadAndTruncate(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{PadRight("ab", 4), "ab  "},
		{PadRight("abcdef", 4), "abcdef"},
		{PadRight("日本", 6), "日本  "}, // two wide runes are four cells
		{PadLeft("12", 4), "  12"},
		{PadLeft("日本", 5), " 日本"},
		{Truncate("abcdef", 4), "abc…"},
		{Truncate("abcd", 4), "abcd"},
		{Truncate("abc", -1), ""},
		{Truncate("日本語", 5), "日本…"},
		{Clip("abcdef", 4), "abcd"},
		{Clip("\x1b[1mabcdef\x1b[0m", 3), "\x1b[1mabc\x1b[0m"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: %q, want %q", i, c.got, c.want)
		}
	}
}
