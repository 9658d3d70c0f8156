package tail

import "strings"

// compact moves every string of ev into one allocation (the strings become
// substrings of it) and gives its slices exact sizes. A decoded event is
// made of some seventy small objects; a screen keeping 100,000 of them would
// make the garbage collector trace seven million. Compacted, an event is a
// handful of objects, and smaller.
func compact(ev *Event) {
	n := len(ev.ID) + len(ev.Outcome) + len(ev.Kind) + len(ev.Trigger) + len(ev.Method) + len(ev.URL) +
		len(ev.Script) + len(ev.Namespace) + len(ev.Info)
	for _, t := range ev.Tags {
		n += len(t)
	}
	for _, l := range ev.Logs {
		n += len(l.Level) + len(l.Text) + len(l.Args)
	}
	for _, x := range ev.Exceptions {
		n += len(x.Name) + len(x.Message) + len(x.Stack)
	}
	for _, h := range ev.Headers {
		n += len(h.Name) + len(h.Value)
	}
	var b strings.Builder
	b.Grow(n)
	spans := make([]*string, 0, 16+len(ev.Tags)+3*len(ev.Logs)+3*len(ev.Exceptions)+2*len(ev.Headers))
	add := func(p *string) {
		spans = append(spans, p)
		b.WriteString(*p)
	}
	add(&ev.ID)
	add(&ev.Outcome)
	add(&ev.Kind)
	add(&ev.Trigger)
	add(&ev.Method)
	add(&ev.URL)
	add(&ev.Script)
	add(&ev.Namespace)
	add(&ev.Info)
	if len(ev.Tags) > 0 {
		ev.Tags = append([]string(nil), ev.Tags...)
		for i := range ev.Tags {
			add(&ev.Tags[i])
		}
	}
	if len(ev.Logs) > 0 {
		ev.Logs = append([]Log(nil), ev.Logs...)
		for i := range ev.Logs {
			add(&ev.Logs[i].Level)
			add(&ev.Logs[i].Text)
			add(&ev.Logs[i].Args)
		}
	}
	if len(ev.Exceptions) > 0 {
		ev.Exceptions = append([]Exception(nil), ev.Exceptions...)
		for i := range ev.Exceptions {
			add(&ev.Exceptions[i].Name)
			add(&ev.Exceptions[i].Message)
			add(&ev.Exceptions[i].Stack)
		}
	}
	if len(ev.Headers) > 0 {
		ev.Headers = append([]Header(nil), ev.Headers...)
		for i := range ev.Headers {
			add(&ev.Headers[i].Name)
			add(&ev.Headers[i].Value)
		}
	}
	all := b.String()
	at := 0
	for _, p := range spans {
		l := len(*p)
		*p = all[at : at+l]
		at += l
	}
}
