package tail

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// A small JSON reader for the trace-v1 hot path. encoding/json validates a
// message whole before decoding it and allocates for every key it skips; a
// live tail decodes every event, so DecodeTrace reads the fields it needs
// with this reader and skips the rest in place. Anything it does not expect
// makes it give up (errScan), and encoding/json decodes the message
// instead, with its exact errors.

var errScan = errors.New("scan: unexpected input")

// scanner reads one JSON text.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the next non-space byte (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// expect consumes c or fails.
func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return errScan
	}
	s.i++
	return nil
}

// object calls f with each key of an object, positioned on its value; f
// must consume the value.
func (s *scanner) object(f func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		key, err := s.rawString()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := f(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errScan
		}
	}
}

// array calls f for each element, positioned on it; f must consume it.
func (s *scanner) array(f func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := f(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return errScan
		}
	}
}

// rawString returns a string's bytes without its quotes, unescaped only
// when it holds no escape (else errScan: the slow path unescapes).
func (s *scanner) rawString() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errScan
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return s.b[start:j], nil
		case c == '\\' || c < 0x20:
			return nil, errScan
		}
	}
	return nil, errScan
}

// skipString consumes a string without decoding it (an escape is taken as
// a backslash and the byte after it).
func (s *scanner) skipString() error {
	if s.peek() != '"' {
		return errScan
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '\\':
			j++
		case c == '"':
			s.i = j + 1
			return nil
		case c < 0x20:
			return errScan
		}
	}
	return errScan
}

// validUTF8 reports whether p is valid UTF-8 (encoding/json would replace
// what is not; the fast path leaves that to it).
func validUTF8(p []byte) bool { return utf8.Valid(p) }

// num reads a number (null is 0).
func (s *scanner) num() (float64, error) {
	c := s.peek()
	if c == 'n' {
		return 0, s.literal("null")
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	if s.i == start {
		return 0, errScan
	}
	v, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	if err != nil {
		return 0, errScan
	}
	return v, nil
}

// boolean reads true, false or null (false).
func (s *scanner) boolean() (bool, error) {
	switch s.peek() {
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	case 'n':
		return false, s.literal("null")
	}
	return false, errScan
}

func (s *scanner) literal(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return errScan
	}
	s.i += len(lit)
	return nil
}

// isNull consumes a null if one is next.
func (s *scanner) isNull() bool {
	if s.peek() == 'n' && s.literal("null") == nil {
		return true
	}
	return false
}

// skip consumes any value and returns its bytes.
func (s *scanner) skip() ([]byte, error) {
	c := s.peek()
	start := s.i
	var err error
	switch c {
	case '{':
		err = s.object(func([]byte) error { _, err := s.skip(); return err })
	case '[':
		err = s.array(func() error { _, err := s.skip(); return err })
	case '"':
		err = s.skipString()
	case 't':
		err = s.literal("true")
	case 'f':
		err = s.literal("false")
	case 'n':
		err = s.literal("null")
	default:
		_, err = s.num()
	}
	if err != nil {
		return nil, err
	}
	return s.b[start:s.i], nil
}

// end checks that nothing but space follows.
func (s *scanner) end() error {
	if s.peek() != 0 {
		return errScan
	}
	return nil
}
