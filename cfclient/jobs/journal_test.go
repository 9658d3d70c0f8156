package jobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/change"
)

// A journal whose last line was torn by a crash loads with that line
// ignored: the item is in its previous state, read again on resume.
func TestJournalTornLastLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "20260601T120000Z-abcdef")
	plan := &change.Plan{ID: "20260601T120000Z-abcdef", Actor: "a", Created: time.Now(), Ops: []change.Op{
		{Kind: change.ScriptDelete, Target: change.Target{Namespace: "n", Script: "a"}},
		{Kind: change.ScriptDelete, Target: change.Target{Namespace: "n", Script: "b"}},
	}}
	jl, err := createJob(dir, plan)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, l := range []line{{T: now, I: -1, Job: evStarted, Owner: "ana"}, {T: now, I: 0, S: ItemStarted},
		{T: now, I: 0, S: ItemApplied, Kit: "k"}, {T: now, I: 1, S: ItemStarted}} {
		if err := jl.append(l); err != nil {
			t.Fatal(err)
		}
	}
	jl.close()
	f, _ := os.OpenFile(filepath.Join(dir, journalFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"t":"2026-06-01T12:00:00Z","i":1,"s":"appl`)
	f.Close()
	l, err := loadJob(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l.state != Interrupted || l.owner != "ana" || l.items[0].State != ItemApplied || l.items[0].Kit != "k" ||
		l.items[1].State != ItemStarted || l.items[1].Attempts != 1 {
		t.Errorf("loaded: state %s owner %q items %+v", l.state, l.owner, l.items)
	}
	if _, err := createJob(dir, plan); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second job with the same id: %v", err)
	}
}

// A kit ref that leaves the jobs directory is refused.
func TestKitRefStaysInside(t *testing.T) {
	k := NewKits(t.TempDir())
	for _, ref := range []string{"../x.json", "/etc/passwd", "a/../../b"} {
		if _, err := k.Load(ref); err == nil || !strings.Contains(err.Error(), "not a kit reference") {
			t.Errorf("%q: %v", ref, err)
		}
	}
	if _, err := k.Save("../evil", &change.Kit{Namespace: "n", Script: "s"}); err == nil {
		t.Error("a kit saved under a bad plan id")
	}
	ref, err := k.Save("20260601T120000Z-abcdef", &change.Kit{Namespace: "../n", Script: ".."})
	if err != nil || !k.Exists(ref) || strings.Contains(ref, "/../") {
		t.Errorf("escaped names: %q %v", ref, err)
	}
}
