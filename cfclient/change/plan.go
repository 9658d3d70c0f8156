package change

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Plan is a list of ops to apply in order, by one actor.
type Plan struct {
	ID      string    `json:"id"`
	Actor   string    `json:"actor"`
	Created time.Time `json:"created"`
	Ops     []Op      `json:"ops"`
	// Account is the account the plan was made for (bulk plans): applying
	// it to another is refused.
	Account string `json:"account,omitempty"`
	// Bulk, for a plan made by PlanBulk, is what the plan screen shows
	// beside the ops (counts, secrets, the server-side alternative).
	Bulk *Bulk `json:"bulk,omitempty"`
}

// NewPlan makes a plan of ops with a fresh id.
func NewPlan(actor string, now time.Time, ops ...Op) *Plan {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return &Plan{
		ID:      now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]),
		Actor:   actor,
		Created: now.UTC(),
		Ops:     ops,
	}
}

// Requests is what applying the whole plan costs in API requests.
func (p *Plan) Requests() int {
	n := 0
	for _, o := range p.Ops {
		n += o.Requests
	}
	return n
}

// Irreversible counts the ops that cannot be undone, wholly or in part
// (Loses: a deleted script's secret values).
func (p *Plan) Irreversible() int {
	n := 0
	for _, o := range p.Ops {
		if o.Irreversible != "" || o.Loses != "" {
			n++
		}
	}
	return n
}

// Warnings are every op's warnings, in order.
func (p *Plan) Warnings() []string {
	var out []string
	for _, o := range p.Ops {
		out = append(out, o.Warnings...)
	}
	return out
}

// Planner plans ops: it reads the current state of each target (so the op
// knows its before and its inverse) and validates the intended after with
// package platform's rules. Reads are interactive requests made with the
// caller's context. It never writes.
type Planner struct {
	c      *cfclient.Client
	schema platform.Schema
}

// NewPlanner plans against c's account with c's platform schema.
func NewPlanner(c *cfclient.Client) *Planner {
	return &Planner{c: c, schema: c.Schema()}
}

// Actor is the name of who plans with ctx (the session's Actor).
func (p *Planner) Actor(ctx context.Context) string { return p.c.Actor(ctx).Name }

// invalid is a broken rule as a planning error (nil stays nil).
func invalid(re *platform.RuleError) error {
	if re == nil {
		return nil
	}
	return re
}

// SetTags plans replacing a script's tags.
func (p *Planner) SetTags(ctx context.Context, ns, script string, tags []string) (Op, error) {
	tags = nonNil(tags)
	if err := invalid(platform.FirstFailure(
		platform.Check{Field: "namespace", Rule: platform.NonEmpty(ns)},
		platform.Check{Field: "script", Rule: platform.ValidScriptName(script)},
		platform.AsCheck(platform.ValidTags(tags)))); err != nil {
		return Op{}, err
	}
	t := Target{Namespace: ns, Script: script}
	before, err := p.read(ctx, TagsSet, t)
	if err != nil {
		return Op{}, err
	}
	after := &State{Tags: tags}
	return Op{Kind: TagsSet, Target: t, Before: before, After: after, Requests: requests(TagsSet, before, after)}, nil
}

// SetLimits plans setting a script's own limits; a nil field leaves that
// limit as it is.
func (p *Planner) SetLimits(ctx context.Context, ns, script string, l platform.Limits) (Op, error) {
	cs := []platform.Check{
		{Field: "namespace", Rule: platform.NonEmpty(ns)},
		{Field: "script", Rule: platform.ValidScriptName(script)},
	}
	if l.CPUMs == nil && l.Subrequests == nil {
		cs = append(cs, platform.Check{Field: "limits", Rule: "name a cpu_ms or subrequests limit to set"})
	}
	if l.CPUMs != nil {
		cs = append(cs, platform.Check{Field: "limits.cpu_ms", Rule: platform.ValidCPUMs(*l.CPUMs)})
	}
	if l.Subrequests != nil {
		cs = append(cs, platform.Check{Field: "limits.subrequests", Rule: platform.ValidSubRequests(*l.Subrequests)})
	}
	if err := invalid(platform.FirstFailure(cs...)); err != nil {
		return Op{}, err
	}
	t := Target{Namespace: ns, Script: script}
	before, err := p.read(ctx, LimitsSet, t)
	if err != nil {
		return Op{}, err
	}
	merged := mergeLimits(before.Limits, l)
	after := &State{Limits: &merged}
	return Op{Kind: LimitsSet, Target: t, Before: before, After: after, Requests: requests(LimitsSet, before, after)}, nil
}

