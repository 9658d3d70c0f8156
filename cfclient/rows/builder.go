package rows

import (
	"fmt"
	"math"
	"strings"
	"unsafe"

	"github.com/wfpconsole/wfp/cfclient"
)

// Builder appends scripts to a Scripts. It belongs to one goroutine; the
// snapshots it hands out (Scripts) may go anywhere.
type Builder struct {
	s   Scripts
	ids map[string]uint32 // string → id in s.strs; nil until first needed
	// last remembers the last string of each fixed field and its id:
	// neighbouring rows mostly share them, and a compare is cheaper than a
	// map lookup.
	last [3]memo
	// lastElem remembers, per list (tags, handlers, flags) and place in
	// it, the last string and its id: a listing comes in name order, and
	// neighbours (one customer's scripts) mostly repeat their tags at the
	// same places.
	lastElem [3][8]memo
	// seen finds a string by where its bytes are: listings share one
	// string for a repeated value (cfclient's interner), so most lookups
	// compare a pointer instead of hashing the text. Its pointers keep
	// those strings alive, so an address never holds other text.
	seen [4096]struct {
		p  *byte
		n  int
		id uint32
	}
	err error
}

// memo is a string and its id.
type memo struct {
	s  string
	id uint32
}

// NewBuilder returns a Builder with room for n scripts.
func NewBuilder(n int) *Builder {
	b := &Builder{ids: make(map[string]uint32, 64)}
	b.s.strs = []string{""}
	b.ids[""] = 0
	b.grow(n)
	return b
}

// capped returns s with every slice capped at its length.
func (s Scripts) capped() Scripts {
	s.names = s.names[:len(s.names):len(s.names)]
	s.nameOff = s.nameOff[:len(s.nameOff):len(s.nameOff)]
	s.ids = s.ids[:len(s.ids):len(s.ids)]
	s.idOff = s.idOff[:len(s.idOff):len(s.idOff)]
	s.elems = s.elems[:len(s.elems):len(s.elems)]
	s.meta = s.meta[:len(s.meta):len(s.meta)]
	s.strs = s.strs[:len(s.strs):len(s.strs)]
	return s
}

// grow makes room for n more scripts of about a listing's sizes.
func (b *Builder) grow(n int) {
	if n <= 0 {
		return
	}
	s := &b.s
	s.names = growCap(s.names, 28*n)
	s.ids = growCap(s.ids, 48*n)
	s.nameOff = growCap(s.nameOff, n)
	s.idOff = growCap(s.idOff, n)
	s.elems = growCap(s.elems, 6*n)
	s.meta = growCap(s.meta, n)
}

func growCap[T any](x []T, n int) []T {
	if cap(x)-len(x) >= n {
		return x
	}
	y := make([]T, len(x), len(x)+n)
	copy(y, x)
	return y
}

// Grow makes room for n more scripts, so that appending them does not copy
// the arrays again.
func (b *Builder) Grow(n int) { b.grow(n) }

// Len is how many scripts have been appended.
func (b *Builder) Len() int { return len(b.s.meta) }

// Err is the first script that could not be stored (more than 4 GiB of
// names, or more than 65,535 tags on one script); it was left out.
func (b *Builder) Err() error { return b.err }

// Scripts returns a snapshot of what has been appended. Later appends do
// not change it.
func (b *Builder) Scripts() Scripts { return b.s.capped() }

// str returns the id of t, adding it to the table (as its own copy, so a
// page's decoding buffer is not kept alive by one of its strings).
func (b *Builder) str(t string) uint32 {
	if t == "" {
		return 0 // strs[0]
	}
	p := unsafe.StringData(t)
	c := &b.seen[(uintptr(unsafe.Pointer(p))>>4^uintptr(len(t)))%uintptr(len(b.seen))]
	if c.p == p && c.n == len(t) {
		return c.id
	}
	id := b.lookup(t)
	c.p, c.n, c.id = p, len(t), id
	return id
}

// lookup returns the id of t from the map, adding t when it is new.
func (b *Builder) lookup(t string) uint32 {
	if b.ids == nil {
		b.ids = make(map[string]uint32, len(b.s.strs))
		for i, x := range b.s.strs {
			b.ids[x] = uint32(i)
		}
	}
	if id, ok := b.ids[t]; ok {
		return id
	}
	id := uint32(len(b.s.strs))
	t = strings.Clone(t)
	b.s.strs = append(b.s.strs, t)
	b.ids[t] = id
	return id
}

// fixed returns the id of field k's value t (see last).
func (b *Builder) fixed(k int, t string) uint32 {
	l := &b.last[k]
	if l.s != t {
		l.s, l.id = t, b.str(t)
	}
	return l.id
}

