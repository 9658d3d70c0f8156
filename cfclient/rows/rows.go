// Package rows is the compact in-memory form of a namespace's script
// listing: what the scripts screen, the listing cache and the planners
// hold when a namespace has a million scripts.
//
// A cfclient.Script is about 220 bytes of headers (eleven strings and
// slices, two times) plus its strings, and every header is a pointer the
// garbage collector scans. Scripts keeps the same data in a few flat
// arrays instead:
//
//   - every name back to back in one byte arena, addressed by uint32
//     offsets (the selector indexes that arena without copying it);
//   - every Tag and ETag in a second arena, packed to bytes when they are
//     lower-case hex, as Cloudflare's are (half the size);
//   - tags, handlers, compatibility flags, the compatibility date, usage
//     model and last-deployed-from as ids into one table of distinct
//     strings (a million scripts carry a few hundred thousand distinct
//     tags);
//   - one fixed 48-byte record per row for the rest (dates, counts, flags).
//
// None of these arrays holds a pointer but the string table, so a million
// rows are about 150 MB that the collector does not scan, against 405 MB
// of []cfclient.Script. Rows are immutable once appended: a Scripts value
// is a snapshot that other goroutines may read while the Builder that made
// it appends more (it never writes a byte a snapshot can see).
package rows

import (
	"encoding/hex"
	"math"
	"time"
	"unsafe"

	"github.com/wfpconsole/wfp/cfclient"
)

// Bits of meta.bits.
const (
	bitLogpush = 1 << iota
	bitAssets
	bitModules
	bitHexIDs // Tag and ETag are stored as the bytes their hex spells
	bitTagsNil
	bitHandlersNil
	bitFlagsNil
	bitsKnown = 1<<iota - 1
)

// meta is one row's fixed part. It has no pointers.
type meta struct {
	created, modified     int64  // Unix seconds
	createdNs, modifiedNs uint32 // and nanoseconds
	elems                 uint32 // first of the row's string ids in Scripts.elems
	date, usage, from     uint32 // string ids: compatibility date, usage model, last deployed from
	nTags, nHandlers      uint16 // the row's elems are its tags, handlers, then flags
	tagLen                uint16 // bytes of Tag in the ids arena (ETag is the rest)
	bits                  uint8
}

// Scripts is an immutable snapshot of listed scripts, addressed by
// position (0 ≤ i < Len()). The zero value is empty.
type Scripts struct {
	names   []byte   // every name, back to back
	nameOff []uint32 // name i is names[nameOff[i]:nameOff[i+1]]; len n+1 (or 0 when empty)
	ids     []byte   // every Tag then ETag, back to back
	idOff   []uint32 // row i's ids are ids[idOff[i]:idOff[i+1]]
	elems   []uint32 // string ids of every row's tags, handlers and flags
	meta    []meta
	strs    []string // distinct strings; strs[0] == ""
}

// Len is how many scripts there are.
func (s *Scripts) Len() int { return len(s.meta) }

// Name is script i's name. It shares the arena's memory: no allocation.
func (s *Scripts) Name(i int) string {
	a, b := s.nameOff[i], s.nameOff[i+1]
	if a == b {
		return ""
	}
	return unsafe.String(&s.names[a], int(b-a))
}

// NamesText is every name back to back and where each starts (name i is
// text[starts[i]:starts[i+1]]), for an index that reads names without
// copying them. The text shares the arena's memory.
func (s *Scripts) NamesText() (text string, starts []uint32) {
	if len(s.meta) == 0 {
		return "", []uint32{0}
	}
	n := s.nameOff[len(s.meta)]
	if n == 0 {
		return "", s.nameOff[:len(s.meta)+1]
	}
	return unsafe.String(&s.names[0], int(n)), s.nameOff[:len(s.meta)+1]
}

