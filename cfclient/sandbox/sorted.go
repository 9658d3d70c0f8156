package sandbox

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

// sortedMap maps names to values, the names sorted in one slice and the
// values in a parallel one. A lookup is a binary search and a listing page
// a scan from one, and an entry costs a name and a value: at a million
// scripts (and 2.3 million routing keys) a Go map plus a separate sorted
// index cost about 50 bytes an entry more. Inserting into the middle moves
// the slices' tails, as the sorted index always did.
type sortedMap[V any] struct {
	names []string
	vals  []V // vals[i] belongs to names[i]
}

// grow makes room for n more entries.
func (m *sortedMap[V]) grow(n int) {
	m.names = slices.Grow(m.names, n)
	m.vals = slices.Grow(m.vals, n)
}

// get returns a name's value.
func (m *sortedMap[V]) get(name string) (V, bool) {
	if i, found := slices.BinarySearch(m.names, name); found {
		return m.vals[i], true
	}
	var zero V
	return zero, false
}

// put inserts or replaces a value.
func (m *sortedMap[V]) put(name string, v V) {
	i, found := slices.BinarySearch(m.names, name)
	if found {
		m.vals[i] = v
		return
	}
	m.names = slices.Insert(m.names, i, name)
	m.vals = slices.Insert(m.vals, i, v)
}

// remove deletes a name; it reports whether it was there.
func (m *sortedMap[V]) remove(name string) bool {
	i, found := slices.BinarySearch(m.names, name)
	if !found {
		return false
	}
	m.names = slices.Delete(m.names, i, i+1)
	m.vals = slices.Delete(m.vals, i, i+1)
	return true
}

// add appends without keeping the order, for filling in bulk (seeding,
// loading a state file); sort then restores it.
func (m *sortedMap[V]) add(name string, v V) {
	m.names = append(m.names, name)
	m.vals = append(m.vals, v)
}

// sort orders what add appended. Of a name added more than once the last
// value wins, as with put; sort returns such a name ("" when none). It
// sorts in place (names, values and their positions move together), so
// sorting 2.3 million keys needs no second copy of them.
func (m *sortedMap[V]) sort() (repeated string) {
	if sortedUnique(m.names) {
		return ""
	}
	by := byName[V]{m, make([]int32, len(m.names))}
	for i := range by.pos {
		by.pos[i] = int32(i)
	}
	sort.Sort(by)
	// Ties went by position, so the last added of a name ends its run.
	n := 0
	for i := range m.names {
		if i+1 < len(m.names) && m.names[i+1] == m.names[i] {
			repeated = m.names[i]
			continue
		}
		m.names[n], m.vals[n] = m.names[i], m.vals[i]
		n++
	}
	clear(m.names[n:])
	clear(m.vals[n:])
	m.names, m.vals = m.names[:n], m.vals[:n]
	return repeated
}

// byName sorts a sortedMap's entries by name, then by the position they
// were added at.
type byName[V any] struct {
	m   *sortedMap[V]
	pos []int32
}

func (b byName[V]) Len() int { return len(b.pos) }

func (b byName[V]) Less(i, j int) bool {
	if c := strings.Compare(b.m.names[i], b.m.names[j]); c != 0 {
		return c < 0
	}
	return b.pos[i] < b.pos[j]
}

func (b byName[V]) Swap(i, j int) {
	b.m.names[i], b.m.names[j] = b.m.names[j], b.m.names[i]
	b.m.vals[i], b.m.vals[j] = b.m.vals[j], b.m.vals[i]
	b.pos[i], b.pos[j] = b.pos[j], b.pos[i]
}

// sortedUnique reports whether s is strictly increasing.
func sortedUnique(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] <= s[i-1] {
			return false
		}
	}
	return true
}

// smallBatch is the batch size up to which bulk changes insert or delete
// one name at a time; larger batches merge or filter the slices once.
const smallBatch = 16

// putMany stores vals under names (a later duplicate wins) in
// O(n + m log m) rather than O(n·m).
func (m *sortedMap[V]) putMany(names []string, vals []V) {
	fresh := map[string]V{}
	for i, name := range names {
		if j, found := slices.BinarySearch(m.names, name); found {
			m.vals[j] = vals[i]
		} else {
			fresh[name] = vals[i]
		}
	}
	if len(fresh) <= smallBatch {
		for name, v := range fresh {
			m.put(name, v)
		}
		return
	}
	add := slices.Sorted(maps.Keys(fresh))
	merged := sortedMap[V]{make([]string, 0, len(m.names)+len(add)), make([]V, 0, len(m.names)+len(add))}
	i, j := 0, 0
	for i < len(m.names) || j < len(add) {
		if j == len(add) || i < len(m.names) && m.names[i] < add[j] {
			merged.add(m.names[i], m.vals[i])
			i++
		} else {
			merged.add(add[j], fresh[add[j]])
			j++
		}
	}
	*m = merged
}

// removeMany deletes names; it reports whether any was there.
func (m *sortedMap[V]) removeMany(names []string) bool {
	gone := make(map[string]bool)
	for _, name := range names {
		if _, found := slices.BinarySearch(m.names, name); found {
			gone[name] = true
		}
	}
	if len(gone) <= smallBatch {
		for name := range gone {
			m.remove(name)
		}
		return len(gone) > 0
	}
	kept := sortedMap[V]{m.names[:0], m.vals[:0]}
	for i, name := range m.names {
		if !gone[name] {
			kept.add(name, m.vals[i])
		}
	}
	clear(m.names[len(kept.names):])
	clear(m.vals[len(kept.vals):])
	*m = kept
	return true
}
