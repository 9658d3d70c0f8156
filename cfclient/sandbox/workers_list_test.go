package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// listPage is one page of GET …/namespaces/{ns}/scripts.
type listPage struct {
	names  []string
	cursor string
	count  int
}

// getPage fetches a page with the given query (already encoded).
func getPage(t *testing.T, s *Server, ns, query string) listPage {
	t.Helper()
	r := do(t, s, http.MethodGet, nsPath(s, ns, "scripts")+"?"+query, nil)
	var items []scriptView
	result(t, r, &items)
	_, _, _, rawInfo := r.env(t)
	var info listInfo
	if err := json.Unmarshal(rawInfo, &info); err != nil {
		t.Fatalf("result_info %s: %v", rawInfo, err)
	}
	if !strings.Contains(string(rawInfo), `"cursor"`) {
		t.Fatalf("result_info without cursor: %s", rawInfo)
	}
	p := listPage{cursor: info.Cursor, count: info.Count}
	for _, it := range items {
		p.names = append(p.names, it.ID)
	}
	if p.count != len(p.names) {
		t.Fatalf("result_info.count %d for %d items", p.count, len(p.names))
	}
	return p
}

// listAll pages through a listing and returns every name in order.
func listAll(t *testing.T, s *Server, ns string, q url.Values) ([]string, []int) {
	t.Helper()
	var names []string
	var sizes []int
	cursor := ""
	for range 100 {
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		p := getPage(t, s, ns, q.Encode())
		names = append(names, p.names...)
		sizes = append(sizes, len(p.names))
		if p.cursor == "" {
			return names, sizes
		}
		cursor = p.cursor
	}
	t.Fatal("listing never ended")
	return nil, nil
}

// parityTags tags script i "even" when i is even, "three" when i%3 == 0,
// and "a:b" when i%7 == 0.
func parityTags(i int) []string {
	var tags []string
	if i%2 == 0 {
		tags = append(tags, "even")
	}
	if i%3 == 0 {
		tags = append(tags, "three")
	}
	if i%7 == 0 {
		tags = append(tags, "a:b")
	}
	return tags
}

func TestListPaging(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	fillNamespace(s, "big", 2500, parityTags)

	names, sizes := listAll(t, s, "big", url.Values{"limit": {"1000"}})
	if !slices.Equal(sizes, []int{1000, 1000, 500}) || len(names) != 2500 || !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != 2500 {
		t.Fatalf("pages %v, %d names", sizes, len(names))
	}
	// The default page is 1000; a small limit pages too.
	if p := getPage(t, s, "big", ""); len(p.names) != 1000 || p.cursor == "" {
		t.Fatalf("default page: %d names, cursor %q", len(p.names), p.cursor)
	}
	small, sizes := listAll(t, s, "big", url.Values{"limit": {"300"}})
	if !slices.Equal(small, names) || len(sizes) != 9 {
		t.Fatalf("limit 300: %d pages", len(sizes))
	}
	// A full last page has an empty cursor: no empty extra page.
	fillNamespace(s, "exact", 2000, parityTags)
	if _, sizes := listAll(t, s, "exact", url.Values{}); !slices.Equal(sizes, []int{1000, 1000}) {
		t.Fatalf("exact pages %v", sizes)
	}
	// A script deleted between pages does not break the cursor.
	p := getPage(t, s, "big", "limit=10")
	if r := do(t, s, http.MethodDelete, scriptPath(s, "big", p.names[9]), nil); r.Status != 200 {
		t.Fatal(r.Status)
	}
	if next := getPage(t, s, "big", "limit=10&cursor="+url.QueryEscape(p.cursor)); next.names[0] != "script-000010" {
		t.Fatalf("after deleting the cursor's script: %v", next.names)
	}
}

func TestListTagFilter(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	fillNamespace(s, "big", 2500, parityTags)
	want := func(keep func(i int) bool) []string {
		var out []string
		for i := range 2500 {
			if keep(i) {
				out = append(out, fmt.Sprintf("script-%06d", i))
			}
		}
		return out
	}
	cases := []struct {
		filter string
		keep   func(i int) bool
	}{
		{"even:yes", func(i int) bool { return i%2 == 0 }},
		{"even:no", func(i int) bool { return i%2 != 0 }},
		{"even:yes,three:no", func(i int) bool { return i%2 == 0 && i%3 != 0 }},
		{"even:yes,three:yes,a:b:yes", func(i int) bool { return i%42 == 0 }},
		{"missing:yes", func(i int) bool { return false }},
		{"missing:no", func(i int) bool { return true }},
	}
	for _, c := range cases {
		got, _ := listAll(t, s, "big", url.Values{"tags": {c.filter}, "limit": {"250"}})
		if w := want(c.keep); !slices.Equal(got, w) {
			t.Errorf("tags=%s: %d names, want %d", c.filter, len(got), len(w))
		}
	}
}

