package ui

import (
	"testing"

	"github.com/wfpconsole/wfp/internal/termsafe"
)

// The sanitiser's own tests are in internal/termsafe; these check that the
// wrappers are that sanitiser.
func TestSanitizeIsTermsafe(t *testing.T) {
	for _, s := range []string{
		"tenant-00042-api-prod",
		"café-名前",
		"\x1b]52;c;ZXZpbA==\x07",
		"abc\u202eexe.txt",
		"{\n\t\"k\": \"v\x1b[31m\"\r\n}",
		"a\xffb",
	} {
		if got, want := Sanitize(s), termsafe.Line(s); got != want {
			t.Errorf("Sanitize(%q) = %q, termsafe.Line gives %q", s, got, want)
		}
		if got, want := SanitizeMultiline(s), termsafe.Multiline(s); got != want {
			t.Errorf("SanitizeMultiline(%q) = %q, termsafe.Multiline gives %q", s, got, want)
		}
	}
}

func TestSanitizeFastPathDoesNotAllocate(t *testing.T) {
	s := "tenant-00042-api-prod"
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
		t.Errorf("Sanitize of a clean name allocates %v times", n)
	}
}

func TestCleanInput(t *testing.T) {
	cases := []struct{ in, want string }{
		{"prod-api", "prod-api"},
		{"café", "café"},
		{"a\nb\r\tc", "a b  c"},
		{"a\x1b[2Jb\x07", "a[2Jb"},
		{"x\u202ey\u2066z\u009b", "xyz"},
		{"a\xffb\ufffdc", "abc"},
	}
	for _, tc := range cases {
		if got := cleanInput(tc.in); got != tc.want {
			t.Errorf("cleanInput(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
