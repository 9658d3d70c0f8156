package rows

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// The binary form of Scripts is its arrays as they are in memory, fixed
// width little-endian, so decoding is copying and checking, not parsing:
//
//	n, nstr, strBytes, nameBytes, idBytes, nelems   6 × u32
//	string lengths   (nstr-1) × u32   (string 0 is "" and not written)
//	string bytes     strBytes
//	name ends        n × u32          (name i ends at it; names start at 0)
//	names            nameBytes
//	id ends          n × u32
//	ids              idBytes
//	elems            nelems × u32     string ids
//	rows             n × 48 bytes     (see meta; the layout is encodeMeta's)
//
// Decode checks every offset, count and id against the data before it is
// used, so a damaged or crafted input is an error, never a panic or an
// allocation larger than the input.

const metaBytes = 48

// ErrCorrupt is what Decode returns for input that is not Scripts' form.
var ErrCorrupt = errors.New("corrupt rows")

// WriteTo writes s's binary form to w.
func (s *Scripts) WriteTo(w io.Writer) (int64, error) {
	ew := &encWriter{w: w, buf: make([]byte, 0, 256<<10)}
	n := s.Len()
	nameBytes, idBytes := 0, 0
	if n > 0 {
		nameBytes, idBytes = int(s.nameOff[n]), int(s.idOff[n])
	}
	strs := s.strs
	if len(strs) == 0 {
		strs = []string{""}
	}
	strBytes := 0
	for _, t := range strs[1:] {
		strBytes += len(t)
	}
	for _, v := range [...]int{n, len(strs), strBytes, nameBytes, idBytes, len(s.elems)} {
		ew.u32(uint32(v))
	}
	for _, t := range strs[1:] {
		ew.u32(uint32(len(t)))
	}
	for _, t := range strs[1:] {
		ew.bytes(unsafe.Slice(unsafe.StringData(t), len(t)))
	}
	if n > 0 {
		ew.u32s(s.nameOff[1 : n+1])
		ew.bytes(s.names[:nameBytes])
		ew.u32s(s.idOff[1 : n+1])
		ew.bytes(s.ids[:idBytes])
	}
	ew.u32s(s.elems)
	for i := range s.meta {
		ew.buf = encodeMeta(ew.buf, &s.meta[i])
		ew.maybeFlush()
	}
	ew.flush()
	return ew.n, ew.err
}

// encWriter buffers writes into large blocks.
type encWriter struct {
	w   io.Writer
	buf []byte
	n   int64
	err error
}

func (e *encWriter) maybeFlush() {
	if len(e.buf) >= 240<<10 {
		e.flush()
	}
}

func (e *encWriter) flush() {
	if e.err == nil && len(e.buf) > 0 {
		var k int
		k, e.err = e.w.Write(e.buf)
		e.n += int64(k)
	}
	e.buf = e.buf[:0]
}

func (e *encWriter) u32(v uint32) {
	e.buf = binary.LittleEndian.AppendUint32(e.buf, v)
	e.maybeFlush()
}

func (e *encWriter) u32s(vs []uint32) {
	for _, v := range vs {
		e.buf = binary.LittleEndian.AppendUint32(e.buf, v)
		if len(e.buf) >= 240<<10 {
			e.flush()
		}
	}
}

func (e *encWriter) bytes(b []byte) {
	for len(b) > 0 {
		k := min(len(b), cap(e.buf)-len(e.buf))
		if k == 0 {
			e.flush()
			continue
		}
		e.buf = append(e.buf, b[:k]...)
		b = b[k:]
		e.maybeFlush()
	}
}

func encodeMeta(b []byte, m *meta) []byte {
	le := binary.LittleEndian
	b = le.AppendUint64(b, uint64(m.created))
	b = le.AppendUint64(b, uint64(m.modified))
	b = le.AppendUint32(b, m.createdNs)
	b = le.AppendUint32(b, m.modifiedNs)
	b = le.AppendUint32(b, m.elems)
	b = le.AppendUint32(b, m.date)
	b = le.AppendUint32(b, m.usage)
	b = le.AppendUint32(b, m.from)
	b = le.AppendUint16(b, m.nTags)
	b = le.AppendUint16(b, m.nHandlers)
	b = le.AppendUint16(b, m.tagLen)
	return append(b, m.bits, 0)
}

func decodeMeta(b []byte) meta {
	le := binary.LittleEndian
	_ = b[metaBytes-1]
	return meta{
		created:    int64(le.Uint64(b[0:])),
		modified:   int64(le.Uint64(b[8:])),
		createdNs:  le.Uint32(b[16:]),
		modifiedNs: le.Uint32(b[20:]),
		elems:      le.Uint32(b[24:]),
		date:       le.Uint32(b[28:]),
		usage:      le.Uint32(b[32:]),
		from:       le.Uint32(b[36:]),
		nTags:      le.Uint16(b[40:]),
		nHandlers:  le.Uint16(b[42:]),
		tagLen:     le.Uint16(b[44:]),
		bits:       b[46],
	}
}

