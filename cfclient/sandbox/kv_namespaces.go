package sandbox

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// kvNamespaceJSON is a KV namespace as the API shows it.
type kvNamespaceJSON struct {
	ID                  string `json:"id"`
	Title               string `json:"title"`
	SupportsURLEncoding bool   `json:"supports_url_encoding"`
}

func kvNamespaceView(ns *KVNamespace) kvNamespaceJSON {
	return kvNamespaceJSON{ID: ns.ID, Title: ns.Title, SupportsURLEncoding: true}
}

// kvPageInfo is result_info of the namespace listing.
type kvPageInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
}

// intParam reads an optional whole-number query parameter within [lo, hi].
// cloudflare-go sends numbers as floats ("20"), so "20.0" is accepted too.
func intParam(q url.Values, name string, def, lo, hi int) (int, *apiError) {
	raw := q.Get(name)
	if raw == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, errf(http.StatusBadRequest, codeKVBadRequest, "invalid %s %q: must be a whole number from %d to %d", name, raw, lo, hi)
	}
	return int(f), nil
}

// kvListNamespaces serves GET …/namespaces?page=&per_page=&order=&direction=.
func (s *Server) kvListNamespaces(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkAccount(p); e != nil {
		fail(w, e)
		return
	}
	q := r.URL.Query()
	page, e := intParam(q, "page", 1, 1, math.MaxInt32)
	if e != nil {
		fail(w, e)
		return
	}
	// Clients such as wrangler ask for 1000; the API answers with pages of
	// at most 100.
	perPage, e := intParam(q, "per_page", 20, 5, 1000)
	if e != nil {
		fail(w, e)
		return
	}
	perPage = min(perPage, 100)
	order := cmp.Or(q.Get("order"), "id")
	if order != "id" && order != "title" {
		fail(w, errf(http.StatusBadRequest, codeKVBadRequest, "invalid order %q: must be id or title", order))
		return
	}
	dir := cmp.Or(q.Get("direction"), "asc")
	if dir != "asc" && dir != "desc" {
		fail(w, errf(http.StatusBadRequest, codeKVBadRequest, "invalid direction %q: must be asc or desc", dir))
		return
	}
	var all []kvNamespaceJSON
	s.store.Read(func() {
		all = make([]kvNamespaceJSON, 0, len(s.store.KV))
		for _, ns := range s.store.KV {
			all = append(all, kvNamespaceView(ns))
		}
	})
	slices.SortFunc(all, func(a, b kvNamespaceJSON) int {
		c := cmp.Compare(a.ID, b.ID)
		if order == "title" {
			c = cmp.Or(cmp.Compare(a.Title, b.Title), c)
		}
		if dir == "desc" {
			c = -c
		}
		return c
	})
	start := min((page-1)*perPage, len(all))
	end := min(start+perPage, len(all))
	result := all[start:end]
	okInfo(w, result, kvPageInfo{Page: page, PerPage: perPage, Count: len(result), TotalCount: len(all)})
}

// kvTitleBody is the body of namespace create and rename.
type kvTitleBody struct {
	Title *string `json:"title"`
}

// readTitle reads and validates {"title": "..."}.
func readTitle(r *http.Request) (string, *apiError) {
	var body kvTitleBody
	if e := kvDecode(r, maxJSONBody, &body); e != nil {
		return "", e
	}
	if body.Title == nil || strings.TrimSpace(*body.Title) == "" {
		return "", errf(http.StatusBadRequest, codeKVTitleRequired, "title is required: the body must be {\"title\": \"<non-empty name>\"}")
	}
	if len(*body.Title) > kvMaxTitleBytes {
		return "", errf(http.StatusBadRequest, codeKVBadRequest, "title must be at most %d bytes (got %d)", kvMaxTitleBytes, len(*body.Title))
	}
	return *body.Title, nil
}

// titleTaken reports whether another namespace than id has the title. The
// caller holds the store lock.
func (s *Server) titleTaken(title, id string) bool {
	for _, ns := range s.store.KV {
		if ns.Title == title && ns.ID != id {
			return true
		}
	}
	return false
}

func errTitleExists(title string) *apiError {
	return errf(http.StatusBadRequest, codeKVTitleExists, "a namespace with title %q already exists", title)
}

// newKVNamespaceID returns a fresh random 32-hex id.
func newKVNamespaceID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// kvCreateNamespace serves POST …/namespaces {"title"}.
func (s *Server) kvCreateNamespace(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkAccount(p); e != nil {
		fail(w, e)
		return
	}
	title, e := readTitle(r)
	if e != nil {
		fail(w, e)
		return
	}
	var view kvNamespaceJSON
	s.store.Write(func() bool {
		if s.titleTaken(title, "") {
			e = errTitleExists(title)
			return false
		}
		id := newKVNamespaceID()
		for s.store.KV[id] != nil {
			id = newKVNamespaceID()
		}
		ns := NewKVNamespace(id, title)
		s.store.KV[id] = ns
		view = kvNamespaceView(ns)
		return true
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, view)
}

// kvGetNamespace serves GET …/namespaces/{ns}.
func (s *Server) kvGetNamespace(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	var view *kvNamespaceJSON
	s.store.Read(func() {
		if ns := s.store.KV[p["ns"]]; ns != nil {
			v := kvNamespaceView(ns)
			view = &v
		}
	})
	if view == nil {
		fail(w, errKVNamespaceNotFound(p["ns"]))
		return
	}
	ok(w, view)
}

// kvRenameNamespace serves PUT …/namespaces/{ns} {"title"}.
func (s *Server) kvRenameNamespace(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	title, e := readTitle(r)
	if e != nil {
		fail(w, e)
		return
	}
	var view kvNamespaceJSON
	s.store.Write(func() bool {
		ns := s.store.KV[p["ns"]]
		switch {
		case ns == nil:
			e = errKVNamespaceNotFound(p["ns"])
			return false
		case s.titleTaken(title, ns.ID):
			e = errTitleExists(title)
			return false
		}
		changed := ns.Title != title
		ns.Title = title
		view = kvNamespaceView(ns)
		return changed
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, view)
}

// kvDeleteNamespace serves DELETE …/namespaces/{ns}; its keys go with it.
func (s *Server) kvDeleteNamespace(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	found := false
	s.store.Write(func() bool {
		if _, found = s.store.KV[p["ns"]]; found {
			delete(s.store.KV, p["ns"])
		}
		return found
	})
	if !found {
		fail(w, errKVNamespaceNotFound(p["ns"]))
		return
	}
	ok(w, nil)
}
