package sandbox

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNamespaceLifecycle(t *testing.T) {
	clock := newManualClock()
	s := startSandbox(t, Options{Empty: true, Now: clock.Now})
	ctx := context.Background()
	svc := nsService(s)

	var np wfp.DispatchNamespaceNewParams
	np.AccountID.Value, np.AccountID.Present = s.AccountID(), true
	np.Name.Value, np.Name.Present = "tenants", true
	created, err := svc.New(ctx, np)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if created.NamespaceName != "tenants" || !uuidRE.MatchString(created.NamespaceID) || created.ScriptCount != 0 ||
		created.TrustedWorkers || !created.CreatedOn.Equal(clock.Now()) || !created.ModifiedOn.Equal(clock.Now()) ||
		len(created.CreatedBy) != 32 || created.ModifiedBy != created.CreatedBy {
		t.Fatalf("created %+v", created)
	}

	uploadOK(t, s, "tenants", "a", `{"main_module":"worker.js"}`)
	uploadOK(t, s, "tenants", "b", `{"main_module":"worker.js"}`)

	var gp wfp.DispatchNamespaceGetParams
	gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
	got, err := svc.Get(ctx, "tenants", gp)
	if err != nil || got.ScriptCount != 2 || got.NamespaceID != created.NamespaceID {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	var lp wfp.DispatchNamespaceListParams
	lp.AccountID.Value, lp.AccountID.Present = s.AccountID(), true
	page, err := svc.List(ctx, lp)
	if err != nil || len(page.Result) != 1 || page.Result[0].NamespaceName != "tenants" || page.Result[0].ScriptCount != 2 {
		t.Fatalf("List = %+v, %v", page, err)
	}
	raw := do(t, s, http.MethodGet, acct(s)+"/workers/dispatch/namespaces", nil)
	if _, _, _, info := raw.env(t); info != nil {
		t.Errorf("namespace list has result_info %s", info)
	}

	// Rename (PUT, as wrangler does): the scripts move with it.
	clock.Advance(60e9)
	var renamed namespaceView
	result(t, do(t, s, http.MethodPut, nsPath(s, "tenants"), map[string]string{"name": "customers"}), &renamed)
	if renamed.NamespaceName != "customers" || renamed.ScriptCount != 2 || renamed.NamespaceID != created.NamespaceID ||
		!renamed.ModifiedOn.Equal(clock.Now()) || !renamed.CreatedOn.Equal(created.CreatedOn) {
		t.Fatalf("renamed %+v", renamed)
	}
	_, err = svc.Get(ctx, "tenants", gp)
	expectSDKCode(t, err, 404, codeNamespaceNotFound)

	// PATCH changes only what it names.
	var patched namespaceView
	result(t, do(t, s, http.MethodPatch, nsPath(s, "customers"), map[string]bool{"trusted_workers": true}), &patched)
	if !patched.TrustedWorkers || patched.NamespaceName != "customers" {
		t.Fatalf("patched %+v", patched)
	}
	result(t, do(t, s, http.MethodPatch, nsPath(s, "customers"), map[string]string{"name": "clients"}), &patched)
	if !patched.TrustedWorkers || patched.NamespaceName != "clients" {
		t.Fatalf("patched name %+v", patched)
	}

	var dp wfp.DispatchNamespaceDeleteParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	if _, err := svc.Delete(ctx, "clients", dp); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = svc.Get(ctx, "clients", gp)
	expectSDKCode(t, err, 404, codeNamespaceNotFound)
	// Its scripts went with it.
	expectAPIError(t, do(t, s, http.MethodGet, scriptPath(s, "clients", "a"), nil), 404, codeNamespaceNotFound)
	page, err = svc.List(ctx, lp)
	if err != nil || len(page.Result) != 0 {
		t.Fatalf("List after delete = %+v, %v", page, err)
	}
}

func TestNamespaceErrors(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "one")
	mkNamespace(t, s, "two")
	list := acct(s) + "/workers/dispatch/namespaces"
	cases := []struct {
		name         string
		method, path string
		body         any
		status, code int
		mentions     string
	}{
		{"duplicate", "POST", list, map[string]string{"name": "one"}, 400, codeNamespaceExists, "already exists"},
		{"no name", "POST", list, map[string]string{}, 400, codeInvalid, "name"},
		{"empty name", "POST", list, map[string]string{"name": ""}, 400, codeInvalid, "name"},
		{"bad name", "POST", list, map[string]string{"name": "Bad Name"}, 400, codeInvalid, "^[a-z0-9_]"},
		{"long name", "POST", list, map[string]string{"name": strings.Repeat("n", 64)}, 400, codeInvalid, "63"},
		{"name not a string", "POST", list, map[string]int{"name": 5}, 400, codeInvalid, "name"},
		{"not JSON", "POST", list, "{name:", 400, codeInvalid, "JSON"},
		{"empty body", "POST", list, nil, 400, codeInvalid, "empty"},
		{"get missing", "GET", nsPath(s, "nope"), nil, 404, codeNamespaceNotFound, "nope"},
		{"delete missing", "DELETE", nsPath(s, "nope"), nil, 404, codeNamespaceNotFound, "nope"},
		{"rename missing", "PUT", nsPath(s, "nope"), map[string]string{"name": "x"}, 404, codeNamespaceNotFound, "nope"},
		{"rename onto existing", "PUT", nsPath(s, "one"), map[string]string{"name": "two"}, 400, codeNamespaceExists, "two"},
		{"rename without name", "PUT", nsPath(s, "one"), map[string]bool{"trusted_workers": true}, 400, codeInvalid, "name"},
		{"rename to bad name", "PUT", nsPath(s, "one"), map[string]string{"name": "A/B"}, 400, codeInvalid, "name"},
		{"patch wrong type", "PATCH", nsPath(s, "one"), map[string]string{"trusted_workers": "yes"}, 400, codeInvalid, "trusted_workers"},
		{"wrong account", "GET", "/accounts/ffffffffffffffffffffffffffffffff/workers/dispatch/namespaces", nil, 403, codeAuth, "Authentication"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, s)
			r := do(t, s, c.method, c.path, c.body)
			expectCode(t, s, r, c.status, c.code, before)
			expectMessage(t, r, c.mentions)
		})
	}

	// The SDK sees the duplicate as a plain 400 error (no 409, so no retry).
	var np wfp.DispatchNamespaceNewParams
	np.AccountID.Value, np.AccountID.Present = s.AccountID(), true
	np.Name.Value, np.Name.Present = "one", true
	_, err := nsService(s).New(context.Background(), np)
	expectSDKCode(t, err, 400, codeNamespaceExists)
}
