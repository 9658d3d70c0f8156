package selector

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wfpconsole/wfp/internal/termsafe"
)

// Kind says how a filter query selects scripts.
type Kind int

// The kinds of filter query.
const (
	// Fuzzy keeps the names that contain Text as a fuzzy match, best first
	// (Index.Find, Narrower.Find). An empty Text means no filter.
	Fuzzy Kind = iota
	// Inverse keeps the names that do NOT contain Text as a fuzzy match,
	// in table order (Index.FindInverse). An empty Text means no filter.
	Inverse
	// Tags keeps the scripts whose tags satisfy every term (Query.Selects).
	Tags
	// Substring keeps the names that contain Text as a contiguous
	// substring, case-insensitively, in table order (Index.FindSubstring).
	// An empty Text means no filter.
	Substring
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Fuzzy:
		return "fuzzy"
	case Inverse:
		return "inverse"
	case Tags:
		return "tags"
	case Substring:
		return "substring"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Limits of a tag selector, the same as Cloudflare's limits on a script's
// tags: a script cannot carry more than 8 tags, so more terms than that
// cannot all be required.
const (
	MaxTagTerms = 8
	MaxTagBytes = 64
)

// TagTerm is one term of a tag selector.
type TagTerm struct {
	// Tag is the tag, compared exactly (case-sensitive).
	Tag string
	// Negate, written "!tag" (or !"tag"), selects scripts that do not
	// have Tag.
	Negate bool
}

// Query is a parsed filter.
type Query struct {
	Kind  Kind
	Text  string    // Fuzzy, Substring and Inverse: the text to match
	Terms []TagTerm // Tags: the terms, all of which must hold
	// Attrs are attribute terms (ParseSelection), all of which must hold
	// besides the name filter or tag selector.
	Attrs []AttrTerm
}

// ParseQuery parses what the operator typed after `/`:
//
//	text          fuzzy match (the default)
//	=text         exact substring: names that contain text as it is typed
//	              (case-insensitive), in table order
//	!text         inverse: names that do not contain text as a fuzzy match
//	-t tag,!tag   tag selector: has every plain tag and none of the !tags
//	\text         fuzzy match of text taken literally (to search for a
//	              leading "=", "!" or "-t ")
//
// A selector is "-t" followed by a space (or "-t" alone, which is an error
// until a tag is typed); "-tx" is fuzzy text. Terms are separated by
// commas; each is a tag, or "!" and a tag for its negation, with spaces
// around them ignored. A tag is written bare or quoted:
//
//	customer-42           bare: the text up to the next comma, trimmed;
//	                      it may hold ":" and inner spaces ("tier pro")
//	"tier:pro"            quoted: exactly the text between the quotes,
//	"a,b"  " padded "     commas, spaces and a leading "!" included
//	"a\"b"  "back\\slash"  \" is a quote and \\ a backslash
//	"note-\x1b[31m"       \n \r \t \xHH \uHHHH \UHHHHHHHH: the escapes the
//	"zero\u200bwidth"     screens show tenant text with (termsafe.Line), so
//	                      a tag shown as `a\x1bb` is typed "a\x1bb"
//
// so every tag a script can carry can be selected: -t "a:b",!"c,d" has the
// tag a:b and not the tag c,d. FormatTags writes terms back in this form.
//
// Errors name the term and the rule: an empty term or tag, a bare tag
// holding "&" (Cloudflare rejects it in tags; a stray "&" is more likely
// meant as "and", which is a comma here), a '"' or a control character
// (quote it, writing the character as an escape), an unterminated quote, an
// unknown escape, text after a closing quote, a tag over 64 bytes or not
// valid UTF-8, the same tag twice, and more than 8 terms. Fuzzy, substring
// and inverse text is never an error.
//
// Some tags cannot go into the Cloudflare API's tags=tag:yes filter (one
// holding ":", a space or a control character, for example);
// Query.Selects matches every tag, so a caller that narrows a listing
// server-side leaves those terms out of the request and filters the rows
// with Selects (cfclient.TagFilterable says which).
func ParseQuery(s string) (Query, error) {
	switch {
	case strings.HasPrefix(s, `\`):
		return Query{Kind: Fuzzy, Text: s[1:]}, nil
	case strings.HasPrefix(s, "="):
		return Query{Kind: Substring, Text: s[1:]}, nil
	case strings.HasPrefix(s, "!"):
		return Query{Kind: Inverse, Text: s[1:]}, nil
	case s == "-t" || strings.HasPrefix(s, "-t "):
		terms, err := parseTagTerms(s[len("-t"):])
		if err != nil {
			return Query{}, err
		}
		return Query{Kind: Tags, Terms: terms}, nil
	}
	return Query{Kind: Fuzzy, Text: s}, nil
}

// parseTagTerms parses the comma-separated terms after "-t".
func parseTagTerms(s string) ([]TagTerm, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf(`tag selector: give at least one tag after "-t", for example "-t customer-42,!staging"`)
	}
	parts := splitTerms(s)
	if len(parts) > MaxTagTerms {
		return nil, fmt.Errorf("tag selector: %d terms, at most %d are allowed (a script has at most %d tags)", len(parts), MaxTagTerms, MaxTagTerms)
	}
	terms := make([]TagTerm, 0, len(parts))
	for i, part := range parts {
		term, err := parseTagTerm(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("tag selector term %d: %w", i+1, err)
		}
		for j, prev := range terms {
			if prev.Tag == term.Tag {
				return nil, fmt.Errorf("tag selector term %d: tag %s already in term %d; give each tag once", i+1, quotedTag(term.Tag), j+1)
			}
		}
		terms = append(terms, term)
	}
	return terms, nil
}

// splitTerms splits s at the commas outside quotes. A backslash inside
// quotes escapes the next byte, so \" does not end them; an unterminated
// quote runs to the end (parseTagTerm reports it).
func splitTerms(s string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// parseTagTerm parses one trimmed term: a tag or "!" and a tag, each bare
// or quoted.
func parseTagTerm(s string) (TagTerm, error) {
	if s == "" {
		return TagTerm{}, fmt.Errorf(`empty tag; separate tags with single commas, as in "a,!b"`)
	}
	var t TagTerm
	if rest, ok := strings.CutPrefix(s, "!"); ok {
		t.Negate = true
		s = strings.TrimSpace(rest)
		if s == "" {
			return TagTerm{}, fmt.Errorf(`"!" needs a tag after it, as in "!staging"`)
		}
	}
	var err error
	if strings.HasPrefix(s, `"`) {
		t.Tag, err = unquoteTag(s)
	} else {
		t.Tag, err = bareTag(s)
	}
	if err != nil {
		return TagTerm{}, err
	}
	if t.Tag == "" {
		return TagTerm{}, fmt.Errorf(`empty tag: "" selects nothing`)
	}
	if len(t.Tag) > MaxTagBytes {
		return TagTerm{}, fmt.Errorf("tag is %d bytes long, at most %d are allowed", len(t.Tag), MaxTagBytes)
	}
	if !utf8.ValidString(t.Tag) {
		return TagTerm{}, fmt.Errorf("tag is not valid UTF-8")
	}
	return t, nil
}

// bareTag checks an unquoted tag.
func bareTag(s string) (string, error) {
	for _, r := range s {
		switch {
		case r == '&':
			return "", fmt.Errorf(`tag must not contain "&" (Cloudflare rejects it in tags)`)
		case r == '"':
			return "", fmt.Errorf(`a tag holding '"' must be quoted, with \" for the quote: %s`, quotedTag(s))
		case unicode.IsControl(r):
			return "", fmt.Errorf("tag must not contain control character %U unquoted; quote the tag and write it as an escape: %s", r, quotedTag(s))
		}
	}
	return s, nil
}

// unquoteTag reads a quoted tag, which must make up all of s.
func unquoteTag(s string) (string, error) {
	var b strings.Builder
	for i := 1; i < len(s); {
		c := s[i]
		switch c {
		case '"':
			if rest := s[i+1:]; rest != "" {
				return "", fmt.Errorf(`%q follows the closing quote of a tag; end the term there or put it inside the quotes`, rest)
			}
			return b.String(), nil
		case '\\':
			r, n, err := unescape(s[i:])
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", fmt.Errorf(`the quoted tag %s has no closing quote`, s)
}

// unescape reads the escape at the start of s (which starts with a
// backslash) and returns its rune and length.
func unescape(s string) (rune, int, error) {
	const known = `\" \\ \n \r \t \xHH \uHHHH or \UHHHHHHHH`
	if len(s) < 2 {
		return 0, 0, fmt.Errorf(`a quoted tag ends in a lone \; write \\ for a backslash`)
	}
	digits := 0
	switch s[1] {
	case '"', '\\':
		return rune(s[1]), 2, nil
	case 'n':
		return '\n', 2, nil
	case 'r':
		return '\r', 2, nil
	case 't':
		return '\t', 2, nil
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	default:
		r, _ := utf8.DecodeRuneInString(s[1:])
		return 0, 0, fmt.Errorf("unknown escape %s in a quoted tag; use %s", termsafe.Line(`\`+string(r)), known)
	}
	esc := s[:min(len(s), 2+digits)]
	v, err := strconv.ParseUint(esc[2:], 16, 32)
	switch {
	case len(esc) < 2+digits || err != nil:
		return 0, 0, fmt.Errorf(`escape %s needs %d hex digits after \%c`, termsafe.Line(esc), digits, s[1])
	case s[1] == 'x' && v >= 0x80:
		return 0, 0, fmt.Errorf(`escape %s is not ASCII; write \u%04x for U+%04X`, esc, v, v)
	case v > unicode.MaxRune || v >= 0xd800 && v <= 0xdfff:
		return 0, 0, fmt.Errorf("escape %s is not a Unicode character", esc)
	}
	return rune(v), len(esc), nil
}

// String is the term as ParseQuery reads it: "tag" or "!tag", the tag
// quoted when it needs to be (see FormatTags).
func (t TagTerm) String() string {
	if t.Negate {
		return "!" + quoteTag(t.Tag)
	}
	return quoteTag(t.Tag)
}

// FormatTags writes terms as a tag selector ParseQuery reads back to the
// same terms: "-t a,!b". A tag is written bare when it can be, and quoted
// when it is empty, starts with "!" or a quote, has leading or trailing
// space, or holds a comma, a quote, "&", a control character or any rune
// termsafe.Unsafe reports (zero-width, bidi); inside the quotes \ and "
// are escaped, and so is every unsafe rune, the way termsafe.Line shows
// it, so the text is inert on a terminal and can be typed.
func FormatTags(terms []TagTerm) string {
	var b strings.Builder
	b.WriteString("-t ")
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.String())
	}
	return b.String()
}

// quoteTag writes a tag bare when ParseQuery reads it back unchanged that
// way, else quoted.
func quoteTag(tag string) string {
	bare := tag != "" && tag == strings.TrimSpace(tag) && !strings.HasPrefix(tag, "!") &&
		!strings.ContainsAny(tag, `,"&`) && utf8.ValidString(tag) &&
		!strings.ContainsFunc(tag, func(r rune) bool { return unicode.IsControl(r) || termsafe.Unsafe(r) })
	if bare {
		return tag
	}
	return quotedTag(tag)
}

// quotedTag writes a tag quoted, as ParseQuery reads it.
func quotedTag(tag string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(tag); {
		r, size := utf8.DecodeRuneInString(tag[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, tag[i]) // not read back: ParseQuery refuses invalid UTF-8
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case termsafe.Unsafe(r) || unicode.IsControl(r):
			b.WriteString(termsafe.Line(string(r)))
		default:
			b.WriteString(tag[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// Selects reports whether a script with these tags satisfies a Tags query:
// it has every plain term's tag and none of the negated ones. It returns
// true for other kinds, whose filtering is by name.
func (q Query) Selects(tags []string) bool {
	if q.Kind != Tags {
		return true
	}
	for _, term := range q.Terms {
		has := false
		for _, tag := range tags {
			if tag == term.Tag {
				has = true
				break
			}
		}
		if has == term.Negate {
			return false
		}
	}
	return true
}
