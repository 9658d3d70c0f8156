package sandbox

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Script listings (a namespace's, cursor-paged; the account's, one page)
// and bulk delete by tags. A page is one binary search (ScriptSet.After)
// plus a scan of the sorted names that filters as it goes, so a page from
// the middle of 100,000 scripts costs about as much as the first one.

// Page size bounds of the namespace script listing and of bulk delete.
const (
	maxListLimit     = 1000
	defaultListLimit = 1000
)

// cursorPrefix marks the sandbox's cursors, so a made-up one is refused.
const cursorPrefix = "after:"

// tagCond is one pair of a tags filter: the tag must (want) or must not be
// on the script.
type tagCond struct {
	tag  string
	want bool
}

// tagFilter is a parsed tags filter; all its pairs must hold. A nil filter
// matches every script.
type tagFilter []tagCond

// parseTagFilter parses "a:yes,b:no". The tag is everything before the
// last ":", so a tag may itself contain ":".
func parseTagFilter(q string) (tagFilter, *apiError) {
	if q == "" {
		return nil, nil
	}
	var f tagFilter
	for i, pair := range strings.Split(q, ",") {
		k := strings.LastIndexByte(pair, ':')
		if k <= 0 {
			return nil, errInvalid("tags filter %q: pair %d (%q) must be <tag>:yes or <tag>:no", q, i+1, pair)
		}
		c := tagCond{tag: pair[:k]}
		switch pair[k+1:] {
		case "yes":
			c.want = true
		case "no":
		default:
			return nil, errInvalid("tags filter %q: pair %d (%q) must end in :yes or :no", q, i+1, pair)
		}
		f = append(f, c)
	}
	return f, nil
}

// match reports whether a script with these tags passes the filter.
func (f tagFilter) match(tags []string) bool {
	for _, c := range f {
		if slices.Contains(tags, c.tag) != c.want {
			return false
		}
	}
	return true
}

// listQuery parses the query string strictly (a malformed one is a 400).
func listQuery(r *http.Request) (url.Values, *apiError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errInvalid("malformed query string: %v", err)
	}
	return q, nil
}

// parseLimit reads limit (1..maxListLimit, default defaultListLimit).
func parseLimit(q url.Values) (int, *apiError) {
	if !q.Has("limit") {
		return defaultListLimit, nil
	}
	v := q.Get("limit")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxListLimit {
		return 0, errInvalid("limit %q must be a whole number from 1 to %d", v, maxListLimit)
	}
	return n, nil
}

// encodeScriptCursor makes the opaque cursor that resumes after name.
func encodeScriptCursor(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + name))
}

// decodeScriptCursor returns the name a cursor resumes after.
func decodeScriptCursor(c string) (string, *apiError) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	name, found := strings.CutPrefix(string(b), cursorPrefix)
	if err != nil || !found {
		return "", errInvalid("cursor %q is not a cursor this API returned", c)
	}
	return name, nil
}

// listInfo is the result_info of the namespace script listing.
type listInfo struct {
	Count  int    `json:"count"`
	Cursor string `json:"cursor"`
}

// listNamespaceScripts serves GET …/namespaces/{ns}/scripts.
func (s *Server) listNamespaceScripts(w http.ResponseWriter, r *http.Request, p params) {
	q, e := listQuery(r)
	if e != nil {
		fail(w, e)
		return
	}
	filter, e := parseTagFilter(q.Get("tags"))
	if e != nil {
		fail(w, e)
		return
	}
	limit, e := parseLimit(q)
	if e != nil {
		fail(w, e)
		return
	}
	after, resume := "", q.Get("cursor") != ""
	if resume {
		if after, e = decodeScriptCursor(q.Get("cursor")); e != nil {
			fail(w, e)
			return
		}
	}
	pb := s.pageBuffers()
	defer s.pages.Put(pb)
	out := pb.views[:0]
	next := ""
	s.store.Read(func() {
		ns, found := s.store.Namespaces[p["ns"]]
		if !found {
			e = errNoNamespace(p["ns"])
			return
		}
		set := ns.Scripts
		names := set.Names()
		i := 0
		if resume {
			i = set.After(after)
		}
		for ; i < len(names); i++ {
			sc := set.At(i)
			if !filter.match(sc.Tags) {
				continue
			}
			if len(out) == limit {
				// Another match exists: this is not the last page.
				next = encodeScriptCursor(out[len(out)-1].ID)
				break
			}
			out = append(out, viewScript(sc))
		}
	})
	pb.views = out
	defer clear(out) // the pool must not keep 1000 scripts' strings alive
	if e != nil {
		fail(w, e)
		return
	}
	if out == nil {
		out = []scriptView{}
	}
	writeJSONWith(w, &pb.json, http.StatusOK, envelope{Success: true, Errors: []wireError{}, Messages: []wireError{},
		Result: out, ResultInfo: listInfo{Count: len(out), Cursor: next}})
}

