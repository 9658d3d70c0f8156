package config

import (
	"bytes"
	"strconv"

	"github.com/pelletier/go-toml/v2/unstable"
)

// elemLines indexes what keyLines leaves out, for [[serve.users]]: the
// n-th element of an array of tables is indexed under its key and "n"
// (serve, users, "0", name), and the elements of an array of values under
// their index (…, keys, "1") when the parser gives their position.
func elemLines(data []byte) lineIndex {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	ix := indexer{li: lineIndex{}, lines: newlineOffsets(data)}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	arrays := map[string]int{}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table:
			it := e.Key()
			table = ix.key(nil, &it)
		case unstable.ArrayTable:
			it := e.Key()
			table = ix.key(nil, &it)
			line := ix.li[joinKey(table)]
			for it = e.Key(); it.Next(); {
				line = ix.line(it.Node())
			}
			n := arrays[joinKey(table)]
			arrays[joinKey(table)] = n + 1
			table = append(table, strconv.Itoa(n))
			ix.li[joinKey(table)] = line
		case unstable.KeyValue:
			it := e.Key()
			full := ix.key(table, &it)
			if v := e.Value(); v.Kind == unstable.Array {
				children := v.Children()
				for i := 0; children.Next(); i++ {
					if c := children.Node(); c.Raw.Length > 0 {
						ix.li[joinKey(append(append([]string{}, full...), strconv.Itoa(i)))] = ix.line(c)
					}
				}
			}
		}
	}
	return ix.li
}
