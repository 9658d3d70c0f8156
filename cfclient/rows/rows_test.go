package rows

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
)

// sample is scripts that exercise every field and edge: hex and non-hex
// ids, nil and empty lists, the zero time, another zone, a long name.
func sample() []cfclient.Script {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)
	return []cfclient.Script{
		{
			Name: "acme-api", Tag: "0123456789abcdef0123456789abcdef", ETag: "ab" + fmt.Sprintf("%062x", 7),
			Tags: []string{"tier-pro", "customer-acme"}, Handlers: []string{"fetch"},
			CreatedOn: at, ModifiedOn: at.Add(time.Hour), CompatibilityDate: "2025-01-01",
			UsageModel: "standard", Logpush: true, HasModules: true,
		},
		{
			Name: "", Tag: "ABCDEF", ETag: "odd1", Tags: []string{}, Handlers: nil,
			CompatibilityFlags: []string{"nodejs_compat", "tier-pro"}, LastDeployedFrom: "wrangler", HasAssets: true,
		},
		{
			Name: "zone-\x00-name-" + string(bytes.Repeat([]byte("x"), 300)), Tag: "", ETag: "",
			Tags:       []string{"tier-pro", "customer-acme", "beta"},
			CreatedOn:  time.Date(2020, 1, 2, 3, 4, 5, 6, time.FixedZone("", -7*3600)),
			ModifiedOn: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		},
	}
}

// same compares a stored script with the original: times as instants (the
// rows keep them in UTC), everything else exactly.
func same(t *testing.T, i int, got, want cfclient.Script) {
	t.Helper()
	if !got.CreatedOn.Equal(want.CreatedOn) || !got.ModifiedOn.Equal(want.ModifiedOn) {
		t.Errorf("row %d times: got %v %v, want %v %v", i, got.CreatedOn, got.ModifiedOn, want.CreatedOn, want.ModifiedOn)
	}
	got.CreatedOn, got.ModifiedOn, want.CreatedOn, want.ModifiedOn = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("row %d:\n got %#v\nwant %#v", i, got, want)
	}
}

func TestScriptsKeepEveryField(t *testing.T) {
	in := sample()
	s := FromScripts(in)
	if s.Len() != len(in) {
		t.Fatalf("Len %d, want %d", s.Len(), len(in))
	}
	for i := range in {
		same(t, i, s.At(i), in[i])
		if s.Name(i) != in[i].Name {
			t.Errorf("Name(%d) = %q", i, s.Name(i))
		}
		if !reflect.DeepEqual(s.Tags(i), in[i].Tags) {
			t.Errorf("Tags(%d) = %#v, want %#v", i, s.Tags(i), in[i].Tags)
		}
		var ids []string
		for _, id := range s.TagIDs(i) {
			ids = append(ids, s.Str(id))
		}
		if len(ids) != len(in[i].Tags) {
			t.Errorf("TagIDs(%d) spell %v", i, ids)
		}
	}
	if s.At(0).CreatedOn.Location() != time.UTC || !s.At(1).CreatedOn.IsZero() {
		t.Errorf("times: %v, %v", s.At(0).CreatedOn, s.At(1).CreatedOn)
	}
	pro, ok := s.StrID("tier-pro")
	if !ok || !s.HasTag(0, pro) || s.HasTag(1, pro) || !s.HasTag(2, pro) {
		t.Errorf("HasTag tier-pro (id %d, %v) wrong", pro, ok)
	}
	if s.CompareModified(0, 2) <= 0 || s.CompareCreated(2, 0) >= 0 {
		t.Error("time order wrong")
	}
	text, starts := s.NamesText()
	for i := range in {
		if text[starts[i]:starts[i+1]] != in[i].Name {
			t.Errorf("NamesText name %d = %q", i, text[starts[i]:starts[i+1]])
		}
	}
}

// A snapshot never changes when its builder appends more.
func TestSnapshotsAreImmutable(t *testing.T) {
	in := sample()
	b := NewBuilder(1)
	b.Append(in[0])
	snap := b.Scripts()
	for range 100 {
		b.Append(in[1], in[2])
	}
	if snap.Len() != 1 || snap.Name(0) != "acme-api" {
		t.Fatalf("snapshot changed: %d rows", snap.Len())
	}
	same(t, 0, snap.At(0), in[0])
}

