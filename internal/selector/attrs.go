package selector

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/internal/termsafe"
)

// Field is what an attribute term compares.
type Field int

// The fields of attribute terms.
const (
	// Created is when the script was created.
	Created Field = iota + 1
	// Modified is when the script was last deployed or changed.
	Modified
	// Idle is when the script was last used (its last-used: key); a
	// script never used is idle for ever.
	Idle
	// Tier is the script's tier (its tier tag).
	Tier
)

// String returns the field's name as it is typed.
func (f Field) String() string {
	switch f {
	case Created:
		return "created"
	case Modified:
		return "modified"
	case Idle:
		return "idle"
	case Tier:
		return "tier"
	}
	return fmt.Sprintf("Field(%d)", int(f))
}

// AttrTerm is one attribute term of a selection: an age or date bound on
// created, modified or last use (created>90d, idle>30d,
// modified<2026-01-01), or a tier (tier:free).
type AttrTerm struct {
	Field Field
	// Op is '>' or '<' (time fields only).
	Op byte
	// Age is a duration bound ("90d"); Date a date bound (00:00 UTC);
	// exactly one is set for time fields.
	Age  time.Duration
	Date time.Time
	// TierName is the tier of a Tier term.
	TierName string
	// Text is the term as typed.
	Text string
}

// Attrs are what attribute terms look at for one script.
type Attrs struct {
	Created, Modified time.Time
	// LastUsed is the last use; zero when the script was never used (or no
	// last-used key exists), which counts as idle for ever.
	LastUsed time.Time
	// LastUseUnknown says the script has a last-used key whose time is not
	// read yet: no idle term holds for it (it is neither shown as idle nor
	// as used, so a cleanup never takes it on a guess).
	LastUseUnknown bool
	// Tier is the script's tier ("" when it has none).
	Tier string
}

// maxAge bounds durations so a cutoff never overflows.
const maxAge = 100 * 365 * 24 * time.Hour

// isAttrWord reports whether a word is meant as an attribute term: it
// starts with a field name and an operator, or with "tier:".
func isAttrWord(w string) bool {
	if strings.HasPrefix(w, "tier:") {
		return true
	}
	for _, f := range []string{"created", "modified", "idle"} {
		if rest, ok := strings.CutPrefix(w, f); ok && rest != "" && strings.ContainsRune("<>=!", rune(rest[0])) {
			return true
		}
	}
	return false
}

// ParseAttrTerm parses one attribute term. Errors name the term and the
// rule.
func ParseAttrTerm(w string) (AttrTerm, error) {
	shown := termsafe.Line(w)
	if name, ok := strings.CutPrefix(w, "tier:"); ok {
		if name == "" {
			return AttrTerm{}, fmt.Errorf("term %q: name a tier after \"tier:\", as in tier:free", shown)
		}
		return AttrTerm{Field: Tier, TierName: name, Text: w}, nil
	}
	var t AttrTerm
	var rest string
	for _, f := range []Field{Created, Modified, Idle} {
		if r, ok := strings.CutPrefix(w, f.String()); ok {
			t.Field, rest = f, r
			break
		}
	}
	if t.Field == 0 || rest == "" {
		return AttrTerm{}, fmt.Errorf("term %q: write created, modified or idle, then > or <, then a duration or a date", shown)
	}
	if rest[0] != '>' && rest[0] != '<' || strings.HasPrefix(rest[1:], "=") {
		return AttrTerm{}, fmt.Errorf("term %q: the operator must be > (older than) or < (newer than)", shown)
	}
	t.Op, t.Text = rest[0], w
	v := rest[1:]
	if v == "" {
		return AttrTerm{}, fmt.Errorf("term %q: give a duration (90d, 12h, 2w, 1y) or a date (2026-01-01) after %c", shown, t.Op)
	}
	if d, err := parseAge(v); err == nil {
		t.Age = d
		return t, nil
	} else if v[0] >= '0' && v[0] <= '9' && !strings.Contains(v, "-") {
		return AttrTerm{}, fmt.Errorf("term %q: %w", shown, err)
	}
	date, err := time.Parse("2006-01-02", v)
	if err != nil {
		return AttrTerm{}, fmt.Errorf("term %q: %q is neither a duration (a whole number and h, d, w or y: 90d) nor a date (YYYY-MM-DD: 2026-01-01)", shown, termsafe.Line(v))
	}
	t.Date = date
	return t, nil
}

// parseAge reads a duration: a whole number and a unit h, d, w or y (365
// days), at most 100 years.
func parseAge(v string) (time.Duration, error) {
	if len(v) < 2 {
		return 0, fmt.Errorf("duration %q: a whole number and a unit h, d, w or y, as in 90d", v)
	}
	unit := map[byte]time.Duration{'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}[v[len(v)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("duration %q: the unit must be h, d, w or y (365 days), as in 90d", termsafe.Line(v))
	}
	n, err := strconv.ParseUint(v[:len(v)-1], 10, 32)
	if err != nil {
		return 0, fmt.Errorf("duration %q: a whole number before the unit, as in 90d", termsafe.Line(v))
	}
	d := time.Duration(n) * unit
	if n > uint64(maxAge/unit) {
		return 0, fmt.Errorf("duration %q: at most 100 years", v)
	}
	return d, nil
}

