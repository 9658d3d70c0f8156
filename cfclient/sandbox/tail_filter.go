package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
)

// tailFilters are a tail's filters, as wrangler sends them in the POST
// body ({"filters":[{…},…]}): every filter object must match (AND), and a
// list inside one matches when any item does (OR).
type tailFilters struct {
	sampling float64         // 0..1; 1 keeps every event
	outcomes map[string]bool // nil: any
	methods  map[string]bool // nil: any
	headers  []headerFilter
	ips      map[string]bool // nil: any; "self" is the creator's address
	query    string          // "" : any; text in console messages or exceptions
	version  string          // "" : any
}

type headerFilter struct {
	key, query string
	hasQuery   bool
}

// parseTailFilters checks a tail's filter list. selfIP replaces "self" in
// client_ip filters.
func parseTailFilters(list []map[string]json.RawMessage, selfIP string) (tailFilters, *apiError) {
	f := tailFilters{sampling: 1}
	for i, item := range list {
		if len(item) != 1 {
			return f, errInvalid("filters[%d] must be an object with exactly one key (sampling_rate, outcome, method, header, client_ip, query or scriptVersion)", i)
		}
		for k, v := range item {
			field := fmt.Sprintf("filters[%d].%s", i, k)
			var err error
			switch k {
			case "sampling_rate":
				err = json.Unmarshal(v, &f.sampling)
				if err == nil && (f.sampling <= 0 || f.sampling > 1) {
					return f, errInvalid("%s must be a number greater than 0 and at most 1", field)
				}
			case "outcome":
				f.outcomes, err = stringSet(v)
			case "method":
				f.methods, err = stringSet(v)
			case "client_ip":
				f.ips, err = stringSet(v)
				if f.ips["self"] {
					f.ips[selfIP] = true
				}
			case "query":
				err = json.Unmarshal(v, &f.query)
			case "scriptVersion":
				err = json.Unmarshal(v, &f.version)
			case "header":
				var h struct {
					Key   string  `json:"key"`
					Query *string `json:"query"`
				}
				err = json.Unmarshal(v, &h)
				if err == nil && h.Key == "" {
					return f, errInvalid("%s.key is required", field)
				}
				hf := headerFilter{key: strings.ToLower(h.Key)}
				if h.Query != nil {
					hf.query, hf.hasQuery = *h.Query, true
				}
				f.headers = append(f.headers, hf)
			default:
				return f, errInvalid("%s is not a tail filter (sampling_rate, outcome, method, header, client_ip, query or scriptVersion)", field)
			}
			if err != nil {
				return f, errInvalid("%s has the wrong type: %s", field, jsonErrText(err))
			}
		}
	}
	return f, nil
}

// stringSet decodes a JSON list of strings into a set.
func stringSet(v json.RawMessage) (map[string]bool, error) {
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(list))
	for _, s := range list {
		set[s] = true
	}
	return set, nil
}

// match reports whether an event passes every filter but sampling.
func (f *tailFilters) match(ev *traceEvent) bool {
	if f.outcomes != nil && !f.outcomes[ev.outcome] {
		return false
	}
	if f.methods != nil && !f.methods[ev.method] {
		return false
	}
	if f.ips != nil && !f.ips[ev.clientIP] {
		return false
	}
	if f.version != "" && f.version != ev.version {
		return false
	}
	if len(f.headers) > 0 {
		hs := ev.headers()
		for _, h := range f.headers {
			v, ok := hs[h.key]
			if !ok || h.hasQuery && !strings.Contains(v, h.query) {
				return false
			}
		}
	}
	if f.query != "" && !eventMentions(ev, f.query) {
		return false
	}
	return true
}

// eventMentions reports whether a console message or exception of the
// event contains text.
func eventMentions(ev *traceEvent, text string) bool {
	for _, l := range ev.logs {
		if strings.Contains(joinArgs(l.Message), text) {
			return true
		}
	}
	for _, x := range ev.exc {
		if strings.Contains(x.Name+": "+x.Message, text) {
			return true
		}
	}
	return false
}
