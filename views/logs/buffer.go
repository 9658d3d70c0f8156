package logs

import (
	"strconv"
	"strings"

	"github.com/wfpconsole/wfp/cfclient/tail"
)

// DefaultCapacity is how many events the screen keeps (the oldest leave
// first).
const DefaultCapacity = 100_000

// entry is one buffered event and what the filter searches in it.
type entry struct {
	ev *tail.Event
	// hay is the event's searchable text, lower-cased once on arrival so a
	// filter over 100,000 events is a plain substring search.
	hay string
	seq uint64 // arrival order
}

// buffer is the ring of events and the shown (filtered) subsequence. The
// shown slice is a subsequence of the ring in arrival order, so the
// entries the ring drops are at its front.
type buffer struct {
	ring  []*entry
	start int // index of the oldest entry
	n     int
	next  uint64 // seq of the next entry

	shown []*entry
}

func newBuffer(capacity int) *buffer {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &buffer{ring: make([]*entry, capacity)}
}

// add appends an event; it reports whether the filter kept it. The oldest
// entry leaves when the ring is full (and the front of shown with it).
func (b *buffer) add(ev *tail.Event, f *filter) (*entry, bool) {
	e := &entry{ev: ev, hay: haystack(ev), seq: b.next}
	b.next++
	capacity := len(b.ring)
	if b.n == capacity {
		old := b.ring[b.start]
		b.ring[b.start] = e
		b.start = (b.start + 1) % capacity
		if len(b.shown) > 0 && b.shown[0] == old {
			b.shown[0] = nil
			b.shown = b.shown[1:]
		}
	} else {
		b.ring[(b.start+b.n)%capacity] = e
		b.n++
	}
	if !f.match(e) {
		return e, false
	}
	// Slicing the front off shrinks the capacity, so append moves the live
	// entries to a new array when it grows and the dropped ones are freed.
	b.shown = append(b.shown, e)
	return e, true
}

// at returns the i-th oldest entry.
func (b *buffer) at(i int) *entry { return b.ring[(b.start+i)%len(b.ring)] }

// refilter rebuilds shown with f, in arrival order, into a new slice (the
// table may still hold the old one).
func (b *buffer) refilter(f *filter) {
	shown := make([]*entry, 0, min(b.n, 1024))
	for i := range b.n {
		if e := b.at(i); f.match(e) {
			shown = append(shown, e)
		}
	}
	b.shown = shown
}

// events returns the shown events, oldest first, in a new slice.
func (b *buffer) events() []*tail.Event {
	out := make([]*tail.Event, len(b.shown))
	for i, e := range b.shown {
		out[i] = e.ev
	}
	return out
}

// haystack is the text a free-text filter searches: script, method, URL,
// outcome, status, trigger, notice, logs and exceptions, lower-cased as it
// is written (one allocation).
func haystack(ev *tail.Event) string {
	n := len(ev.Script) + len(ev.URL) + len(ev.Outcome) + len(ev.Method) + len(ev.Info) + len(ev.Trigger) + 16
	for _, l := range ev.Logs {
		n += len(l.Text) + 1
	}
	for _, x := range ev.Exceptions {
		n += len(x.Name) + len(x.Message) + 3
	}
	var sb strings.Builder
	sb.Grow(n)
	w := func(s string) {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 0x80 {
				// Not ASCII: the rest goes through the Unicode mapping.
				sb.WriteString(strings.ToLower(s[i:]))
				return
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			sb.WriteByte(c)
		}
	}
	w(ev.Script)
	sb.WriteByte(' ')
	w(ev.Method)
	sb.WriteByte(' ')
	w(ev.URL)
	sb.WriteByte(' ')
	w(ev.Outcome)
	if ev.Status != 0 {
		sb.WriteByte(' ')
		sb.WriteString(strconv.Itoa(ev.Status))
	}
	sb.WriteByte(' ')
	w(ev.Trigger)
	w(ev.Info)
	for _, l := range ev.Logs {
		sb.WriteByte('\n')
		w(l.Text)
	}
	for _, x := range ev.Exceptions {
		sb.WriteByte('\n')
		w(x.Name)
		sb.WriteString(": ")
		w(x.Message)
	}
	return sb.String()
}

// lower is strings.ToLower with an ASCII fast path that allocates nothing
// for text already lower-case.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return strings.ToLower(s)
		}
		if 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				} else if c >= 0x80 {
					return strings.ToLower(s)
				}
			}
			return string(b)
		}
	}
	return s
}
