package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
)

// The Workers endpoints: dispatch namespaces, the scripts in them, and the
// account's own scripts (list, content, upload, delete, settings,
// script-settings, secrets). Choices the reference leaves open (see also
// the package comment):
//
//   - An account id in the path other than the sandbox's is 403/10000
//     "Authentication error", as for a token that has no access to it.
//   - A missing namespace is 404/100119, a duplicate name 400/100120 (the
//     codes alchemy's catalogue records from the live API); a missing script
//     is 404/10007; a missing secret 404/10056.
//   - Other invalid input is 400/10021 with a message that names the field
//     or parameter and the rule; a Content-Type the endpoint does not take
//     is 400/10001. A failed request changes nothing.
//   - Namespace and script names follow ^[a-z0-9_][a-z0-9-_]*$, at most 63
//     characters (10016 for scripts). Namespace create requires a name;
//     PUT renames (name required), PATCH sets name and/or trusted_workers.
//   - Namespace script listing: name order, limit 1..1000, default 1000,
//     result_info {count, cursor}, cursor "" exactly on the last page.
//   - Bulk delete without a tags filter is refused (400/10021) rather than
//     deleting the whole namespace; its limit is 1..1000, default 1000; it
//     deletes the first matches in name order.
//   - Tags: at most 8 (100103), 1..64 bytes each (100102), no "," or "&"
//     (100134); duplicates collapse, order is kept. Adding a present tag or
//     removing an absent one succeeds. GET returns [] for no tags.
//   - Upload: the version settings (compatibility flags, limits, placement)
//     come from the upload's metadata alone, absent meaning unset; other
//     configuration the metadata omits (tags, logpush, observability, tail
//     consumers, usage model, compatibility date) keeps its current value;
//     bindings are replaced, plus
//     the current bindings of the keep_bindings types. A secret binding sent
//     without its value (upload or settings) keeps the current secret of
//     that name. A settings PATCH replaces limits whole.
//   - Handlers are guessed from the main module: the names fetch,
//     scheduled, queue, tail, email and trace followed by "(" or ":" after
//     "export default", or after the declaration of the name that an
//     `export { name as default }` clause exports, as wrangler's esbuild
//     bundle writes it (module syntax), def [on_]<name>( (Python), or
//     addEventListener("<name>") (service-worker syntax).
//   - Content GET returns the main module only, with its content type.

// Error codes used by the Workers endpoints.
const (
	codeAuth              = 10000
	codeContentType       = 10001
	codeScriptNotFound    = 10007
	codeBadScriptName     = 10016
	codeInvalid           = 10021
	codeSecretNotFound    = 10056
	codeTagLength         = 100102
	codeTooManyTags       = 100103
	codeNamespaceNotFound = 100119
	codeNamespaceExists   = 100120
	codeTagCharacter      = 100134
	codeSamplingRate      = 100308
)

// maxNameLen caps script and namespace names (the legacy Workers rule and
// the subdomain limit behind error 100132).
const maxNameLen = 63

// checkName validates a script or namespace name.
func checkName(field, name string, code int) *apiError {
	if name == "" {
		return errf(http.StatusBadRequest, code, "%s is required", field)
	}
	if len(name) > maxNameLen || !nameChars(name) {
		return errf(http.StatusBadRequest, code,
			"%s %q is invalid: it must match ^[a-z0-9_][a-z0-9-_]*$ and be at most %d characters", field, name, maxNameLen)
	}
	return nil
}

// nameChars reports whether name matches ^[a-z0-9_][a-z0-9-_]*$.
func nameChars(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || (c == '-' && i > 0)
		if !ok {
			return false
		}
	}
	return name != ""
}

func errNoNamespace(name string) *apiError {
	return errf(http.StatusNotFound, codeNamespaceNotFound, "The dispatch namespace %q does not exist on this account.", name)
}

func errNoScript() *apiError {
	return errf(http.StatusNotFound, codeScriptNotFound, "This Worker does not exist on your account.")
}

func errInvalid(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, codeInvalid, format, args...)
}

// scope is the set of scripts a route works on: a dispatch namespace's or
// the account's own. It is resolved under the store lock.
type scope struct {
	set *ScriptSet
	ns  *Namespace // nil for account scripts
}

// scopeFunc finds a route's scope; it runs under the store lock.
type scopeFunc func(st *Store, p params) (scope, *apiError)

func namespaceScope(st *Store, p params) (scope, *apiError) {
	ns, found := st.Namespaces[p["ns"]]
	if !found {
		return scope{}, errNoNamespace(p["ns"])
	}
	return scope{set: ns.Scripts, ns: ns}, nil
}

func accountScope(st *Store, _ params) (scope, *apiError) {
	return scope{set: st.AccountScripts}, nil
}

