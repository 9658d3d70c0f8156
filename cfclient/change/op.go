// Package change is wfp's one change pipeline: every mutation, single or
// bulk, console or headless, is an Op in a Plan, planned against the
// current state (Planner: read, validate with package platform's rules,
// cost, warnings), reviewed, then applied through one gate (Applier:
// refused for a read-only actor before any request, a precondition re-read
// right before each write, the write through cfclient's gate, an fsynced
// audit line carrying the plan id and the op's inverse), and undone by a
// plan built from audit lines' inverse ops (Undo).
//
// Ops serialise to JSON for the audit log, saved plans and job journals
// (package jobs). Bulk plans are made from a listing (PlanBulk, bulk.go);
// a script delete keeps an undo kit first (kit.go), which script.restore
// uploads again.
package change

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Kind names what an op changes.
type Kind string

// The kinds of op.
const (
	TagsSet         Kind = "tags.set"         // a script's whole tag list
	TierSet         Kind = "tier.set"         // a script's tier-* tag, and its own limits when they would bind
	LimitsSet       Kind = "limits.set"       // a script's own limits (settings limits.cpu_ms, limits.subrequests)
	RoutePut        Kind = "route.put"        // a route of the routing table (created or repointed)
	RouteDelete     Kind = "route.delete"     // a route removed
	TiersDefine     Kind = "tiers.define"     // the tier table
	NamespaceCreate Kind = "namespace.create" // a dispatch namespace created
	NamespaceRename Kind = "namespace.rename" // a dispatch namespace renamed
	NamespaceDelete Kind = "namespace.delete" // a dispatch namespace and every script in it deleted
	KVPut           Kind = "kv.put"           // a KV value written
	KVDelete        Kind = "kv.delete"        // a KV value deleted
	ScriptDelete    Kind = "script.delete"    // a namespace script deleted (its undo kit saved first)
	ScriptRestore   Kind = "script.restore"   // a deleted script uploaded again from its undo kit
)

// Target names the object an op changes.
type Target struct {
	// Namespace is the dispatch namespace (script ops, namespace ops).
	Namespace string `json:"namespace,omitempty"`
	// Script is the user script (tags, tier, limits).
	Script string `json:"script,omitempty"`
	// KVNamespace and Key are the KV value (routes, tiers, kv ops).
	KVNamespace string `json:"kv_namespace,omitempty"`
	Key         string `json:"key,omitempty"`
}

// String names the target as the audit log and the review show it.
func (t Target) String() string {
	switch {
	case t.Script != "":
		return t.Namespace + "/" + t.Script
	case t.Key != "":
		return t.Key
	}
	return t.Namespace
}

// State is the state of a target, before or after an op; which fields are
// used depends on the kind. A nil *State means the target does not exist
// (a route not yet created, a value deleted).
type State struct {
	Tags   []string         `json:"tags,omitempty"`
	Limits *platform.Limits `json:"limits,omitempty"`
	// Value is a KV value as stored (a route's raw value, the tier table).
	Value *string `json:"value,omitempty"`
	// Name is a namespace's name; Scripts how many scripts it holds.
	Name    string `json:"name,omitempty"`
	Scripts int    `json:"scripts,omitempty"`
	// ETag is a script's content hash as listed (script.delete: a script
	// deployed again since the plan is a change behind its back).
	ETag string `json:"etag,omitempty"`
	// Kit is where a deleted script's undo kit is kept (script.delete's
	// inverse, script.restore), as the applier's KitStore names it.
	Kit string `json:"kit,omitempty"`
	// Tier is the definition a partial tier.set moves the script to, so
	// the applier can raise its own limits that would bind instead.
	Tier *platform.Tier `json:"tier,omitempty"`
}

