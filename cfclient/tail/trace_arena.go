package tail

import (
	"encoding/json"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fast path of DecodeTrace: the scanner reads the message once and
// writes every piece of text the event keeps (already unescaped, header
// names lower-cased, credentials replaced, console arguments joined) into
// one arena, recording where each piece is; the arena becomes one string
// and the event's fields are substrings of it. No other copy of the text
// is made: the event needs no compact, and a message costs a few
// allocations instead of dozens.

// span is a piece of the arena.
type span struct{ off, n int }

type fastHeader struct {
	name, value span
	redacted    bool
}

type fastLog struct {
	level, text, args span
	ts                int64
}

type fastExc struct {
	name, msg, stack span
	ts               int64
}

// fastItem is a message as spans of the arena.
type fastItem struct {
	outcome, script, ns span
	hasScript           bool
	tags                []span
	logs                []fastLog
	exc                 []fastExc
	ts                  int64
	hasTS               bool
	cpu, wall           float64
	truncated           bool

	hasReq, hasResp                                  bool
	url, method                                      span
	headers                                          []fastHeader
	status                                           int
	cron, queue, mailFrom, rcptTo, rpc, typ, message span
	batch                                            int
	scheduled                                        bool
	consumed                                         []span
}

// arena is the text being written and the scanner reading the message.
type arena struct {
	s scanner
	b strings.Builder
}

// put writes raw bytes and returns their span.
func (a *arena) put(p []byte) span {
	off := a.b.Len()
	a.b.Write(p)
	return span{off, len(p)}
}

// str reads a JSON string (or null) into the arena.
func (a *arena) str() (span, error) {
	s := &a.s
	switch s.peek() {
	case 'n':
		return span{a.b.Len(), 0}, s.literal("null")
	case '"':
	default:
		return span{}, errScan
	}
	start := s.i
	escaped := false
	for j := start + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '\\':
			escaped = true
			j++
		case c == '"':
			s.i = j + 1
			raw := s.b[start+1 : j]
			if !escaped {
				if !validUTF8(raw) {
					return span{}, errScan
				}
				return a.put(raw), nil
			}
			var out string
			if err := json.Unmarshal(s.b[start:j+1], &out); err != nil {
				return span{}, errScan
			}
			off := a.b.Len()
			a.b.WriteString(out)
			return span{off, len(out)}, nil
		case c < 0x20:
			return span{}, errScan
		}
	}
	return span{}, errScan
}

// arg reads one console argument as text: a string unquoted, anything else
// as its JSON; raw is the argument's JSON.
func (a *arena) arg() (text span, raw []byte, err error) {
	if a.s.peek() == '"' {
		save := a.s.i
		if text, err = a.str(); err != nil {
			return span{}, nil, err
		}
		return text, a.s.b[save:a.s.i], nil
	}
	raw, err = a.s.skip()
	if err != nil {
		return span{}, nil, err
	}
	return a.put(raw), raw, nil
}