func TestListErrors(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	fillNamespace(s, "big", 10, parityTags)
	cases := []struct {
		query    string
		status   int
		code     int
		mentions string
	}{
		{"limit=0", 400, codeInvalid, "limit"},
		{"limit=1001", 400, codeInvalid, "limit"},
		{"limit=ten", 400, codeInvalid, "limit"},
		{"tags=even", 400, codeInvalid, "tags"},
		{"tags=even:maybe", 400, codeInvalid, "even:maybe"},
		{"tags=:yes", 400, codeInvalid, "tags"},
		{"tags=even:yes,", 400, codeInvalid, "tags"},
		{"cursor=not-a-cursor", 400, codeInvalid, "cursor"},
		{"limit=%zz", 400, codeInvalid, "query"},
	}
	for _, c := range cases {
		r := do(t, s, http.MethodGet, nsPath(s, "big", "scripts")+"?"+c.query, nil)
		expectAPIError(t, r, c.status, c.code)
		expectMessage(t, r, c.mentions)
	}
	expectAPIError(t, do(t, s, http.MethodGet, nsPath(s, "nope", "scripts"), nil), 404, codeNamespaceNotFound)
}

// bulkDelete sends DELETE …/scripts?query and decodes the result.
func bulkDelete(t *testing.T, s *Server, ns, query string) bulkDeleted {
	t.Helper()
	var res bulkDeleted
	result(t, do(t, s, http.MethodDelete, nsPath(s, ns, "scripts")+"?"+query, nil), &res)
	if res.DeletedCount != len(res.Deleted) {
		t.Fatalf("deleted_count %d for %d ids", res.DeletedCount, len(res.Deleted))
	}
	return res
}

func TestBulkDelete(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	fillNamespace(s, "big", 2500, parityTags)
	doomed := func(i int) bool { return i%2 == 0 && i%3 == 0 } // 417 scripts

	first := bulkDelete(t, s, "big", "tags=even:yes,three:yes&limit=100")
	if first.DeletedCount != 100 || !first.HasMore || first.Deleted[0].ID != "script-000000" || first.Deleted[99].ID != "script-000594" {
		t.Fatalf("first batch %+v", first)
	}
	total := 100
	for range 10 {
		res := bulkDelete(t, s, "big", "tags=even:yes,three:yes&limit=100")
		total += res.DeletedCount
		if !res.HasMore {
			break
		}
	}
	var wantLeft []string
	for i := range 2500 {
		if !doomed(i) {
			wantLeft = append(wantLeft, fmt.Sprintf("script-%06d", i))
		}
	}
	left, _ := listAll(t, s, "big", url.Values{})
	if total != 2500-len(wantLeft) || !slices.Equal(left, wantLeft) {
		t.Fatalf("deleted %d, %d left (want %d)", total, len(left), len(wantLeft))
	}
	if res := bulkDelete(t, s, "big", "tags=even:yes,three:yes"); res.DeletedCount != 0 || res.HasMore || res.Deleted == nil {
		t.Fatalf("nothing left to delete: %+v", res)
	}
	// Without a limit, up to 1000 go at once.
	if res := bulkDelete(t, s, "big", "tags=three:no"); res.DeletedCount != 1000 || !res.HasMore {
		t.Fatalf("default limit: %d, has_more %v", res.DeletedCount, res.HasMore)
	}

	before := snapshot(t, s)
	for _, q := range []string{"", "tags=", "limit=5", "tags=even:yes&limit=0", "tags=even", "tags=even:yes&limit=1001"} {
		r := do(t, s, http.MethodDelete, nsPath(s, "big", "scripts")+"?"+q, nil)
		expectCode(t, s, r, 400, codeInvalid, before)
	}
	expectMessage(t, do(t, s, http.MethodDelete, nsPath(s, "big", "scripts"), nil), "tags")
	expectCode(t, s, do(t, s, http.MethodDelete, nsPath(s, "nope", "scripts")+"?tags=a:yes", nil), 404, codeNamespaceNotFound, before)
}
