package sandbox

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"time"
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

// microTime is an instant in whole microseconds since the Unix epoch: 8
// bytes where a time.Time takes 24. The times the sandbox stores are UTC
// and whole microseconds (Server.stamp, the seeder), so none is changed by
// it; a time from elsewhere is kept to the microsecond, in UTC.
type microTime int64

func microOf(t time.Time) microTime { return microTime(t.UnixMicro()) }

// Time returns the instant in UTC.
func (m microTime) Time() time.Time { return time.UnixMicro(int64(m)).UTC() }

// CreatedOn is when the script was first uploaded.
func (sc *Script) CreatedOn() time.Time { return sc.created.Time() }

// ModifiedOn is when the script last changed.
func (sc *Script) ModifiedOn() time.Time { return sc.modified.Time() }

// setModified sets ModifiedOn.
func (sc *Script) setModified(t time.Time) { sc.modified = microOf(t) }
