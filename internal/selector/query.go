package selector

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
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
	// Negate, written "!tag", selects scripts that do not have Tag.
	Negate bool
}

// Query is a parsed filter.
type Query struct {
	Kind  Kind
	Text  string    // Fuzzy, Substring and Inverse: the text to match
	Terms []TagTerm // Tags: the terms, all of which must hold
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
// commas and trimmed of spaces. Errors name the term and the rule: an empty
// term, a term over 64 bytes, a tag containing "&", ":" (the separator of
// Cloudflare's tags=tag:yes filter) or a control character, the same tag
// twice, and more than 8 terms. Fuzzy, substring and inverse text is never
// an error.
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
	parts := strings.Split(s, ",")
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
				return nil, fmt.Errorf("tag selector term %d: tag %q already in term %d; give each tag once", i+1, term.Tag, j+1)
			}
		}
		terms = append(terms, term)
	}
	return terms, nil
}

// parseTagTerm parses one trimmed term: "tag" or "!tag".
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
	if len(s) > MaxTagBytes {
		return TagTerm{}, fmt.Errorf("tag is %d bytes long, at most %d are allowed", len(s), MaxTagBytes)
	}
	if !utf8.ValidString(s) {
		return TagTerm{}, fmt.Errorf("tag is not valid UTF-8")
	}
	for _, r := range s {
		switch {
		case r == '&':
			return TagTerm{}, fmt.Errorf(`tag must not contain "&" (Cloudflare rejects it in tags)`)
		case r == ':':
			return TagTerm{}, fmt.Errorf(`tag must not contain ":" (it separates tag and yes/no in Cloudflare's tag filter)`)
		case unicode.IsControl(r):
			return TagTerm{}, fmt.Errorf("tag must not contain control character %U", r)
		}
	}
	t.Tag = s
	return t, nil
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