func TestCodecRoundTrip(t *testing.T) {
	for _, in := range [][]cfclient.Script{nil, sample()} {
		s := FromScripts(in)
		var buf bytes.Buffer
		n, err := s.WriteTo(&buf)
		if err != nil || n != int64(buf.Len()) {
			t.Fatalf("WriteTo: %d, %v (buffer %d)", n, err, buf.Len())
		}
		got, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if got.Len() != len(in) {
			t.Fatalf("decoded %d rows, want %d", got.Len(), len(in))
		}
		for i := range in {
			same(t, i, got.At(i), in[i])
		}
		// The decoded rows do not share the input.
		for i := range buf.Bytes() {
			buf.Bytes()[i] = 0xff
		}
		for i := range in {
			same(t, i, got.At(i), in[i])
		}
	}
}

// Every truncation and every single-byte change of an encoding is an
// error or a valid decode, never a panic.
func TestDecodeRejectsDamage(t *testing.T) {
	s := FromScripts(sample())
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for n := range len(good) {
		if _, err := Decode(good[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: err %v", n, err)
		}
	}
	if _, err := Decode(append(bytes.Clone(good), 0)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("trailing byte: err %v", err)
	}
	bad := 0
	for i := range good {
		for _, v := range []byte{0x00, 0x01, 0x7f, 0xff} {
			b := bytes.Clone(good)
			if b[i] == v {
				continue
			}
			b[i] = v
			got, err := Decode(b)
			if err != nil {
				bad++
				continue
			}
			for r := range got.Len() { // a valid decode must be readable
				_ = got.At(r)
				_ = got.Tags(r)
			}
		}
	}
	if bad == 0 {
		t.Fatal("no damaged input was rejected")
	}
	// A header that asks for a huge table is refused before allocating.
	huge := bytes.Clone(good)
	huge[4], huge[5], huge[6], huge[7] = 0xff, 0xff, 0xff, 0x7f
	if _, err := Decode(huge); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("huge header: err %v", err)
	}
}

func TestEditDropsAndRetags(t *testing.T) {
	in := sample()
	s := FromScripts(in)
	got := s.Edit(func(i int) bool { return i == 1 }, func(i int) []string {
		if i == 2 {
			return []string{"tier-free", "brand-new"}
		}
		return nil
	})
	if got.Len() != 2 {
		t.Fatalf("Len %d, want 2", got.Len())
	}
	same(t, 0, got.At(0), in[0])
	want := in[2]
	want.Tags = []string{"tier-free", "brand-new"}
	same(t, 1, got.At(1), want)
	// The original is as it was.
	for i := range in {
		same(t, i, s.At(i), in[i])
	}
	if _, ok := s.StrID("brand-new"); ok {
		t.Error("the original's string table grew")
	}
	var buf bytes.Buffer
	if _, err := got.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Decode(buf.Bytes())
	if err != nil || back.Len() != 2 {
		t.Fatalf("edited rows do not round-trip: %v", err)
	}
	same(t, 1, back.At(1), want)
}

func TestTimeKeysOrderAsTimes(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	times := []time.Time{
		base, base.Add(time.Nanosecond), base.Add(-time.Nanosecond), time.Unix(0, 0), time.Unix(-1, 999999999),
		time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2250, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	var in []cfclient.Script
	for _, at := range times {
		in = append(in, cfclient.Script{CreatedOn: at, ModifiedOn: at})
	}
	in = append(in, cfclient.Script{}, cfclient.Script{ModifiedOn: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)})
	s := FromScripts(in)
	for i := range in {
		for j := range in {
			ki, oki := s.TimeKey(i, false)
			kj, okj := s.TimeKey(j, false)
			c := s.CompareModified(i, j)
			if oki && okj && (ki < kj) != (c < 0) || (ki == kj) != (c == 0) && oki && okj {
				t.Errorf("keys of %v and %v order wrong", in[i].ModifiedOn, in[j].ModifiedOn)
			}
			if c < 0 && ki > kj {
				t.Errorf("%v < %v but key %x > %x", in[i].ModifiedOn, in[j].ModifiedOn, ki, kj)
			}
		}
	}
	if _, ok := s.TimeKey(len(in)-2, false); ok {
		t.Error("the zero time has an exact key")
	}
	if k, ok := s.TimeKey(len(in)-1, false); ok || k != math.MaxUint64 {
		t.Error("year 3000 is not the largest inexact key")
	}
}

func TestSelectIsAtForEachPosition(t *testing.T) {
	in := sample()
	in = append(in, in...)
	s := FromScripts(in)
	pos := []int32{5, 0, 3, 1, 2, 4, 0}
	got := s.Select(pos)
	for k, p := range pos {
		same(t, k, got[k], s.At(int(p)))
	}
	// The lists are capped: appending to one does not reach the next.
	_ = append(got[0].Tags, "x")
	same(t, 1, got[1], s.At(0))
	if len(s.Select(nil)) != 0 {
		t.Error("Select(nil) selected something")
	}
}