// TagIDs are the string ids of script i's tags, in listing order (Str
// turns one into its text). The slice is shared: do not write to it.
func (s *Scripts) TagIDs(i int) []uint32 {
	m := &s.meta[i]
	return s.elems[m.elems : m.elems+uint32(m.nTags) : m.elems+uint32(m.nTags)]
}

// Str is the text of a string id.
func (s *Scripts) Str(id uint32) string { return s.strs[id] }

// NumStrs is how many distinct strings there are: every string id is
// below it, so a count per id fits in a slice this long.
func (s *Scripts) NumStrs() int { return len(s.strs) }

// StrID returns the id of a string the rows use, and false when no row
// uses it (a linear scan: for queries, once each, not per row).
func (s *Scripts) StrID(text string) (uint32, bool) {
	for i, t := range s.strs {
		if t == text {
			return uint32(i), true
		}
	}
	return 0, false
}

// Tags returns script i's tags as strings (a new slice; nil when the
// listing had none).
func (s *Scripts) Tags(i int) []string {
	m := &s.meta[i]
	return s.list(m.elems, uint32(m.nTags), m.bits&bitTagsNil != 0)
}

// HasTag reports whether script i carries tag id.
func (s *Scripts) HasTag(i int, id uint32) bool {
	for _, t := range s.TagIDs(i) {
		if t == id {
			return true
		}
	}
	return false
}

// Created is when script i was created.
func (s *Scripts) Created(i int) time.Time {
	m := &s.meta[i]
	return unixUTC(m.created, m.createdNs)
}

// Modified is when script i was last changed.
func (s *Scripts) Modified(i int) time.Time {
	m := &s.meta[i]
	return unixUTC(m.modified, m.modifiedNs)
}

// CompareModified orders scripts i and j by modification time.
func (s *Scripts) CompareModified(i, j int) int {
	return compareTime(s.meta[i].modified, s.meta[i].modifiedNs, s.meta[j].modified, s.meta[j].modifiedNs)
}

// CompareCreated orders scripts i and j by creation time.
func (s *Scripts) CompareCreated(i, j int) int {
	return compareTime(s.meta[i].created, s.meta[i].createdNs, s.meta[j].created, s.meta[j].createdNs)
}

func compareTime(s1 int64, n1 uint32, s2 int64, n2 uint32) int {
	switch {
	case s1 < s2:
		return -1
	case s1 > s2:
		return 1
	case n1 < n2:
		return -1
	case n1 > n2:
		return 1
	}
	return 0
}

// zeroUnix is time.Time{}.Unix(): the zero time is stored as itself.
var zeroUnix = time.Time{}.Unix()

func unixUTC(sec int64, ns uint32) time.Time {
	if sec == zeroUnix && ns == 0 {
		return time.Time{}
	}
	return time.Unix(sec, int64(ns)).UTC()
}

// At returns script i as a cfclient.Script. Its Name shares the arena; its
// slices and hex ids are new.
func (s *Scripts) At(i int) cfclient.Script { return s.Select([]int32{int32(i)})[0] }

func (s *Scripts) list(start, n uint32, isNil bool) []string {
	if isNil {
		return nil
	}
	out := make([]string, n)
	for k, id := range s.elems[start : start+n] {
		out[k] = s.strs[id]
	}
	return out
}

// All returns every script as cfclient.Script values (for callers that
// walk a listing once; the screens read the compact form). It is nil when
// there are none.
func (s *Scripts) All() []cfclient.Script {
	if s.Len() == 0 {
		return nil
	}
	pos := make([]int32, s.Len())
	for i := range pos {
		pos[i] = int32(i)
	}
	return s.Select(pos)
}

// Bounds of the times a key holds exactly (UnixNano's range, years 1678
// to 2262).
const (
	minKeySec = math.MinInt64/int64(1e9) + 1
	maxKeySec = math.MaxInt64/int64(1e9) - 1
)