// Append adds scripts in order.
func (b *Builder) Append(scripts ...cfclient.Script) {
	if b.Len() == 0 {
		b.grow(len(scripts))
	}
	for i := range scripts {
		b.append(&scripts[i])
	}
}

func (b *Builder) append(sc *cfclient.Script) {
	s := &b.s
	if len(s.nameOff) == 0 {
		s.nameOff = append(s.nameOff, 0)
		s.idOff = append(s.idOff, 0)
	}
	nElems := len(sc.Tags) + len(sc.Handlers) + len(sc.CompatibilityFlags)
	switch {
	case len(s.names)+len(sc.Name) > math.MaxUint32 || len(s.ids)+len(sc.Tag)+len(sc.ETag) > math.MaxUint32 ||
		len(s.elems)+nElems > math.MaxUint32:
		b.fail(sc, "the listing holds more than 4 GiB")
		return
	case len(sc.Tags) > math.MaxUint16 || len(sc.Handlers) > math.MaxUint16 || len(sc.Tag) > math.MaxUint16:
		b.fail(sc, "it has more than 65,535 tags or handlers, or a tag id that long")
		return
	}
	// The ids: packed when both are lower-case hex, else as they are.
	start := len(s.ids)
	var packed bool
	s.ids, packed = appendHex(s.ids, sc.Tag)
	tagLen := len(s.ids) - start
	if packed {
		s.ids, packed = appendHex(s.ids, sc.ETag)
	}
	if !packed {
		s.ids = append(append(s.ids[:start], sc.Tag...), sc.ETag...)
		tagLen = len(sc.Tag)
	}
	m := meta{
		elems:     uint32(len(s.elems)),
		nTags:     uint16(len(sc.Tags)),
		nHandlers: uint16(len(sc.Handlers)),
		tagLen:    uint16(tagLen),
		date:      b.fixed(0, sc.CompatibilityDate),
		usage:     b.fixed(1, sc.UsageModel),
		from:      b.fixed(2, sc.LastDeployedFrom),
	}
	m.created, m.createdNs = sc.CreatedOn.Unix(), uint32(sc.CreatedOn.Nanosecond())
	m.modified, m.modifiedNs = sc.ModifiedOn.Unix(), uint32(sc.ModifiedOn.Nanosecond())
	for _, f := range [...]struct {
		on  bool
		bit uint8
	}{
		{sc.Logpush, bitLogpush}, {sc.HasAssets, bitAssets}, {sc.HasModules, bitModules}, {packed, bitHexIDs},
		{sc.Tags == nil, bitTagsNil}, {sc.Handlers == nil, bitHandlersNil}, {sc.CompatibilityFlags == nil, bitFlagsNil},
	} {
		if f.on {
			m.bits |= f.bit
		}
	}
	for f, l := range [...][]string{sc.Tags, sc.Handlers, sc.CompatibilityFlags} {
		for k, t := range l {
			if k >= len(b.lastElem[f]) {
				s.elems = append(s.elems, b.str(t))
				continue
			}
			if e := &b.lastElem[f][k]; e.s != t {
				e.s, e.id = t, b.str(t)
			}
			s.elems = append(s.elems, b.lastElem[f][k].id)
		}
	}
	s.names = append(s.names, sc.Name...)
	s.nameOff = append(s.nameOff, uint32(len(s.names)))
	s.idOff = append(s.idOff, uint32(len(s.ids)))
	s.meta = append(s.meta, m)
}

func (b *Builder) fail(sc *cfclient.Script, why string) {
	if b.err == nil {
		b.err = fmt.Errorf("script %q not kept: %s", sc.Name, why)
	}
}

// appendHex appends the bytes the lower-case hex t spells and reports
// true; for anything else (an odd length, another byte) it appends nothing
// and reports false. Only lower-case hex is packed, so that spelling the
// bytes again gives t back.
func appendHex(dst []byte, t string) ([]byte, bool) {
	if len(t)%2 != 0 {
		return dst, false
	}
	n := len(dst)
	for i := 0; i < len(t); i += 2 {
		hi, lo := hexValue[t[i]], hexValue[t[i+1]]
		if hi|lo > 0xf {
			return dst[:n], false
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, true
}

// hexValue is each lower-case hex digit's value, 0xff for other bytes.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

// FromScripts builds Scripts from a slice.
func FromScripts(scripts []cfclient.Script) Scripts {
	b := NewBuilder(len(scripts))
	b.Append(scripts...)
	return b.Scripts()
}
