package sandbox

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The keys a Workers Logs query can filter, group and calculate on. Each
// event answers a key with a string, a number or (for $workers.scriptTags)
// a list of strings; a key an event does not have is absent. Short aliases
// (status, level, outcome, scriptName, service, method, url, message,
// error) name the same values as their $metadata/$workers keys.

// fieldKind is a key's type as the keys endpoint reports it.
type fieldKind string

const (
	kindString fieldKind = "string"
	kindNumber fieldKind = "number"
	kindBool   fieldKind = "boolean"
)

// fieldValue is one event's value of a key.
type fieldValue struct {
	str  string
	num  float64
	list []string
	kind fieldKind
}

// field reads a key of an event.
type field struct {
	kind fieldKind
	get  func(ev *traceEvent) (fieldValue, bool)
}

func strField(f func(ev *traceEvent) string) field {
	return field{kind: kindString, get: func(ev *traceEvent) (fieldValue, bool) {
		v := f(ev)
		return fieldValue{str: v, kind: kindString}, v != ""
	}}
}

func numField(f func(ev *traceEvent) (float64, bool)) field {
	return field{kind: kindNumber, get: func(ev *traceEvent) (fieldValue, bool) {
		v, ok := f(ev)
		return fieldValue{num: v, kind: kindNumber}, ok
	}}
}

// telemetryFields are the keys, by name; telemetryKeyNames lists the
// canonical ones (the keys endpoint's answer), in this order.
var telemetryKeyNames = []string{
	"$metadata.id", "$metadata.requestId", "$metadata.service", "$metadata.level", "$metadata.message",
	"$metadata.error", "$metadata.statusCode", "$metadata.trigger", "$metadata.url", "$metadata.type",
	"$metadata.startTime", "$metadata.duration",
	"$workers.scriptName", "$workers.dispatchNamespace", "$workers.outcome", "$workers.eventType",
	"$workers.cpuTimeMs", "$workers.wallTimeMs", "$workers.requestId", "$workers.scriptVersion.id",
	"$workers.scriptTags", "$workers.event.request.method", "$workers.event.request.url",
	"$workers.event.request.cf.colo", "$workers.event.request.cf.country",
	"$workers.event.request.headers.cf-connecting-ip", "$workers.event.response.status",
}

// lookupField resolves a key (or alias) to its reader.
func lookupField(key string) (field, bool) {
	if a, ok := fieldAliases[key]; ok {
		key = a
	}
	f, ok := fieldTable()[key]
	return f, ok
}

var fieldAliases = map[string]string{
	"status": "$workers.event.response.status", "level": "$metadata.level", "outcome": "$workers.outcome",
	"scriptName": "$workers.scriptName", "service": "$metadata.service", "method": "$workers.event.request.method",
	"url": "$workers.event.request.url", "message": "$metadata.message", "error": "$metadata.error",
	"timestamp": "$metadata.startTime", "$workers.event.rayId": "$workers.requestId",
}

