package tail

import (
	"encoding/json"
	"strings"
)

// headerList is a request's headers: names lower-cased, credential values
// redacted, sorted by name (decoded from the JSON object).
type headerList []Header

// UnmarshalJSON reads the headers object (encoding/json path).
func (h *headerList) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*h = make(headerList, 0, len(m))
	for k, v := range m {
		*h = append(*h, Header{Name: strings.ToLower(k), Value: Redact(k, v)})
	}
	return nil
}

// scanTrace reads a trace-v1 message with the scanner; errScan on
// anything unexpected.
func scanTrace(msg []byte, it *traceItem) error {
	// Strings are substrings of one copy of the message; compact moves what
	// the event keeps out of it.
	s := &scanner{b: msg, s: string(msg)}
	err := s.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "outcome":
			it.Outcome, err = s.str()
		case "scriptName":
			if !s.isNull() {
				var name string
				name, err = s.str()
				it.ScriptName = &name
			}
		case "dispatchNamespace":
			it.DispatchNamespace, err = s.str()
		case "scriptTags":
			if s.isNull() {
				return nil
			}
			err = s.array(func() error {
				t, err := s.str()
				it.ScriptTags = append(it.ScriptTags, t)
				return err
			})
		case "exceptions":
			if s.isNull() {
				return nil
			}
			err = s.array(func() error {
				var x traceException
				err := s.object(func(k []byte) error {
					var err error
					switch string(k) {
					case "name":
						x.Name, err = s.str()
					case "message":
						x.Message, err = s.skip()
					case "timestamp":
						var v float64
						v, err = s.num()
						x.Timestamp = int64(v)
					case "stack":
						x.Stack, err = s.str()
					default:
						_, err = s.skip()
					}
					return err
				})
				it.Exceptions = append(it.Exceptions, x)
				return err
			})
		case "logs":
			if s.isNull() {
				return nil
			}
			err = s.array(func() error {
				var l traceLog
				err := s.object(func(k []byte) error {
					var err error
					switch string(k) {
					case "message":
						if s.peek() != '[' {
							var raw []byte
							raw, err = s.skip()
							l.Message = []json.RawMessage{raw}
							return err
						}
						err = s.array(func() error {
							raw, err := s.skip()
							l.Message = append(l.Message, raw)
							return err
						})
					case "level":
						l.Level, err = s.str()
					case "timestamp":
						var v float64
						v, err = s.num()
						l.Timestamp = int64(v)
					default:
						_, err = s.skip()
					}
					return err
				})
				it.Logs = append(it.Logs, l)
				return err
			})
		case "eventTimestamp":
			if !s.isNull() {
				var v float64
				v, err = s.num()
				ts := int64(v)
				it.EventTimestamp = &ts
			}
		case "event":
			if !s.isNull() {
				it.Event = &traceEvent{}
				err = scanEvent(s, it.Event)
			}
		case "cpuTime":
			it.CPUTime, err = s.num()
		case "wallTime":
			it.WallTime, err = s.num()
		case "truncated":
			it.Truncated, err = s.boolean()
		default:
			_, err = s.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.end()
}

// scanEvent reads the event object.
func scanEvent(s *scanner, e *traceEvent) error {
	return s.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "request":
			if s.isNull() {
				return nil
			}
			e.Request = &traceRequest{}
			err = s.object(func(k []byte) error {
				var err error
				switch string(k) {
				case "url":
					e.Request.URL, err = s.str()
				case "method":
					e.Request.Method, err = s.str()
				case "headers":
					if s.isNull() {
						return nil
					}
					err = s.object(func(k []byte) error {
						v, err := s.str()
						name := string(k)
						e.Request.Headers = append(e.Request.Headers, Header{Name: strings.ToLower(name), Value: Redact(name, v)})
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
			e.Response = &traceResponse{}
			err = s.object(func(k []byte) error {
				if string(k) != "status" {
					_, err := s.skip()
					return err
				}
				v, err := s.num()
				e.Response.Status = int(v)
				return err
			})
		case "cron":
			e.Cron, err = s.str()
		case "scheduledTime":
			e.ScheduledTime, err = s.skip()
		case "queue":
			e.Queue, err = s.str()
		case "batchSize":
			var v float64
			v, err = s.num()
			e.BatchSize = int(v)
		case "mailFrom":
			e.MailFrom, err = s.str()
		case "rcptTo":
			e.RcptTo, err = s.str()
		case "rpcMethod":
			e.RPCMethod, err = s.str()
		case "type":
			e.Type, err = s.str()
		case "message":
			e.Message, err = s.str()
		case "consumedEvents":
			if s.isNull() {
				return nil
			}
			err = s.array(func() error {
				var c consumed
				err := s.object(func(k []byte) error {
					if string(k) != "scriptName" {
						_, err := s.skip()
						return err
					}
					var err error
					c.ScriptName, err = s.str()
					return err
				})
				e.ConsumedEvents = append(e.ConsumedEvents, c)
				return err
			})
		default:
			_, err = s.skip()
		}
		return err
	})
}
