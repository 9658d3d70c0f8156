package change

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wfpconsole/wfp/cfclient/audit"
)

// Entry is one applied op as the audit log tells it: the plan it was in,
// its index there, and the op that undoes it (nil when it cannot be
// undone). An op of two writes has two records and is one entry.
type Entry struct {
	PlanID  string
	Op      int
	Kind    Kind
	Target  string
	Actor   string
	Time    time.Time
	Inverse *Op
	// Records are the entry's audit records (one per write).
	Records []audit.Record
}

// Entries groups the records of applied plan ops into entries, newest
// first. Records of writes that failed or were refused, of ops that were
// rolled back, and of changes made outside a plan, are left out: there is
// nothing to undo.
func Entries(recs []audit.Record) []Entry {
	type key struct {
		plan string
		op   int
	}
	// An op with a failed write never took effect (a tier change whose
	// second write failed was rolled back): nothing of it is undoable.
	failed := map[key]bool{}
	for _, r := range recs {
		if r.PlanID != "" && !r.OK() {
			failed[key{r.PlanID, r.OpIndex}] = true
		}
	}
	index := map[key]int{}
	var out []Entry
	for _, r := range recs {
		if r.PlanID == "" || !r.OK() || failed[key{r.PlanID, r.OpIndex}] || strings.HasSuffix(r.Change, ".rollback") {
			continue
		}
		k := key{r.PlanID, r.OpIndex}
		if i, ok := index[k]; ok {
			out[i].Records = append(out[i].Records, r)
			continue
		}
		e := Entry{PlanID: r.PlanID, Op: r.OpIndex, Kind: Kind(r.Change), Actor: r.Actor, Time: r.Time,
			Records: []audit.Record{r}}
		if len(r.Inverse) > 0 {
			var inv Op
			if err := json.Unmarshal(r.Inverse, &inv); err == nil {
				e.Inverse = &inv
				e.Target = inv.Target.String()
			}
		}
		if e.Target == "" {
			e.Target = r.Target
		}
		index[k] = len(out)
		out = append(out, e)
	}
	slices.Reverse(out)
	return out
}

// Undo builds the plan that undoes entries (newest first, as Entries
// returns them, so later changes are undone first), for actor at now. An
// entry that cannot be undone is an error naming it: nothing is planned
// half.
func Undo(entries []Entry, actor string, now time.Time) (*Plan, error) {
	var ops []Op
	for _, e := range entries {
		if e.Inverse == nil {
			return nil, fmt.Errorf("%s of %s (plan %s) cannot be undone", e.Kind, e.Target, e.PlanID)
		}
		ops = append(ops, *e.Inverse)
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("nothing to undo")
	}
	return NewPlan(actor, now, ops...), nil
}

// PlanEntries are the entries of one plan, newest first.
func PlanEntries(entries []Entry, planID string) []Entry {
	var out []Entry
	for _, e := range entries {
		if e.PlanID == planID {
			out = append(out, e)
		}
	}
	return out
}