// decodeFast decodes a trace-v1 message on the fast path; false when the
// message holds anything it does not take.
func decodeFast(msg []byte) (Event, bool) {
	a := &arena{s: scanner{b: msg}}
	a.b.Grow(len(msg) / 2)
	var it fastItem
	if scanItem(a, &it) != nil || a.s.end() != nil {
		return Event{}, false
	}
	h := fnv.New64a()
	h.Write(msg)
	var idBuf [16]byte
	id := a.put(strconv.AppendUint(append(idBuf[:0], 't'), h.Sum64(), 36))
	text := a.b.String()
	if a.b.Cap() > len(text)+len(text)/8 {
		// The events are kept by the 100,000: not the builder's slack too.
		text = strings.Clone(text)
	}
	at := func(sp span) string { return text[sp.off : sp.off+sp.n] }

	ev := Event{ID: at(id), Origin: FromLive, Outcome: at(it.outcome), Namespace: at(it.ns),
		CPUMs: it.cpu, WallMs: it.wall, Truncated: it.truncated}
	if it.hasScript {
		ev.Script = at(it.script)
	}
	if it.hasTS {
		ev.Time = time.UnixMilli(it.ts)
	}
	if len(it.tags) > 0 {
		ev.Tags = make([]string, len(it.tags))
		for i, t := range it.tags {
			ev.Tags[i] = at(t)
		}
	}
	if len(it.logs) > 0 {
		ev.Logs = make([]Log, len(it.logs))
		for i, l := range it.logs {
			ev.Logs[i] = Log{Level: at(l.level), Text: at(l.text), Args: at(l.args), Time: time.UnixMilli(l.ts)}
		}
	}
	if len(it.exc) > 0 {
		ev.Exceptions = make([]Exception, len(it.exc))
		for i, x := range it.exc {
			ev.Exceptions[i] = Exception{Name: at(x.name), Message: at(x.msg), Stack: at(x.stack), Time: time.UnixMilli(x.ts)}
		}
	}
	// The trigger, in wrangler's order of checks (see classify).
	switch {
	case it.cron.n > 0:
		ev.Kind, ev.Trigger = "cron", at(it.cron)
	case it.hasReq:
		ev.Kind, ev.Method, ev.URL = "fetch", strings.ToUpper(at(it.method)), at(it.url)
		if len(it.headers) > 0 {
			ev.Headers = make([]Header, len(it.headers))
			for i, hd := range it.headers {
				v := "REDACTED"
				if !hd.redacted {
					v = at(hd.value)
				}
				ev.Headers[i] = Header{Name: at(hd.name), Value: v}
			}
			slices.SortFunc(ev.Headers, func(a, b Header) int { return strings.Compare(a.Name, b.Name) })
		}
		if it.hasResp {
			ev.Status = it.status
		}
	case it.mailFrom.n > 0:
		ev.Kind, ev.Trigger = "email", "from "+at(it.mailFrom)+" to "+at(it.rcptTo)
	case it.scheduled:
		ev.Kind, ev.Trigger = "alarm", "alarm"
	case len(it.consumed) > 0:
		var names []string
		for _, c := range it.consumed {
			if n := at(c); n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		ev.Kind, ev.Trigger = "tail", "tailing "+strings.Join(names, ",")
	case it.typ.n > 0 && it.message.n > 0:
		ev.Kind, ev.Info, ev.Trigger = "info", at(it.message), at(it.typ)
		ev.Overload = ev.Trigger == "overload"
	case it.queue.n > 0:
		ev.Kind, ev.Trigger = "queue", at(it.queue)+" ("+strconv.Itoa(it.batch)+" messages)"
	case it.rpc.n > 0:
		ev.Kind, ev.Trigger = "rpc", at(it.rpc)
	}
	return ev, true
}

// num reads a number into an int64.
func (a *arena) int() (int64, error) {
	v, err := a.s.num()
	return int64(v), err
}

// scanItem reads the top-level object.
func scanItem(a *arena, it *fastItem) error {
	s := &a.s
	return s.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "outcome":
			it.outcome, err = a.str()
		case "scriptName":
			if !s.isNull() {
				it.script, err = a.str()
				it.hasScript = true
			}
		case "dispatchNamespace":
			it.ns, err = a.str()
		case "scriptTags":
			if s.isNull() {
				return nil
			}
			err = s.array(func() error {
				t, err := a.str()
				it.tags = append(it.tags, t)
				return err
			})
		case "exceptions":
			if s.isNull() {
				return nil
			}
			err = s.array(func() error { return scanException(a, it) })
		case "logs":
			if s.isNull() {
				return nil
			}
			err = s.array(func() error { return scanLog(a, it) })
		case "eventTimestamp":
			if !s.isNull() {
				it.ts, err = a.int()
				it.hasTS = true
			}
		case "event":
			if !s.isNull() {
				err = scanEventInto(a, it)
			}
		case "cpuTime":
			it.cpu, err = s.num()
		case "wallTime":
			it.wall, err = s.num()
		case "truncated":
			it.truncated, err = s.boolean()
		default:
			_, err = s.skip()
		}
		return err
	})
}

// scanException reads one exception.
func scanException(a *arena, it *fastItem) error {
	var x fastExc
	err := a.s.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "name":
			x.name, err = a.str()
		case "message":
			x.msg, _, err = a.arg()
		case "timestamp":
			x.ts, err = a.int()
		case "stack":
			x.stack, err = a.str()
		default:
			_, err = a.s.skip()
		}
		return err
	})
	it.exc = append(it.exc, x)
	return err
}