// pageBuffers are what one listing page needs, kept between requests.
type pageBuffers struct {
	views []scriptView
	json  bytes.Buffer
}

// pageBuffers returns buffers from the pool, or new ones.
func (s *Server) pageBuffers() *pageBuffers {
	if pb, ok := s.pages.Get().(*pageBuffers); ok {
		return pb
	}
	return &pageBuffers{}
}

// listAccountScripts serves GET /accounts/{a}/workers/scripts: every
// account script that passes the tags filter, in name order, one page.
func (s *Server) listAccountScripts(w http.ResponseWriter, r *http.Request, p params) {
	q, e := listQuery(r)
	if e != nil {
		fail(w, e)
		return
	}
	filter, e := parseTagFilter(q.Get("tags"))
	if e != nil {
		fail(w, e)
		return
	}
	out := []scriptView{}
	s.store.Read(func() {
		set := s.store.AccountScripts
		for _, sc := range set.All() {
			if filter.match(sc.Tags) {
				out = append(out, viewScript(sc))
			}
		}
	})
	ok(w, out)
}

// bulkDeleted is the result of a bulk delete; each id is a script name.
type bulkDeleted struct {
	Deleted      []bulkID `json:"deleted"`
	DeletedCount int      `json:"deleted_count"`
	HasMore      bool     `json:"has_more"`
}

type bulkID struct {
	ID string `json:"id"`
}

// bulkDeleteScripts serves DELETE …/namespaces/{ns}/scripts?tags=…&limit=N.
// It deletes the first limit matching scripts in name order; has_more says
// whether matching scripts remain. A request without a filter is refused.
func (s *Server) bulkDeleteScripts(w http.ResponseWriter, r *http.Request, p params) {
	q, e := listQuery(r)
	if e != nil {
		fail(w, e)
		return
	}
	if strings.TrimSpace(q.Get("tags")) == "" {
		fail(w, errInvalid("the tags query parameter is required: the sandbox refuses to delete every script of a namespace (send e.g. tags=<tag>:yes)"))
		return
	}
	filter, e := parseTagFilter(q.Get("tags"))
	if e != nil {
		fail(w, e)
		return
	}
	limit, e := parseLimit(q)
	if e != nil {
		fail(w, e)
		return
	}
	res := bulkDeleted{Deleted: []bulkID{}}
	s.store.Write(func() bool {
		ns, found := s.store.Namespaces[p["ns"]]
		if !found {
			e = errNoNamespace(p["ns"])
			return false
		}
		set := ns.Scripts
		var victims []string
		for n, sc := range set.All() {
			if !filter.match(sc.Tags) {
				continue
			}
			if len(victims) == limit {
				res.HasMore = true
				break
			}
			victims = append(victims, n)
		}
		set.deleteMany(victims)
		for _, n := range victims {
			res.Deleted = append(res.Deleted, bulkID{ID: n})
		}
		res.DeletedCount = len(victims)
		return len(victims) > 0
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, res)
}

// deleteMany removes scripts by name with one pass over the sorted index
// (ScriptSet.Delete would shift the index once per name).
func (s *ScriptSet) deleteMany(names []string) { s.byName.removeMany(names) }
