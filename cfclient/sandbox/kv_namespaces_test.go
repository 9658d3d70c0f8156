package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6/kv"
)

func TestKVNamespaceLifecycle(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	svc := kvService(s)
	ctx := context.Background()

	id := createKVNamespace(t, s, "ROUTING")
	if !isHex32(id) {
		t.Fatalf("namespace id %q is not 32 hex", id)
	}

	var gp kv.NamespaceGetParams
	gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
	got, err := svc.Get(ctx, id, gp)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Title != "ROUTING" || !got.SupportsURLEncoding {
		t.Fatalf("get = %+v", got)
	}

	var up kv.NamespaceUpdateParams
	up.AccountID.Value, up.AccountID.Present = s.AccountID(), true
	up.Title.Value, up.Title.Present = "ROUTING-v2", true
	renamed, err := svc.Update(ctx, id, up)
	if err != nil {
		t.Fatal(err)
	}
	if renamed.ID != id || renamed.Title != "ROUTING-v2" {
		t.Fatalf("rename = %+v", renamed)
	}
	if got, err = svc.Get(ctx, id, gp); err != nil || got.Title != "ROUTING-v2" {
		t.Fatalf("get after rename = %+v, %v", got, err)
	}
	// Renaming to its own title is allowed.
	if _, err := svc.Update(ctx, id, up); err != nil {
		t.Fatalf("rename to the same title: %v", err)
	}

	mustPutValue(t, s, id, "k", "v", putValueOpts{})
	var dp kv.NamespaceDeleteParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	if _, err := svc.Delete(ctx, id, dp); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Get(ctx, id, gp)
	expectSDKError(t, err, http.StatusNotFound, codeKVNSNotFound)

	// A namespace created again under the old title gets a new id and none
	// of the deleted namespace's keys.
	id2 := createKVNamespace(t, s, "ROUTING-v2")
	if id2 == id {
		t.Fatal("a new namespace reused the deleted one's id")
	}
	r := do(t, s, http.MethodGet, kvNSPath(s, id2, "keys"), nil)
	if _, _, res, _ := r.env(t); string(res) != "[]" {
		t.Fatalf("keys of the new namespace = %s", res)
	}
	// The delete result is null.
	r = do(t, s, http.MethodDelete, kvNSPath(s, id2), nil)
	if ok, _, res, _ := r.env(t); !ok || string(res) != "null" {
		t.Fatalf("delete = %d %s", r.Status, r.Body)
	}
}

func TestKVNamespaceListPaging(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	const n = 23
	var titles []string
	for i := range n {
		title := fmt.Sprintf("ns-%02d", (i*7)%n) // created out of title order
		titles = append(titles, title)
		createKVNamespace(t, s, title)
	}
	slices.Sort(titles)

	// Auto-paging, as the SDK runs it: page N+1 until an empty page.
	var lp kv.NamespaceListParams
	lp.AccountID.Value, lp.AccountID.Present = s.AccountID(), true
	lp.PerPage.Value, lp.PerPage.Present = 5, true
	lp.Order.Value, lp.Order.Present = kv.NamespaceListParamsOrderTitle, true
	lp.Direction.Value, lp.Direction.Present = kv.NamespaceListParamsDirectionDesc, true
	var got []string
	pager := kvService(s).ListAutoPaging(context.Background(), lp)
	for pager.Next() {
		ns := pager.Current()
		if !ns.SupportsURLEncoding || !isHex32(ns.ID) {
			t.Fatalf("listed %+v", ns)
		}
		got = append(got, ns.Title)
	}
	if err := pager.Err(); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(titles)
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Fatalf("auto-paged titles (title desc) =\n%v\nwant\n%v", got, want)
	}

	// Default order is by id ascending.
	r := do(t, s, http.MethodGet, acct(s)+"/storage/kv/namespaces?per_page=100", nil)
	var all []kvNamespaceJSON
	_, _, res, _ := r.env(t)
	if err := json.Unmarshal(res, &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != n || !slices.IsSortedFunc(all, func(a, b kvNamespaceJSON) int { return strings.Compare(a.ID, b.ID) }) {
		t.Fatalf("default listing not in id order: %s", res)
	}

	for _, tc := range []struct {
		query, result, info string
	}{
		{"", "", `{"page":1,"per_page":20,"count":20,"total_count":23}`},
		{"?page=2&per_page=5", "", `{"page":2,"per_page":5,"count":5,"total_count":23}`},
		{"?page=5&per_page=5", "", `{"page":5,"per_page":5,"count":3,"total_count":23}`},
		{"?page=6&per_page=5", "[]", `{"page":6,"per_page":5,"count":0,"total_count":23}`},
		{"?page=2.0&per_page=100", "[]", `{"page":2,"per_page":100,"count":0,"total_count":23}`},
		// wrangler kv namespace list asks for 1000: pages of 100.
		{"?per_page=1000&order=title&direction=asc", "", `{"page":1,"per_page":100,"count":23,"total_count":23}`},
	} {
		r := do(t, s, http.MethodGet, acct(s)+"/storage/kv/namespaces"+tc.query, nil)
		ok, _, res, info := r.env(t)
		if !ok || string(info) != tc.info || (tc.result != "" && string(res) != tc.result) {
			t.Errorf("%s: %d result %s info %s, want info %s", tc.query, r.Status, res, info, tc.info)
		}
	}

	for _, q := range []string{"per_page=4", "per_page=1001", "per_page=x", "page=0", "page=-1", "page=1.5",
		"order=name", "direction=up"} {
		r := do(t, s, http.MethodGet, acct(s)+"/storage/kv/namespaces?"+q, nil)
		expectAPIError(t, r, http.StatusBadRequest, codeKVBadRequest)
		name, _, _ := strings.Cut(q, "=")
		if _, errs, _, _ := r.env(t); !strings.Contains(errs[0].Message, name) {
			t.Errorf("%s: message %q does not name the parameter", q, errs[0].Message)
		}
	}
}