// TimeKey is script i's creation (created) or modification time as an
// unsigned key that orders as the times do, for a radix sort. A time
// outside 1678–2262 (the zero time of a script that has none, say) gets
// the smallest or largest key and false: equal keys then do not mean equal
// times.
func (s *Scripts) TimeKey(i int, created bool) (uint64, bool) {
	m := &s.meta[i]
	sec, ns := m.modified, m.modifiedNs
	if created {
		sec, ns = m.created, m.createdNs
	}
	switch {
	case sec < minKeySec:
		return 0, false
	case sec > maxKeySec:
		return math.MaxUint64, false
	}
	return uint64(sec*1e9+int64(ns)) ^ 1<<63, true
}

// Select returns the scripts at positions pos as cfclient.Script values
// (At, All) in a few allocations for all of them (one backing array for
// every list, one for every hex id), so selecting half a million rows for
// a plan does not make millions of small objects.
func (s *Scripts) Select(pos []int32) []cfclient.Script {
	out := make([]cfclient.Script, len(pos))
	nElems, nHex := 0, 0
	for _, p := range pos {
		i := int(p)
		nElems += s.elemEnd(i) - int(s.meta[i].elems)
		if s.meta[i].bits&bitHexIDs != 0 {
			nHex += 2 * int(s.idOff[i+1]-s.idOff[i])
		}
	}
	lists := make([]string, nElems)
	hexText := make([]byte, 0, nHex)
	for k, p := range pos {
		i := int(p)
		m := &s.meta[i]
		sc := &out[k]
		*sc = cfclient.Script{
			Name:              s.Name(i),
			CreatedOn:         unixUTC(m.created, m.createdNs),
			ModifiedOn:        unixUTC(m.modified, m.modifiedNs),
			CompatibilityDate: s.strs[m.date],
			UsageModel:        s.strs[m.usage],
			LastDeployedFrom:  s.strs[m.from],
			Logpush:           m.bits&bitLogpush != 0,
			HasAssets:         m.bits&bitAssets != 0,
			HasModules:        m.bits&bitModules != 0,
		}
		ids := s.elems[m.elems:s.elemEnd(i)]
		own := lists[:len(ids):len(ids)]
		lists = lists[len(ids):]
		for j, id := range ids {
			own[j] = s.strs[id]
		}
		nt, nh := int(m.nTags), int(m.nHandlers)
		sc.Tags, sc.Handlers, sc.CompatibilityFlags = own[:nt:nt], own[nt:nt+nh:nt+nh], own[nt+nh:]
		if m.bits&bitTagsNil != 0 {
			sc.Tags = nil
		}
		if m.bits&bitHandlersNil != 0 {
			sc.Handlers = nil
		}
		if m.bits&bitFlagsNil != 0 {
			sc.CompatibilityFlags = nil
		}
		tag, etag := s.ids[s.idOff[i]:s.idOff[i]+uint32(m.tagLen)], s.ids[s.idOff[i]+uint32(m.tagLen):s.idOff[i+1]]
		if m.bits&bitHexIDs != 0 {
			a := len(hexText)
			hexText = hex.AppendEncode(hexText, tag)
			b := len(hexText)
			hexText = hex.AppendEncode(hexText, etag)
			// hexText never grows past its capacity, so its bytes stay put
			// and are never written again: strings may point into them.
			sc.Tag, sc.ETag = sharedString(hexText, a, b), sharedString(hexText, b, len(hexText))
		} else {
			sc.Tag, sc.ETag = string(tag), string(etag)
		}
	}
	return out
}

// elemEnd is where row i's string ids end in elems.
func (s *Scripts) elemEnd(i int) int {
	if i+1 < len(s.meta) {
		return int(s.meta[i+1].elems)
	}
	return len(s.elems)
}

// sharedString is buf[a:b] as a string sharing buf's bytes, which must
// never be written again.
func sharedString(buf []byte, a, b int) string {
	if a == b {
		return ""
	}
	return unsafe.String(&buf[a], b-a)
}