// String returns the term as typed.
func (t AttrTerm) String() string { return t.Text }

// cutoff is the instant a time term compares with at now.
func (t AttrTerm) cutoff(now time.Time) time.Time {
	if t.Age > 0 || t.Date.IsZero() {
		return now.Add(-t.Age)
	}
	return t.Date
}

// Holds reports whether a script's attributes satisfy the term at now.
// With '>' a time field must be older than the bound (an age above the
// duration, or before the date); with '<' newer (an age under the
// duration, or at or after the date). A zero time (never used, unknown)
// is older than every bound.
func (t AttrTerm) Holds(a Attrs, now time.Time) bool {
	var at time.Time
	switch t.Field {
	case Tier:
		return a.Tier == t.TierName
	case Created:
		at = a.Created
	case Modified:
		at = a.Modified
	case Idle:
		if a.LastUseUnknown {
			return false
		}
		at = a.LastUsed
	}
	older := at.IsZero() || at.Before(t.cutoff(now))
	// With a duration, ">90d" is an age above 90 days: older. With a date,
	// "<2026-01-01" is before that date: older.
	wantOlder := t.Op == '>'
	if t.Age == 0 && !t.Date.IsZero() {
		wantOlder = t.Op == '<'
	}
	return older == wantOlder
}

// HoldsAttrs reports whether every attribute term of q holds for a.
func (q Query) HoldsAttrs(a Attrs, now time.Time) bool {
	for _, t := range q.Attrs {
		if !t.Holds(a, now) {
			return false
		}
	}
	return true
}

// Uses reports whether q has a term on field f (Idle: the last-use data
// is needed).
func (q Query) Uses(f Field) bool {
	for _, t := range q.Attrs {
		if t.Field == f {
			return true
		}
	}
	return false
}

// ParseSelection parses a scripts-screen filter: the ParseQuery grammar
// plus attribute terms anywhere in it, each a word of its own (separated
// by spaces or commas, outside quotes):
//
//	created>90d  created<7d  modified<2026-01-01  idle>30d  tier:free
//
// A duration is a whole number and h, d, w or y (365 days); a date is
// YYYY-MM-DD at 00:00 UTC. With a duration, > means older than it and <
// newer; with a date, < means before it and > at or after it. idle is
// the last use: a script never used is idle (idle>30d selects it). They
// combine with the name filter or tag selector ("api idle>30d",
// "-t ephemeral,idle>90d"); a leading \ takes the whole text literally,
// and a quoted tag ("tier:pro") is a tag, not a term.
func ParseSelection(s string) (Query, error) {
	if strings.HasPrefix(s, `\`) {
		return ParseQuery(s)
	}
	rest, words := extractAttrWords(s)
	var attrs []AttrTerm
	for _, w := range words {
		t, err := ParseAttrTerm(w)
		if err != nil {
			return Query{}, err
		}
		for _, prev := range attrs {
			if prev.Text == t.Text {
				return Query{}, fmt.Errorf("term %q is given twice; give each once", termsafe.Line(w))
			}
		}
		attrs = append(attrs, t)
	}
	if len(attrs) > 0 && strings.TrimRight(rest, " ,") == "-t" {
		rest = "" // the tags were all attribute terms
	}
	q, err := ParseQuery(rest)
	if err != nil {
		return Query{}, err
	}
	q.Attrs = attrs
	return q, nil
}

// extractAttrWords removes the attribute words (with one separator each)
// from s and returns the rest and the words.
func extractAttrWords(s string) (string, []string) {
	type span struct{ lo, hi int }
	var cut []span
	var words []string
	quoted, start := false, 0
	flush := func(end int) {
		if end > start && !strings.Contains(s[start:end], `"`) && isAttrWord(s[start:end]) {
			words = append(words, s[start:end])
			lo, hi := start, end
			if hi < len(s) {
				hi++ // the separator after it
			} else if lo > 0 {
				lo-- // or the one before it
			}
			cut = append(cut, span{lo, hi})
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ' ' || c == ','):
			flush(i)
			start = i + 1
		}
	}
	flush(len(s))
	if len(words) == 0 {
		return s, nil
	}
	var b strings.Builder
	at := 0
	for _, c := range cut {
		lo := max(c.lo, at)
		b.WriteString(s[at:lo])
		at = max(at, c.hi)
	}
	b.WriteString(s[min(at, len(s)):])
	return strings.TrimRight(b.String(), " ,"), words
}
