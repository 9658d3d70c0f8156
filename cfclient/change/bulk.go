package change

import (
	"fmt"
	"slices"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Action is a bulk action: what a bulk plan does to each selected script.
type Action string

// The bulk actions.
const (
	// ActionDelete deletes the scripts (an undo kit saved before each).
	ActionDelete Action = "delete"
	// ActionTagAdd and ActionTagRemove add or remove one tag.
	ActionTagAdd    Action = "tag-add"
	ActionTagRemove Action = "tag-remove"
	// ActionTier moves the scripts to a tier.
	ActionTier Action = "tier"
	// ActionLimits sets the scripts' own limits.
	ActionLimits Action = "limits"
	// ActionRoutes deletes the routes that point at scripts that do not
	// exist in the namespace (or are in the selection, about to go).
	ActionRoutes Action = "routes"
	// ActionCleanup deletes the scripts with their routes and last-used
	// keys: per script, its routes, then the script, then its key.
	ActionCleanup Action = "cleanup"
)

// Actions lists every bulk action, for usage texts and completion.
var Actions = []Action{ActionDelete, ActionTagAdd, ActionTagRemove, ActionTier, ActionLimits, ActionRoutes, ActionCleanup}

// BulkRequest is a bulk plan to make from what is in hand: the selection
// from the listing cache, and for route actions the routing table from the
// routing cache. Planning sends no request.
type BulkRequest struct {
	Action    Action
	Namespace string
	// Scripts are the selected scripts as listed (names, tags, etag).
	Scripts []cfclient.Script
	// Tag is the tag ActionTagAdd / ActionTagRemove adds or removes.
	Tag string
	// Tier and Tiers (the tier table) are ActionTier's.
	Tier  string
	Tiers []platform.Tier
	// Limits are ActionLimits' (a nil field is left alone).
	Limits platform.Limits
	// Routing is the routing table (ActionRoutes, ActionCleanup); the
	// routes of a script come from its reverse index.
	Routing *platform.RoutingTable
	// Existing says whether a script exists in Namespace (ActionRoutes: the
	// whole namespace's listing, not just the selection). Nil means only
	// the selection is going.
	Existing func(name string) bool
	// LastUsed lists the last-used keys present (ActionCleanup; KV key
	// names, e.g. from a key listing of the routing namespace). Nil means
	// every selected script is assumed to have one; a key already gone is
	// then done at apply time, without a write.
	LastUsed map[string]bool
	// Hidden is how many scripts match the selector but are hidden by the
	// screen's filter (reported, not planned).
	Hidden int
	// TagSet, when the selection is exactly the scripts matching a tag
	// filter (every one, nothing else), offers the server-side delete.
	TagSet *cfclient.TagFilter
}

// Bulk is what a bulk plan's screen shows beside its ops: the request in
// short, counts, cost and what cannot be undone.
type Bulk struct {
	Action    Action `json:"action"`
	Namespace string `json:"namespace"`
	// Scripts is how many scripts are targeted; Hidden how many more the
	// filter hides.
	Scripts int `json:"scripts"`
	Hidden  int `json:"hidden,omitempty"`
	// ByNamespace, ByTenant (customer tag value, "" for none) and ByTier
	// ("" for none) count the targeted scripts.
	ByNamespace map[string]int `json:"by_namespace"`
	ByTenant    map[string]int `json:"by_tenant"`
	ByTier      map[string]int `json:"by_tier"`
	// Routes and Keys count the route and last-used key deletes.
	Routes int `json:"routes,omitempty"`
	Keys   int `json:"keys,omitempty"`
	// SecretsUnknown is true for a delete: the listing does not say which
	// scripts have secrets (their values are lost for good). Finding out
	// costs one settings read per script (CountSecrets), which applying
	// reads anyway for the undo kit; each kit records the secrets it
	// could not keep. WithSecrets counts them once known.
	SecretsUnknown bool `json:"secrets_unknown,omitempty"`
	WithSecrets    int  `json:"with_secrets,omitempty"`
	// ServerSide is the one-request alternative, when offered.
	ServerSide *ServerSide `json:"server_side,omitempty"`
	// Skipped are selected scripts left out of the plan, with why (a tag
	// that would be a ninth).
	Skipped []Skip `json:"skipped,omitempty"`
}

// Skip is a selected script a bulk plan leaves out, and why.
type Skip struct {
	Script string `json:"script"`
	Reason string `json:"reason"`
}

// ServerSide is the server-side bulk delete DELETE …/scripts?tags=: one
// request (a few when more than one page matches) instead of four per
// script, but no undo kit (nothing can be restored), no per-script
// precondition (a script tagged since the plan is deleted too) and no
// per-script journal or audit line (one line for the call).
type ServerSide struct {
	Filter   cfclient.TagFilter `json:"filter"`
	Requests int                `json:"requests"`
	TradeOff string             `json:"trade_off"`
}

// serverSideTradeOff states what the server-side delete gives up.
const serverSideTradeOff = "one request instead of 4 per script, but no undo kit (nothing can be restored), " +
	"no per-script check (a script tagged since the plan is deleted too) and one audit line for the lot"

// PlanBulk makes the bulk plan req asks for, for actor at now, from the
// data in req alone: no request is sent, so 100,000 scripts plan in well
// under a second. Every op is checked again right before its write (its
// precondition), so a plan made from a stale listing refuses what changed.
// Scripts whose state already is the after state (a tag already there) are
// left out. An empty selection is an error naming the action.
func (p *Planner) PlanBulk(req BulkRequest, actor string, now time.Time) (*Plan, error) {
	if err := invalid(platform.FirstFailure(platform.Check{Field: "namespace", Rule: platform.NonEmpty(req.Namespace)})); err != nil {
		return nil, err
	}
	b := &Bulk{Action: req.Action, Namespace: req.Namespace, Hidden: req.Hidden,
		ByNamespace: map[string]int{}, ByTenant: map[string]int{}, ByTier: map[string]int{}}
	ops, err := p.bulkOps(req, b)
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		rule := "nothing to do: no selected script needs it"
		if len(b.Skipped) > 0 {
			rule = fmt.Sprintf("nothing to do: %d selected scripts cannot take it (%s: %s)", len(b.Skipped), b.Skipped[0].Script, b.Skipped[0].Reason)
		}
		return nil, &platform.RuleError{Field: string(req.Action), Rule: rule}
	}
	plan := NewPlan(actor, now, ops...)
	plan.Bulk, plan.Account = b, p.c.AccountID()
	return plan, nil
}

