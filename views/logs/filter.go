package logs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wfpconsole/wfp/cfclient/tail"
)

// filter is a parsed `/` filter: every term must hold. Terms are
//
//	status:5xx  status:404  status:4xx,5xx     the response status
//	outcome:exception  outcome:error           the outcome (error: any but ok and canceled)
//	script:tenant-42                            the script's name contains it
//	level:error  level:warn                     a console line at that level or worse (an exception counts as error)
//	method:POST                                 the request method
//	anything else                               text in the script, URL, logs or exceptions
//
// A term starting with "!" is negated. Everything is case-insensitive.
type filter struct {
	src   string
	terms []term
}

// term is one condition.
type term struct {
	negate bool
	match  func(e *entry) bool
}

// levelRank ranks a console level (false for an unknown one).
func levelRank(level string) (int, bool) {
	switch level {
	case "debug":
		return 0, true
	case "log", "info":
		return 1, true
	case "warn", "warning":
		return 2, true
	case "error":
		return 3, true
	}
	return 0, false
}

// parseFilter parses what the operator typed; errors name the term and
// the rule.
func parseFilter(s string) (*filter, error) {
	f := &filter{src: strings.TrimSpace(s)}
	for _, word := range strings.Fields(s) {
		t := term{}
		if strings.HasPrefix(word, "!") && len(word) > 1 {
			t.negate, word = true, word[1:]
		}
		key, val, structured := strings.Cut(word, ":")
		key = strings.ToLower(key)
		if !structured || val == "" || !isKey(key) {
			needle := lower(word)
			t.match = func(e *entry) bool { return strings.Contains(e.hay, needle) }
			f.terms = append(f.terms, t)
			continue
		}
		m, err := structuredTerm(key, val)
		if err != nil {
			return nil, err
		}
		t.match = m
		f.terms = append(f.terms, t)
	}
	return f, nil
}

func isKey(k string) bool {
	switch k {
	case "status", "outcome", "script", "level", "method":
		return true
	}
	return false
}

// structuredTerm builds the matcher of key:val.
func structuredTerm(key, val string) (func(e *entry) bool, error) {
	switch key {
	case "status":
		var ms []func(int) bool
		for _, v := range strings.Split(val, ",") {
			v = strings.ToLower(v)
			switch {
			case len(v) == 3 && v[1:] == "xx" && v[0] >= '1' && v[0] <= '5':
				lo := int(v[0]-'0') * 100
				ms = append(ms, func(s int) bool { return s >= lo && s < lo+100 })
			default:
				n, err := strconv.Atoi(v)
				if err != nil || n < 100 || n > 599 {
					return nil, fmt.Errorf("status:%s: a status is 100 to 599, or 1xx to 5xx", val)
				}
				ms = append(ms, func(s int) bool { return s == n })
			}
		}
		return func(e *entry) bool {
			for _, m := range ms {
				if m(e.ev.Status) {
					return true
				}
			}
			return false
		}, nil
	case "outcome":
		want := strings.Split(strings.ToLower(val), ",")
		for _, w := range want {
			if !knownOutcome(w) {
				return nil, fmt.Errorf("outcome:%s: one of ok, error, exception, exceededcpu (or cpu), exceededmemory (or memory), canceled, unknown", val)
			}
		}
		return func(e *entry) bool {
			for _, w := range want {
				if outcomeIs(e.ev, w) {
					return true
				}
			}
			return false
		}, nil
	case "script":
		needle := lower(val)
		return func(e *entry) bool { return strings.Contains(lower(e.ev.Script), needle) }, nil
	case "method":
		want := strings.ToUpper(val)
		return func(e *entry) bool { return e.ev.Method == want }, nil
	case "level":
		least, ok := levelRank(strings.ToLower(val))
		if !ok {
			return nil, fmt.Errorf("level:%s: one of debug, log, info, warn, error", val)
		}
		return func(e *entry) bool { return worstLevel(e.ev) >= least }, nil
	}
	return nil, fmt.Errorf("%s: not a filter key", key)
}

func knownOutcome(w string) bool {
	switch w {
	case "ok", "error", "exception", "exceededcpu", "cpu", "exceededmemory", "memory", "canceled", "unknown":
		return true
	}
	return false
}

// outcomeIs reports whether ev's outcome is w (lower-cased; error is any
// error outcome).
func outcomeIs(ev *tail.Event, w string) bool {
	switch w {
	case "error":
		return ev.Errored()
	case "cpu":
		w = "exceededcpu"
	case "memory":
		w = "exceededmemory"
	}
	return strings.EqualFold(ev.Outcome, w)
}

// worstLevel is the most severe console level of ev (an exception or an
// error outcome counts as error); -1 when it has no lines.
func worstLevel(ev *tail.Event) int {
	if len(ev.Exceptions) > 0 {
		return 3
	}
	worst := -1
	for _, l := range ev.Logs {
		if r, ok := levelRank(l.Level); ok && r > worst {
			worst = r
		}
	}
	return worst
}

// match reports whether every term holds (a nil or empty filter keeps all).
func (f *filter) match(e *entry) bool {
	if f == nil {
		return true
	}
	for _, t := range f.terms {
		if t.match(e) == t.negate {
			return false
		}
	}
	return true
}

// empty reports a filter that keeps everything.
func (f *filter) empty() bool { return f == nil || len(f.terms) == 0 }
