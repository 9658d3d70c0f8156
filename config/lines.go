package config

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// The decoder does not say where keys are, so problems find their line in
// a second, syntax-only pass over a file that has already decoded: the
// go-toml parser yields each expression with the byte offsets of its key
// pieces. Table headers set the current table and `key = value` lines
// define keys in it, as do the key-values of inline tables (which nest
// under their key). Arrays are not entered: their elements have no key.

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

// keyLines indexes the keys and tables of a TOML text by line (from 1).
// The text is expected to have decoded already; should the parser still
// stop at an error, the keys before it stay indexed and the rest have no
// line (find falls back to a parent, or 0).
func keyLines(data []byte) lineIndex {
	// The decoder skips a byte order mark; this parser does not. The mark
	// holds no newline, so lines are unchanged.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	ix := indexer{li: lineIndex{}, lines: newlineOffsets(data)}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			it := e.Key()
			table = ix.key(nil, &it)
		case unstable.KeyValue:
			ix.keyValue(table, e)
		}
	}
	return ix.li
}

// indexer builds a lineIndex from parsed nodes.
type indexer struct {
	li    lineIndex
	lines []int // offsets of the newlines of the text, in order
}

// newlineOffsets lists the offset of each newline in data.
func newlineOffsets(data []byte) []int {
	var out []int
	for i, c := range data {
		if c == '\n' {
			out = append(out, i)
		}
	}
	return out
}

// line returns the line (from 1) of a node, from its offset. Parser.Shape
// gives the same but counts from the start of the text on every call.
func (ix *indexer) line(n *unstable.Node) int {
	off := int(n.Raw.Offset)
	return sort.SearchInts(ix.lines, off) + 1
}

// key indexes the pieces of a key under base, each at its own line (the
// pieces of a key share one), and returns base and the pieces joined.
func (ix *indexer) key(base []string, it *unstable.Iterator) []string {
	full := append([]string{}, base...)
	for it.Next() {
		n := it.Node()
		full = append(full, string(n.Data))
		ix.li.add(full, ix.line(n))
	}
	return full
}

// keyValue indexes a key-value under table, and the key-values of its
// value when that is an inline table.
func (ix *indexer) keyValue(table []string, kv *unstable.Node) {
	it := kv.Key()
	full := ix.key(table, &it)
	if v := kv.Value(); v.Kind == unstable.InlineTable {
		children := v.Children()
		for children.Next() {
			if c := children.Node(); c.Kind == unstable.KeyValue {
				ix.keyValue(full, c)
			}
		}
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
