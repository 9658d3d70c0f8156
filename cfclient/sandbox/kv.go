package sandbox

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Workers KV (docs/cloudflare-api.md §6) lives under
// /accounts/{account}/storage/kv/namespaces. Choices where Cloudflare's
// behaviour is not documented ("inferred"), made consistently here:
//   - Namespace ids are 32 lower-case hex characters; an id of another shape
//     in a path is 400/7003 ("perhaps your object identifier is invalid"), a
//     well-formed unknown id is 404/10013.
//   - Namespace listing orders by id ascending unless order/direction say
//     otherwise; a page past the end is an empty result.
//   - Key listing is in byte order of the names; the cursor is opaque
//     (base64url of the last name served) and "" on the last page.
//   - Expired keys are invisible to every read and listing; they are purged
//     only when the key is written or deleted again.
//   - Deleting a key that does not exist succeeds (KV deletes are idempotent).
//   - An absolute expiration must be at least 60 s in the future (400/10033);
//     expiration_ttl below 60 is 400/10034; when both are given the TTL wins.
//   - Codes without a known Cloudflare number: 10020 for an invalid key name,
//     10011 for a value over 25 MiB (HTTP 413), 10012 for any other invalid
//     body or parameter, 10033 for an invalid expiration.
//   - A value PUT whose multipart body holds fields named "metadata.<k>"
//     (cloudflare-go's encoding of a metadata map) is refused with 400/10012:
//     metadata must be one part holding a JSON string, and Cloudflare would
//     drop the fields silently.
//   - Bulk writes and deletes validate every item first; one bad item fails
//     the whole call (400, naming the item's index and field) and nothing is
//     written. unsuccessful_keys is therefore always empty.

// KV error codes (see docs/cloudflare-api.md §0.4).
const (
	codeKVKeyNotFound   = 10009
	codeKVTooLarge      = 10011 // inferred
	codeKVBadRequest    = 10012
	codeKVNSNotFound    = 10013
	codeKVTitleExists   = 10014
	codeKVTitleRequired = 10019
	codeKVBadKey        = 10020 // inferred
	codeKVBulkGetNoKeys = 10029
	codeKVBadExpiration = 10033 // inferred
	codeKVBadTTL        = 10034
)

// KV limits (docs/cloudflare-api.md §6 and §10).
const (
	kvMaxKeyBytes      = 512
	kvMaxValueBytes    = 25 << 20
	kvMaxMetadataBytes = 1024
	kvMinTTL           = 60
	kvMaxBulkItems     = 10000
	kvMaxBulkBytes     = 100 << 20
	kvMaxBulkGetKeys   = 100
	kvMaxTitleBytes    = 512
)

func (s *Server) kvRoutes() []route {
	const base = "accounts/{account}/storage/kv/namespaces"
	return []route{
		newRoute(http.MethodGet, base, s.kvListNamespaces),
		newRoute(http.MethodPost, base, s.kvCreateNamespace),
		newRoute(http.MethodGet, base+"/{ns}", s.kvGetNamespace),
		newRoute(http.MethodPut, base+"/{ns}", s.kvRenameNamespace),
		newRoute(http.MethodDelete, base+"/{ns}", s.kvDeleteNamespace),
		newRoute(http.MethodGet, base+"/{ns}/keys", s.kvListKeys),
		newRoute(http.MethodGet, base+"/{ns}/values/{key}", s.kvGetValue),
		newRoute(http.MethodPut, base+"/{ns}/values/{key}", s.kvPutValue),
		newRoute(http.MethodDelete, base+"/{ns}/values/{key}", s.kvDeleteValue),
		newRoute(http.MethodGet, base+"/{ns}/metadata/{key}", s.kvGetMetadata),
		newRoute(http.MethodPut, base+"/{ns}/bulk", s.kvBulkWrite),
		newRoute(http.MethodDelete, base+"/{ns}/bulk", s.kvBulkDelete),
		newRoute(http.MethodPost, base+"/{ns}/bulk/delete", s.kvBulkDelete),
		newRoute(http.MethodPost, base+"/{ns}/bulk/get", s.kvBulkGet),
	}
}

// checkAccount refuses a path whose account is not the sandbox's.
func (s *Server) checkAccount(p params) *apiError {
	if p["account"] != s.AccountID() {
		return errf(http.StatusForbidden, 10000, "Authentication error: the token has no access to account %q", p["account"])
	}
	return nil
}

// checkKVPath checks the account and the shape of the namespace id.
func (s *Server) checkKVPath(r *http.Request, p params) *apiError {
	if e := s.checkAccount(p); e != nil {
		return e
	}
	if !isHex32(p["ns"]) {
		return errf(http.StatusBadRequest, 7003, "Could not route to %s, perhaps your object identifier is invalid?", r.URL.EscapedPath())
	}
	return nil
}

// errKVNamespaceNotFound is the 404 for a namespace id that does not exist.
func errKVNamespaceNotFound(id string) *apiError {
	return errf(http.StatusNotFound, codeKVNSNotFound, "namespace not found: no KV namespace with id %q", id)
}

// errKVKeyNotFound is the 404 for a missing (or expired) key.
func errKVKeyNotFound(key string) *apiError {
	return errf(http.StatusNotFound, codeKVKeyNotFound, "key not found: %q", key)
}

// kvKeyProblem returns why a key name is invalid, or "".
func kvKeyProblem(key string) string {
	switch {
	case key == "":
		return "must not be empty"
	case key == "." || key == "..":
		return fmt.Sprintf("must not be %q", key)
	case len(key) > kvMaxKeyBytes:
		return fmt.Sprintf("must be at most %d bytes (UTF-8 encoded length is %d)", kvMaxKeyBytes, len(key))
	case !utf8.ValidString(key):
		return "must be valid UTF-8"
	}
	return ""
}

// checkKVKey validates a key name taken from the path.
func checkKVKey(key string) *apiError {
	if why := kvKeyProblem(key); why != "" {
		return errf(http.StatusBadRequest, codeKVBadKey, "invalid key name: key %s", why)
	}
	return nil
}

// visible reports whether an entry exists and has not expired at now.
func visible(e *KVEntry, now int64) bool {
	return e != nil && (e.Expiration == 0 || e.Expiration > now)
}

// encodeCursor makes the opaque cursor that resumes after name.
func encodeCursor(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(name))
}

// decodeCursor reverses encodeCursor.
func decodeCursor(c string) (string, *apiError) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 {
		return "", errf(http.StatusBadRequest, codeKVBadRequest, "invalid cursor %q: pass result_info.cursor of the previous page unchanged", c)
	}
	return string(b), nil
}

// kvDecode parses a KV request body of at most limit bytes as JSON into dst;
// any problem is a 400 with KV's invalid-body code.
func kvDecode(r *http.Request, limit int64, dst any) *apiError {
	b, e := readBody(r, limit)
	if e != nil {
		return e
	}
	if e := unmarshalJSON(b, dst); e != nil {
		e.Code = codeKVBadRequest
		return e
	}
	return nil
}
