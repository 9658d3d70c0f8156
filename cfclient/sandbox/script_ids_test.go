package sandbox

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Tags and etags of any form come back as they were set: hex ones from
// their raw bytes, others as given.
func TestScriptIDsKeepEveryValue(t *testing.T) {
	hex32, hex64 := "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	cases := []struct{ tag, etag string }{
		{hex32, hex64},
		{"", ""},
		{hex32, ""},
		{"0123456789ABCDEF0123456789ABCDEF", hex64}, // upper case is not canonical
		{hex32[:31], hex64},
		{hex32, hex64 + "0"},
		{"not hex at all, but a tag", "x"},
	}
	for _, c := range cases {
		var sc Script
		sc.setIDs(c.tag, c.etag)
		if sc.Tag() != c.tag || sc.ETag() != c.etag {
			t.Errorf("setIDs(%q, %q): got %q, %q", c.tag, c.etag, sc.Tag(), sc.ETag())
		}
		if raw := sc.ids.other == nil; raw != (c.tag == hex32 && c.etag == hex64) {
			t.Errorf("setIDs(%q, %q): kept raw %v", c.tag, c.etag, raw)
		}
		sc.setETag(hex64)
		if sc.Tag() != c.tag || sc.ETag() != hex64 {
			t.Errorf("after setETag: got %q, %q", sc.Tag(), sc.ETag())
		}
	}
	// randIDs draws what randHex(32) then randHex(64) drew.
	a, b := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
	sc := Script{ids: randIDs(a)}
	if tag, etag := randHex(b, 32), randHex(b, 64); sc.Tag() != tag || sc.ETag() != etag {
		t.Errorf("randIDs gave %q, %q; randHex %q, %q", sc.Tag(), sc.ETag(), tag, etag)
	}
}

// A stored time (UTC, whole microseconds) comes back equal and in UTC.
func TestMicroTimeKeepsStoredTimes(t *testing.T) {
	for _, tm := range []time.Time{
		fixedSeedNow(),
		time.Date(2025, 2, 8, 18, 59, 9, 78433000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Unix(0, 0).UTC(),
	} {
		got := microOf(tm).Time()
		if !got.Equal(tm) || got.Location() != time.UTC || got.Format(time.RFC3339Nano) != tm.Format(time.RFC3339Nano) {
			t.Errorf("%v came back as %v", tm, got)
		}
	}
	// Anything else is kept to the microsecond, in UTC.
	in := time.Date(2026, 1, 2, 3, 4, 5, 6007008, time.FixedZone("x", 3600))
	if got := microOf(in).Time(); !got.Equal(in.Truncate(time.Microsecond)) || got.Location() != time.UTC {
		t.Errorf("%v came back as %v", in, got)
	}
}
