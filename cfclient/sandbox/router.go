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

// dispatch finds the route for a request. A path that matches some route
// but not the method gets 405; a path that matches nothing gets 400/7003 as
// Cloudflare answers an unknown URI.
func dispatch(routes []route, w http.ResponseWriter, r *http.Request, segs []string) {
	pathMatched := false
	for _, rt := range routes {
		p, ok := rt.match(segs)
		if !ok {
			continue
		}
		pathMatched = true
		if rt.method != r.Method {
			continue
		}
		rt.handle(w, r, p)
		return
	}
	if pathMatched {
		fail(w, errf(http.StatusMethodNotAllowed, 10000, "method %s not allowed for this URI", r.Method))
		return
	}
	fail(w, errf(http.StatusBadRequest, 7003, "No route for that URI"))
}