func TestKVNamespaceErrors(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	id := createKVNamespace(t, s, "ROUTING")
	other := createKVNamespace(t, s, "tenant-cache")
	base := acct(s) + "/storage/kv/namespaces"
	missing := strings.Repeat("ab", 16)
	before := kvSnapshot(s)

	// Through the SDK: a duplicate title is 400 (not 409, which it retries).
	var p kv.NamespaceNewParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	p.Title.Value, p.Title.Present = "ROUTING", true
	_, err := kvService(s).New(context.Background(), p)
	expectSDKError(t, err, http.StatusBadRequest, codeKVTitleExists)

	for _, tc := range []struct {
		name, method, path string
		body               any
		status, code       int
	}{
		{"create empty title", "POST", base, `{"title":""}`, 400, codeKVTitleRequired},
		{"create blank title", "POST", base, `{"title":"  "}`, 400, codeKVTitleRequired},
		{"create no title", "POST", base, `{}`, 400, codeKVTitleRequired},
		{"create title not a string", "POST", base, `{"title":5}`, 400, codeKVBadRequest},
		{"create malformed JSON", "POST", base, `{"title":`, 400, codeKVBadRequest},
		{"create empty body", "POST", base, ``, 400, codeKVBadRequest},
		{"create long title", "POST", base, map[string]string{"title": strings.Repeat("t", 513)}, 400, codeKVBadRequest},
		{"rename to a taken title", "PUT", base + "/" + other, `{"title":"ROUTING"}`, 400, codeKVTitleExists},
		{"rename empty title", "PUT", base + "/" + id, `{"title":""}`, 400, codeKVTitleRequired},
		{"rename missing", "PUT", base + "/" + missing, `{"title":"x"}`, 404, codeKVNSNotFound},
		{"get missing", "GET", base + "/" + missing, nil, 404, codeKVNSNotFound},
		{"delete missing", "DELETE", base + "/" + missing, nil, 404, codeKVNSNotFound},
		{"get malformed id", "GET", base + "/not-an-id", nil, 400, 7003},
		{"delete upper-case id", "DELETE", base + "/" + strings.ToUpper(id), nil, 400, 7003},
		{"list other account", "GET", "/accounts/" + missing + "/storage/kv/namespaces", nil, 403, 10000},
		{"create other account", "POST", "/accounts/" + missing + "/storage/kv/namespaces", `{"title":"x"}`, 403, 10000},
		{"delete other account", "DELETE", "/accounts/" + missing + "/storage/kv/namespaces/" + id, nil, 403, 10000},
		{"wrong method", "PATCH", base + "/" + id, `{"title":"x"}`, 405, codeMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, tc.method, tc.path, tc.body, "Content-Type", "application/json")
			expectAPIError(t, r, tc.status, tc.code)
			expectUnchanged(t, s, before)
		})
	}
}
