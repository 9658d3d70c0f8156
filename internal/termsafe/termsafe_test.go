package termsafe

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestLine(t *testing.T) {
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
		{"replacement character kept", "a\ufffdb", "a\ufffdb"},
		{"zero-width space", "customer-a\u200bbcde", `customer-a\u200bbcde`},
		{"zero-width joiner between letters", "a\u200db", `a\u200db`},
		{"zero-width non-joiner", "a\u200cb", `a\u200cb`},
		{"word joiner and invisible operators", "a\u2060b\u2061c\u2064d", `a\u2060b\u2061c\u2064d`},
		{"byte order mark", "\ufeffname", `\ufeffname`},
		{"soft hyphen", "cus\u00adtomer", `cus\u00adtomer`},
		{"mongolian vowel separator", "a\u180eb", `a\u180eb`},
		{"deprecated format characters", "a\u206ab\u206fc", `a\u206ab\u206fc`},
		{"reserved default ignorable", "a\u2065b", `a\u2065b`},
		{"hangul filler", "a\u3164b\uffa0c", `a\u3164b\uffa0c`},
		{"combining grapheme joiner", "a\u034fb", `a\u034fb`},
		{"variation selector after a letter", "customer-a\ufe0fbcde", `customer-a\ufe0fbcde`},
		{"ideographic variation selector", "a\U000e0100b", `a\U000e0100b`},
		{"tag characters", "ok\U000e0041\U000e007f", `ok\U000e0041\U000e007f`},
		{"emoji presentation kept", "love-\u2764\ufe0f", "love-\u2764\ufe0f"},
		{"emoji zwj sequence kept", "family-\U0001f468\u200d\U0001f469\u200d\U0001f467", "family-\U0001f468\u200d\U0001f469\u200d\U0001f467"},
		{"emoji with selector and zwj kept", "pride-\U0001f3f3\ufe0f\u200d\U0001f308", "pride-\U0001f3f3\ufe0f\u200d\U0001f308"},
		{"emoji with skin tone and zwj kept", "\U0001f469\U0001f3fd\u200d\U0001f4bb", "\U0001f469\U0001f3fd\u200d\U0001f4bb"},
		{"keycap kept", "1\ufe0f\u20e3", "1\ufe0f\u20e3"},
		{"selector after a selector", "\u2764\ufe0f\ufe0f", "\u2764\ufe0f" + `\ufe0f`},
		{"zwj at the end", "\U0001f468\u200d", "\U0001f468" + `\u200d`},
		{"zwj before a letter", "\U0001f468\u200dx", "\U0001f468" + `\u200dx`},
		{"zwj after a letter", "x\u200d\U0001f468", `x\u200d` + "\U0001f468"},
		{"zwj before u+fffd", "\U0001f468\u200d\ufffd", "\U0001f468" + `\u200d` + "\ufffd"},
		{"two zwj", "\U0001f468\u200d\u200d\U0001f469", "\U0001f468" + `\u200d\u200d` + "\U0001f469"},
		{"keycap selector without the keycap", "1\ufe0f", `1\ufe0f`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Line(tc.in)
			if got != tc.want {
				t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if msg := inert(got, false); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestMultiline(t *testing.T) {
	got := Multiline("{\n\t\"k\": \"v\x1b[31m\"\r\n}")
	want := "{\n    \"k\": \"v\\x1b[31m\"\\r\n}"
	if got != want {
		t.Errorf("Multiline = %q, want %q", got, want)
	}
	if msg := inert(got, true); msg != "" {
		t.Error(msg)
	}
	if s := "line one\nline two"; Multiline(s) != s {
		t.Error("plain multi-line text changed")
	}
	if got := Multiline("a\u2028b\u0085c"); got != `a\u2028b\u0085c` {
		t.Errorf("Unicode line breaks are escaped, not kept: got %q", got)
	}
}

func TestOneLine(t *testing.T) {
	cases := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "script not found", 300, "script not found"},
		{"empty", "", 10, ""},
		{"only space", " \t\r\n ", 10, ""},
		{"whitespace collapsed and trimmed", "  a \r\n\t b  ", 0, "a b"},
		{"unicode space is space", "a\u00a0\u3000b", 0, "a b"},
		{"nel and separators are space", "a\u0085b\u2028c\u2029d", 0, "a b c d"},
		{"controls escaped", "err:\r\n\x1b[31mboom\x1b[0m\x07", 0, `err: \x1b[31mboom\x1b[0m\x07`},
		{"bidi escaped", "see \u202ecod.exe\u202c and \u2066x\u2069", 0, `see \u202ecod.exe\u202c and \u2066x\u2069`},
		{"marks escaped", "\u200ex\u200f\u061c", 0, `\u200ex\u200f\u061c`},
		{"c1 escaped", "a\u009b2J", 0, `a\u009b2J`},
		{"invisible escaped", "tiers.validate\u200b \ufeffx\U000e0041", 0, `tiers.validate\u200b \ufeffx\U000e0041`},
		{"emoji kept", "  \u2764\ufe0f \U0001f468\u200d\U0001f469 ", 0, "\u2764\ufe0f \U0001f468\u200d\U0001f469"},
		{"cut keeps a long escape whole", "a\U000e0041", 10, "a…"},
		{"invalid utf8", "a\xffb", 0, "a\ufffdb"},
		{"fits exactly", "abcd", 4, "abcd"},
		{"cut", "abcdef", 4, "abcd…"},
		{"cut drops the space", "ab cdef", 3, "ab…"},
		{"cut before the space", "ab cdef", 2, "ab…"},
		{"cut on a rune boundary", "aé", 2, "a…"},
		{"cut keeps an escape whole", "a\x1bb", 4, "a…"},
		{"escape counts when it fits", "a\x1bb", 5, `a\x1b…`},
		{"cut counts the output", "a  \n b", 3, "a b"},
		{"first rune too long", "名前", 2, "…"},
		{"no cut at 0", strings.Repeat("x", 1000), 0, strings.Repeat("x", 1000)},
		{"no cut below 0", strings.Repeat("x", 10), -1, strings.Repeat("x", 10)},
		{"long reason", strings.Repeat("y", 400), 300, strings.Repeat("y", 300) + "…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := OneLine(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("OneLine(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if msg := inert(got, false); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestStrip(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"mixed", "a\x1b]52;c;x\x07b\u202ec\u0085d\xffe\u2028f\x7f", "a]52;c;xbcd\ufffdef"},
		{"plain", "tenant-00042-api-prod", "tenant-00042-api-prod"},
		{"unicode kept", "café-名前", "café-名前"},
		{"line breaks and tabs dropped", "a\nb\tc\r", "abc"},
		{"marks and isolates dropped", "\u200ex\u200f\u061c\u2066y\u2069", "xy"},
		{"replacement character kept", "a\ufffdb", "a\ufffdb"},
		{"invisible dropped", "customer-a\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0f\U000e0041bcde", "customer-abcde"},
		{"emoji sequence kept", "\U0001f3f3\ufe0f\u200d\U0001f308", "\U0001f3f3\ufe0f\u200d\U0001f308"},
	}
	for _, tc := range cases {
		if got := Strip(tc.in); got != tc.want {
			t.Errorf("%s: Strip(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestUnsafe(t *testing.T) {
	for _, r := range []rune{0, '\a', '\b', '\t', '\n', '\r', 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f,
		0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029, -1} {
		if !Unsafe(r) {
			t.Errorf("Unsafe(%U) = false", r)
		}
	}
	// Invisible: every default-ignorable code point and every format
	// character (the table in invisibleRanges).
	for _, rg := range invisibleRanges {
		for r := rg[0]; r <= rg[1]; r++ {
			if !Unsafe(r) {
				t.Errorf("Unsafe(%U) = false; it is invisible", r)
			}
		}
	}
	for _, r := range []rune{' ', 'a', '~', 0xa0, 0xac, 0xae, 'é', '名', 0x2027, 0x2030, 0x20e3, 0x3163, 0x3165, 0xfe10, 0xfffd,
		0x1f600, 0x1f3fb, 0xe1000, 0x10ffff} {
		if Unsafe(r) {
			t.Errorf("Unsafe(%U) = true", r)
		}
	}
}

func TestFastPathsDoNotAllocate(t *testing.T) {
	s := "tenant-00042-api-prod"
	for name, fn := range map[string]func() string{
		"Line":      func() string { return Line(s) },
		"Multiline": func() string { return Multiline("line one\nline two") },
		"OneLine":   func() string { return OneLine("script not found", 300) },
		"Strip":     func() string { return Strip(s) },
		"Line café": func() string { return Line("café-名前") },
	} {
		if n := testing.AllocsPerRun(100, func() { _ = fn() }); n != 0 {
			t.Errorf("%s of clean text allocates %v times", name, n)
		}
	}
}

// payloads are escape sequences and other hostile text a tenant may put in
// a name, tag, value, log line or error message.
var payloads = []struct{ name, text string }{
	{"osc 52 clipboard write", "x\x1b]52;c;ZXZpbA==\x07y"},
	{"osc 52 with st", "\x1b]52;p;ZXZpbA==\x1b\\"},
	{"osc 8 hyperlink", "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"},
	{"osc 0 title", "\x1b]0;you have been pwned\x07"},
	{"osc 2 title c1", "\u009d2;title\u009c"},
	{"csi clear screen", "a\x1b[2J\x1b[Hb"},
	{"csi cursor moves", "\x1b[10A\x1b[5C\x1b[s\x1b7over\x1b8\x1b[u"},
	{"c1 csi", "a\u009b2Jb\u009b1;1H"},
	{"raw 0x9b byte", "a\x9b2Jb"},
	{"dcs", "\x1bP1$r0m\x1b\\\u0090q#0;2;0;0;0\u009c"},
	{"sgr", "\x1b[31;1;5mred\x1b[0m\x1b[38;2;255;0;0mtrue\x1b[m"},
	{"bidi rlo", "invoice\u202efdp.exe"},
	{"bidi lre pdf", "\u202aab\u202c\u202bcd\u202c\u202dx\u202c"},
	{"bidi lri rli fsi pdi", "\u2066a\u2069\u2067b\u2069\u2068c\u2069"},
	{"lrm rlm alm", "a\u200eb\u200fc\u061cd"},
	{"line and paragraph separators", "one\u2028two\u2029three"},
	{"nul", "a\x00b\x00"},
	{"del", "a\x7f\x7fb"},
	{"bel", "ding\x07\x07"},
	{"backspace", "safe\b\b\b\bEVIL"},
	{"carriage return", "ok\r\x1b[Kfailed"},
	{"vertical tab form feed", "a\vb\fc"},
	{"invalid utf8", "a\xff\xfeb\xc0\x80c\xe2\x80"},
	{"encoded surrogate", "\xed\xa0\x80x"},
	{"truncated escape", "a\x1b"},
	{"ss3 and esc c reset", "\x1bOA\x1bc"},
	{"newlines and tabs", "\ta\n\n\tb\r\n"},
	{"nel", "a\u0085b"},
	{"zero-width space in a name", "customer-a\u200bbcde"},
	{"zero-width joiners between letters", "a\u200db\u200cc"},
	{"byte order mark and word joiner", "\ufeffx\u2060y"},
	{"soft hyphen", "cus\u00adtomer"},
	{"invisible operators", "a\u2061\u2062\u2063\u2064b"},
	{"deprecated format", "\u206a\u206b\u206c\u206d\u206e\u206f"},
	{"mongolian", "a\u180b\u180e\u180fb"},
	{"variation selectors hiding", "a\ufe00b\ufe0fc\U000e0100d\U000e01efe"},
	{"tag characters smuggling text", "hi\U000e0001\U000e0069\U000e0067\U000e006e\U000e006f\U000e0072\U000e0065\U000e007f"},
	{"hangul fillers", "\u115f\u1160\u3164\uffa0"},
	{"reserved ignorables", "\u2065\ufff0\U000e0000\U000e0fff"},
	{"zwj not between emoji", "\U0001f468\u200dx\u200d\U0001f469\u200d"},
	{"doubled selector", "\u2764\ufe0f\ufe0f\ufe0e"},
}

func TestPayloadsAreInert(t *testing.T) {
	if len(payloads) < 16 {
		t.Fatalf("only %d payloads", len(payloads))
	}
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			for _, msg := range checkAll(p.text) {
				t.Error(msg)
			}
		})
	}
}

func FuzzLine(f *testing.F) {
	for _, p := range payloads {
		f.Add(p.text)
	}
	f.Add("tenant-00042-api-prod")
	f.Add("café-名前")
	f.Fuzz(func(t *testing.T, s string) {
		for _, msg := range checkAll(s) {
			t.Error(msg)
		}
	})
}

// checkAll applies every function to s and returns what is wrong with
// their outputs.
func checkAll(s string) []string {
	var out []string
	add := func(fn, got string, newline bool) {
		if msg := inert(got, newline); msg != "" {
			out = append(out, fmt.Sprintf("%s(%q): %s", fn, s, msg))
		}
	}
	line := Line(s)
	add("Line", line, false)
	if again := Line(line); again != line {
		out = append(out, fmt.Sprintf("Line(%q) = %q, but Line of that = %q", s, line, again))
	}
	multi := Multiline(s)
	add("Multiline", multi, true)
	if got, want := strings.Count(multi, "\n"), strings.Count(s, "\n"); got != want {
		out = append(out, fmt.Sprintf("Multiline(%q) = %q: %d lines, want %d", s, multi, got, want))
	}
	for _, max := range []int{0, 1, 7, 40} {
		one := OneLine(s, max)
		add(fmt.Sprintf("OneLine(…, %d)", max), one, false)
		if max > 0 && len(one) > max+len("…") {
			out = append(out, fmt.Sprintf("OneLine(%q, %d) = %q: %d bytes", s, max, one, len(one)))
		}
		if one != strings.TrimSpace(one) || strings.Contains(one, "  ") {
			out = append(out, fmt.Sprintf("OneLine(%q, %d) = %q: space not collapsed", s, max, one))
		}
	}
	strip := Strip(s)
	add("Strip", strip, false)
	if len(strip) > len(s)*3 { // each invalid byte may become U+FFFD
		out = append(out, fmt.Sprintf("Strip(%q) = %q grew", s, strip))
	}
	return out
}

// inert reports what in s a terminal could act on or would not show ("" when
// nothing): it must be valid UTF-8 without C0 controls (but "\n" when
// newline), DEL, C1 controls, bidi controls, Unicode line separators or
// invisible runes (invisibleRanges; the joiner and presentation selectors
// only inside an emoji sequence), and hold no escape sequence. It does not
// use Unsafe, so it checks it too.
func inert(s string, newline bool) string {
	if !utf8.ValidString(s) {
		return fmt.Sprintf("output %q is not valid UTF-8", s)
	}
	rs := []rune(s)
	at := func(i int) rune {
		if i < 0 || i >= len(rs) {
			return 0
		}
		return rs[i]
	}
	symbol := func(r rune) bool {
		return r >= 0x80 && r != 0xfffd && (unicode.Is(unicode.So, r) || unicode.Is(unicode.Sm, r)) ||
			r == 0x203c || r == 0x2049 || r == 0x3030 || r == 0x303d
	}
	for i, r := range rs {
		bad := r < 0x20 && !(newline && r == '\n') || r == 0x7f || r >= 0x80 && r <= 0x9f ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
			r == 0x200e || r == 0x200f || r == 0x061c || r == 0x2028 || r == 0x2029
		if !bad && invisible(r) {
			prev, next := at(i-1), at(i+1)
			switch r {
			case 0xfe0e, 0xfe0f: // right after a symbol, or in a keycap
				bad = !symbol(prev) && !(strings.ContainsRune("0123456789#*", prev) && prev != 0 && next == 0x20e3)
			case 0x200d: // between two emoji
				bad = !(symbol(prev) || prev >= 0x1f3fb && prev <= 0x1f3ff || prev == 0xfe0f && symbol(at(i-2))) || !symbol(next)
			default:
				bad = true
			}
		}
		if bad {
			return fmt.Sprintf("output %q holds %U at rune %d", s, r, i)
		}
	}
	if ansi.Strip(s) != s {
		return fmt.Sprintf("output %q holds an escape sequence", s)
	}
	return ""
}

// invisibleRanges are the runes a terminal draws as nothing: Unicode's
// Default_Ignorable_Code_Point (DerivedCoreProperties.txt) and the format
// characters (category Cf) that are not in it.
var invisibleRanges = [][2]rune{
	{0x00ad, 0x00ad}, {0x034f, 0x034f}, {0x0600, 0x0605}, {0x061c, 0x061c}, {0x06dd, 0x06dd},
	{0x070f, 0x070f}, {0x0890, 0x0891}, {0x08e2, 0x08e2}, {0x115f, 0x1160}, {0x17b4, 0x17b5},
	{0x180b, 0x180f}, {0x200b, 0x200f}, {0x202a, 0x202e}, {0x2060, 0x206f}, {0x3164, 0x3164},
	{0xfe00, 0xfe0f}, {0xfeff, 0xfeff}, {0xffa0, 0xffa0}, {0xfff0, 0xfffb}, {0x110bd, 0x110bd},
	{0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0000, 0xe0fff},
}

// invisible reports whether r is in invisibleRanges.
func invisible(r rune) bool {
	for _, rg := range invisibleRanges {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

func BenchmarkLine(b *testing.B) {
	s := "tenant-00042-api-prod-eu-west"
	b.ReportAllocs()
	for b.Loop() {
		_ = Line(s)
	}
}

func BenchmarkLineHostile(b *testing.B) {
	s := "tenant\x1b]52;c;ZXZpbA==\x07-\u202eprod"
	b.ReportAllocs()
	for b.Loop() {
		_ = Line(s)
	}
}

func BenchmarkOneLine(b *testing.B) {
	s := "  the script\r\n\x1b[31mcould not\x1b[0m be found: \u202eevil  "
	b.ReportAllocs()
	for b.Loop() {
		_ = OneLine(s, 300)
	}
}
