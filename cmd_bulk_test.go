package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// remote is a standalone sandbox and the environment of a headless wfp
// pointed at it (its own home: config, state, cache).
type remote struct {
	sb   *sandbox.Server
	env  map[string]string
	home string
	c    *cfclient.Client
}

func newRemote(t *testing.T, scripts int) *remote {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Seed: 11, Scripts: scripts, RateLimit: sandbox.RateLimit{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	home := t.TempDir()
	r := &remote{sb: sb, home: home, env: map[string]string{
		"HOME": home, "CLOUDFLARE_API_TOKEN": sb.Token(), "CLOUDFLARE_ACCOUNT_ID": sb.AccountID(),
		"CLOUDFLARE_API_BASE_URL": sb.URL(),
	}}
	r.c, err = cfclient.New(cfclient.Options{BaseURL: sb.URL(), AccountID: sb.AccountID(), Token: sb.Token(),
		Profile: "probe", ReadOnly: true, Throttle: throttle.New(throttle.Options{}, throttle.NewTransport(10*time.Second))})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// run runs a headless command; it returns the exit status, stdout and
// stderr.
func (r *remote) run(t *testing.T, cmd func([]string, headlessEnv) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	h := headlessEnv{stdout: &out, stderr: &errb, home: r.home, actor: cfclient.Actor{Name: "ci@runner"},
		env: func(k string) (string, bool) { v, ok := r.env[k]; return v, ok }}
	code := cmd(args, h)
	return code, out.String(), errb.String()
}

// list lists ns at the sandbox.
func (r *remote) list(t *testing.T, ns string) []cfclient.Script {
	t.Helper()
	var out []cfclient.Script
	err := r.c.ListScripts(context.Background(), ns, cfclient.TagFilter{}, func(p []cfclient.Script) error {
		out = append(out, p...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// commonTag is the tag most scripts of ns carry, besides tier and
// customer tags, and how many carry it.
func commonTag(scripts []cfclient.Script) (string, int) {
	n := map[string]int{}
	for _, s := range scripts {
		for _, tag := range s.Tags {
			if !strings.HasPrefix(tag, "tier-") && !strings.HasPrefix(tag, "customer-") && cfclient.TagFilterable(tag) {
				n[tag]++
			}
		}
	}
	best := ""
	for tag, c := range n {
		if c > n[best] || (c == n[best] && tag < best) {
			best = tag
		}
	}
	return best, n[best]
}

// The headless flow: list, plan a delete of a tag set, refuse without the
// phrase or read-only, apply with it, and find the job, its audit lines
// and the scripts gone.
func TestHeadlessDeleteFlow(t *testing.T) {
	r := newRemote(t, 300)
	staging := r.list(t, "staging")
	code, out, errs := r.run(t, runScripts, "ls", "staging", "--json")
	var rows []scriptRow
	if code != exitOK || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != len(staging) {
		t.Fatalf("scripts ls: %d, %d rows of %d; stderr %s", code, len(rows), len(staging), errs)
	}
	tag, n := commonTag(staging)
	if n < 2 {
		t.Fatalf("no common tag in staging (%q %d)", tag, n)
	}
	code, out, _ = r.run(t, runScripts, "ls", "staging", "-t", tag, "--csv")
	if lines := strings.Count(strings.TrimSpace(out), "\n"); code != exitOK || lines != n {
		t.Fatalf("scripts ls -t %s --csv: %d, %d rows, want %d:\n%s", tag, code, lines, n, out)
	}

	planPath := filepath.Join(t.TempDir(), "plan.json")
	code, _, errs = r.run(t, runBulk, "plan", "delete", "staging", "-t", tag, "-o", planPath)
	phrase := fmt.Sprintf("delete %d in staging", n)
	if code != exitOK || !strings.Contains(errs, phrase) || !strings.Contains(errs, "server-side alternative") {
		t.Fatalf("bulk plan: %d\n%s", code, errs)
	}
	plan, err := readPlan(planPath)
	if err != nil || len(plan.Ops) != n {
		t.Fatalf("plan file: %v, %+v", err, plan)
	}

	for _, args := range [][]string{
		{"apply", planPath},
		{"apply", planPath, "--confirm", "delete all of it"},
		{"apply", planPath, "--confirm", phrase, "--read-only"},
	} {
		if code, _, errs := r.run(t, runBulk, args...); code != exitRefused {
			t.Errorf("%v: exit %d, want %d (refused); stderr %s", args, code, exitRefused, errs)
		}
	}
	if got := len(r.list(t, "staging")); got != len(staging) {
		t.Fatalf("a refused apply deleted %d scripts", len(staging)-got)
	}

	code, _, errs = r.run(t, runBulk, "apply", planPath, "--confirm", phrase)
	if code != exitOK || !strings.Contains(errs, "done") {
		t.Fatalf("bulk apply: %d\n%s", code, errs)
	}
	left := r.list(t, "staging")
	if len(left) != len(staging)-n {
		t.Errorf("%d scripts left, want %d", len(left), len(staging)-n)
	}
	for _, s := range left {
		if slices.Contains(s.Tags, tag) {
			t.Errorf("%s (tagged %s) survived", s.Name, tag)
		}
	}

	code, out, _ = r.run(t, runAudit, "ls", "--json", "--plan", plan.ID)
	var recs []audit.Record
	if code != exitOK || json.Unmarshal([]byte(out), &recs) != nil {
		t.Fatalf("audit ls: %d %s", code, out)
	}
	ok := 0
	for _, rec := range recs {
		if rec.OK() && rec.Op == "script.delete" {
			ok++
		}
	}
	if ok != n {
		t.Errorf("%d ok delete lines for the plan, want %d", ok, n)
	}
	code, out, _ = r.run(t, runJobs, "show", plan.ID, "--json")
	var j jobJSON
	if code != exitOK || json.Unmarshal([]byte(out), &j) != nil || j.State != "done" || j.Applied != n || len(j.Items) != n {
		t.Errorf("jobs show: %d %+v", code, j)
	}
	if code, out, _ = r.run(t, runJobs, "ls"); code != exitOK || !strings.Contains(out, plan.ID) {
		t.Errorf("jobs ls: %d\n%s", code, out)
	}
	// The same plan again is the same job: refused as started.
	if code, _, errs = r.run(t, runBulk, "apply", planPath, "--confirm", phrase); code == exitOK {
		t.Errorf("the plan applied twice: %s", errs)
	}
}

// A target changed since the plan is a conflict: the job finishes
// partly, exit 2, the conflict named.
func TestHeadlessPartialIsExit2(t *testing.T) {
	r := newRemote(t, 300)
	staging := r.list(t, "staging")
	planPath := filepath.Join(t.TempDir(), "plan.json")
	code, _, errs := r.run(t, runBulk, "plan", "tag-add", "staging", "--tag", "reviewed", "-o", planPath)
	if code != exitOK {
		t.Fatalf("bulk plan: %d %s", code, errs)
	}
	w, err := cfclient.New(cfclient.Options{BaseURL: r.sb.URL(), AccountID: r.sb.AccountID(), Token: r.sb.Token(),
		Profile: "other", Actor: "someone@else", Audit: audit.New(filepath.Join(t.TempDir(), "a.jsonl")),
		Throttle: throttle.New(throttle.Options{}, throttle.NewTransport(10*time.Second))})
	if err != nil {
		t.Fatal(err)
	}
	victim := staging[0]
	if _, err := w.ReplaceTags(context.Background(), "staging", victim.Name, append(slices.Clone(victim.Tags), "moved")); err != nil {
		t.Fatal(err)
	}
	plan, _ := readPlan(planPath)
	phrase := fmt.Sprintf("tag-add %d in staging", len(plan.Ops))
	code, _, errs = r.run(t, runBulk, "apply", planPath, "--confirm", phrase)
	if code != exitPartial || !strings.Contains(errs, "conflict") || !strings.Contains(errs, victim.Name) {
		t.Fatalf("apply: %d\n%s", code, errs)
	}
}

// Usage errors are 64, naming what is wrong.
func TestHeadlessUsage(t *testing.T) {
	r := newRemote(t, 20)
	for _, tc := range []struct {
		cmd  func([]string, headlessEnv) int
		args []string
		want string
	}{
		{runScripts, nil, "ls"},
		{runScripts, []string{"ls"}, "namespace"},
		{runScripts, []string{"ls", "staging", "--json", "--csv"}, "exclusive"},
		{runBulk, []string{"plan", "explode", "staging"}, "action"},
		{runBulk, []string{"plan", "routes", "staging", "-t", "x"}, "no selector"},
		{runBulk, []string{"apply"}, "plan file"},
		{runBulk, []string{"plan", "delete", "staging", "--bogus"}, "bogus"},
		{runJobs, []string{"show"}, "argument"},
		{runRoute, []string{"get"}, "host"},
		{runAudit, []string{"ls", "--limit", "-1"}, "limit"},
	} {
		code, _, errs := r.run(t, tc.cmd, tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d naming %q", tc.args, code, errs, exitUsage, tc.want)
		}
	}
}

// route get follows the dispatcher: hostname, then subdomain.
func TestHeadlessRouteGet(t *testing.T) {
	r := newRemote(t, 50)
	table, err := r.c.ReadRouting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var host, target string
	for _, rt := range table.Routes {
		if rt.Kind == "hostname" && rt.Target != "" {
			host, target = rt.Key, rt.Target
			break
		}
	}
	if host == "" {
		t.Fatal("no hostname route")
	}
	code, out, errs := r.run(t, runRoute, "get", host, "--namespace", "production", "--json")
	var got routeJSON
	if code != exitOK || json.Unmarshal([]byte(out), &got) != nil || got.Target != target || got.Exists == nil {
		t.Fatalf("route get %s: %d %s %s", host, code, out, errs)
	}
	if code, _, errs := r.run(t, runRoute, "get", "nowhere.invalid"); code != exitFailure || !strings.Contains(errs, "no route") {
		t.Errorf("route get nowhere: %d %s", code, errs)
	}
}

// --count-secrets counts the scripts whose secrets a delete loses;
// --server-side deletes a tag set in one request, audited once.
func TestHeadlessServerSideAndSecrets(t *testing.T) {
	r := newRemote(t, 300)
	staging := r.list(t, "staging")
	tag, n := commonTag(staging)
	planPath := filepath.Join(t.TempDir(), "plan.json")
	code, _, errs := r.run(t, runBulk, "plan", "delete", "staging", "-t", tag, "--count-secrets", "-o", planPath)
	if code != exitOK || strings.Contains(errs, "--count-secrets reads") {
		t.Fatalf("plan: %d\n%s", code, errs)
	}
	plan, err := readPlan(planPath)
	if err != nil || plan.Bulk.SecretsUnknown {
		t.Fatalf("plan: %v %+v", err, plan.Bulk)
	}
	if plan.Bulk.WithSecrets > 0 && !strings.Contains(errs, fmt.Sprintf("secret values of %d", plan.Bulk.WithSecrets)) {
		t.Errorf("stderr does not count %d scripts with secrets:\n%s", plan.Bulk.WithSecrets, errs)
	}
	phrase := fmt.Sprintf("delete %d in staging", n)
	code, _, errs = r.run(t, runBulk, "apply", planPath, "--confirm", phrase, "--server-side")
	if code != exitOK || !strings.Contains(errs, fmt.Sprintf("deleted %d scripts", n)) {
		t.Fatalf("server-side apply: %d\n%s", code, errs)
	}
	if left := len(r.list(t, "staging")); left != len(staging)-n {
		t.Errorf("%d left, want %d", left, len(staging)-n)
	}
	code, out, _ := r.run(t, runAudit, "ls", "--json")
	var recs []audit.Record
	if code != exitOK || json.Unmarshal([]byte(out), &recs) != nil {
		t.Fatalf("audit ls: %d", code)
	}
	bulk := 0
	for _, rec := range recs {
		if rec.Op == "scripts.bulk_delete" && rec.OK() {
			bulk++
		}
	}
	if bulk != 1 {
		t.Errorf("%d bulk delete audit lines, want 1", bulk)
	}
}
