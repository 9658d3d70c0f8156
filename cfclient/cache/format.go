package cache

import (
	"github.com/wfpconsole/wfp/cfclient"

	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"time"
)

// The listing cache file format (version 2). Integers are unsigned LEB128
// varints ("uv") unless noted; a string is uv length + bytes.
//
//	magic      "wfpcache" (8 bytes)
//	version    uv (cacheVersion)
//	account    string
//	namespace  string
//	saved      time
//	count      uv  scripts
//	nstr       uv  string-table entries after the implicit "" (index 0)
//	strBytes   uv  total bytes of those entries
//	nlist      uv  list-table entries after the implicit nil (0) and [] (1)
//	nelem      uv  total elements of those lists
//	blobLen    uv  total bytes of every script's Name, Tag and ETag
//	strings    nstr × uv length, then strBytes bytes
//	lists      nlist × (uv n, n × uv string index)
//	blob       blobLen bytes: Name, Tag, ETag of each script in order
//	scripts    count × row
//	crc        CRC-32C of every byte before it, 4 bytes little-endian
//
// A row is uv len(Name), len(Tag), len(ETag); uv list index of Tags,
// Handlers, CompatibilityFlags; uv string index of CompatibilityDate,
// UsageModel, LastDeployedFrom; time CreatedOn, ModifiedOn; one byte of
// flags (1 Logpush, 2 HasAssets, 4 HasModules).
//
// A time is one kind byte: 0 the zero time; 1 UTC, then a signed varint of
// Unix seconds and uv nanoseconds; 2 any other location, then a string
// holding time.MarshalBinary (what gob stored).
//
// Repeated values (tags, handlers, flags, dates, usage model, and the lists
// a listing shares) are written once and rows refer to them by index, so
// loading shares them in memory the way a fresh listing does and parses
// each once. The CRC catches any damaged byte before parsing starts, and
// every count and length is checked against the bytes left before anything
// is allocated, so even a file crafted to pass the CRC costs at most a
// small multiple of its own size, and never a panic.

const cacheMagic = "wfpcache"

// maxCacheFile bounds what CachedScripts reads: far above any real listing
// (a million scripts is ~150 MB), well below what would hurt to allocate.
const maxCacheFile = 1 << 30

// minRowBytes is the smallest encoding of a row: nine 1-byte varints, two
// 1-byte zero times, the flags byte.
const minRowBytes = 12

// blobChunkRows is how many rows' names share one string allocation: few
// allocations, and one script kept alive pins only its chunk (tens of KB),
// not the whole listing's names.
const blobChunkRows = 256

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const (
	timeZero  = 0
	timeUTC   = 1
	timeOther = 2
)

// --- writing ---

// cacheEncoder appends to a buffer that it writes out in large blocks,
// keeping a running CRC of everything written.
type cacheEncoder struct {
	w   io.Writer
	buf []byte
	crc uint32
	err error
}

func (e *cacheEncoder) maybeFlush() {
	if len(e.buf) >= 256<<10 {
		e.flush()
	}
}

func (e *cacheEncoder) flush() {
	if e.err == nil && len(e.buf) > 0 {
		e.crc = crc32.Update(e.crc, castagnoli, e.buf)
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
}

func (e *cacheEncoder) uv(v uint64)     { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *cacheEncoder) str(s string)    { e.uv(uint64(len(s))); e.buf = append(e.buf, s...) }
func (e *cacheEncoder) raw(s string)    { e.buf = append(e.buf, s...) }
func (e *cacheEncoder) byte1(b byte)    { e.buf = append(e.buf, b) }
func (e *cacheEncoder) idx(i uint32)    { e.uv(uint64(i)) }
func (e *cacheEncoder) length(s string) { e.uv(uint64(len(s))) }

func (e *cacheEncoder) time(t time.Time) {
	switch {
	case t.Location() == time.UTC && t.IsZero():
		e.byte1(timeZero)
	case t.Location() == time.UTC:
		e.byte1(timeUTC)
		e.buf = binary.AppendVarint(e.buf, t.Unix())
		e.uv(uint64(t.Nanosecond()))
	default:
		b, err := t.MarshalBinary()
		if err != nil { // a zone offset time cannot encode
			if e.err == nil {
				e.err = err
			}
			return
		}
		e.byte1(timeOther)
		e.str(string(b))
	}
}

// finish writes what is buffered and then the checksum.
func (e *cacheEncoder) finish() error {
	e.flush()
	if e.err != nil {
		return e.err
	}
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], e.crc)
	_, e.err = e.w.Write(sum[:])
	return e.err
}