// mergeLimits is cur with the limits l sets.
func mergeLimits(cur *platform.Limits, l platform.Limits) platform.Limits {
	var m platform.Limits
	if cur != nil {
		m = *cur
	}
	if l.CPUMs != nil {
		m.CPUMs = intp(*l.CPUMs)
	}
	if l.Subrequests != nil {
		m.Subrequests = intp(*l.Subrequests)
	}
	return m
}

// SetTier plans moving a script to tier (one of tiers, the tier table):
// its tier-* tag is replaced, and where its own limits are stricter than
// the new tier's (so they would bind instead of the tier), they are raised
// to the tier's, so the move takes effect. Two writes, applied together or
// rolled back.
func (p *Planner) SetTier(ctx context.Context, ns, script, tier string, tiers []platform.Tier) (Op, error) {
	if err := invalid(platform.FirstFailure(
		platform.Check{Field: "namespace", Rule: platform.NonEmpty(ns)},
		platform.Check{Field: "script", Rule: platform.ValidScriptName(script)},
		platform.Check{Field: "tier", Rule: platform.ValidTierName(tier)})); err != nil {
		return Op{}, err
	}
	def := platform.FindTier(tiers, tier)
	if def == nil {
		names := make([]string, len(tiers))
		for i, t := range tiers {
			names[i] = t.Name
		}
		return Op{}, &platform.RuleError{Field: "tier " + fmt.Sprintf("%q", tier),
			Rule: fmt.Sprintf("is not defined (the tier table has %v)", names)}
	}
	t := Target{Namespace: ns, Script: script}
	before, err := p.read(ctx, TierSet, t)
	if err != nil {
		return Op{}, err
	}
	var tags []string
	for _, tag := range before.Tags {
		if _, ok := cutPrefix(tag, p.schema.TierTagPrefix); !ok {
			tags = append(tags, tag)
		}
	}
	tags = append(tags, p.schema.TierTag(tier))
	if err := invalid(platform.ValidTags(tags)); err != nil {
		return Op{}, err
	}
	limits := before.Limits
	if limits != nil {
		l := *limits
		if l.CPUMs != nil && *l.CPUMs < def.CPUMs {
			l.CPUMs = intp(def.CPUMs)
		}
		if l.Subrequests != nil && *l.Subrequests < def.SubRequests {
			l.Subrequests = intp(def.SubRequests)
		}
		limits = &l
	}
	after := &State{Tags: tags, Limits: limits}
	return Op{Kind: TierSet, Target: t, Before: before, After: after, Requests: requests(TierSet, before, after)}, nil
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}