// decoder reads the binary form; the first short read sets err.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n uint64) []byte {
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = ErrCorrupt
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u32() uint32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// ends reads n offsets that must not decrease and must end at total,
// with the implied 0 before them.
func (d *decoder) ends(n, total int) []uint32 {
	b := d.take(4 * uint64(n))
	if b == nil {
		return nil
	}
	out := make([]uint32, n+1)
	prev := uint32(0)
	for i := range n {
		v := binary.LittleEndian.Uint32(b[4*i:])
		if v < prev {
			d.err = ErrCorrupt
			return nil
		}
		out[i+1], prev = v, v
	}
	if int(prev) != total {
		d.err = ErrCorrupt
		return nil
	}
	return out
}

// Decode reads Scripts from their binary form, which must be all of b. The
// result does not share memory with b.
func Decode(b []byte) (Scripts, error) {
	d := &decoder{b: b}
	var h [6]uint32
	for k := range h {
		h[k] = d.u32()
	}
	if d.err != nil {
		return Scripts{}, ErrCorrupt
	}
	n, nstr, strBytes, nameBytes, idBytes, nelems := int(h[0]), int(h[1]), int(h[2]), int(h[3]), int(h[4]), int(h[5])
	// Everything asked for must be in the input: past this, allocations
	// stay within a small multiple of len(b).
	need := uint64(4)*uint64(nstr) + uint64(strBytes) + uint64(nameBytes) + uint64(idBytes) +
		uint64(n)*(8+metaBytes) + 4*uint64(nelems)
	if nstr < 1 || need > uint64(len(d.b))+4 || (n == 0 && nelems != 0) {
		return Scripts{}, fmt.Errorf("%w: header asks for more than the input holds", ErrCorrupt)
	}

	var s Scripts
	lens := d.take(4 * uint64(nstr-1))
	text := string(d.take(uint64(strBytes)))
	if d.err != nil {
		return Scripts{}, ErrCorrupt
	}
	s.strs = make([]string, nstr)
	off := 0
	for i := range nstr - 1 {
		l := int(binary.LittleEndian.Uint32(lens[4*i:]))
		if l > len(text)-off {
			return Scripts{}, fmt.Errorf("%w: string table", ErrCorrupt)
		}
		s.strs[i+1] = text[off : off+l]
		off += l
	}
	if off != len(text) {
		return Scripts{}, fmt.Errorf("%w: string table", ErrCorrupt)
	}

	s.nameOff = d.ends(n, nameBytes)
	s.names = append([]byte(nil), d.take(uint64(nameBytes))...)
	s.idOff = d.ends(n, idBytes)
	s.ids = append([]byte(nil), d.take(uint64(idBytes))...)
	eb := d.take(4 * uint64(nelems))
	mb := d.take(uint64(n) * metaBytes)
	if d.err != nil {
		return Scripts{}, fmt.Errorf("%w: offsets or arenas", ErrCorrupt)
	}
	if len(d.b) != 0 {
		return Scripts{}, fmt.Errorf("%w: %d bytes after the rows", ErrCorrupt, len(d.b))
	}
	s.elems = make([]uint32, nelems)
	for i := range s.elems {
		v := binary.LittleEndian.Uint32(eb[4*i:])
		if v >= uint32(nstr) {
			return Scripts{}, fmt.Errorf("%w: string id %d of %d", ErrCorrupt, v, nstr)
		}
		s.elems[i] = v
	}
	s.meta = make([]meta, n)
	for i := range s.meta {
		m := decodeMeta(mb[metaBytes*i:])
		end := uint32(nelems)
		if i+1 < n {
			end = binary.LittleEndian.Uint32(mb[metaBytes*(i+1)+24:])
		}
		switch {
		case m.elems > end || end > uint32(nelems) || (i == 0 && m.elems != 0),
			uint32(m.nTags)+uint32(m.nHandlers) > end-m.elems,
			m.date >= uint32(nstr) || m.usage >= uint32(nstr) || m.from >= uint32(nstr),
			m.bits&^bitsKnown != 0,
			m.createdNs >= 1e9 || m.modifiedNs >= 1e9,
			uint32(m.tagLen) > s.idOff[i+1]-s.idOff[i]:
			return Scripts{}, fmt.Errorf("%w: row %d", ErrCorrupt, i)
		}
		s.meta[i] = m
	}
	if n == 0 {
		s.nameOff, s.idOff = nil, nil
	}
	return s, nil
}
