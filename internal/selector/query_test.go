package selector

import (
	"slices"
	"strings"
	"testing"
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
		{"-t a,tier:pro", `term 2: tag must not contain ":"`},
		{"-t a\x1bb", "term 1: tag must not contain control character U+001B"},
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
