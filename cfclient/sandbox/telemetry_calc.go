package sandbox

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// calcOp is one checked calculation.
type calcOp struct {
	body  calcBody
	op    string // lower-case operator
	f     field
	hasF  bool
	name  string // alias, or describeCalc
	quant float64
}

var quantiles = map[string]float64{"median": 0.5, "p001": 0.001, "p01": 0.01, "p05": 0.05, "p10": 0.10,
	"p25": 0.25, "p50": 0.5, "p75": 0.75, "p90": 0.90, "p95": 0.95, "p99": 0.99, "p999": 0.999}

// parseCalcs checks the calculations.
func parseCalcs(cs []calcBody) ([]calcOp, *apiError) {
	out := make([]calcOp, 0, len(cs))
	for i, c := range cs {
		path := "parameters.calculations[" + strconv.Itoa(i) + "]"
		op := strings.ToLower(c.Operator)
		if op == "count_distinct" {
			op = "uniq"
		}
		co := calcOp{body: c, op: op, name: c.Alias}
		if co.name == "" {
			co.name = describeCalc(c)
		}
		if c.Key != "" {
			f, ok := lookupField(c.Key)
			if !ok {
				return nil, errInvalid("%s.key %q is not a known key", path, c.Key)
			}
			co.f, co.hasF = f, true
		}
		q, isQ := quantiles[op]
		switch {
		case op == "count":
		case op == "uniq":
			if !co.hasF {
				return nil, errInvalid("%s: uniq needs a key", path)
			}
		case isQ || op == "min" || op == "max" || op == "sum" || op == "avg" || op == "stddev" || op == "variance":
			if !co.hasF || co.f.kind != kindNumber {
				return nil, errInvalid("%s: %s needs a number key such as $workers.cpuTimeMs", path, op)
			}
			co.quant = q
		default:
			return nil, errInvalid("%s.operator %q is not supported (count, uniq, min, max, sum, avg, median, p001…p999 (and p50), stddev, variance)", path, c.Operator)
		}
		out = append(out, co)
	}
	return out, nil
}