// PutRoute plans pointing a route at target in namespace ns (the dispatch
// namespace the routing table routes into): created when missing; a JSON
// value keeps its other fields. A target that does not exist in ns is a
// warning, not an error: the operator may be about to deploy it.
func (p *Planner) PutRoute(ctx context.Context, ns string, kind platform.RouteKind, key, target string) (Op, error) {
	if err := invalid(p.schema.ValidateRoute(kind, key, target)); err != nil {
		return Op{}, err
	}
	kvKey, _ := p.schema.RouteKVKey(kind, key)
	id, err := p.c.RoutingNamespace(ctx)
	if err != nil {
		return Op{}, err
	}
	t := Target{KVNamespace: id, Key: kvKey}
	before, err := p.read(ctx, RoutePut, t)
	if err != nil {
		return Op{}, err
	}
	var old []byte
	if before != nil && before.Value != nil {
		old = []byte(*before.Value)
	}
	value := string(platform.RouteValue(old, target))
	after := &State{Value: &value}
	op := Op{Kind: RoutePut, Target: t, Before: before, After: after, Requests: requests(RoutePut, before, after)}
	if ns != "" {
		if _, err := p.c.GetScript(ctx, ns, target); errors.Is(err, cfclient.ErrNotFound) {
			op.Warnings = append(op.Warnings, fmt.Sprintf("script %q does not exist in %s: the route will dangle until it is deployed", target, ns))
		} else if err != nil {
			return Op{}, err
		}
	}
	return op, nil
}

// PutRouteValue plans writing a route's whole value, raw (a script name,
// or JSON with a "worker" field and whatever else the dispatch Worker
// reads): the value must name a script; one that does not exist in ns is a
// warning, as for PutRoute.
func (p *Planner) PutRouteValue(ctx context.Context, ns string, kind platform.RouteKind, key, raw string) (Op, error) {
	target, problem := platform.RouteTarget(raw)
	if problem != "" {
		return Op{}, &platform.RuleError{Field: "value", Rule: problem}
	}
	if err := invalid(platform.FirstFailure(platform.Check{Field: "value", Rule: platform.ValidKVValue([]byte(raw))})); err != nil {
		return Op{}, err
	}
	op, err := p.PutRoute(ctx, ns, kind, key, target)
	if err != nil {
		return Op{}, err
	}
	op.After = &State{Value: &raw}
	return op, nil
}

// DeleteRoute plans removing a route.
func (p *Planner) DeleteRoute(ctx context.Context, kind platform.RouteKind, key string) (Op, error) {
	kvKey, kindRule := p.schema.RouteKVKey(kind, key)
	if err := invalid(platform.FirstFailure(platform.Check{Field: "kind", Rule: kindRule},
		platform.Check{Field: "route key", Rule: platform.ValidKVKey(kvKey)})); err != nil {
		return Op{}, err
	}
	id, err := p.c.RoutingNamespace(ctx)
	if err != nil {
		return Op{}, err
	}
	t := Target{KVNamespace: id, Key: kvKey}
	before, err := p.read(ctx, RouteDelete, t)
	if err != nil {
		return Op{}, err
	}
	if before == nil {
		return Op{}, &platform.RuleError{Field: "route " + fmt.Sprintf("%q", kvKey), Rule: "does not exist"}
	}
	return Op{Kind: RouteDelete, Target: t, Before: before, Requests: requests(RouteDelete, before, nil)}, nil
}

// DefineTiers plans replacing the tier table with tiers (fields of tiers
// wfp does not know are kept). inUse counts the scripts on each tier: a
// tier still in use cannot be removed. With a nil inUse, the tiers the new
// table removes are counted at the API (TierUse).
func (p *Planner) DefineTiers(ctx context.Context, tiers []platform.Tier, inUse map[string]int) (Op, error) {
	if err := platform.ValidateTiers(tiers); err != nil {
		return Op{}, err
	}
	id, err := p.c.RoutingNamespace(ctx)
	if err != nil {
		return Op{}, err
	}
	t := Target{KVNamespace: id, Key: p.schema.TiersKey}
	before, err := p.read(ctx, TiersDefine, t)
	if err != nil {
		return Op{}, err
	}
	var old []byte
	if before != nil && before.Value != nil {
		old = []byte(*before.Value)
		for _, name := range storedTierNames(old) {
			if platform.FindTier(tiers, name) != nil {
				continue
			}
			n := inUse[name]
			if inUse == nil {
				if n, err = p.TierUse(ctx, name); err != nil {
					return Op{}, err
				}
			}
			if n > 0 {
				return Op{}, &platform.RuleError{Field: fmt.Sprintf("tier %q", name),
					Rule: fmt.Sprintf("cannot be removed: %d scripts are on it (move them first)", n)}
			}
		}
	}
	b, err := platform.EncodeTiers(old, tiers)
	if err != nil {
		return Op{}, err
	}
	value := string(b)
	after := &State{Value: &value}
	return Op{Kind: TiersDefine, Target: t, Before: before, After: after, Requests: requests(TiersDefine, before, after)}, nil
}