// bulkOps builds the ops of req and fills b's counts.
func (p *Planner) bulkOps(req BulkRequest, b *Bulk) ([]Op, error) {
	ns := req.Namespace
	count := func(s cfclient.Script) {
		b.Scripts++
		b.ByNamespace[ns]++
		cust, _ := p.schema.CustomerOf(s.Tags)
		b.ByTenant[cust]++
		tier, _ := p.schema.TierOf(s.Tags)
		b.ByTier[tier]++
	}
	ops := make([]Op, 0, len(req.Scripts))
	switch req.Action {
	case ActionDelete, ActionCleanup:
		b.SecretsUnknown = true
		for _, s := range req.Scripts {
			if req.Action == ActionCleanup {
				ops = p.routeDeletes(ops, req, b, s.Name)
			}
			ops = append(ops, deleteOp(ns, s))
			if req.Action == ActionCleanup {
				ops = p.lastUsedDelete(ops, req, b, s.Name)
			}
			count(s)
		}
		if req.TagSet != nil && !req.TagSet.IsEmpty() && req.Action == ActionDelete {
			b.ServerSide = &ServerSide{Filter: *req.TagSet, Requests: 1 + len(req.Scripts)/1000, TradeOff: serverSideTradeOff}
		}
	case ActionTagAdd, ActionTagRemove:
		if err := invalid(platform.FirstFailure(platform.Check{Field: "tag", Rule: platform.ValidTag(req.Tag)})); err != nil {
			return nil, err
		}
		for _, s := range req.Scripts {
			after, changed := retag(s.Tags, req.Tag, req.Action == ActionTagAdd)
			if !changed {
				continue
			}
			if re := platform.ValidTags(after); re != nil {
				b.Skipped = append(b.Skipped, Skip{Script: s.Name, Reason: re.Error()})
				continue
			}
			before := &State{Tags: nonNil(s.Tags)}
			a := &State{Tags: after}
			ops = append(ops, Op{Kind: TagsSet, Target: Target{Namespace: ns, Script: s.Name}, Before: before, After: a,
				Requests: requests(TagsSet, before, a)})
			count(s)
		}
	case ActionTier:
		def := platform.FindTier(req.Tiers, req.Tier)
		if def == nil {
			return nil, &platform.RuleError{Field: fmt.Sprintf("tier %q", req.Tier), Rule: "is not in the tier table"}
		}
		tag := p.schema.TierTag(req.Tier)
		for _, s := range req.Scripts {
			if cur, _ := p.schema.TierOf(s.Tags); cur == req.Tier {
				continue
			}
			var tags []string
			for _, t := range s.Tags {
				if _, ok := cutPrefix(t, p.schema.TierTagPrefix); !ok {
					tags = append(tags, t)
				}
			}
			tags = append(tags, tag)
			if re := platform.ValidTags(tags); re != nil {
				b.Skipped = append(b.Skipped, Skip{Script: s.Name, Reason: re.Error()})
				continue
			}
			d := *def
			before := &State{Tags: nonNil(s.Tags)}
			a := &State{Tags: tags, Tier: &d}
			ops = append(ops, Op{Kind: TierSet, Target: Target{Namespace: ns, Script: s.Name}, Before: before, After: a,
				Requests: requests(TierSet, before, a), Partial: true})
			count(s)
		}
	case ActionLimits:
		if req.Limits.CPUMs == nil && req.Limits.Subrequests == nil {
			return nil, &platform.RuleError{Field: "limits", Rule: "name a cpu_ms or subrequests limit to set"}
		}
		var cs []platform.Check
		if req.Limits.CPUMs != nil {
			cs = append(cs, platform.Check{Field: "limits.cpu_ms", Rule: platform.ValidCPUMs(*req.Limits.CPUMs)})
		}
		if req.Limits.Subrequests != nil {
			cs = append(cs, platform.Check{Field: "limits.subrequests", Rule: platform.ValidSubRequests(*req.Limits.Subrequests)})
		}
		if err := invalid(platform.FirstFailure(cs...)); err != nil {
			return nil, err
		}
		for _, s := range req.Scripts {
			l := req.Limits
			a := &State{Limits: &l}
			ops = append(ops, Op{Kind: LimitsSet, Target: Target{Namespace: ns, Script: s.Name}, Before: &State{}, After: a,
				Requests: requests(LimitsSet, nil, a), Partial: true})
			count(s)
		}
	case ActionRoutes:
		if req.Routing == nil {
			return nil, &platform.RuleError{Field: "routing table", Rule: "must be read first (the routing screen reads it)"}
		}
		going := map[string]bool{}
		for _, s := range req.Scripts {
			going[s.Name] = true
		}
		for _, r := range req.Routing.Routes {
			if r.Target == "" || (!going[r.Target] && (req.Existing == nil || req.Existing(r.Target))) {
				continue
			}
			ops = append(ops, routeDeleteOp(req.Routing.NamespaceID, r))
			b.Routes++
		}
	default:
		return nil, &platform.RuleError{Field: fmt.Sprintf("action %q", req.Action), Rule: fmt.Sprintf("is not one of %v", Actions)}
	}
	return ops, nil
}