// nsName is the dispatch namespace's name ("" for account scripts).
func (sc scope) nsName() string {
	if sc.ns == nil {
		return ""
	}
	return sc.ns.Name
}

// inAccount wraps a handler with the account id check.
func (s *Server) inAccount(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		if p["account"] != s.AccountID() {
			fail(w, errf(http.StatusForbidden, codeAuth, "Authentication error"))
			return
		}
		h(w, r, p)
	}
}

// readScript runs f under the read lock with the script the route names.
func (s *Server) readScript(find scopeFunc, p params, f func(sp scope, sc *Script)) *apiError {
	var e *apiError
	s.store.Read(func() {
		sp, err := find(s.store, p)
		if err != nil {
			e = err
			return
		}
		sc, found := sp.set.Get(p["script"])
		if !found {
			e = errNoScript()
			return
		}
		f(sp, sc)
	})
	return e
}

// writeScript runs f under the write lock with the script the route names.
// f reports an error (nothing changed) or nil (the store changed).
func (s *Server) writeScript(find scopeFunc, p params, f func(sp scope, sc *Script) *apiError) *apiError {
	var e *apiError
	s.store.Write(func() bool {
		sp, err := find(s.store, p)
		if err != nil {
			e = err
			return false
		}
		sc, found := sp.set.Get(p["script"])
		if !found {
			e = errNoScript()
			return false
		}
		e = f(sp, sc)
		return e == nil
	})
	return e
}

// stamp is the current time as the store keeps it.
func (s *Server) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// userID is the id reported as created_by / modified_by: the one user the
// sandbox has, derived from the account id (never from the token).
func (s *Server) userID() string {
	h := sha256.Sum256([]byte("wfp-sandbox/user/" + s.AccountID()))
	return hex.EncodeToString(h[:16])
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// workerRoutes are the Workers endpoints below /client/v4.
func (s *Server) workerRoutes() []route {
	const ns = "accounts/{account}/workers/dispatch/namespaces"
	const nsScript = ns + "/{ns}/scripts/{script}"
	const acScript = "accounts/{account}/workers/scripts/{script}"
	a := s.inAccount
	routes := []route{
		newRoute("GET", ns, a(s.listNamespaces)),
		newRoute("POST", ns, a(s.createNamespace)),
		newRoute("GET", ns+"/{ns}", a(s.getNamespace)),
		newRoute("DELETE", ns+"/{ns}", a(s.deleteNamespace)),
		newRoute("PUT", ns+"/{ns}", a(s.updateNamespace(true))),
		newRoute("PATCH", ns+"/{ns}", a(s.updateNamespace(false))),

		newRoute("GET", ns+"/{ns}/scripts", a(s.listNamespaceScripts)),
		newRoute("DELETE", ns+"/{ns}/scripts", a(s.bulkDeleteScripts)),
		newRoute("GET", nsScript, a(s.scriptDetails)),
		newRoute("PUT", nsScript+"/tags", a(s.replaceTags)),
		newRoute("GET", nsScript+"/tags", a(s.listTags)),
		newRoute("PUT", nsScript+"/tags/{tag}", a(s.addTag)),
		newRoute("DELETE", nsScript+"/tags/{tag}", a(s.removeTag)),
		newRoute("GET", nsScript+"/bindings", a(s.getBindings(namespaceScope))),

		newRoute("GET", "accounts/{account}/workers/scripts", a(s.listAccountScripts)),
		newRoute("GET", acScript, a(s.getContent(accountScope))),
		newRoute("GET", acScript+"/content/v2", a(s.getContent(accountScope))),
		newRoute("GET", acScript+"/script-settings", a(s.getScriptSettings)),
		newRoute("PATCH", acScript+"/script-settings", a(s.patchScriptSettings)),
	}
	// Routes the two kinds of script share.
	for _, k := range []struct {
		base string
		find scopeFunc
	}{{nsScript, namespaceScope}, {acScript, accountScope}} {
		routes = append(routes,
			newRoute("PUT", k.base, a(s.uploadScript(k.find))),
			newRoute("DELETE", k.base, a(s.deleteScript(k.find))),
			newRoute("PUT", k.base+"/content", a(s.putContent(k.find))),
			newRoute("GET", k.base+"/settings", a(s.getSettings(k.find))),
			newRoute("PATCH", k.base+"/settings", a(s.patchSettings(k.find))),
			newRoute("GET", k.base+"/secrets", a(s.listSecrets(k.find))),
			newRoute("PUT", k.base+"/secrets", a(s.putSecret(k.find))),
			newRoute("GET", k.base+"/secrets/{secret}", a(s.getSecret(k.find))),
			newRoute("DELETE", k.base+"/secrets/{secret}", a(s.deleteSecret(k.find))),
		)
	}
	routes = append(routes, newRoute("GET", nsScript+"/content", a(s.getContent(namespaceScope))))
	return routes
}