// scanLog reads one console line: its arguments joined as text, and their
// JSON array when they are not one string.
func scanLog(a *arena, it *fastItem) error {
	var l fastLog
	s := &a.s
	err := s.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "message":
			if s.peek() != '[' {
				l.text, _, err = a.arg()
				return err
			}
			var raws [][]byte
			strs := 0
			start := a.b.Len()
			err = s.array(func() error {
				if len(raws) > 0 {
					a.b.WriteByte(' ')
				}
				if s.peek() == '"' {
					strs++
				}
				_, raw, err := a.arg()
				raws = append(raws, raw)
				return err
			})
			l.text = span{start, a.b.Len() - start}
			if err == nil && !(len(raws) == 1 && strs == 1) {
				off := a.b.Len()
				a.b.WriteByte('[')
				for i, r := range raws {
					if i > 0 {
						a.b.WriteByte(',')
					}
					a.b.Write(r)
				}
				a.b.WriteByte(']')
				l.args = span{off, a.b.Len() - off}
			}
		case "level":
			l.level, err = a.str()
		case "timestamp":
			l.ts, err = a.int()
		default:
			_, err = s.skip()
		}
		return err
	})
	it.logs = append(it.logs, l)
	return err
}

// scanEventInto reads the event object.
func scanEventInto(a *arena, it *fastItem) error {
	s := &a.s
	return s.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "request":
			if s.isNull() {
				return nil
			}
			it.hasReq = true
			err = s.object(func(k []byte) error {
				var err error
				switch string(k) {
				case "url":
					it.url, err = a.str()
				case "method":
					it.method, err = a.str()
				case "headers":
					if s.isNull() {
						return nil
					}
					err = s.object(func(k []byte) error {
						for _, c := range k {
							if c >= 0x80 {
								return errScan // Unicode case rules: the slow path
							}
						}
						h := fastHeader{name: a.putLower(k)}
						if redacts(a.bytes(h.name)) {
							h.redacted = true
							_, err := s.skip()
							it.headers = append(it.headers, h)
							return err
						}
						var err error
						h.value, err = a.str()
						it.headers = append(it.headers, h)
						return err
					})
				default:
					_, err = s.skip()
				}
				return err
			})
		case "response":
			if s.isNull() {
				return nil
			}
			it.hasResp = true
			err = s.object(func(k []byte) error {
				if string(k) != "status" {
					_, err := s.skip()
					return err
				}
				v, err := a.int()
				it.status = int(v)
				return err
			})
		case "cron":
			it.cron, err = a.str()
		case "scheduledTime":
			it.scheduled = !s.isNull()
			if it.scheduled {
				_, err = s.skip()
			}
		case "queue":
			it.queue, err = a.str()
		case "batchSize":
			var v int64
			v, err = a.int()
			it.batch = int(v)
		case "mailFrom":
			it.mailFrom, err = a.str()
		case "rcptTo":
			it.rcptTo, err = a.str()
		case "rpcMethod":
			it.rpc, err = a.str()
		case "type":
			it.typ, err = a.str()
		case "message":
			it.message, err = a.str()
		case "consumedEvents":
			if s.isNull() {
				return nil
			}
			err = s.array(func() error {
				return s.object(func(k []byte) error {
					if string(k) != "scriptName" {
						_, err := s.skip()
						return err
					}
					sp, err := a.str()
					it.consumed = append(it.consumed, sp)
					return err
				})
			})
		default:
			_, err = s.skip()
		}
		return err
	})
}

// putLower writes p lower-cased (ASCII) and returns its span.
func (a *arena) putLower(p []byte) span {
	off := a.b.Len()
	for _, c := range p {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		a.b.WriteByte(c)
	}
	return span{off, len(p)}
}

// bytes is a span's text so far (a copy-free look while writing: the
// builder's String shares its bytes and is only read here).
func (a *arena) bytes(sp span) string {
	return a.b.String()[sp.off : sp.off+sp.n]
}
