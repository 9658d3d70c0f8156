package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
)

// The user-level endpoints a client calls to find its account when it is
// given a token but no account id (wrangler without CLOUDFLARE_ACCOUNT_ID
// lists /memberships and uses the only account it finds). The token's user
// is a member of exactly the sandbox's account:
//
//   - GET /memberships?page=&per_page=&status=&account.name= lists that one
//     accepted membership; page >= 1, per_page 5..50 (default 20), as the
//     API's V4 page pagination; status is accepted, pending or rejected;
//     account.name matches the account name exactly. Invalid parameters are
//     400/10021 (inferred).
//   - The account is named sandboxAccountName (inferred: the sandbox keeps
//     no account name) and the user holds the "Super Administrator - All
//     Privileges" role.

// sandboxAccountName is the name /memberships reports for the account.
const sandboxAccountName = "wfp sandbox"

type membershipAccount struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type membershipJSON struct {
	ID      string            `json:"id"`
	Status  string            `json:"status"`
	Account membershipAccount `json:"account"`
	Roles   []string          `json:"roles"`
}

// pageInfo is result_info of V4 page pagination.
type pageInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

// membershipID is the membership's 32-hex id, derived from the account id.
func (s *Server) membershipID() string {
	h := sha256.Sum256([]byte("wfp-sandbox/membership/" + s.AccountID()))
	return hex.EncodeToString(h[:16])
}

func (s *Server) userRoutes() []route {
	return []route{newRoute("GET", "memberships", s.listMemberships)}
}

// listMemberships serves GET /memberships.
func (s *Server) listMemberships(w http.ResponseWriter, r *http.Request, _ params) {
	q := r.URL.Query()
	page, e := intParam(q, "page", 1, 1, math.MaxInt32)
	if e != nil {
		fail(w, errInvalid("%s", e.Message))
		return
	}
	perPage, e := intParam(q, "per_page", 20, 5, 50)
	if e != nil {
		fail(w, errInvalid("%s", e.Message))
		return
	}
	status := q.Get("status")
	switch status {
	case "", "accepted", "pending", "rejected":
	default:
		fail(w, errInvalid("invalid status %q: must be accepted, pending or rejected", status))
		return
	}
	all := []membershipJSON{}
	if (status == "" || status == "accepted") && (!q.Has("account.name") || q.Get("account.name") == sandboxAccountName) {
		all = append(all, membershipJSON{
			ID:      s.membershipID(),
			Status:  "accepted",
			Account: membershipAccount{ID: s.AccountID(), Name: sandboxAccountName},
			Roles:   []string{"Super Administrator - All Privileges"},
		})
	}
	start := min((page-1)*perPage, len(all))
	end := min(start+perPage, len(all))
	result := all[start:end]
	okInfo(w, result, pageInfo{Page: page, PerPage: perPage, Count: len(result), TotalCount: len(all),
		TotalPages: (len(all) + perPage - 1) / perPage})
}
