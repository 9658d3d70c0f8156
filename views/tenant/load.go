package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// ErrorWindow is how far back errors are counted.
const ErrorWindow = 15 * time.Minute

// Source is what the screen needs from cfclient; *cfclient.Client
// satisfies it.
type Source interface {
	ListNamespaces(ctx context.Context) ([]cfclient.Namespace, error)
	ListScripts(ctx context.Context, ns string, filter cfclient.TagFilter, fn func(page []cfclient.Script) error) error
	GetSettings(ctx context.Context, ns, name string) (cfclient.ScriptSettings, error)
	TelemetryCalculations(ctx context.Context, q cfclient.TelemetryQuery, calcs []cfclient.TelemetryCalculation, groupBy []string) ([]cfclient.TelemetryGroup, error)
	Schema() platform.Schema
}

// Routing is the routing cache; *cache.RoutingCache satisfies it.
type Routing interface {
	Table(ctx context.Context) (*platform.RoutingTable, time.Time, error)
	Tiers(ctx context.Context) ([]platform.Tier, error)
}

// LastUse is the last-use cache; *cache.LastUsedCache satisfies it.
type LastUse interface {
	Cached() *cache.LastUse
}

// Deps are the screen's dependencies.
type Deps struct {
	Source  Source
	Routing Routing
	LastUse LastUse
	// AuditLog is the audit log's path.
	AuditLog string
}

// Row is one script of the customer.
type Row struct {
	Namespace, Script string
	Tier              string
	Tags              []string
	Hosts             []string
	LastUsed          time.Time // zero: unknown or never
	Errors            int
	Modified          time.Time
	// Limits are the script's own limits, overriding its tier's ("" when
	// it has none, or they were not read).
	Limits string
}

// maxLimitReads bounds the settings reads for limit overrides (one
// request per script).
const maxLimitReads = 50

// Report is everything the screen shows about one customer.
type Report struct {
	Customer, Tag string
	Rows          []Row
	Namespaces    int
	// Routing, Errors, LastUse and Limits say what could not be shown
	// ("" when it was).
	Routing, ErrorsNote, LastUseNote, LimitsNote string
	// Audit are the newest audit records about the customer's scripts.
	Audit []audit.Record
	// Requests is what the report cost at the API, as far as counted.
	Requests int
}

// maxAudit is how many audit records the report keeps.
const maxAudit = 20

