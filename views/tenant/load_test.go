package tenant

import (
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestLoadReportsACustomer(t *testing.T) {
	e := sandboxtest.Start(t, sandbox.Options{Seed: 1, Scripts: 300}, nil)
	ctx := t.Context()
	// The first production script's customer, and a change about it.
	var customer, script string
	err := e.Client.ListScripts(ctx, "production", cfclient.TagFilter{}, func(p []cfclient.Script) error {
		for _, s := range p {
			for _, tag := range s.Tags {
				if c, ok := strings.CutPrefix(tag, "customer-"); ok && customer == "" {
					customer, script = c, s.Name
				}
			}
		}
		return nil
	})
	if err != nil || customer == "" {
		t.Fatalf("no customer: %v", err)
	}
	cpu := 17
	if _, err := e.Client.PatchSettings(ctx, "production", script, cfclient.SettingsPatch{Limits: &platform.Limits{CPUMs: &cpu}}); err != nil {
		t.Fatal(err)
	}
	lu := cache.NewLastUsedCache(e.Client)
	d := Deps{Source: e.Client, Routing: cache.NewRoutingCache(e.Client, e.Store(e.Client)), LastUse: lu, AuditLog: e.AuditPath()}
	r, err := Load(ctx, d, customer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var row *Row
	for i := range r.Rows {
		if r.Rows[i].Script == script {
			row = &r.Rows[i]
		}
	}
	if row == nil || row.Namespace != "production" {
		t.Fatalf("the customer's script %s is missing: %+v", script, r.Rows)
	}
	if !strings.Contains(row.Limits, "cpu 17 ms") {
		t.Errorf("own limits %q, want cpu 17 ms", row.Limits)
	}
	if len(r.Audit) == 0 || r.Audit[0].Op != "script.settings.patch" {
		t.Errorf("audit entries %+v, want the settings patch", r.Audit)
	}
	if r.LastUseNote == "" {
		t.Error("an unread last-use cache is not said")
	}
	if r.Namespaces != 3 || r.Requests < 1+3+len(r.Rows)+1 {
		t.Errorf("namespaces %d, requests %d", r.Namespaces, r.Requests)
	}
	for _, row := range r.Rows {
		tagged := false
		for _, tag := range row.Tags {
			tagged = tagged || tag == "customer-"+customer
		}
		if !tagged {
			t.Errorf("%s/%s is not the customer's", row.Namespace, row.Script)
		}
	}
}
