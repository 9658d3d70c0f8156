package sandbox

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
)

// Wrangler sends its first WebSocket message ({"debug":false}) unmasked,
// which RFC 6455 forbids and coder/websocket refuses ("received unmasked
// frame from client"); Cloudflare accepts it. The tail endpoint therefore
// hands coder/websocket a connection whose reads pass through maskFixer:
// every client frame that arrives without a mask gets the mask bit and an
// all-zero masking key, which leaves its payload as it is. Masked frames
// pass through untouched, so a conforming client sees no difference.

// maskingWriter wraps the ResponseWriter coder/websocket hijacks.
type maskingWriter struct {
	http.ResponseWriter
}

// Hijack hijacks the connection and returns it with frame reads fixed.
func (m maskingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := m.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Bytes the server already buffered come first, then the socket.
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	src := io.MultiReader(bytesReader(buffered), conn)
	fixed := &maskedConn{Conn: conn, r: &maskFixer{src: bufio.NewReader(src)}}
	return fixed, bufio.NewReadWriter(bufio.NewReader(fixed), brw.Writer), nil
}

func bytesReader(b []byte) io.Reader {
	c := make([]byte, len(b))
	copy(c, b)
	return &sliceReader{b: c}
}

type sliceReader struct{ b []byte }

func (s *sliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

// maskedConn is a net.Conn whose reads come through a maskFixer.
type maskedConn struct {
	net.Conn
	r io.Reader
}

func (c *maskedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// maskFixer rewrites a stream of client frames so that each is masked.
type maskFixer struct {
	src     *bufio.Reader
	out     []byte // header bytes not yet returned
	payload int64  // payload bytes of the current frame not yet returned
}

func (f *maskFixer) Read(p []byte) (int, error) {
	if len(f.out) == 0 && f.payload == 0 {
		if err := f.nextHeader(); err != nil {
			return 0, err
		}
	}
	if len(f.out) > 0 {
		n := copy(p, f.out)
		f.out = f.out[n:]
		return n, nil
	}
	if int64(len(p)) > f.payload {
		p = p[:f.payload]
	}
	n, err := f.src.Read(p)
	f.payload -= int64(n)
	if err == io.EOF && f.payload > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// nextHeader reads one frame header and queues it, masked.
func (f *maskFixer) nextHeader() error {
	var h [14]byte
	if _, err := io.ReadFull(f.src, h[:2]); err != nil {
		return err
	}
	n := 2
	switch l := h[1] & 0x7f; l {
	case 126:
		if _, err := io.ReadFull(f.src, h[2:4]); err != nil {
			return err
		}
		f.payload = int64(binary.BigEndian.Uint16(h[2:4]))
		n = 4
	case 127:
		if _, err := io.ReadFull(f.src, h[2:10]); err != nil {
			return err
		}
		f.payload = int64(binary.BigEndian.Uint64(h[2:10]))
		n = 10
	default:
		f.payload = int64(l)
	}
	if f.payload < 0 {
		return errors.New("websocket frame length out of range")
	}
	if h[1]&0x80 != 0 {
		if _, err := io.ReadFull(f.src, h[n:n+4]); err != nil {
			return err
		}
	} else {
		h[1] |= 0x80 // h[n:n+4] is already a zero key
	}
	f.out = append(f.out[:0], h[:n+4]...)
	return nil
}
