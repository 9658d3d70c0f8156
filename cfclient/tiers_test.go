package cfclient

import (
	"encoding/json"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

const seededTiers = `{"free":{"cpuMs":10,"subRequests":5},"pro":{"cpuMs":50,"subRequests":50},"enterprise":{"cpuMs":300,"subRequests":1000}}`

func TestReadAndWriteTiers(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	tiers, err := e.c.ReadTiers(ctx)
	if err != nil {
		t.Fatalf("ReadTiers: %v", err)
	}
	if len(tiers) != 3 || platform.FindTier(tiers, "pro") == nil || platform.FindTier(tiers, "pro").CPUMs != 50 {
		t.Fatalf("seeded tiers %+v", tiers)
	}
	id, _ := e.c.RoutingNamespace(ctx)
	// A field wfp does not know survives a rewrite.
	if err := e.c.PutValue(ctx, id, "tiers", []byte(`{"free":{"cpuMs":10,"subRequests":5,"price":0},"pro":{"cpuMs":50,"subRequests":50}}`)); err != nil {
		t.Fatal(err)
	}
	want := []platform.Tier{{Name: "free", CPUMs: 20, SubRequests: 5}, {Name: "gold", CPUMs: 100, SubRequests: 200}}
	if err := e.c.WriteTiers(ctx, want); err != nil {
		t.Fatalf("WriteTiers: %v", err)
	}
	got, err := e.c.ReadTiers(ctx)
	if err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("read back %+v, %v", got, err)
	}
	raw, _ := e.c.GetValue(ctx, id, "tiers")
	var table map[string]map[string]any
	if err := json.Unmarshal(raw, &table); err != nil || table["free"]["price"] != float64(0) || table["pro"] != nil {
		t.Fatalf("stored table %s", raw)
	}
	lines := auditLines(t, e.auditPath())
	last := lines[len(lines)-1]
	if last.Op != "tiers.write" || last.Before == nil || last.After == nil {
		t.Fatalf("audit %+v", last)
	}
}
