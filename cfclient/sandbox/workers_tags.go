package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Script tags: list, replace all, add one, remove one; and the tag rules
// that uploads and settings share.

// Tag rules.
const (
	maxTags     = 8
	maxTagBytes = 64
)

// checkTag validates one tag; field names it in the error.
func checkTag(field, tag string) *apiError {
	if tag == "" || len(tag) > maxTagBytes {
		return errf(http.StatusBadRequest, codeTagLength, "%s %q must be 1 to %d bytes long", field, tag, maxTagBytes)
	}
	if strings.ContainsAny(tag, ",&") {
		return errf(http.StatusBadRequest, codeTagCharacter, "%s %q must not contain \",\" or \"&\"", field, tag)
	}
	return nil
}

// normalizeTags validates a tag list and collapses duplicates (keeping the
// first of each); the result is never nil.
func normalizeTags(field string, tags []string) ([]string, *apiError) {
	out := make([]string, 0, len(tags))
	for i, t := range tags {
		if e := checkTag(field+"["+strconv.Itoa(i)+"]", t); e != nil {
			return nil, e
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, errf(http.StatusBadRequest, codeTooManyTags, "%s: a script can have at most %d tags (got %d)", field, maxTags, len(out))
	}
	return out, nil
}

// tagsOf returns a script's tags, [] when it has none.
func tagsOf(sc *Script) []string {
	if sc.Tags == nil {
		return []string{}
	}
	return sc.Tags
}

// listTags serves GET …/tags.
func (s *Server) listTags(w http.ResponseWriter, r *http.Request, p params) {
	var out []string
	if e := s.readScript(namespaceScope, p, func(_ scope, sc *Script) { out = tagsOf(sc) }); e != nil {
		fail(w, e)
		return
	}
	ok(w, out)
}

// replaceTags serves PUT …/tags with a JSON array; it returns the tags.
func (s *Server) replaceTags(w http.ResponseWriter, r *http.Request, p params) {
	var body []string
	if e := decodeJSON(r, &body); e != nil {
		fail(w, e)
		return
	}
	tags, e := normalizeTags("tags", body)
	if e != nil {
		fail(w, e)
		return
	}
	e = s.writeScript(namespaceScope, p, func(_ scope, sc *Script) *apiError {
		sc.Tags = tags
		return nil
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, tags)
}

// addTag serves PUT …/tags/{tag}; adding a tag the script has is a no-op.
func (s *Server) addTag(w http.ResponseWriter, r *http.Request, p params) {
	tag := p["tag"]
	if e := checkTag("tag", tag); e != nil {
		fail(w, e)
		return
	}
	e := s.writeScript(namespaceScope, p, func(_ scope, sc *Script) *apiError {
		if slices.Contains(sc.Tags, tag) {
			return nil
		}
		if len(sc.Tags) >= maxTags {
			return errf(http.StatusBadRequest, codeTooManyTags, "the script already has %d tags, the most it can have", maxTags)
		}
		// A new slice: seeded scripts share their tag arrays.
		sc.Tags = append(slices.Clone(sc.Tags), tag)
		return nil
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, nil)
}

// removeTag serves DELETE …/tags/{tag}; removing an absent tag succeeds.
func (s *Server) removeTag(w http.ResponseWriter, r *http.Request, p params) {
	tag := p["tag"]
	e := s.writeScript(namespaceScope, p, func(_ scope, sc *Script) *apiError {
		if i := slices.Index(sc.Tags, tag); i >= 0 {
			sc.Tags = slices.Delete(slices.Clone(sc.Tags), i, i+1)
		}
		return nil
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, nil)
}
