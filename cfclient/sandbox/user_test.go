package sandbox

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestMemberships(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	type membership struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Account struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"account"`
		Roles []string `json:"roles"`
	}
	list := func(query string) ([]membership, pageInfo) {
		t.Helper()
		r := do(t, s, http.MethodGet, "/memberships"+query, nil)
		var ms []membership
		result(t, r, &ms)
		var info pageInfo
		_, _, _, raw := r.env(t)
		if err := json.Unmarshal(raw, &info); err != nil {
			t.Fatalf("result_info %s: %v", raw, err)
		}
		return ms, info
	}

	// What wrangler sends without CLOUDFLARE_ACCOUNT_ID: page=1, then the
	// next page while page*per_page < total_count.
	ms, info := list("?page=1")
	if len(ms) != 1 || ms[0].Account.ID != s.AccountID() || ms[0].Account.Name != sandboxAccountName ||
		ms[0].Status != "accepted" || len(ms[0].ID) != 32 || len(ms[0].Roles) != 1 {
		t.Fatalf("memberships %+v", ms)
	}
	if info != (pageInfo{Page: 1, PerPage: 20, Count: 1, TotalCount: 1, TotalPages: 1}) {
		t.Fatalf("result_info %+v", info)
	}
	if again, _ := list(""); len(again) != 1 || again[0].ID != ms[0].ID {
		t.Fatalf("membership id not stable: %+v vs %+v", again, ms)
	}
	if ms, info := list("?page=2&per_page=5"); len(ms) != 0 || info != (pageInfo{Page: 2, PerPage: 5, Count: 0, TotalCount: 1, TotalPages: 1}) {
		t.Fatalf("page 2: %+v %+v", ms, info)
	}
	for _, c := range []struct {
		query string
		n     int
	}{
		{"?status=accepted", 1}, {"?status=pending", 0}, {"?status=rejected", 0},
		{"?account.name=wfp%20sandbox", 1}, {"?account.name=other", 0}, {"?account.name=", 0},
	} {
		if ms, _ := list(c.query); len(ms) != c.n {
			t.Errorf("%s: %d memberships, want %d", c.query, len(ms), c.n)
		}
	}
	for _, q := range []string{"?page=0", "?per_page=4", "?per_page=51", "?page=x", "?status=active"} {
		if r := do(t, s, http.MethodGet, "/memberships"+q, nil); r.Status != http.StatusBadRequest || r.errCode(t) != codeInvalid {
			t.Errorf("%s: %d %s, want 400/%d", q, r.Status, r.Body, codeInvalid)
		}
	}
	if r := do(t, s, http.MethodPost, "/memberships", nil); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d %s", r.Status, r.Body)
	}
	// The token is checked as on every route.
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/memberships", nil)
	req.Header.Set("Authorization", "Bearer wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
}