// cacheTables assigns each distinct string an index, and each list a
// listing shares an index. A listing already shares equal lists (see
// interner), so lists are told apart by identity (first element's address
// and length), remembering the last few of each field: neighbouring rows
// mostly repeat handlers, flags and often tags, and a field with at most
// 16 distinct lists (handlers, flags) is always recognised. A list seen
// again after it was forgotten (or equal lists a caller did not share) is
// only written twice: its strings are still shared after loading. This
// avoids a map entry per row (most tag lists are distinct), which most of
// the encoding time went to.
type cacheTables struct {
	strIdx map[string]uint32
	strs   []string // strs[0] == ""
	ends   []int    // list i (from 2) is elems[ends[i-3]:ends[i-2]]
	elems  []uint32 // string indexes of all lists' elements
	recent [3]listRing
	// The last new list and its indexes: neighbouring rows' lists (one
	// customer's scripts) mostly hold the same strings at the same places,
	// and comparing a shared string with itself is cheaper than a lookup.
	prev    []string
	prevIdx []uint32
}

type listID struct {
	first *string
	n     int
}

// listRing remembers the last lists of one field.
type listRing struct {
	ids  [16]listID
	idx  [16]uint32
	next int
}

func newCacheTables(rows int) *cacheTables {
	return &cacheTables{
		strIdx: make(map[string]uint32, rows/2),
		strs:   append(make([]string, 0, rows/2), ""),
		ends:   make([]int, 0, rows),
		elems:  make([]uint32, 0, 4*rows),
	}
}

func (t *cacheTables) str(s string) uint32 {
	if i, ok := t.strIdx[s]; ok {
		return i
	}
	i := uint32(len(t.strs))
	t.strs = append(t.strs, s)
	t.strIdx[s] = i
	return i
}

// list returns the index of field's list l (0 Tags, 1 Handlers, 2
// CompatibilityFlags).
func (t *cacheTables) list(field int, l []string) uint32 {
	if l == nil {
		return 0
	}
	if len(l) == 0 {
		return 1
	}
	id := listID{&l[0], len(l)}
	r := &t.recent[field]
	for k := range r.ids {
		if r.ids[k] == id {
			return r.idx[k]
		}
	}
	start := len(t.elems)
	for k, s := range l {
		if k < len(t.prev) && t.prev[k] == s {
			t.elems = append(t.elems, t.prevIdx[k])
		} else {
			t.elems = append(t.elems, t.str(s))
		}
	}
	t.ends = append(t.ends, len(t.elems))
	t.prev, t.prevIdx = l, t.elems[start:]
	i := uint32(len(t.ends) + 1)
	r.ids[r.next], r.idx[r.next] = id, i
	r.next = (r.next + 1) % len(r.ids)
	return i
}