// Op is one typed mutation: what it changes from what (read when planned)
// to what, what it costs, and whether it can be undone.
type Op struct {
	Kind   Kind   `json:"kind"`
	Target Target `json:"target"`
	Before *State `json:"before"`
	After  *State `json:"after"`
	// Requests is how many API requests applying it sends: the
	// precondition read, the gate's own reads and the writes.
	Requests int `json:"requests"`
	// Warnings are what the operator may override (a route to a script
	// that does not exist).
	Warnings []string `json:"warnings,omitempty"`
	// Irreversible says why the op cannot be undone ("" when it can).
	Irreversible string `json:"irreversible,omitempty"`
	// Loses says what its undo cannot bring back, though it undoes the rest
	// (a deleted script's secret values); "" when nothing is lost.
	Loses string `json:"loses,omitempty"`
	// Partial marks an op planned from a listing (bulk plans): its Before
	// holds only what the listing knows (tags, etag), not what it does not
	// (a script's own limits, a last-used key's value). The precondition
	// compares what Before holds; the read completes the rest right before
	// the write, so the inverse and the audit carry the full state.
	Partial bool `json:"partial,omitempty"`
}

// Inverse is the op that undoes o, planned as if o had just been applied:
// its Before is o's After. ok is false for an irreversible op. Undo plans
// it again against the state of the moment (Planner.Replan), so it is
// validated, warned about and costed like any op.
func (o Op) Inverse() (inv Op, ok bool) {
	if o.Irreversible != "" {
		return Op{}, false
	}
	inv = Op{Kind: o.Kind, Target: o.Target, Before: o.After, After: o.Before}
	switch o.Kind {
	case RoutePut, KVPut:
		if o.Before == nil {
			inv.Kind = deleteOf(o.Kind)
		}
	case RouteDelete, KVDelete:
		inv.Kind = putOf(o.Kind)
	case ScriptDelete:
		if o.Before == nil || o.Before.Kit == "" {
			return Op{}, false // deleted without a kit: nothing to restore from
		}
		inv.Kind = ScriptRestore
	case ScriptRestore:
		inv.Kind = ScriptDelete
	case NamespaceCreate:
		inv.Kind = NamespaceDelete
		inv.Target.Namespace = o.After.Name
		inv.Irreversible = irreversibleDelete
	case NamespaceRename:
		inv.Target.Namespace = o.After.Name
	case LimitsSet:
		// The API cannot remove a script's own limit: a limit that was
		// not set comes back as the largest allowed value, under which
		// the tier's limit is the one in force, as before.
		inv.After = unsetAsMax(inv.After)
	case TierSet:
		if sameLimits(o.Before.Limits, o.After.Limits) {
			// The change left the limits alone: so does its undo.
			after := *inv.After
			after.Limits = inv.Before.Limits
			inv.After = &after
		} else {
			inv.After = unsetAsMax(inv.After)
		}
	}
	inv.Requests = requests(inv.Kind, inv.Before, inv.After)
	return inv, true
}

// irreversibleDelete is why deleting a namespace cannot be undone.
const irreversibleDelete = "deleting a namespace deletes its scripts; their code, bindings and secret values cannot be restored"

func deleteOf(k Kind) Kind {
	if k == RoutePut {
		return RouteDelete
	}
	return KVDelete
}

func putOf(k Kind) Kind {
	if k == RouteDelete {
		return RoutePut
	}
	return KVPut
}

// unsetAsMax replaces unset limits with the largest allowed ones (a
// script with no limits of its own gets both).
func unsetAsMax(s *State) *State {
	if s == nil {
		return s
	}
	c := *s
	var l platform.Limits
	if s.Limits != nil {
		l = *s.Limits
	}
	if l.CPUMs == nil {
		l.CPUMs = intp(platform.MaxCPUMs)
	}
	if l.Subrequests == nil {
		l.Subrequests = intp(platform.MaxSubRequests)
	}
	c.Limits = &l
	return &c
}

func intp(n int) *int { return &n }

