package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

// sdkTags lists a script's tags with cloudflare-go.
func sdkTags(t *testing.T, s *Server, ns, script string) []string {
	t.Helper()
	var p wfp.DispatchNamespaceScriptTagListParams
	p.AccountID.Value, p.AccountID.Present = s.AccountID(), true
	page, err := nsService(s).Scripts.Tags.List(context.Background(), ns, script, p)
	if err != nil {
		t.Fatalf("Tags.List: %v", err)
	}
	return page.Result
}

func TestTags(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "app", `{"main_module":"worker.js"}`)
	ctx := context.Background()
	tags := nsService(s).Scripts.Tags

	// No tags: [] rather than null.
	r := do(t, s, http.MethodGet, scriptPath(s, "prod", "app", "tags"), nil)
	if _, _, res, _ := r.env(t); string(res) != "[]" {
		t.Fatalf("empty tag list %s", res)
	}

	var up wfp.DispatchNamespaceScriptTagUpdateParams
	up.AccountID.Value, up.AccountID.Present = s.AccountID(), true
	up.Body = []string{"b", "a", "b"}
	page, err := tags.Update(ctx, "prod", "app", up)
	if err != nil || !slices.Equal(page.Result, []string{"b", "a"}) {
		t.Fatalf("Tags.Update = %+v, %v", page, err)
	}

	// Add one (not in the SDK), twice: the second is a no-op.
	for range 2 {
		r := do(t, s, http.MethodPut, scriptPath(s, "prod", "app", "tags", "c/d e"), nil)
		if _, _, res, _ := r.env(t); r.Status != 200 || string(res) != "null" {
			t.Fatalf("add tag: %d %s", r.Status, r.Body)
		}
	}
	if got := sdkTags(t, s, "prod", "app"); !slices.Equal(got, []string{"b", "a", "c/d e"}) {
		t.Fatalf("after add: %v", got)
	}

	var dp wfp.DispatchNamespaceScriptTagDeleteParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	if _, err := tags.Delete(ctx, "prod", "app", url.PathEscape("c/d e"), dp); err != nil {
		t.Fatalf("Tags.Delete: %v", err)
	}
	if _, err := tags.Delete(ctx, "prod", "app", "absent", dp); err != nil {
		t.Fatalf("deleting an absent tag: %v", err)
	}
	if got := sdkTags(t, s, "prod", "app"); !slices.Equal(got, []string{"b", "a"}) {
		t.Fatalf("after delete: %v", got)
	}
	// Tags show in the script object and the filter sees them.
	p := getPage(t, s, "prod", "tags=a:yes")
	if !slices.Equal(p.names, []string{"app"}) {
		t.Fatalf("filter a:yes: %v", p.names)
	}
}

func TestTagErrors(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	uploadOK(t, s, "prod", "full", `{"main_module":"worker.js","tags":["1","2","3","4","5","6","7","8"]}`)
	uploadOK(t, s, "prod", "app", `{"main_module":"worker.js","tags":["x"]}`)
	long := strings.Repeat("t", 65)
	cases := []struct {
		name         string
		method, path string
		body         any
		status, code int
	}{
		{"replace with nine", "PUT", scriptPath(s, "prod", "app", "tags"), []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, 400, codeTooManyTags},
		{"replace with comma", "PUT", scriptPath(s, "prod", "app", "tags"), []string{"a,b"}, 400, codeTagCharacter},
		{"replace with ampersand", "PUT", scriptPath(s, "prod", "app", "tags"), []string{"a&b"}, 400, codeTagCharacter},
		{"replace with long tag", "PUT", scriptPath(s, "prod", "app", "tags"), []string{long}, 400, codeTagLength},
		{"replace with empty tag", "PUT", scriptPath(s, "prod", "app", "tags"), []string{""}, 400, codeTagLength},
		{"replace with an object", "PUT", scriptPath(s, "prod", "app", "tags"), map[string]string{"a": "b"}, 400, codeInvalid},
		{"replace with numbers", "PUT", scriptPath(s, "prod", "app", "tags"), []int{1}, 400, codeInvalid},
		{"replace without body", "PUT", scriptPath(s, "prod", "app", "tags"), nil, 400, codeInvalid},
		{"add a ninth", "PUT", scriptPath(s, "prod", "full", "tags", "9"), nil, 400, codeTooManyTags},
		{"add with comma", "PUT", scriptPath(s, "prod", "app", "tags", "a,b"), nil, 400, codeTagCharacter},
		{"add long", "PUT", scriptPath(s, "prod", "app", "tags", long), nil, 400, codeTagLength},
		{"missing script", "GET", scriptPath(s, "prod", "nope", "tags"), nil, 404, codeScriptNotFound},
		{"add to missing script", "PUT", scriptPath(s, "prod", "nope", "tags", "a"), nil, 404, codeScriptNotFound},
		{"missing namespace", "DELETE", scriptPath(s, "nope", "app", "tags", "x"), nil, 404, codeNamespaceNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, s)
			expectCode(t, s, do(t, s, c.method, c.path, c.body), c.status, c.code, before)
		})
	}
}