// encodeCache writes a listing in the cache format to w.
func encodeCache(w io.Writer, account, ns string, saved time.Time, pages [][]cfclient.Script) error {
	count, blobLen := 0, 0
	for _, p := range pages {
		count += len(p)
	}
	t := newCacheTables(count)
	// Each string field remembers its last value: neighbouring rows mostly
	// share usage model, often date, and comparing with the last is cheaper
	// than a map lookup.
	var lastStr [3]struct {
		s   string
		idx uint32
	}
	refs := make([]uint32, 6*count)
	r := refs
	for _, p := range pages {
		for i := range p {
			s := &p[i]
			blobLen += len(s.Name) + len(s.Tag) + len(s.ETag)
			r[0] = t.list(0, s.Tags)
			r[1] = t.list(1, s.Handlers)
			r[2] = t.list(2, s.CompatibilityFlags)
			for k, v := range [3]string{s.CompatibilityDate, s.UsageModel, s.LastDeployedFrom} {
				m := &lastStr[k]
				if m.s != v {
					m.s, m.idx = v, t.str(v)
				}
				r[3+k] = m.idx
			}
			r = r[6:]
		}
	}
	strBytes := 0
	for _, s := range t.strs[1:] {
		strBytes += len(s)
	}

	e := &cacheEncoder{w: w, buf: make([]byte, 0, 320<<10)}
	e.raw(cacheMagic)
	e.uv(cacheVersion)
	e.str(account)
	e.str(ns)
	e.time(saved)
	e.uv(uint64(count))
	e.uv(uint64(len(t.strs) - 1))
	e.uv(uint64(strBytes))
	e.uv(uint64(len(t.ends)))
	e.uv(uint64(len(t.elems)))
	e.uv(uint64(blobLen))
	for _, s := range t.strs[1:] {
		e.length(s)
		e.maybeFlush()
	}
	for _, s := range t.strs[1:] {
		e.raw(s)
		e.maybeFlush()
	}
	start := 0
	for _, end := range t.ends {
		e.uv(uint64(end - start))
		for _, i := range t.elems[start:end] {
			e.idx(i)
		}
		start = end
		e.maybeFlush()
	}
	for _, p := range pages {
		for i := range p {
			s := &p[i]
			e.raw(s.Name)
			e.raw(s.Tag)
			e.raw(s.ETag)
			e.maybeFlush()
		}
	}
	r = refs
	for _, p := range pages {
		for i := range p {
			s := &p[i]
			e.length(s.Name)
			e.length(s.Tag)
			e.length(s.ETag)
			for _, x := range r[:6] {
				e.idx(x)
			}
			r = r[6:]
			e.time(s.CreatedOn)
			e.time(s.ModifiedOn)
			var bits byte
			if s.Logpush {
				bits |= 1
			}
			if s.HasAssets {
				bits |= 2
			}
			if s.HasModules {
				bits |= 4
			}
			e.byte1(bits)
			e.maybeFlush()
		}
	}
	return e.finish()
}

// --- reading ---

var (
	errCacheFormat  = errors.New("written by an older or unknown version")
	errCacheForeign = errors.New("written for another account or namespace")
	errCacheCorrupt = errors.New("corrupt")
)

// cacheDecoder reads from a whole file in memory. The first malformed value
// sets err and moves to the end, so every later read fails too; callers
// check err at convenient points and never index with an unchecked value.
type cacheDecoder struct {
	b   []byte
	p   int
	err error
}

func (d *cacheDecoder) fail() {
	if d.err == nil {
		d.err = errCacheCorrupt
	}
	d.p = len(d.b)
}

func (d *cacheDecoder) left() int { return len(d.b) - d.p }

