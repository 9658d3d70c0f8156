package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestSanitize(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain", "tenant-00042-api-prod", "tenant-00042-api-prod"},
		{"unicode kept", "café-名前", "café-名前"},
		{"osc52 clipboard write", "\x1b]52;c;ZXZpbA==\x07", `\x1b]52;c;ZXZpbA==\x07`},
		{"clear screen", "a\x1b[2Jb", `a\x1b[2Jb`},
		{"carriage return overwrite", "safe\rEVIL", `safe\rEVIL`},
		{"newline and tab", "a\nb\tc", `a\nb\tc`},
		{"nul and del", "a\x00b\x7fc", `a\x00b\x7fc`},
		{"c1 csi", "a\u009b2Jb", `a\u009b2Jb`},
		{"bidi override", "abc\u202eexe.txt", `abc\u202eexe.txt`},
		{"bidi isolates", "\u2066x\u2069", `\u2066x\u2069`},
		{"bidi marks", "\u200ex\u200f\u061c", `\u200ex\u200f\u061c`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"hyperlink osc8", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;http://evil\x1b\click\x1b]8;;\x1b\`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Sanitize(tc.in)
			if got != tc.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			assertInert(t, got)
		})
	}
}

func TestSanitizeMultiline(t *testing.T) {
	got := SanitizeMultiline("{\n\t\"k\": \"v\x1b[31m\"\r\n}")
	want := "{\n    \"k\": \"v\\x1b[31m\"\\r\n}"
	if got != want {
		t.Errorf("SanitizeMultiline = %q, want %q", got, want)
	}
	assertInert(t, strings.ReplaceAll(got, "\n", ""))
	if s := "line one\nline two"; SanitizeMultiline(s) != s {
		t.Error("plain multi-line text changed")
	}
}

func TestSanitizeFastPathDoesNotAllocate(t *testing.T) {
	s := "tenant-00042-api-prod"
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
		t.Errorf("Sanitize of a clean name allocates %v times", n)
	}
}

// assertInert checks that s holds no byte a terminal would act on and that
// stripping ANSI changes nothing (there is no sequence left to strip).
func assertInert(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		if r < 0x20 || r == 0x7f || isUnsafeRune(r) {
			t.Errorf("output %q still contains %U", s, r)
		}
	}
	if ansi.Strip(s) != s {
		t.Errorf("output %q still contains an escape sequence", s)
	}
}

func BenchmarkSanitizeClean(b *testing.B) {
	s := "tenant-00042-api-prod-eu-west"
	for b.Loop() {
		_ = Sanitize(s)
	}
}

func BenchmarkSanitizeHostile(b *testing.B) {
	s := "tenant\x1b]52;c;ZXZpbA==\x07-\u202eprod"
	for b.Loop() {
		_ = Sanitize(s)
	}
}
