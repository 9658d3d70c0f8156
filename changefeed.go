package main

import (
	"slices"
	"sync"
	"time"

	"github.com/wfpconsole/wfp/cfclient/change"
	"github.com/wfpconsole/wfp/ui"
)

// feedSize bounds the changes kept for sessions that have not taken them
// yet: a session takes them with each header snapshot (about once a
// second), so only a session that missed more than this many (a job
// running far faster than that) is told to re-read instead.
const feedSize = 4096

// changeFeed is what changes were applied to scripts in this process, by
// any session or job, numbered so that each session takes, with its header
// snapshot, the ones it has not seen. Screens learn of them as a
// ui.ScriptsChangedMsg and patch what they show, instead of showing a
// deleted script until the next refresh.
type changeFeed struct {
	mu   sync.Mutex
	next uint64            // the number the next change gets
	ring []ui.ScriptChange // the last feedSize changes, oldest first
}

// add records the script change op made, if it made one a screen shows.
func (f *changeFeed) add(op change.Op, at time.Time) {
	c, ok := scriptChange(op)
	if !ok {
		return
	}
	c.At = at
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ring) == feedSize {
		f.ring = slices.Delete(f.ring, 0, feedSize/4)
	}
	f.ring = append(f.ring, c)
	f.next++
}

// head is the number the next change gets: a new session starts there.
func (f *changeFeed) head() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.next
}

// since returns the changes numbered from seen on, the number to ask from
// next time, and whether some were already dropped (the screens then read
// their data again).
func (f *changeFeed) since(seen uint64) (changes []ui.ScriptChange, next uint64, lost bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	first := f.next - uint64(len(f.ring)) // the number of ring[0]
	if seen < first {
		return slices.Clone(f.ring), f.next, true
	}
	return slices.Clone(f.ring[seen-first:]), f.next, false
}

// scriptChange is what op did to a namespace's scripts, as screens show
// them: a script gone or back, its tags, a namespace gone.
func scriptChange(op change.Op) (ui.ScriptChange, bool) {
	c := ui.ScriptChange{Namespace: op.Target.Namespace, Script: op.Target.Script}
	switch op.Kind {
	case change.ScriptDelete:
		c.Gone = true
	case change.ScriptRestore:
		c.Back = true
	case change.TagsSet, change.TierSet:
		if op.After == nil {
			return c, false
		}
		c.Tags = slices.Clone(op.After.Tags)
		c.TagsSet = true
	case change.NamespaceDelete:
		c.Script, c.Gone = "", true
	default:
		return c, false
	}
	return c, true
}