// storedTierNames are the tier names of a stored tier table, also when the
// table breaks a rule (a tier still in use must not be removed by
// rewriting a broken table).
func storedTierNames(b []byte) []string {
	if tiers, err := platform.ParseTiers(b); err == nil {
		names := make([]string, len(tiers))
		for i, t := range tiers {
			names[i] = t.Name
		}
		return names
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// CreateNamespace plans creating a dispatch namespace.
func (p *Planner) CreateNamespace(ctx context.Context, name string) (Op, error) {
	if err := invalid(platform.FirstFailure(platform.Check{Field: "namespace", Rule: platform.ValidNamespaceName(name)})); err != nil {
		return Op{}, err
	}
	t := Target{Namespace: name}
	before, err := p.read(ctx, NamespaceCreate, t)
	if err != nil {
		return Op{}, err
	}
	if before != nil {
		return Op{}, &platform.RuleError{Field: fmt.Sprintf("namespace %q", name), Rule: "exists already"}
	}
	after := &State{Name: name}
	return Op{Kind: NamespaceCreate, Target: t, After: after, Requests: requests(NamespaceCreate, nil, after)}, nil
}

// RenameNamespace plans renaming a dispatch namespace.
func (p *Planner) RenameNamespace(ctx context.Context, old, name string) (Op, error) {
	if err := invalid(platform.FirstFailure(
		platform.Check{Field: "namespace", Rule: platform.NonEmpty(old)},
		platform.Check{Field: "new name", Rule: platform.ValidNamespaceName(name)})); err != nil {
		return Op{}, err
	}
	if old == name {
		return Op{}, &platform.RuleError{Field: "new name", Rule: "is the current name"}
	}
	t := Target{Namespace: old}
	before, err := p.read(ctx, NamespaceRename, t)
	if err != nil {
		return Op{}, err
	}
	if before == nil {
		return Op{}, &platform.RuleError{Field: fmt.Sprintf("namespace %q", old), Rule: "does not exist"}
	}
	if taken, err := p.read(ctx, NamespaceRename, Target{Namespace: name}); err != nil {
		return Op{}, err
	} else if taken != nil {
		return Op{}, &platform.RuleError{Field: fmt.Sprintf("new name %q", name), Rule: "is another namespace's"}
	}
	after := &State{Name: name, Scripts: before.Scripts}
	return Op{Kind: NamespaceRename, Target: t, Before: before, After: after, Requests: requests(NamespaceRename, before, after)}, nil
}

// DeleteNamespace plans deleting a dispatch namespace and every script in
// it: irreversible.
func (p *Planner) DeleteNamespace(ctx context.Context, name string) (Op, error) {
	if err := invalid(platform.FirstFailure(platform.Check{Field: "namespace", Rule: platform.NonEmpty(name)})); err != nil {
		return Op{}, err
	}
	t := Target{Namespace: name}
	before, err := p.read(ctx, NamespaceDelete, t)
	if err != nil {
		return Op{}, err
	}
	if before == nil {
		return Op{}, &platform.RuleError{Field: fmt.Sprintf("namespace %q", name), Rule: "does not exist"}
	}
	return Op{Kind: NamespaceDelete, Target: t, Before: before, Requests: requests(NamespaceDelete, before, nil),
		Irreversible: irreversibleDelete}, nil
}

// PutKV plans writing a KV value.
func (p *Planner) PutKV(ctx context.Context, nsID, key string, value []byte) (Op, error) {
	if err := invalid(platform.FirstFailure(
		platform.Check{Field: "kv namespace", Rule: platform.NonEmpty(nsID)},
		platform.Check{Field: "key", Rule: platform.ValidKVKey(key)},
		platform.Check{Field: "value", Rule: platform.ValidKVValue(value)})); err != nil {
		return Op{}, err
	}
	t := Target{KVNamespace: nsID, Key: key}
	before, err := p.read(ctx, KVPut, t)
	if err != nil {
		return Op{}, err
	}
	v := string(value)
	after := &State{Value: &v}
	return Op{Kind: KVPut, Target: t, Before: before, After: after, Requests: requests(KVPut, before, after)}, nil
}

// DeleteKV plans deleting a KV value.
func (p *Planner) DeleteKV(ctx context.Context, nsID, key string) (Op, error) {
	if err := invalid(platform.FirstFailure(
		platform.Check{Field: "kv namespace", Rule: platform.NonEmpty(nsID)},
		platform.Check{Field: "key", Rule: platform.ValidKVKey(key)})); err != nil {
		return Op{}, err
	}
	t := Target{KVNamespace: nsID, Key: key}
	before, err := p.read(ctx, KVDelete, t)
	if err != nil {
		return Op{}, err
	}
	if before == nil {
		return Op{}, &platform.RuleError{Field: fmt.Sprintf("key %q", key), Rule: "does not exist"}
	}
	return Op{Kind: KVDelete, Target: t, Before: before, Requests: requests(KVDelete, before, nil)}, nil
}

// readFull is read, with the script as read for script ops (a delete's
// undo kit needs to know whether it is ES modules).
func (p *Planner) readFull(ctx context.Context, k Kind, t Target) (*State, cfclient.Script, error) {
	if k != ScriptDelete && k != ScriptRestore {
		st, err := p.read(ctx, k, t)
		return st, cfclient.Script{}, err
	}
	d, err := p.c.GetScript(ctx, t.Namespace, t.Script)
	if errors.Is(err, cfclient.ErrNotFound) {
		return nil, cfclient.Script{}, nil
	}
	if err != nil {
		return nil, cfclient.Script{}, err
	}
	return &State{Tags: nonNil(d.Tags), ETag: d.ETag}, d.Script, nil
}

// read reads the current state of an op's target: what planning records
// as before, and what applying compares with it. A target that does not
// exist is nil.
func (p *Planner) read(ctx context.Context, k Kind, t Target) (*State, error) {
	c := p.c
	switch k {
	case TagsSet:
		tags, err := c.GetTags(ctx, t.Namespace, t.Script)
		if err != nil {
			return nil, err
		}
		return &State{Tags: nonNil(tags)}, nil
	case LimitsSet:
		s, err := c.GetSettings(ctx, t.Namespace, t.Script)
		if err != nil {
			return nil, err
		}
		return &State{Limits: limitsOf(s.Limits)}, nil
	case TierSet:
		// One read of the settings carries both the tags and the limits.
		s, err := c.GetSettings(ctx, t.Namespace, t.Script)
		if err != nil {
			return nil, err
		}
		return &State{Tags: nonNil(s.Tags), Limits: limitsOf(s.Limits)}, nil
	case RoutePut, RouteDelete, KVPut, KVDelete, TiersDefine:
		b, err := c.GetValue(ctx, t.KVNamespace, t.Key)
		if errors.Is(err, cfclient.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		v := string(b)
		return &State{Value: &v}, nil
	case NamespaceCreate, NamespaceRename, NamespaceDelete:
		n, err := c.GetNamespace(ctx, t.Namespace)
		if errors.Is(err, cfclient.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &State{Name: n.Name, Scripts: n.ScriptCount}, nil
	}
	return nil, fmt.Errorf("read state: unknown op kind %q", k)
}

// limitsOf is l, or nil when it sets nothing.
func limitsOf(l platform.Limits) *platform.Limits {
	if l.CPUMs == nil && l.Subrequests == nil {
		return nil
	}
	return &l
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// Replan plans op again against the state of the moment: an op built
// from an audit line's inverse (undo) is checked as if the operator had
// asked for it: the target must still be as the change left it (op's
// Before; else a ConflictError), the intended state is validated with the
// platform's rules (a tier scripts are on cannot be removed, a route to a
// missing script is a warning), and its cost, warnings and irreversibility
// are worked out afresh. ns is the dispatch namespace routes lead into
// ("" skips the missing-script warning).
func (p *Planner) Replan(ctx context.Context, ns string, op Op) (Op, error) {
	now, _, err := p.readFull(ctx, op.Kind, op.Target)
	if err != nil {
		return Op{}, err
	}
	if !Same(op.Kind, now, op.Before) {
		return Op{}, &ConflictError{Op: op, Now: now, Expected: op.Before}
	}
	t := op.Target
	switch op.Kind {
	case TagsSet:
		return p.SetTags(ctx, t.Namespace, t.Script, op.After.Tags)
	case LimitsSet:
		return p.SetLimits(ctx, t.Namespace, t.Script, limitsValue(op.After.Limits))
	case TierSet:
		if err := invalid(platform.ValidTags(op.After.Tags)); err != nil {
			return Op{}, err
		}
		fresh := Op{Kind: TierSet, Target: t, Before: now, After: op.After}
		fresh.Requests = requests(TierSet, now, op.After)
		return fresh, nil
	case RoutePut:
		kind, key := p.routeOf(t.Key)
		return p.PutRouteValue(ctx, ns, kind, key, *op.After.Value)
	case RouteDelete:
		kind, key := p.routeOf(t.Key)
		return p.DeleteRoute(ctx, kind, key)
	case TiersDefine:
		tiers, err := platform.ParseTiers([]byte(*op.After.Value))
		if err != nil {
			return Op{}, &platform.RuleError{Field: "tier table", Rule: err.Error()}
		}
		return p.DefineTiers(ctx, tiers, nil)
	case KVPut:
		return p.PutKV(ctx, t.KVNamespace, t.Key, []byte(*op.After.Value))
	case KVDelete:
		return p.DeleteKV(ctx, t.KVNamespace, t.Key)
	case NamespaceCreate:
		return p.CreateNamespace(ctx, op.After.Name)
	case NamespaceRename:
		return p.RenameNamespace(ctx, t.Namespace, op.After.Name)
	case NamespaceDelete:
		return p.DeleteNamespace(ctx, t.Namespace)
	case ScriptRestore:
		if op.After == nil || op.After.Kit == "" {
			return Op{}, &platform.RuleError{Field: "restore of " + t.String(), Rule: "names no undo kit"}
		}
		return Op{Kind: ScriptRestore, Target: t, After: op.After, Requests: requests(ScriptRestore, nil, op.After),
			Warnings: []string{"the script comes back without its secret values (the API never returns them)"}}, nil
	case ScriptDelete:
		return Op{Kind: ScriptDelete, Target: t, Before: now, Requests: requests(ScriptDelete, now, nil)}, nil
	}
	return Op{}, fmt.Errorf("replan: unknown op kind %q", op.Kind)
}

// routeOf splits a route's KV key into its kind and key.
func (p *Planner) routeOf(kvKey string) (platform.RouteKind, string) {
	r := p.schema.ParseRoute(kvKey, "")
	return r.Kind, r.Key
}

// limitsValue is l, or no limits.
func limitsValue(l *platform.Limits) platform.Limits {
	if l == nil {
		return platform.Limits{}
	}
	return *l
}

// TierUse counts the scripts on tier in every dispatch namespace, with
// the API's tag filter (about one request per namespace for a tier few
// scripts are on).
func (p *Planner) TierUse(ctx context.Context, tier string) (int, error) {
	nss, err := p.c.ListNamespaces(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	filter := cfclient.TagFilter{Has: []string{p.schema.TierTag(tier)}}
	for _, ns := range nss {
		err := p.c.ListScripts(ctx, ns.Name, filter, func(page []cfclient.Script) error {
			n += len(page)
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}
