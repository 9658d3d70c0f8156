package main

import (
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/config"
)

// Against `wfp sandbox --rate-limit 60/10s` the header read "API 54/54 ·
// 5m": the console adopted the server's limit but kept its own window. The
// header's budget is the server's, window included, after one answer.
func TestHeaderBudgetIsTheServersRule(t *testing.T) {
	remote, err := sandbox.New(sandbox.Options{Seed: 7, Scripts: 20, RateLimit: sandbox.RateLimit{Requests: 60, Window: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { remote.Close() })
	home := t.TempDir()
	env := map[string]string{
		"HOME":                    home,
		"CLOUDFLARE_API_TOKEN":    remote.Token(),
		"CLOUDFLARE_ACCOUNT_ID":   remote.AccountID(),
		"CLOUDFLARE_API_BASE_URL": remote.URL(),
	}
	rt, err := NewRuntime(runtimeOptions{load: config.LoadOptions{
		Env:  func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Home: home,
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	header := rt.Header(cfclient.Actor{Name: "tester@host"}, "")
	if b := header().Budget; b.Limit != 1140 || b.Window != 5*time.Minute {
		t.Fatalf("budget before any answer %+v, want the configured 1140 usable per 5m", b)
	}
	if _, err := rt.Client.ListNamespaces(t.Context()); err != nil {
		t.Fatal(err)
	}
	if b := header().Budget; b.Limit != 57 || b.Window != 10*time.Second || b.Used != 1 {
		t.Errorf("budget after one answer %+v, want 1 of the server's 57 usable (60 less the 5%% margin) per 10s", b)
	}
}
