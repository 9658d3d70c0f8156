package selector

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wfpconsole/wfp/internal/termsafe"
)

func TestParseQuery(t *testing.T) {
	cases := []struct {
		in   string
		want Query
	}{
		{"", Query{Kind: Fuzzy}},
		{"t42api", Query{Kind: Fuzzy, Text: "t42api"}},
		{"!staging", Query{Kind: Inverse, Text: "staging"}},
		{"!", Query{Kind: Inverse}},
		{`\!bang`, Query{Kind: Fuzzy, Text: "!bang"}},
		{"=web", Query{Kind: Substring, Text: "web"}},
		{"=", Query{Kind: Substring}},
		{"=!x", Query{Kind: Substring, Text: "!x"}},
		{"=-t x", Query{Kind: Substring, Text: "-t x"}},
		{"!=web", Query{Kind: Inverse, Text: "=web"}},
		{`\=web`, Query{Kind: Fuzzy, Text: "=web"}},
		{`\-t x`, Query{Kind: Fuzzy, Text: "-t x"}},
		{"-tx", Query{Kind: Fuzzy, Text: "-tx"}},
		{"-", Query{Kind: Fuzzy, Text: "-"}},
		{"-t customer-42", Query{Kind: Tags, Terms: []TagTerm{{Tag: "customer-42"}}}},
		{"-t  a , !b,! c,tier pro", Query{Kind: Tags, Terms: []TagTerm{
			{Tag: "a"}, {Tag: "b", Negate: true}, {Tag: "c", Negate: true}, {Tag: "tier pro"}}}},
		{"-t 1,2,3,4,5,6,7,8", Query{Kind: Tags, Terms: []TagTerm{
			{Tag: "1"}, {Tag: "2"}, {Tag: "3"}, {Tag: "4"}, {Tag: "5"}, {Tag: "6"}, {Tag: "7"}, {Tag: "8"}}}},
		{"-t é!x", Query{Kind: Tags, Terms: []TagTerm{{Tag: "é!x"}}}},
		{"-t a,tier:pro", Query{Kind: Tags, Terms: []TagTerm{{Tag: "a"}, {Tag: "tier:pro"}}}},
		{`-t back\slash`, Query{Kind: Tags, Terms: []TagTerm{{Tag: `back\slash`}}}},
		// Quoted tags.
		{`-t "a:b",!"c,d"`, Query{Kind: Tags, Terms: []TagTerm{{Tag: "a:b"}, {Tag: "c,d", Negate: true}}}},
		{`-t  ! "x" , "y"`, Query{Kind: Tags, Terms: []TagTerm{{Tag: "x", Negate: true}, {Tag: "y"}}}},
		{`-t " padded ","!bang","a&b"`, Query{Kind: Tags, Terms: []TagTerm{{Tag: " padded "}, {Tag: "!bang"}, {Tag: "a&b"}}}},
		{`-t "q\"uote","back\\slash"`, Query{Kind: Tags, Terms: []TagTerm{{Tag: `q"uote`}, {Tag: `back\slash`}}}},
		{`-t "note-\x1b[31mred\x1b[0m"`, Query{Kind: Tags, Terms: []TagTerm{{Tag: "note-\x1b[31mred\x1b[0m"}}}},
		{`-t "a\n\r\tb","zero\u200bwidth","tag\U000e0041"`, Query{Kind: Tags, Terms: []TagTerm{
			{Tag: "a\n\r\tb"}, {Tag: "zero\u200bwidth"}, {Tag: "tag\U000e0041"}}}},
		{`-t "a,b,c,d,e,f,g,h,i"`, Query{Kind: Tags, Terms: []TagTerm{{Tag: "a,b,c,d,e,f,g,h,i"}}}},
		{`-t "é"`, Query{Kind: Tags, Terms: []TagTerm{{Tag: "é"}}}},
	}
	for _, c := range cases {
		got, err := ParseQuery(c.in)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", c.in, err)
			continue
		}
		if got.Kind != c.want.Kind || got.Text != c.want.Text || !slices.Equal(got.Terms, c.want.Terms) {
			t.Errorf("ParseQuery(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	long := strings.Repeat("x", MaxTagBytes+1)
	cases := []struct{ in, want string }{
		{"-t", `give at least one tag after "-t"`},
		{"-t   ", `give at least one tag after "-t"`},
		{"-t a,,b", "term 2: empty tag"},
		{"-t a,", "term 2: empty tag"},
		{"-t !", `term 1: "!" needs a tag`},
		{"-t a,! ", `term 2: "!" needs a tag`},
		{"-t a&b", `term 1: tag must not contain "&"`},
		{"-t a\x1bb", `term 1: tag must not contain control character U+001B unquoted; quote the tag and write it as an escape: "a\x1bb"`},
		{`-t a"b`, `term 1: a tag holding '"' must be quoted, with \" for the quote: "a\"b"`},
		{`-t "a`, `term 1: the quoted tag "a has no closing quote`},
		{`-t "a,b`, `term 1: the quoted tag "a,b has no closing quote`},
		{`-t "a\"`, `term 1: the quoted tag "a\" has no closing quote`},
		{`-t "a"b`, `term 1: "b" follows the closing quote`},
		{`-t "a" "b"`, `term 1: " \"b\"" follows the closing quote`},
		{`-t ""`, `term 1: empty tag: "" selects nothing`},
		{`-t !""`, `term 1: empty tag`},
		{`-t "a\q"`, `term 1: unknown escape \q in a quoted tag; use \" \\ \n \r \t \xHH \uHHHH or \UHHHHHHHH`},
		{`-t "a\`, `term 1: a quoted tag ends in a lone \`},
		{`-t "a\x1"`, `term 1: escape \x1" needs 2 hex digits after \x`},
		{`-t "a\u12"`, `term 1: escape \u12" needs 4 hex digits after \u`},
		{`-t "a\xff"`, `term 1: escape \xff is not ASCII; write \u00ff for U+00FF`},
		{`-t "a\ud800"`, `term 1: escape \ud800 is not a Unicode character`},
		{`-t "a\U00110000"`, `term 1: escape \U00110000 is not a Unicode character`},
		{`-t "` + strings.Repeat(`\u00e9`, 33) + `"`, "term 1: tag is 66 bytes long, at most 64"},
		{`-t "a",b,!"a"`, `term 3: tag "a" already in term 1`},
		{`-t "1,2",3,4,5,6,7,8,9,10`, "9 terms, at most 8"},
		{"-t a\xffb", "term 1: tag is not valid UTF-8"},
		{"-t " + long, "term 1: tag is 65 bytes long, at most 64"},
		{"-t a,!a", `term 2: tag "a" already in term 1`},
		{"-t 1,2,3,4,5,6,7,8,9", "9 terms, at most 8"},
	}
	for _, c := range cases {
		q, err := ParseQuery(c.in)
		if err == nil {
			t.Errorf("ParseQuery(%q) = %+v, want an error containing %q", c.in, q, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "tag selector") {
			t.Errorf("ParseQuery(%q) error = %q, want it to start with \"tag selector\" and contain %q", c.in, err, c.want)
		}
	}
}

// Every tag a script can carry can be selected, whatever it holds: the
// facets write it with FormatTags and ParseQuery reads back the same term,
// which Selects then matches exactly.
func TestEveryTagCanBeSelected(t *testing.T) {
	tags := []string{
		"customer-42", "tier:pro", "a:b:yes", "note-\x1b[31mred\x1b[0m", "\x1b]0;PWNED\x07", "tier pro", " padded ",
		"!bang", "=eq", `q"uote`, `back\slash`, "c,d", "a&b", "zero\u200bwidth", "rtl\u202eevil", "line\nbreak",
		"tab\there", "\u0085nel", "tag\U000e0041", "é-名前", "\u2764\ufe0f", "-t", `\`, `"`, "!",
	}
	for _, tag := range tags {
		for _, neg := range []bool{false, true} {
			term := TagTerm{Tag: tag, Negate: neg}
			text := FormatTags([]TagTerm{term, {Tag: "other"}})
			if msg := termsafe.Line(text); msg != text {
				t.Errorf("FormatTags(%q) = %q is not inert on a terminal", tag, text)
			}
			q, err := ParseQuery(text)
			if err != nil {
				t.Errorf("tag %q: ParseQuery(%q): %v", tag, text, err)
				continue
			}
			if !slices.Equal(q.Terms, []TagTerm{term, {Tag: "other"}}) {
				t.Errorf("tag %q: ParseQuery(%q) = %+v", tag, text, q.Terms)
			}
			if got := q.Selects([]string{"x", tag, "other"}); got == neg {
				t.Errorf("tag %q: %s on a script with the tag = %v", tag, text, got)
			}
			if got := q.Selects([]string{"x", tag + "y", "other"}); got != neg {
				t.Errorf("tag %q: %s on a script without the tag = %v", tag, text, got)
			}
		}
	}
	if got := FormatTags([]TagTerm{{Tag: "a"}, {Tag: "b", Negate: true}, {Tag: "tier:pro"}}); got != "-t a,!b,tier:pro" {
		t.Errorf("plain tags are written bare: %q", got)
	}
	if got := FormatTags([]TagTerm{{Tag: "c,d", Negate: true}, {Tag: "x\x1b\u200b\"\\"}}); got != `-t !"c,d","x\x1b\u200b\"\\"` {
		t.Errorf("FormatTags quoted = %q", got)
	}
}

func FuzzTagRoundTrip(f *testing.F) {
	for _, s := range []string{"a", "tier:pro", "a\x1bb", `q"\`, " x", "!", "c,d", "\u200b", "\xff"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, tag string, neg bool) {
		term := TagTerm{Tag: tag, Negate: neg}
		text := FormatTags([]TagTerm{term})
		if termsafe.Line(text) != text && utf8.ValidString(tag) {
			t.Errorf("FormatTags(%q) = %q is not inert", tag, text)
		}
		q, err := ParseQuery(text)
		valid := tag != "" && len(tag) <= MaxTagBytes && utf8.ValidString(tag)
		if !valid {
			if err == nil {
				t.Errorf("ParseQuery(%q) accepted tag %q", text, tag)
			}
			return
		}
		if err != nil || len(q.Terms) != 1 || q.Terms[0] != term {
			t.Errorf("ParseQuery(FormatTags(%q)) = %+v, %v", tag, q.Terms, err)
		}
	})
}

func TestQuerySelects(t *testing.T) {
	q, err := ParseQuery("-t customer-42,!staging")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tags []string
		want bool
	}{
		{[]string{"customer-42"}, true},
		{[]string{"tier-pro", "customer-42", "prod"}, true},
		{[]string{"customer-42", "staging"}, false},
		{[]string{"customer-4"}, false},
		{[]string{"Customer-42"}, false},
		{nil, false},
	}
	for _, c := range cases {
		if got := q.Selects(c.tags); got != c.want {
			t.Errorf("Selects(%q) = %v, want %v", c.tags, got, c.want)
		}
	}
	if !(Query{Kind: Fuzzy, Text: "x"}).Selects(nil) {
		t.Error("a fuzzy query must not filter by tags")
	}
	if !(Query{Kind: Substring, Text: "x"}).Selects(nil) {
		t.Error("a substring query must not filter by tags")
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Fuzzy: "fuzzy", Inverse: "inverse", Tags: "tags", Substring: "substring", Kind(9): "Kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
