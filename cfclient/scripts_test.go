package cfclient

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// listAll collects a whole listing.
func listAll(t *testing.T, c *Client, ns string, f TagFilter) []Script {
	t.Helper()
	var out []Script
	if err := c.ListScripts(testCtx(t), ns, f, func(p []Script) error {
		out = append(out, p...)
		return nil
	}); err != nil {
		t.Fatalf("ListScripts(%s, %v): %v", ns, f, err)
	}
	return out
}

func TestListScriptsStreamsPagesAndFilters(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Scripts: 2100}, nil)
	ctx := testCtx(t)
	var sizes []int
	var all []Script
	err := e.c.ListScripts(ctx, "production", TagFilter{}, func(p []Script) error {
		sizes = append(sizes, len(p))
		all = append(all, p...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{1000, 1000, 100}) {
		t.Fatalf("page sizes %v", sizes)
	}
	seen := map[string]bool{}
	for _, s := range all {
		if seen[s.Name] || s.Name == "" || s.Tag == "" || s.CreatedOn.IsZero() || len(s.Tags) == 0 {
			t.Fatalf("bad or duplicate script %+v", s)
		}
		seen[s.Name] = true
	}

	pro := listAll(t, e.c, "production", TagFilter{Has: []string{"tier-pro"}})
	if len(pro) == 0 || len(pro) == len(all) {
		t.Fatalf("tier-pro filter returned %d of %d", len(pro), len(all))
	}
	for _, s := range pro {
		if !s.HasTag("tier-pro") {
			t.Fatalf("%s lacks tier-pro", s.Name)
		}
	}
	notPro := listAll(t, e.c, "production", TagFilter{HasNot: []string{"tier-pro"}})
	if len(pro)+len(notPro) != len(all) {
		t.Fatalf("yes %d + no %d != %d", len(pro), len(notPro), len(all))
	}
	both := listAll(t, e.c, "production", TagFilter{Has: []string{"tier-pro"}, HasNot: []string{"environment-prod"}})
	for _, s := range both {
		if !s.HasTag("tier-pro") || s.HasTag("environment-prod") {
			t.Fatalf("%s breaks the combined filter: %v", s.Name, s.Tags)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err = e.c.ListScripts(ctx, "production", TagFilter{}, func([]Script) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("callback error: %v after %d calls", err, calls)
	}
	before := e.requests.Load()
	err = e.c.ListScripts(ctx, "production", TagFilter{Has: []string{"a:b"}}, func([]Script) error { return nil })
	if !errors.Is(err, ErrValidation) || e.requests.Load() != before {
		t.Fatalf("filter with a colon: %v", err)
	}
}

// TagFilterable says exactly which tags ListScripts sends and which it
// refuses before any request, so a caller can leave the others out.
func TestTagFilterableMatchesListScripts(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{Scripts: 20}, nil)
	ctx := testCtx(t)
	cases := map[string]bool{
		"tier-pro": true, "é-名前": true, "a\u200bb": true,
		"a:b": false, "tier pro": false, "note-\x1b[31m": false, "c,d": false, "a&b": false, "": false,
	}
	for tag, want := range cases {
		if got := TagFilterable(tag); got != want {
			t.Errorf("TagFilterable(%q) = %v, want %v", tag, got, want)
		}
		for _, f := range []TagFilter{{Has: []string{tag}}, {HasNot: []string{tag}}} {
			before := e.requests.Load()
			err := e.c.ListScripts(ctx, "production", f, func([]Script) error { return nil })
			refused := errors.Is(err, ErrValidation) && e.requests.Load() == before
			if want && err != nil || !want && !refused {
				t.Errorf("ListScripts(%+v): %v after %d requests; TagFilterable = %v", f, err, e.requests.Load()-before, want)
			}
		}
	}
}

func TestScriptDetailsSettingsBindingsSecretsContent(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	prod := listAll(t, e.c, "production", TagFilter{})
	name := prod[0].Name

	d, err := e.c.GetScript(ctx, "production", name)
	if err != nil || d.Name != name || d.Tag != prod[0].Tag || d.Namespace != "production" || d.ModifiedOn.IsZero() {
		t.Fatalf("GetScript: %+v %v", d, err)
	}
	st, err := e.c.GetSettings(ctx, "production", name)
	if err != nil {
		t.Fatalf("GetSettings: %v", err)
	}
	if st.Limits.CPUMs == nil || st.Limits.Subrequests == nil || len(st.Bindings) == 0 || st.CompatibilityDate == "" {
		t.Fatalf("settings %+v", st)
	}
	unl, err := e.c.GetSettings(ctx, "testing", "smoke-unlimited")
	if err != nil || unl.Limits.CPUMs != nil {
		t.Fatalf("smoke-unlimited settings %+v %v", unl.Limits, err)
	}
	binds, err := e.c.Bindings(ctx, "production", name)
	if err != nil || len(binds) == 0 || binds[0].Name == "" || binds[0].Type == "" || len(binds[0].Raw) == 0 {
		t.Fatalf("Bindings: %+v %v", binds, err)
	}
	// Find a script with a secret; its value is never returned.
	found := false
	for _, s := range prod {
		secrets, err := e.c.Secrets(ctx, "production", s.Name)
		if err != nil {
			t.Fatalf("Secrets: %v", err)
		}
		if len(secrets) > 0 {
			found = true
			if secrets[0].Type != "secret_text" {
				t.Fatalf("secret %+v", secrets[0])
			}
			bs, _ := e.c.Bindings(ctx, "production", s.Name)
			for _, b := range bs {
				if strings.Contains(string(b.Raw), "sk_live_") || strings.Contains(string(b.Raw), "whsec_") {
					t.Fatalf("secret value in binding %s", b.Raw)
				}
			}
			break
		}
	}
	if !found {
		t.Fatal("no seeded script has a secret")
	}
	code, ctype, err := e.c.ScriptContent(ctx, "production", name)
	if err != nil || len(code) == 0 || ctype == "" {
		t.Fatalf("ScriptContent: %d bytes, %q, %v", len(code), ctype, err)
	}
}

func TestPatchSettingsKeepsTheOtherLimit(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	name := listAll(t, e.c, "production", TagFilter{})[0].Name
	old, err := e.c.GetSettings(ctx, "production", name)
	if err != nil || old.Limits.Subrequests == nil {
		t.Fatalf("GetSettings: %+v %v", old.Limits, err)
	}
	logpush := !old.Logpush
	got, err := e.c.PatchSettings(ctx, "production", name, SettingsPatch{Limits: &platform.Limits{CPUMs: intp(25)}, Logpush: &logpush})
	if err != nil {
		t.Fatalf("PatchSettings: %v", err)
	}
	if *got.Limits.CPUMs != 25 || *got.Limits.Subrequests != *old.Limits.Subrequests || got.Logpush != logpush {
		t.Fatalf("patched settings %+v", got)
	}
	again, _ := e.c.GetSettings(ctx, "production", name)
	if *again.Limits.CPUMs != 25 || again.CompatibilityDate != old.CompatibilityDate {
		t.Fatalf("stored settings %+v", again)
	}
	lines := auditLines(t, e.auditPath())
	rec := lines[len(lines)-1]
	before := rec.Before.(map[string]any)["limits"].(map[string]any)
	after := rec.After.(map[string]any)["limits"].(map[string]any)
	if before["cpu_ms"] != float64(*old.Limits.CPUMs) || after["cpu_ms"] != float64(25) {
		t.Fatalf("audit %+v", rec)
	}
}

func TestTagOperations(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	const ns, s = "testing", "smoke-untagged"
	tags, err := e.c.GetTags(ctx, ns, s)
	if err != nil || tags == nil || len(tags) != 0 {
		t.Fatalf("GetTags of an untagged script: %#v %v", tags, err)
	}
	stored, err := e.c.ReplaceTags(ctx, ns, s, []string{"tier-pro", "customer-9"})
	if err != nil || !slices.Equal(stored, []string{"tier-pro", "customer-9"}) {
		t.Fatalf("ReplaceTags: %v %v", stored, err)
	}
	odd := "odd/tag%with?chars"
	if err := e.c.AddTag(ctx, ns, s, odd); err != nil {
		t.Fatalf("AddTag: %v", err)
	}
	tags, _ = e.c.GetTags(ctx, ns, s)
	if !slices.Contains(tags, odd) || len(tags) != 3 {
		t.Fatalf("after AddTag: %v", tags)
	}
	if err := e.c.RemoveTag(ctx, ns, s, odd); err != nil {
		t.Fatalf("RemoveTag: %v", err)
	}
	if err := e.c.RemoveTag(ctx, ns, s, "customer-9"); err != nil {
		t.Fatalf("RemoveTag: %v", err)
	}
	tags, _ = e.c.GetTags(ctx, ns, s)
	if !slices.Equal(tags, []string{"tier-pro"}) {
		t.Fatalf("after RemoveTag: %v", tags)
	}
	// The API enforces the 8-tag limit for AddTag.
	if _, err := e.c.ReplaceTags(ctx, ns, s, []string{"1", "2", "3", "4", "5", "6", "7", "8"}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.AddTag(ctx, ns, s, "ninth"); !errors.Is(err, ErrValidation) {
		t.Fatalf("ninth tag: %v", err)
	}
	lines := auditLines(t, e.auditPath())
	if lines[0].Op != "script.tags.replace" || lines[0].Result != "ok" {
		t.Fatalf("audit %+v", lines[0])
	}
	if b, ok := lines[0].Before.([]any); !ok || len(b) != 0 {
		t.Fatalf("replace before %#v", lines[0].Before)
	}
}

func TestDeleteScriptAndBulkDeleteByTags(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	prod := listAll(t, e.c, "production", TagFilter{})
	if err := e.c.DeleteScript(ctx, "production", prod[0].Name, false); err != nil {
		t.Fatalf("DeleteScript: %v", err)
	}
	if _, err := e.c.GetScript(ctx, "production", prod[0].Name); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	doomed := []string{prod[1].Name, prod[2].Name, prod[3].Name}
	for _, n := range doomed {
		if err := e.c.AddTag(ctx, "production", n, "doomed"); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.c.BulkDeleteByTags(ctx, "production", TagFilter{Has: []string{"doomed"}}, 2)
	if err != nil || res.Count != 2 || len(res.Deleted) != 2 || !res.HasMore {
		t.Fatalf("first bulk delete: %+v %v", res, err)
	}
	res, err = e.c.BulkDeleteByTags(ctx, "production", TagFilter{Has: []string{"doomed"}}, 0)
	if err != nil || res.Count != 1 || res.HasMore {
		t.Fatalf("second bulk delete: %+v %v", res, err)
	}
	left := listAll(t, e.c, "production", TagFilter{})
	if len(left) != len(prod)-4 {
		t.Fatalf("%d scripts left, want %d", len(left), len(prod)-4)
	}
	for _, s := range left {
		if slices.Contains(doomed, s.Name) {
			t.Fatalf("%s survived the bulk delete", s.Name)
		}
	}
}

func TestAccountScripts(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	list, err := e.c.ListAccountScripts(ctx)
	if err != nil {
		t.Fatalf("ListAccountScripts: %v", err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"dispatcher", "outbound"}) {
		t.Fatalf("account scripts %v", names)
	}
	st, err := e.c.AccountScriptSettings(ctx, "dispatcher")
	if err != nil {
		t.Fatalf("AccountScriptSettings: %v", err)
	}
	types := map[string]string{}
	for _, b := range st.Bindings {
		types[b.Name] = b.Type
	}
	if types["DISPATCHER"] != "dispatch_namespace" || types["ROUTING"] != "kv_namespace" {
		t.Fatalf("dispatcher bindings %v", types)
	}
}

// Every field of a settings patch reaches the API, and patches of several
// scripts at once (bulk tier edits) are race-free: the multipart body is
// built by cfclient, not by the SDK's encoder.
func TestPatchSettingsEveryFieldConcurrently(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	scripts := listAll(t, e.c, "production", TagFilter{})[:6]
	date, model, logpush := "2025-06-01", "standard", true
	flags, tags := []string{"nodejs_compat"}, []string{"tier-pro", "customer-77"}
	patch := SettingsPatch{
		Limits:            &platform.Limits{CPUMs: intp(120), Subrequests: intp(60)},
		CompatibilityDate: &date, CompatibilityFlags: &flags, UsageModel: &model, Logpush: &logpush, Tags: &tags,
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(scripts))
	for _, s := range scripts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.c.PatchSettings(ctx, "production", s.Name, patch)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("PatchSettings: %v", err)
		}
	}
	for _, s := range scripts {
		got, err := e.c.GetSettings(ctx, "production", s.Name)
		if err != nil {
			t.Fatal(err)
		}
		if *got.Limits.CPUMs != 120 || *got.Limits.Subrequests != 60 || got.CompatibilityDate != date ||
			!slices.Equal(got.CompatibilityFlags, flags) || got.UsageModel != model || !got.Logpush || !slices.Equal(got.Tags, tags) {
			t.Errorf("%s: stored settings %+v", s.Name, got)
		}
	}
}