func fieldTable() map[string]field {
	status := numField(func(ev *traceEvent) (float64, bool) { return float64(ev.status), ev.status != 0 })
	script := strField(func(ev *traceEvent) string { return ev.script })
	reqID := strField(func(ev *traceEvent) string { return ev.requestID })
	url := strField(func(ev *traceEvent) string { return ev.url })
	return map[string]field{
		"$metadata.id":               strField(func(ev *traceEvent) string { return ev.id }),
		"$metadata.requestId":        reqID,
		"$metadata.service":          script,
		"$metadata.level":            strField((*traceEvent).level),
		"$metadata.message":          strField((*traceEvent).message),
		"$metadata.error":            strField((*traceEvent).errorText),
		"$metadata.statusCode":       status,
		"$metadata.trigger":          strField(func(ev *traceEvent) string { return ev.method + " " + ev.path }),
		"$metadata.url":              url,
		"$metadata.type":             strField(func(*traceEvent) string { return "cf-worker-event" }),
		"$metadata.startTime":        numField(func(ev *traceEvent) (float64, bool) { return float64(ev.ts), true }),
		"$metadata.duration":         numField(func(ev *traceEvent) (float64, bool) { return float64(ev.wallMs), true }),
		"$workers.scriptName":        script,
		"$workers.dispatchNamespace": strField(func(ev *traceEvent) string { return ev.namespace }),
		"$workers.outcome":           strField(func(ev *traceEvent) string { return ev.outcome }),
		"$workers.eventType":         strField(func(*traceEvent) string { return "fetch" }),
		"$workers.cpuTimeMs":         numField(func(ev *traceEvent) (float64, bool) { return float64(ev.cpuMs), true }),
		"$workers.wallTimeMs":        numField(func(ev *traceEvent) (float64, bool) { return float64(ev.wallMs), true }),
		"$workers.requestId":         reqID,
		"$workers.scriptVersion.id":  strField(func(ev *traceEvent) string { return ev.version }),
		"$workers.scriptTags": {kind: kindString, get: func(ev *traceEvent) (fieldValue, bool) {
			return fieldValue{list: ev.tags, kind: kindString}, len(ev.tags) > 0
		}},
		"$workers.event.request.method":                   strField(func(ev *traceEvent) string { return ev.method }),
		"$workers.event.request.url":                      url,
		"$workers.event.request.cf.colo":                  strField(func(ev *traceEvent) string { return ev.colo }),
		"$workers.event.request.cf.country":               strField(func(ev *traceEvent) string { return ev.country }),
		"$workers.event.request.headers.cf-connecting-ip": strField(func(ev *traceEvent) string { return ev.clientIP }),
		"$workers.event.response.status":                  status,
	}
}

// filterNode is a parsed filter: a leaf (key, operation, value) or a group
// of filters combined with "and" or "or".
type filterNode struct {
	children []filterNode
	or       bool
	group    bool

	key   string
	f     field
	op    string // normalised: eq neq gt gte lt lte includes not_includes starts_with regex exists is_null in not_in
	value []string
	num   []float64
	re    *regexp.Regexp
}

var opAliases = map[string]string{
	"=": "eq", "!=": "neq", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte",
	"INCLUDES": "includes", "DOES_NOT_INCLUDE": "not_includes", "MATCH_REGEX": "regex",
	"EXISTS": "exists", "DOES_NOT_EXIST": "is_null", "IN": "in", "NOT_IN": "not_in", "STARTS_WITH": "starts_with",
}

var knownOps = map[string]bool{"eq": true, "neq": true, "gt": true, "gte": true, "lt": true, "lte": true,
	"includes": true, "not_includes": true, "starts_with": true, "regex": true, "exists": true,
	"is_null": true, "in": true, "not_in": true}

// parseFilter checks one filter (at path, for error messages).
func parseFilter(raw map[string]any, path string, depth int) (filterNode, *apiError) {
	if depth > 4 {
		return filterNode{}, errInvalid("%s: filter groups nest at most 4 deep", path)
	}
	if sub, isGroup := raw["filters"]; isGroup || raw["kind"] == "group" {
		list, ok := sub.([]any)
		if !ok {
			return filterNode{}, errInvalid("%s.filters must be a list of filters", path)
		}
		n := filterNode{group: true}
		switch c := raw["filterCombination"]; c {
		case nil, "and", "AND":
		case "or", "OR":
			n.or = true
		default:
			return filterNode{}, errInvalid("%s.filterCombination must be \"and\" or \"or\", not %v", path, c)
		}
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				return filterNode{}, errInvalid("%s.filters[%d] must be an object", path, i)
			}
			c, e := parseFilter(m, fmt.Sprintf("%s.filters[%d]", path, i), depth+1)
			if e != nil {
				return filterNode{}, e
			}
			n.children = append(n.children, c)
		}
		return n, nil
	}
	key, _ := raw["key"].(string)
	if key == "" {
		return filterNode{}, errInvalid("%s.key is required (a key such as $workers.scriptName)", path)
	}
	f, ok := lookupField(key)
	if !ok {
		return filterNode{}, errInvalid("%s.key %q is not a known key (see the telemetry keys endpoint)", path, key)
	}
	op, _ := raw["operation"].(string)
	if a, ok := opAliases[op]; ok {
		op = a
	}
	if !knownOps[op] {
		return filterNode{}, errInvalid("%s.operation %q is not supported (eq, neq, gt, gte, lt, lte, includes, not_includes, starts_with, regex, exists, is_null, in, not_in)", path, raw["operation"])
	}
	n := filterNode{key: key, f: f, op: op}
	if op == "exists" || op == "is_null" {
		return n, nil
	}
	vals, e := filterValues(raw["value"], path, op)
	if e != nil {
		return filterNode{}, e
	}
	n.value = vals
	for _, v := range vals {
		x, err := strconv.ParseFloat(v, 64)
		if f.kind == kindNumber && err != nil {
			return filterNode{}, errInvalid("%s.value %q must be a number for %s", path, v, key)
		}
		n.num = append(n.num, x)
	}
	if op == "regex" {
		re, err := regexp.Compile(vals[0])
		if err != nil {
			return filterNode{}, errInvalid("%s.value is not a valid regular expression: %v", path, err)
		}
		n.re = re
	}
	return n, nil
}