// value computes the calculation over a group's events.
func (c calcOp) value(evs []*traceEvent) (count int, v float64) {
	switch c.op {
	case "count":
		if !c.hasF {
			return len(evs), float64(len(evs))
		}
		n := 0
		for _, ev := range evs {
			if _, ok := c.f.get(ev); ok {
				n++
			}
		}
		return n, float64(n)
	case "uniq":
		seen := map[string]bool{}
		for _, ev := range evs {
			if x, ok := c.f.get(ev); ok {
				seen[x.text()] = true
			}
		}
		return len(evs), float64(len(seen))
	}
	xs := make([]float64, 0, len(evs))
	for _, ev := range evs {
		if x, ok := c.f.get(ev); ok {
			xs = append(xs, x.num)
		}
	}
	if len(xs) == 0 {
		return 0, 0
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	switch c.op {
	case "min":
		return len(xs), xs[0]
	case "max":
		return len(xs), xs[len(xs)-1]
	case "sum":
		return len(xs), sum
	case "avg":
		return len(xs), mean
	case "stddev", "variance":
		ss := 0.0
		for _, x := range xs {
			ss += (x - mean) * (x - mean)
		}
		variance := ss / float64(len(xs))
		if c.op == "stddev" {
			return len(xs), math.Sqrt(variance)
		}
		return len(xs), variance
	}
	// Nearest rank.
	i := int(math.Ceil(c.quant*float64(len(xs)))) - 1
	return len(xs), xs[max(0, min(i, len(xs)-1))]
}

// group is the events sharing one value of every groupBy key.
type group struct {
	values []fieldValue
	evs    []*traceEvent
}

// groupEvents splits events by the groupBy keys (absent values group as "").
func groupEvents(evs []*traceEvent, keys []field) []*group {
	if len(keys) == 0 {
		return []*group{{evs: evs}}
	}
	byKey := map[string]*group{}
	var out []*group
	vals := make([]fieldValue, len(keys))
	var buf []byte
	for _, ev := range evs {
		for i, k := range keys {
			v, _ := k.get(ev)
			if v.list != nil {
				v = fieldValue{str: strings.Join(v.list, ","), kind: kindString}
			}
			vals[i] = v
		}
		var g *group
		if len(keys) == 1 && vals[0].kind != kindNumber {
			g = byKey[vals[0].str] // no allocation for the common case
		} else {
			buf = buf[:0]
			for _, v := range vals {
				buf = append(append(buf, v.text()...), 0)
			}
			g = byKey[string(buf)]
		}
		if g == nil {
			g = &group{values: slices.Clone(vals)}
			key := vals[0].str
			if len(keys) > 1 || vals[0].kind == kindNumber {
				key = string(buf)
			}
			byKey[key] = g
			out = append(out, g)
		}
		g.evs = append(g.evs, ev)
	}
	return out
}

// calculationsView computes each calculation per group.
func calculationsView(q queryBody, p *queryParameters, matched []*traceEvent, from, to int64) ([]map[string]any, *apiError) {
	calcs, e := parseCalcs(p.Calculations)
	if e != nil {
		return nil, e
	}
	if len(calcs) == 0 {
		calcs = []calcOp{{body: calcBody{Operator: "count"}, op: "count", name: "count"}}
	}
	limitField, limitV := "parameters.limit", p.Limit
	if limitV == nil {
		limitField, limitV = "limit", q.Limit
	}
	limit, e := intLimit(limitV, limitField, 100, 10_000)
	if e != nil {
		return nil, e
	}
	var keys []field
	var keyNames []string
	for i, gb := range p.GroupBys {
		f, ok := lookupField(gb.Value)
		if !ok {
			return nil, errInvalid("parameters.groupBys[%d].value %q is not a known key", i, gb.Value)
		}
		keys, keyNames = append(keys, f), append(keyNames, gb.Value)
	}
	groups := groupEvents(matched, keys)
	if len(matched) == 0 {
		groups = nil
	}
	sortBy, desc := 0, true
	if ob := p.OrderBy; ob != nil && ob.Value != "" {
		sortBy = -1
		for i, c := range calcs {
			if ob.Value == c.name || ob.Value == describeCalc(c.body) || ob.Value == c.body.Alias {
				sortBy = i
			}
		}
		if sortBy < 0 {
			return nil, errInvalid("parameters.orderBy.value %q names no calculation (use an alias or a name such as count)", ob.Value)
		}
		desc = ob.Order != "asc"
	}
	type row struct {
		g      *group
		counts []int
		vals   []float64
	}
	rows := make([]row, len(groups))
	for i, g := range groups {
		rows[i] = row{g: g, counts: make([]int, len(calcs)), vals: make([]float64, len(calcs))}
		for j, c := range calcs {
			rows[i].counts[j], rows[i].vals[j] = c.value(g.evs)
		}
	}
	sort.SliceStable(rows, func(a, b int) bool {
		if desc {
			return rows[a].vals[sortBy] > rows[b].vals[sortBy]
		}
		return rows[a].vals[sortBy] < rows[b].vals[sortBy]
	})
	if len(rows) > limit {
		rows = rows[:limit]
	}
	interval := float64(to-from) / 1000
	w := bucketWidth(from, to, q.Granularity)
	gs := make([]*group, len(rows))
	for i := range rows {
		gs[i] = rows[i].g
	}
	var times []int64
	var cells map[int64][]*seriesCell
	if !q.IgnoreSeries {
		times, cells = seriesCells(gs, keyNames, from, w)
	}
	out := make([]map[string]any, 0, len(calcs))
	for j, c := range calcs {
		aggs := make([]map[string]any, 0, len(rows))
		for _, r := range rows {
			aggs = append(aggs, map[string]any{"count": r.counts[j], "interval": interval, "sampleInterval": 1,
				"value": r.vals[j], "groups": groupLabels(keyNames, r.g.values)})
		}
		var series []map[string]any
		if !q.IgnoreSeries {
			series = calcSeries(c, times, cells, w)
		}
		out = append(out, map[string]any{"alias": c.body.Alias, "calculation": describeCalc(c.body),
			"aggregates": aggs, "series": nonNil(series)})
	}
	return out, nil
}

// groupLabels are an aggregate's groups: [{key, value}].
func groupLabels(keys []string, vals []fieldValue) []map[string]any {
	out := make([]map[string]any, len(keys))
	for i, k := range keys {
		out[i] = map[string]any{"key": k, "value": vals[i].jsonValue()}
	}
	return out
}

// seriesCell is one group's events in one interval.
type seriesCell struct {
	g      *group
	labels []map[string]any
	evs    []*traceEvent
}

// seriesCells splits each group's events by interval (of w ms from from),
// once for every calculation of a query.
func seriesCells(groups []*group, keyNames []string, from, w int64) ([]int64, map[int64][]*seriesCell) {
	buckets := map[int64][]*seriesCell{}
	var times []int64
	for _, g := range groups {
		labels := groupLabels(keyNames, g.values)
		byBucket := map[int64]*seriesCell{}
		for _, ev := range g.evs {
			b := from + (ev.ts-from)/w*w
			ce := byBucket[b]
			if ce == nil {
				ce = &seriesCell{g: g, labels: labels}
				byBucket[b] = ce
				if _, seen := buckets[b]; !seen {
					times = append(times, b)
				}
				buckets[b] = append(buckets[b], ce)
			}
			ce.evs = append(ce.evs, ev)
		}
	}
	slices.Sort(times)
	return times, buckets
}

// calcSeries is the calculation per time interval and group.
func calcSeries(c calcOp, times []int64, buckets map[int64][]*seriesCell, w int64) []map[string]any {
	out := make([]map[string]any, 0, len(times))
	for _, b := range times {
		data := make([]map[string]any, 0, len(buckets[b]))
		for _, ce := range buckets[b] {
			n, v := c.value(ce.evs)
			first, last := ce.evs[0].ts, ce.evs[len(ce.evs)-1].ts
			data = append(data, map[string]any{"count": n, "interval": float64(w) / 1000, "sampleInterval": 1, "value": v,
				"groups":    ce.labels,
				"firstSeen": time.UnixMilli(first).UTC().Format(time.RFC3339Nano), "lastSeen": time.UnixMilli(last).UTC().Format(time.RFC3339Nano)})
		}
		out = append(out, map[string]any{"time": time.UnixMilli(b).UTC().Format(time.RFC3339), "data": data})
	}
	return out
}