// Load builds the report of customer: a tag-filtered listing of every
// namespace (one request per namespace and page), the hostnames from the
// routing cache, the last use from the last-use cache (no request), one
// telemetry query for the errors, and the audit log.
func Load(ctx context.Context, d Deps, customer string, now time.Time) (Report, error) {
	sch := d.Source.Schema()
	r := Report{Customer: customer, Tag: sch.CustomerTagPrefix + customer}
	nss, err := d.Source.ListNamespaces(ctx)
	r.Requests++
	if err != nil {
		return r, fmt.Errorf("list the namespaces: %w", err)
	}
	r.Namespaces = len(nss)
	for _, ns := range nss {
		pages := 0
		err := d.Source.ListScripts(ctx, ns.Name, cfclient.TagFilter{Has: []string{r.Tag}}, func(p []cfclient.Script) error {
			pages++
			for _, s := range p {
				tier, _ := sch.TierOf(s.Tags)
				r.Rows = append(r.Rows, Row{Namespace: ns.Name, Script: s.Name, Tier: tier, Tags: s.Tags, Modified: s.ModifiedOn})
			}
			return nil
		})
		r.Requests += max(1, pages) // an empty answer is one request too
		if err != nil {
			return r, fmt.Errorf("list the scripts of %s tagged %s: %w", ns.Name, r.Tag, err)
		}
	}
	slices.SortFunc(r.Rows, func(a, b Row) int {
		return strings.Compare(a.Namespace+"\x00"+a.Script, b.Namespace+"\x00"+b.Script)
	})
	// Limit overrides: each script's own settings, one request each; own
	// limits equal to its tier's override nothing.
	tiers := map[string]platform.Tier{}
	if ts, err := d.Routing.Tiers(ctx); err == nil {
		for _, t := range ts {
			tiers[t.Name] = t
		}
	}
	for i := range r.Rows {
		if i == maxLimitReads {
			r.LimitsNote = fmt.Sprintf("own limits not read for %d more scripts (a request each)", len(r.Rows)-i)
			break
		}
		st, err := d.Source.GetSettings(ctx, r.Rows[i].Namespace, r.Rows[i].Script)
		r.Requests++
		if err != nil {
			r.LimitsNote = "own limits: " + err.Error()
			continue
		}
		if t, ok := tiers[r.Rows[i].Tier]; ok && sameLimits(st.Limits, t) {
			continue
		}
		r.Rows[i].Limits = describeLimits(st.Limits)
	}
	names := map[string]bool{}
	for _, row := range r.Rows {
		names[row.Script] = true
	}
	// Hostnames, from the routing cache.
	if t, _, err := d.Routing.Table(ctx); err == nil && t != nil {
		for i := range r.Rows {
			for _, rt := range t.ByScript[r.Rows[i].Script] {
				r.Rows[i].Hosts = append(r.Rows[i].Hosts, rt.Key)
			}
		}
	} else if errors.Is(err, cache.ErrRoutingNotRead) {
		r.Routing = "routing table not read: R on :routes reads it"
	} else if err != nil {
		r.Routing = "routing table: " + err.Error()
	}
	// Last use, from what the last-use cache holds.
	if lu := d.LastUse.Cached(); lu != nil {
		for i := range r.Rows {
			r.Rows[i].LastUsed, _ = lu.Get(r.Rows[i].Script)
		}
	} else {
		r.LastUseNote = "last use not read yet (R on a scripts screen reads it)"
	}
	// Errors in the last 15 minutes, one query grouped by script.
	if len(r.Rows) > 0 {
		q := cfclient.TelemetryQuery{From: now.Add(-ErrorWindow), To: now.Add(time.Minute), Limit: 1000,
			Filters: []cfclient.TelemetryFilter{{Key: cfclient.TelemetryKeyOutcome, Operation: "not_in", Value: []string{"ok", "canceled"}}}}
		groups, err := d.Source.TelemetryCalculations(ctx, q, []cfclient.TelemetryCalculation{{Operator: "count", Alias: "errors"}},
			[]string{cfclient.TelemetryKeyService})
		r.Requests++
		if err != nil {
			r.ErrorsNote = "errors not read: " + err.Error()
		}
		byScript := map[string]int{}
		for _, g := range groups {
			if s := g.Keys[cfclient.TelemetryKeyService]; names[s] {
				byScript[s] += int(g.Values["errors"])
			}
		}
		for i := range r.Rows {
			r.Rows[i].Errors = byScript[r.Rows[i].Script]
		}
	}
	// Audit entries about these scripts, newest first.
	if recs, _, err := audit.Read(d.AuditLog); err == nil {
		for i := len(recs) - 1; i >= 0 && len(r.Audit) < maxAudit; i-- {
			_, script, _ := strings.Cut(recs[i].Target, "/")
			if names[script] || names[recs[i].Target] {
				r.Audit = append(r.Audit, recs[i])
			}
		}
	}
	return r, nil
}

// describeLimits is a script's own limits in a few words ("" for none).
func describeLimits(l platform.Limits) string {
	var parts []string
	if l.CPUMs != nil {
		parts = append(parts, fmt.Sprintf("cpu %d ms", *l.CPUMs))
	}
	if l.Subrequests != nil {
		parts = append(parts, fmt.Sprintf("%d subrequests", *l.Subrequests))
	}
	return strings.Join(parts, ", ")
}

// sameLimits reports whether a script's own limits are its tier's.
func sameLimits(l platform.Limits, t platform.Tier) bool {
	return (l.CPUMs == nil || *l.CPUMs == t.CPUMs) && (l.Subrequests == nil || *l.Subrequests == t.SubRequests)
}