// filterValues turns a filter value (string, number, bool or, for in and
// not_in, a list or comma-separated text) into strings.
func filterValues(v any, path, op string) ([]string, *apiError) {
	one := func(x any) (string, bool) {
		switch t := x.(type) {
		case string:
			return t, true
		case float64:
			return strconv.FormatFloat(t, 'f', -1, 64), true
		case bool:
			return strconv.FormatBool(t), true
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, x := range list {
			s, ok := one(x)
			if !ok {
				return nil, errInvalid("%s.value: list items must be strings, numbers or booleans", path)
			}
			out = append(out, s)
		}
		if len(out) == 0 {
			return nil, errInvalid("%s.value must not be an empty list", path)
		}
		return out, nil
	}
	s, ok := one(v)
	if !ok {
		return nil, errInvalid("%s.value is required for operation %s (a string, number or boolean)", path, op)
	}
	if op == "in" || op == "not_in" {
		return strings.Split(s, ","), nil
	}
	return []string{s}, nil
}

// match reports whether an event passes the filter.
func (n *filterNode) match(ev *traceEvent) bool {
	if n.group {
		for i := range n.children {
			m := n.children[i].match(ev)
			if n.or && m {
				return true
			}
			if !n.or && !m {
				return false
			}
		}
		return !n.or || len(n.children) == 0
	}
	v, present := n.f.get(ev)
	switch n.op {
	case "exists":
		return present
	case "is_null":
		return !present
	case "neq", "not_includes", "not_in":
		return !present || !n.leaf(v)
	}
	return present && n.leaf(v)
}

// leaf compares a present value; for a list value, any item may match.
func (n *filterNode) leaf(v fieldValue) bool {
	if v.list != nil {
		for _, s := range v.list {
			if n.leaf(fieldValue{str: s, kind: kindString}) {
				return true
			}
		}
		return false
	}
	switch n.op {
	case "eq", "neq":
		return v.eq(n.value[0], n.num[0])
	case "in", "not_in":
		for i := range n.value {
			if v.eq(n.value[i], n.num[i]) {
				return true
			}
		}
		return false
	case "includes", "not_includes":
		return strings.Contains(v.text(), n.value[0])
	case "starts_with":
		return strings.HasPrefix(v.text(), n.value[0])
	case "regex":
		return n.re.MatchString(v.text())
	}
	if v.kind != kindNumber {
		c := strings.Compare(v.str, n.value[0])
		return n.op == "gt" && c > 0 || n.op == "gte" && c >= 0 || n.op == "lt" && c < 0 || n.op == "lte" && c <= 0
	}
	x := n.num[0]
	return n.op == "gt" && v.num > x || n.op == "gte" && v.num >= x || n.op == "lt" && v.num < x || n.op == "lte" && v.num <= x
}

func (v fieldValue) eq(s string, x float64) bool {
	if v.kind == kindNumber {
		return v.num == x
	}
	return v.str == s
}

func (v fieldValue) text() string {
	if v.kind == kindNumber {
		return strconv.FormatFloat(v.num, 'f', -1, 64)
	}
	return v.str
}

// jsonValue is the value as JSON wants it (a number or a string).
func (v fieldValue) jsonValue() any {
	if v.kind == kindNumber {
		return v.num
	}
	return v.str
}
