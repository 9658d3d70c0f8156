package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
)

// The user-level endpoints: GET /user/tokens/verify, /user, /accounts and
// /accounts/{id} (wrangler whoami), and the ones a client calls to find its
// account when it is
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
	return []route{
		newRoute("GET", "memberships", s.listMemberships),
		newRoute("GET", "user/tokens/verify", s.verifyToken),
		newRoute("GET", "user", s.getUser),
		newRoute("GET", "accounts", s.listAccounts),
		newRoute("GET", "accounts/{account}", s.inAccount(s.getAccount)),
	}
}

// sandboxUserEmail is the one user's address (inferred: the sandbox keeps
// no user record).
const sandboxUserEmail = "operator@wfp-sandbox.example"

// tokenID is the API token's id: derived from the token, never the token.
func (s *Server) tokenID() string {
	h := sha256.Sum256([]byte("wfp-sandbox/token-id/" + s.token))
	return hex.EncodeToString(h[:16])
}

// verifyToken serves GET /user/tokens/verify (wrangler whoami).
func (s *Server) verifyToken(w http.ResponseWriter, _ *http.Request, _ params) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Errors: []wireError{},
		Messages: []wireError{{Code: 10000, Message: "This API Token is valid and active"}},
		Result:   map[string]string{"id": s.tokenID(), "status": "active"}})
}

// getUser serves GET /user: the token's user.
func (s *Server) getUser(w http.ResponseWriter, _ *http.Request, _ params) {
	ok(w, map[string]any{
		"id": s.userID(), "email": sandboxUserEmail, "first_name": "Sandbox", "last_name": "Operator",
		"username": s.userID(), "telephone": nil, "country": nil, "zipcode": nil,
		"two_factor_authentication_enabled": false, "two_factor_authentication_locked": false,
		"suspended": false, "has_pro_zones": false, "has_business_zones": false, "has_enterprise_zones": false,
		"organizations": []any{}, "betas": []any{},
	})
}

// accountJSON is the account as /accounts shows it.
func (s *Server) accountJSON() map[string]any {
	return map[string]any{"id": s.AccountID(), "name": sandboxAccountName, "type": "standard",
		"settings":   map[string]any{"enforce_twofactor": false, "api_access_enabled": nil, "abuse_contact_email": nil},
		"created_on": "2024-01-01T00:00:00Z"}
}

// listAccounts serves GET /accounts?page=&per_page=: the one account.
func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, _ params) {
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
	result := []map[string]any{}
	if page == 1 {
		result = append(result, s.accountJSON())
	}
	okInfo(w, result, pageInfo{Page: page, PerPage: perPage, Count: len(result), TotalCount: 1, TotalPages: 1})
}

// getAccount serves GET /accounts/{account}.
func (s *Server) getAccount(w http.ResponseWriter, _ *http.Request, _ params) {
	ok(w, s.accountJSON())
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
