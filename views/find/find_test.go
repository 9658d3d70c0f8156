package find

import (
	"slices"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Search finds the same scripts whether a namespace's listing comes from
// the cache (its compact rows, no request) or from the API, and says what
// it cost.
func TestSearchCachedAndListedAgree(t *testing.T) {
	e := sandboxtest.Start(t, sandbox.Options{Seed: 1, Scripts: 2500}, nil)
	store := e.Store(e.Client)
	nss, err := e.Client.ListNamespaces(t.Context())
	if err != nil || len(nss) < 2 {
		t.Fatalf("namespaces: %d, %v", len(nss), err)
	}
	// What the search must find, from full listings.
	var want []string
	pagesOf := map[string][][]cfclient.Script{}
	for _, ns := range nss {
		err := e.Client.ListScripts(t.Context(), ns.Name, cfclient.TagFilter{}, func(p []cfclient.Script) error {
			pagesOf[ns.Name] = append(pagesOf[ns.Name], p)
			for _, s := range p {
				if strings.Contains(strings.ToLower(s.Name), "api") {
					want = append(want, ns.Name+"/"+s.Name)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(want)
	if len(want) == 0 {
		t.Fatal("no script has api in its name: pick another text")
	}

	d := Deps{Source: e.Client, Listings: store}
	cold, err := Search(t.Context(), d, "API")
	if err != nil {
		t.Fatal(err)
	}
	warm, err := Search(t.Context(), d, "API") // the first search saved every listing
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		r    Result
	}{{"listed", cold}, {"cached", warm}} {
		var got []string
		for _, row := range tc.r.Rows {
			got = append(got, row.Namespace+"/"+row.Script)
			if row.Tier == "" || row.Modified.IsZero() {
				t.Errorf("%s: row %+v has no tier or date", tc.name, row)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: found %d scripts, want %d", tc.name, len(got), len(want))
		}
	}
	pages := 0
	for _, p := range pagesOf {
		pages += len(p)
	}
	if cold.Cached != 0 || cold.Requests != 1+pages {
		t.Errorf("cold search: %d cached, %d requests; want 0 and %d", cold.Cached, cold.Requests, 1+pages)
	}
	if warm.Cached != len(nss) || warm.Requests != 1 {
		t.Errorf("warm search: %d cached, %d requests; want %d and 1", warm.Cached, warm.Requests, len(nss))
	}
}