func (d *cacheDecoder) uv() uint64 {
	if d.p < len(d.b) && d.b[d.p] < 0x80 {
		v := uint64(d.b[d.p])
		d.p++
		return v
	}
	v, n := binary.Uvarint(d.b[d.p:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.p += n
	return v
}

func (d *cacheDecoder) sv() int64 {
	v, n := binary.Varint(d.b[d.p:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.p += n
	return v
}

// size reads a count or length that must be at most max (bytes or items
// left, so that nothing is allocated beyond the file's own size).
func (d *cacheDecoder) size(max int) int {
	v := d.uv()
	if v > uint64(max) {
		d.fail()
		return 0
	}
	return int(v)
}

func (d *cacheDecoder) bytes(n int) []byte {
	if n > d.left() {
		d.fail()
		return nil
	}
	b := d.b[d.p : d.p+n]
	d.p += n
	return b
}

func (d *cacheDecoder) byte1() byte {
	if d.p >= len(d.b) {
		d.fail()
		return 0
	}
	c := d.b[d.p]
	d.p++
	return c
}

func (d *cacheDecoder) time() time.Time {
	switch d.byte1() {
	case timeZero:
		return time.Time{}
	case timeUTC:
		sec := d.sv()
		nsec := d.uv()
		if nsec >= 1e9 {
			d.fail()
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).UTC()
	case timeOther:
		b := d.bytes(d.size(64))
		var t time.Time
		if d.err == nil && t.UnmarshalBinary(b) != nil {
			d.fail()
		}
		return t
	}
	d.fail()
	return time.Time{}
}

// decodeCache parses a whole cache file, checking its checksum, format
// version and that it is the listing of account/ns.
func decodeCache(data []byte, account, ns string) ([]cfclient.Script, time.Time, error) {
	if len(data) < len(cacheMagic) || string(data[:len(cacheMagic)]) != cacheMagic {
		return nil, time.Time{}, errCacheFormat
	}
	d := &cacheDecoder{b: data, p: len(cacheMagic)}
	if v := d.uv(); d.err != nil || v != cacheVersion {
		return nil, time.Time{}, errCacheFormat
	}
	if len(data) < d.p+4 {
		return nil, time.Time{}, errCacheCorrupt
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(body):]) {
		return nil, time.Time{}, errors.New("checksum mismatch")
	}
	d.b = body
	acc := d.bytes(d.size(d.left()))
	name := d.bytes(d.size(d.left()))
	if d.err != nil {
		return nil, time.Time{}, d.err
	}
	if string(acc) != account || string(name) != ns {
		return nil, time.Time{}, errCacheForeign
	}
	saved := d.time()
	count := d.size(d.left() / minRowBytes)
	nstr := d.size(d.left())
	strBytes := d.size(d.left())
	nlist := d.size(d.left())
	nelem := d.size(d.left())
	blobLen := d.size(d.left())
	if d.err != nil {
		return nil, time.Time{}, d.err
	}
	// Every entry takes at least one byte and every row minRowBytes, so a
	// header asking for more than the rest of the file is corrupt; past
	// this check all allocations together stay within a small multiple of
	// the file's size.
	if nstr+strBytes+nlist+nelem+blobLen+count*minRowBytes > d.left() {
		return nil, time.Time{}, errCacheCorrupt
	}

	// The string table: one allocation, entries are substrings of it.
	lens := make([]int, nstr)
	for i := range lens {
		lens[i] = d.size(strBytes)
	}
	strs := make([]string, nstr+1)
	all := string(d.bytes(strBytes))
	if d.err != nil {
		return nil, time.Time{}, d.err
	}
	off := 0
	for i, n := range lens {
		if n > len(all)-off {
			return nil, time.Time{}, errCacheCorrupt
		}
		strs[i+1] = all[off : off+n]
		off += n
	}
	if off != len(all) {
		return nil, time.Time{}, errCacheCorrupt
	}

	// The list table: one backing array, each list capped at its length so
	// an append by a caller cannot write into its neighbour.
	lists := make([][]string, nlist+2)
	lists[1] = []string{}
	elems := make([]string, nelem)
	used := 0
	for i := range nlist {
		n := d.size(nelem - used)
		l := elems[used : used+n : used+n]
		for k := range l {
			j := d.uv()
			if j >= uint64(len(strs)) {
				d.fail()
				break
			}
			l[k] = strs[j]
		}
		used += n
		lists[i+2] = l
		if d.err != nil {
			return nil, time.Time{}, d.err
		}
	}
	if used != nelem {
		return nil, time.Time{}, errCacheCorrupt
	}

	blob := d.bytes(blobLen)
	if d.err != nil {
		return nil, time.Time{}, d.err
	}
	out := make([]cfclient.Script, count)
	var sl [3 * blobChunkRows]int
	nl, ns64 := uint64(len(lists)), uint64(len(strs))
	for start := 0; start < count; start += blobChunkRows {
		rows := out[start:min(start+blobChunkRows, count)]
		span := 0
		for i := range rows {
			s := &rows[i]
			for k := range 3 {
				n := d.size(len(blob) - span)
				sl[3*i+k] = n
				span += n
			}
			a, b, c := d.uv(), d.uv(), d.uv()
			x, y, z := d.uv(), d.uv(), d.uv()
			if a >= nl || b >= nl || c >= nl || x >= ns64 || y >= ns64 || z >= ns64 {
				d.fail()
				break
			}
			s.Tags, s.Handlers, s.CompatibilityFlags = lists[a], lists[b], lists[c]
			s.CompatibilityDate, s.UsageModel, s.LastDeployedFrom = strs[x], strs[y], strs[z]
			s.CreatedOn = d.time()
			s.ModifiedOn = d.time()
			bits := d.byte1()
			if bits&^7 != 0 {
				d.fail()
			}
			s.Logpush, s.HasAssets, s.HasModules = bits&1 != 0, bits&2 != 0, bits&4 != 0
			if d.err != nil {
				break
			}
		}
		if d.err != nil {
			return nil, time.Time{}, d.err
		}
		chunk := string(blob[:span])
		blob = blob[span:]
		off := 0
		for i := range rows {
			s := &rows[i]
			s.Name = chunk[off : off+sl[3*i]]
			off += sl[3*i]
			s.Tag = chunk[off : off+sl[3*i+1]]
			off += sl[3*i+1]
			s.ETag = chunk[off : off+sl[3*i+2]]
			off += sl[3*i+2]
		}
	}
	if len(blob) != 0 || d.left() != 0 {
		return nil, time.Time{}, errCacheCorrupt
	}
	return out, saved, nil
}
