package config

import (
	"strconv"
	"strings"
)

// The TOML parser does not expose where keys are, so problems find their
// line by scanning the text of a file that has already parsed: table
// headers set the current table, `key = value` lines define keys in it.
// Values are skipped with enough care (strings, multi-line strings and
// arrays, comments) that their contents are never taken for keys. Keys
// inside inline tables are not indexed; they report their table's line.

// keySep joins key pieces into map keys; it cannot occur in a bare key and
// a quoted key holding it is not worth a distinct line.
const keySep = "\x1f"

// lineIndex maps a joined key (see joinKey) to the line defining it.
type lineIndex map[string]int

// joinKey joins key pieces for a lineIndex or Config.keys.
func joinKey(pieces []string) string { return strings.Join(pieces, keySep) }

// find returns the line of key, else of its nearest indexed parent, else 0.
func (li lineIndex) find(pieces []string) int {
	for n := len(pieces); n > 0; n-- {
		if line, ok := li[joinKey(pieces[:n])]; ok {
			return line
		}
	}
	return 0
}

// add records line for key and for each of its parents not yet indexed,
// keeping the first definition.
func (li lineIndex) add(pieces []string, line int) {
	for n := 1; n <= len(pieces); n++ {
		k := joinKey(pieces[:n])
		if _, ok := li[k]; !ok {
			li[k] = line
		}
	}
}

// valueState tracks a value spanning lines.
type valueState struct {
	ml    string // the delimiter of an open multi-line string
	depth int    // open [ and { of an array or inline table
}

func (v *valueState) open() bool { return v.ml != "" || v.depth > 0 }

// scanLines indexes the keys and tables of a TOML text by line (from 1).
func scanLines(text string) lineIndex {
	li := lineIndex{}
	var table []string
	var st valueState
	for i, raw := range strings.Split(text, "\n") {
		line := i + 1
		if st.open() {
			st.scan(raw)
			continue
		}
		s := strings.TrimLeft(raw, " \t")
		if s == "" || s[0] == '#' {
			continue
		}
		if s[0] == '[' {
			body := strings.TrimPrefix(s[1:], "[")
			if pieces, rest, ok := parseKey(body); ok && strings.HasPrefix(rest, "]") {
				table = pieces
				li.add(table, line)
			}
			continue
		}
		pieces, rest, ok := parseKey(s)
		if !ok || !strings.HasPrefix(rest, "=") {
			continue
		}
		full := append(append([]string{}, table...), pieces...)
		li.add(full, line)
		st.scan(rest[1:])
	}
	return li
}

// scan walks a value (or the rest of one) and updates the state.
func (v *valueState) scan(s string) {
	i := 0
	for i < len(s) {
		if v.ml != "" {
			j := strings.Index(s[i:], v.ml)
			if j < 0 {
				return
			}
			i += j + len(v.ml)
			v.ml = ""
			continue
		}
		switch c := s[i]; {
		case strings.HasPrefix(s[i:], `"""`) || strings.HasPrefix(s[i:], `'''`):
			v.ml = s[i : i+3]
			i += 3
		case c == '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return
			}
			i += j + 2
		case c == '#':
			return
		case c == '[' || c == '{':
			v.depth++
			i++
		case c == ']' || c == '}':
			if v.depth > 0 {
				v.depth--
			}
			i++
		default:
			i++
		}
	}
}

// parseKey reads a dotted key (bare, "basic" or 'literal' pieces) from the
// start of s and returns its pieces and the rest of s after blanks.
func parseKey(s string) (pieces []string, rest string, ok bool) {
	for {
		s = strings.TrimLeft(s, " \t")
		var piece string
		switch {
		case s == "":
			return nil, "", false
		case s[0] == '"':
			end := 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return nil, "", false
			}
			piece = s[1:end]
			if u, err := strconv.Unquote(s[:end+1]); err == nil {
				piece = u
			}
			s = s[end+1:]
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return nil, "", false
			}
			piece, s = s[1:end+1], s[end+2:]
		default:
			end := 0
			for end < len(s) && isBareKeyChar(s[end]) {
				end++
			}
			if end == 0 {
				return nil, "", false
			}
			piece, s = s[:end], s[end:]
		}
		pieces = append(pieces, piece)
		s = strings.TrimLeft(s, " \t")
		if !strings.HasPrefix(s, ".") {
			return pieces, s, true
		}
		s = s[1:]
	}
}

// isBareKeyChar reports whether c may appear in a bare TOML key.
func isBareKeyChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// displayKey writes key pieces as TOML would, quoting pieces that are not
// bare (which also escapes any control characters in them).
func displayKey(pieces []string) string {
	parts := make([]string, len(pieces))
	for i, p := range pieces {
		parts[i] = p
		bare := p != ""
		for j := 0; j < len(p); j++ {
			bare = bare && isBareKeyChar(p[j])
		}
		if !bare {
			parts[i] = strconv.Quote(p)
		}
	}
	return strings.Join(parts, ".")
}
