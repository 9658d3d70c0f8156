package sandbox

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
)

// Lengths of a script's ids in hex characters.
const (
	tagHexLen  = 32
	etagHexLen = 64
)

// scriptIDs is a script's tag (32 lower-case hex characters) and etag (64)
// kept as their 48 raw bytes: at a million scripts that is 80 MB less than
// two strings each. A value of any other form (an empty tag, a state file
// written by hand) is kept as given in other.
type scriptIDs struct {
	raw   [(tagHexLen + etagHexLen) / 2]byte
	other *[2]string // tag, etag; nil when both are in raw
}

// Tag is the script's immutable id (32 hex characters).
func (sc *Script) Tag() string {
	if sc.ids.other != nil {
		return sc.ids.other[0]
	}
	return hex.EncodeToString(sc.ids.raw[:tagHexLen/2])
}

// ETag is the hash of the script's current code (64 hex characters).
func (sc *Script) ETag() string {
	if sc.ids.other != nil {
		return sc.ids.other[1]
	}
	return hex.EncodeToString(sc.ids.raw[tagHexLen/2:])
}

// setIDs sets the tag and the etag.
func (sc *Script) setIDs(tag, etag string) {
	if isLowerHex(tag, tagHexLen) && isLowerHex(etag, etagHexLen) {
		hex.Decode(sc.ids.raw[:tagHexLen/2], []byte(tag))
		hex.Decode(sc.ids.raw[tagHexLen/2:], []byte(etag))
		sc.ids.other = nil
		return
	}
	sc.ids.other = &[2]string{tag, etag}
}

// setETag replaces the etag, keeping the tag.
func (sc *Script) setETag(etag string) { sc.setIDs(sc.Tag(), etag) }

// isLowerHex reports whether s is n lower-case hex characters.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// randIDs draws a seeded script's tag and etag: the same generator draws,
// and so the same ids, as randHex(r, 32) then randHex(r, 64).
func randIDs(r *rand.Rand) scriptIDs {
	var ids scriptIDs
	for i := 0; i < len(ids.raw); i += 8 {
		binary.LittleEndian.PutUint64(ids.raw[i:], r.Uint64())
	}
	return ids
}