// requests is what applying an op of kind from before to after costs, as
// cfclient sends it: the precondition read, the gate's before read, the
// write (a tier change is a tag write and, when the limits change, a
// settings write).
func requests(k Kind, before, after *State) int {
	switch k {
	case TagsSet, LimitsSet, RoutePut, RouteDelete, KVPut, KVDelete, TiersDefine, NamespaceDelete:
		return 3
	case NamespaceCreate, NamespaceRename:
		return 2 // the precondition read and the write: the gate reads nothing before
	case ScriptDelete:
		// The precondition read, the undo kit (content and settings) and
		// the delete; the gate reads nothing before.
		return 4
	case ScriptRestore:
		return 2 // the precondition read (the script must be absent) and the upload
	case TierSet:
		n := 3 // tags
		if before != nil && after != nil && !sameLimits(before.Limits, after.Limits) {
			n += 2 // the settings: the gate's read and the patch (one precondition read covers both)
		}
		return n
	}
	return 1
}

// Same reports whether two states are equal for the op's kind: what the
// precondition check compares. Tag lists compare as sets (the API keeps
// the order it was given, but order carries no meaning).
func Same(k Kind, a, b *State) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch k {
	case TagsSet:
		return sameTags(a.Tags, b.Tags)
	case TierSet:
		return sameTags(a.Tags, b.Tags) && sameLimits(a.Limits, b.Limits)
	case LimitsSet:
		return sameLimits(a.Limits, b.Limits)
	case RoutePut, RouteDelete, KVPut, KVDelete, TiersDefine:
		return a.Value != nil && b.Value != nil && *a.Value == *b.Value
	case NamespaceCreate, NamespaceRename:
		return a.Name == b.Name
	case NamespaceDelete:
		// A delete deletes the scripts it was confirmed for: one deployed
		// since the plan is a change behind its back.
		return a.Name == b.Name && a.Scripts == b.Scripts
	case ScriptDelete, ScriptRestore:
		// A script deployed again (new etag) or retagged since the plan
		// is not the script that was confirmed.
		return sameTags(a.Tags, b.Tags) && (a.ETag == "" || b.ETag == "" || a.ETag == b.ETag)
	}
	return false
}

func sameTags(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func sameLimits(a, b *platform.Limits) bool {
	var x, y platform.Limits
	if a != nil {
		x = *a
	}
	if b != nil {
		y = *b
	}
	return sameInt(x.CPUMs, y.CPUMs) && sameInt(x.Subrequests, y.Subrequests)
}

func sameInt(a, b *int) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// Describe says a state in one line for the review and the audit screen
// ("tier-pro, customer-42", "cpu 50 ms · subrequests 50", "absent").
func Describe(k Kind, s *State) string {
	if s == nil {
		return "absent"
	}
	switch k {
	case TagsSet:
		return describeTags(s.Tags)
	case TierSet:
		return describeTags(s.Tags) + " · " + describeLimits(s.Limits)
	case LimitsSet:
		return describeLimits(s.Limits)
	case RoutePut, RouteDelete, KVPut, KVDelete, TiersDefine:
		if s.Value == nil {
			return "absent"
		}
		return *s.Value
	case ScriptDelete, ScriptRestore:
		return "script · " + describeTags(s.Tags)
	case NamespaceCreate, NamespaceRename, NamespaceDelete:
		if s.Scripts > 0 {
			return fmt.Sprintf("%s (%d scripts)", s.Name, s.Scripts)
		}
		return s.Name
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func describeTags(tags []string) string {
	if len(tags) == 0 {
		return "no tags"
	}
	return strings.Join(tags, ", ")
}

func describeLimits(l *platform.Limits) string {
	if l == nil {
		return "no limits of its own"
	}
	part := func(p *int, unit string) string {
		if p == nil {
			return "unset"
		}
		return fmt.Sprintf("%d%s", *p, unit)
	}
	return "cpu " + part(l.CPUMs, " ms") + " · subrequests " + part(l.Subrequests, "")
}

// BeforeKit is the undo kit ref a delete saved ("" for any other op).
func (o Op) BeforeKit() string {
	if o.Before == nil {
		return ""
	}
	return o.Before.Kit
}
