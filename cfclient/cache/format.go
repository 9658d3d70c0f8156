package cache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/wfpconsole/wfp/cfclient/rows"
)

// The listing cache file format (version 3). Integers are unsigned LEB128
// varints ("uv") unless noted; a string is uv length + bytes.
//
//	magic      "wfpcache" (8 bytes)
//	version    uv (cacheVersion)
//	account    string
//	namespace  string
//	saved      time
//	rows       the binary form of rows.Scripts (cfclient/rows codec.go):
//	           the compact layout's arrays as they are in memory, so a
//	           million rows decode by copying and checking, not parsing
//	crc        CRC-32C of every byte before it, 4 bytes little-endian
//
// A time is one kind byte: 0 the zero time; 1 UTC, then a signed varint of
// Unix seconds and uv nanoseconds; 2 any other location, then a string
// holding time.MarshalBinary (what gob stored).
//
// The CRC catches any damaged byte before parsing starts, and rows.Decode
// checks every count, offset and id against the bytes left before anything
// is allocated, so even a file crafted to pass the CRC costs at most a
// small multiple of its own size, and never a panic.

const cacheMagic = "wfpcache"

// maxCacheFile bounds what CachedScripts reads: far above any real listing
// (a million scripts is ~150 MB), well below what would hurt to allocate.
const maxCacheFile = 1 << 30

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const (
	timeZero  = 0
	timeUTC   = 1
	timeOther = 2
)

// --- writing ---

// cacheEncoder buffers the header, then passes the rows' writes through
// (they buffer their own), keeping a running CRC of everything written.
type cacheEncoder struct {
	w   io.Writer
	buf []byte
	crc uint32
	err error
}

func (e *cacheEncoder) flush() {
	if e.err == nil && len(e.buf) > 0 {
		e.crc = crc32.Update(e.crc, castagnoli, e.buf)
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
}

func (e *cacheEncoder) uv(v uint64)  { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *cacheEncoder) str(s string) { e.uv(uint64(len(s))); e.buf = append(e.buf, s...) }
func (e *cacheEncoder) raw(s string) { e.buf = append(e.buf, s...) }
func (e *cacheEncoder) byte1(b byte) { e.buf = append(e.buf, b) }

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

// Write adds p to what is written (and to the CRC), after what is
// buffered: the rows' own encoder writes through it.
func (e *cacheEncoder) Write(p []byte) (int, error) {
	e.flush()
	if e.err != nil {
		return 0, e.err
	}
	e.crc = crc32.Update(e.crc, castagnoli, p)
	_, e.err = e.w.Write(p)
	return len(p), e.err
}

// encodeCache writes a listing in the cache format to w.
func encodeCache(w io.Writer, account, ns string, saved time.Time, list rows.Scripts) error {
	e := &cacheEncoder{w: w, buf: make([]byte, 0, 4<<10)}
	e.raw(cacheMagic)
	e.uv(cacheVersion)
	e.str(account)
	e.str(ns)
	e.time(saved)
	if _, err := list.WriteTo(e); err != nil {
		return err
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
func decodeCache(data []byte, account, ns string) (rows.Scripts, time.Time, error) {
	if len(data) < len(cacheMagic) || string(data[:len(cacheMagic)]) != cacheMagic {
		return rows.Scripts{}, time.Time{}, errCacheFormat
	}
	d := &cacheDecoder{b: data, p: len(cacheMagic)}
	if v := d.uv(); d.err != nil || v != cacheVersion {
		return rows.Scripts{}, time.Time{}, errCacheFormat
	}
	if len(data) < d.p+4 {
		return rows.Scripts{}, time.Time{}, errCacheCorrupt
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(body):]) {
		return rows.Scripts{}, time.Time{}, errors.New("checksum mismatch")
	}
	d.b = body
	acc := d.bytes(d.size(d.left()))
	name := d.bytes(d.size(d.left()))
	if d.err != nil {
		return rows.Scripts{}, time.Time{}, d.err
	}
	if string(acc) != account || string(name) != ns {
		return rows.Scripts{}, time.Time{}, errCacheForeign
	}
	saved := d.time()
	if d.err != nil {
		return rows.Scripts{}, time.Time{}, d.err
	}
	list, err := rows.Decode(body[d.p:])
	if err != nil {
		return rows.Scripts{}, time.Time{}, fmt.Errorf("%w: %v", errCacheCorrupt, err)
	}
	return list, saved, nil
}
