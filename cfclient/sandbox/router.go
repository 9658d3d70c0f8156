package sandbox

import (
	"net/http"
	"net/url"
	"strings"
)

// params are the unescaped values of a route's {placeholders}.
type params map[string]string

// handlerFunc serves one route. It writes the whole response.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p params)

// route is a method and a pattern of path segments below /client/v4, where a
// segment "{name}" matches any one segment and binds it.
type route struct {
	method  string
	pattern []string
	handle  handlerFunc
}

func newRoute(method, pattern string, h handlerFunc) route {
	return route{method: method, pattern: strings.Split(strings.Trim(pattern, "/"), "/"), handle: h}
}

// splitPath splits the *escaped* path into unescaped segments. Routing on
// the escaped form matters: KV keys, tags and secret names may contain an
// escaped "/" (%2F), which r.URL.Path would already have turned into a
// separator.
func splitPath(escaped string) ([]string, bool) {
	escaped = strings.Trim(escaped, "/")
	if escaped == "" {
		return nil, true
	}
	raw := strings.Split(escaped, "/")
	out := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		out[i] = u
	}
	return out, true
}

// match reports whether segs fit the pattern, binding placeholders into p.
func (rt route) match(segs []string) (params, bool) {
	if len(segs) != len(rt.pattern) {
		return nil, false
	}
	var p params
	for i, pat := range rt.pattern {
		if strings.HasPrefix(pat, "{") && strings.HasSuffix(pat, "}") {
			if p == nil {
				p = params{}
			}
			p[pat[1:len(pat)-1]] = segs[i]
			continue
		}
		if pat != segs[i] {
			return nil, false
		}
	}
	return p, true
}

// codeMethodNotAllowed is Cloudflare's code for a method an endpoint does
// not take (405, "Method not allowed for this authentication scheme").
const codeMethodNotAllowed = 10405

// dispatch finds the route for a request. A path that matches some route
// but not the method gets 405/10405 with an Allow header (not the auth
// code 10000); a path that matches nothing gets 400/7003 as Cloudflare
// answers an unknown URI.
func dispatch(routes []route, w http.ResponseWriter, r *http.Request, segs []string) {
	var allowed []string
	for _, rt := range routes {
		p, ok := rt.match(segs)
		if !ok {
			continue
		}
		if rt.method != r.Method {
			allowed = append(allowed, rt.method)
			continue
		}
		rt.handle(w, r, p)
		return
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		fail(w, errf(http.StatusMethodNotAllowed, codeMethodNotAllowed, "Method %s is not allowed for this URI (it takes %s)",
			r.Method, strings.Join(allowed, ", ")))
		return
	}
	fail(w, errf(http.StatusBadRequest, 7003, "No route for that URI"))
}