// deleteOp is the delete of a listed script.
func deleteOp(ns string, s cfclient.Script) Op {
	before := &State{Tags: nonNil(s.Tags), ETag: s.ETag}
	return Op{Kind: ScriptDelete, Target: Target{Namespace: ns, Script: s.Name}, Before: before,
		Requests: requests(ScriptDelete, before, nil)}
}

// routeDeleteOp deletes a route as the routing table has it.
func routeDeleteOp(kvNS string, r platform.Route) Op {
	v := r.Raw
	before := &State{Value: &v}
	return Op{Kind: RouteDelete, Target: Target{KVNamespace: kvNS, Key: r.KVKey}, Before: before,
		Requests: requests(RouteDelete, before, nil)}
}

// routeDeletes appends the deletes of script's routes (cleanup).
func (p *Planner) routeDeletes(ops []Op, req BulkRequest, b *Bulk, script string) []Op {
	if req.Routing == nil {
		return ops
	}
	for _, r := range req.Routing.ByScript[script] {
		ops = append(ops, routeDeleteOp(req.Routing.NamespaceID, r))
		b.Routes++
	}
	return ops
}

// lastUsedDelete appends the delete of script's last-used key (cleanup):
// partial, because a key listing has no value; the precondition is that
// the key exists, and the value read right before the delete is what its
// undo puts back.
func (p *Planner) lastUsedDelete(ops []Op, req BulkRequest, b *Bulk, script string) []Op {
	prefix := p.schema.Routing.LastUsedPrefix
	if prefix == "" || req.Routing == nil {
		return ops
	}
	key := prefix + script
	if req.LastUsed != nil && !req.LastUsed[key] {
		return ops
	}
	b.Keys++
	return append(ops, Op{Kind: KVDelete, Target: Target{KVNamespace: req.Routing.NamespaceID, Key: key},
		Before: &State{}, Requests: requests(KVDelete, nil, nil), Partial: true})
}

// retag is tags with tag added (add) or removed, and whether that changed
// anything.
func retag(tags []string, tag string, add bool) ([]string, bool) {
	has := slices.Contains(tags, tag)
	if add == has {
		return tags, false
	}
	if add {
		return append(nonNil(tags), tag), true
	}
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if t != tag {
			out = append(out, t)
		}
	}
	return out, true
}

// Phrase is what the operator types to confirm a bulk plan: the action,
// the count and the namespace ("delete 37 in staging", "cleanup 37 in
// staging", "tag-add 12 in production"). Tenant text in it (the namespace)
// must be shown and typed as the screen escapes it: callers pass it
// through their sanitiser (review.Phrase does).
func (b *Bulk) Phrase(sanitize func(string) string) string {
	n := b.Scripts
	if b.Action == ActionRoutes {
		return fmt.Sprintf("delete %d routes", b.Routes)
	}
	verb := string(b.Action)
	return fmt.Sprintf("%s %d in %s", verb, n, sanitize(b.Namespace))
}
