package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"time"
)

// Dispatch namespaces: list, get, create, delete, rename (PUT) and PATCH.

// namespaceView is a namespace as the API returns it.
type namespaceView struct {
	NamespaceID    string    `json:"namespace_id"`
	NamespaceName  string    `json:"namespace_name"`
	ScriptCount    int       `json:"script_count"`
	TrustedWorkers bool      `json:"trusted_workers"`
	CreatedOn      time.Time `json:"created_on"`
	ModifiedOn     time.Time `json:"modified_on"`
	CreatedBy      string    `json:"created_by"`
	ModifiedBy     string    `json:"modified_by"`
}

// viewNamespace must run under the store lock.
func viewNamespace(ns *Namespace) namespaceView {
	return namespaceView{
		NamespaceID:    ns.ID,
		NamespaceName:  ns.Name,
		ScriptCount:    ns.Scripts.Len(),
		TrustedWorkers: ns.Trusted,
		CreatedOn:      ns.CreatedOn,
		ModifiedOn:     ns.ModifiedOn,
		CreatedBy:      ns.CreatedBy,
		ModifiedBy:     ns.ModifiedBy,
	}
}

// namespaceBody is the JSON body of create, PUT and PATCH. A field that is
// absent (or null) is nil.
type namespaceBody struct {
	Name           *string `json:"name"`
	TrustedWorkers *bool   `json:"trusted_workers"`
}

// listNamespaces serves GET …/namespaces: one page, in name order.
func (s *Server) listNamespaces(w http.ResponseWriter, r *http.Request, p params) {
	var out []namespaceView
	s.store.Read(func() {
		out = make([]namespaceView, 0, len(s.store.Namespaces))
		for _, ns := range s.store.Namespaces {
			out = append(out, viewNamespace(ns))
		}
	})
	slices.SortFunc(out, func(a, b namespaceView) int { return cmp.Compare(a.NamespaceName, b.NamespaceName) })
	ok(w, out)
}

// getNamespace serves GET …/namespaces/{ns}.
func (s *Server) getNamespace(w http.ResponseWriter, r *http.Request, p params) {
	var v namespaceView
	var e *apiError
	s.store.Read(func() {
		ns, found := s.store.Namespaces[p["ns"]]
		if !found {
			e = errNoNamespace(p["ns"])
			return
		}
		v = viewNamespace(ns)
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, v)
}

// createNamespace serves POST …/namespaces with {"name": …}.
func (s *Server) createNamespace(w http.ResponseWriter, r *http.Request, p params) {
	var body namespaceBody
	if e := decodeJSON(r, &body); e != nil {
		fail(w, e)
		return
	}
	if body.Name == nil {
		fail(w, errInvalid("name is required"))
		return
	}
	if e := checkName("name", *body.Name, codeInvalid); e != nil {
		fail(w, e)
		return
	}
	now, user := s.stamp(), s.userID()
	ns := &Namespace{
		ID:         newUUID(),
		Name:       *body.Name,
		CreatedOn:  now,
		ModifiedOn: now,
		CreatedBy:  user,
		ModifiedBy: user,
		Scripts:    NewScriptSet(),
	}
	if body.TrustedWorkers != nil {
		ns.Trusted = *body.TrustedWorkers
	}
	var e *apiError
	var v namespaceView
	s.store.Write(func() bool {
		if _, exists := s.store.Namespaces[ns.Name]; exists {
			e = errNamespaceExists(ns.Name)
			return false
		}
		s.store.Namespaces[ns.Name] = ns
		v = viewNamespace(ns)
		return true
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, v)
}

func errNamespaceExists(name string) *apiError {
	return errf(http.StatusBadRequest, codeNamespaceExists, "A dispatch namespace named %q already exists.", name)
}

// deleteNamespace serves DELETE …/namespaces/{ns}; its scripts go with it.
func (s *Server) deleteNamespace(w http.ResponseWriter, r *http.Request, p params) {
	var e *apiError
	s.store.Write(func() bool {
		if _, found := s.store.Namespaces[p["ns"]]; !found {
			e = errNoNamespace(p["ns"])
			return false
		}
		delete(s.store.Namespaces, p["ns"])
		return true
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, nil)
}

// updateNamespace serves PUT (rename: name required) and PATCH (name and
// trusted_workers both optional) on …/namespaces/{ns}.
func (s *Server) updateNamespace(put bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		var body namespaceBody
		if e := decodeJSON(r, &body); e != nil {
			fail(w, e)
			return
		}
		if put && body.Name == nil {
			fail(w, errInvalid("name is required (the namespace's new name)"))
			return
		}
		if body.Name != nil {
			if e := checkName("name", *body.Name, codeInvalid); e != nil {
				fail(w, e)
				return
			}
		}
		now, user := s.stamp(), s.userID()
		var e *apiError
		var v namespaceView
		s.store.Write(func() bool {
			ns, found := s.store.Namespaces[p["ns"]]
			if !found {
				e = errNoNamespace(p["ns"])
				return false
			}
			changed := false
			if body.Name != nil && *body.Name != ns.Name {
				if _, exists := s.store.Namespaces[*body.Name]; exists {
					e = errNamespaceExists(*body.Name)
					return false
				}
				delete(s.store.Namespaces, ns.Name)
				ns.Name = *body.Name
				s.store.Namespaces[ns.Name] = ns
				changed = true
			}
			if body.TrustedWorkers != nil && *body.TrustedWorkers != ns.Trusted {
				ns.Trusted = *body.TrustedWorkers
				changed = true
			}
			if changed {
				ns.ModifiedOn, ns.ModifiedBy = now, user
			}
			v = viewNamespace(ns)
			return changed
		})
		if e != nil {
			fail(w, e)
			return
		}
		ok(w, v)
	}
}
