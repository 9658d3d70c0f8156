package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
)

// Secrets: secret_text and secret_key bindings, managed one by one. Their
// values go in and never come out.

func errNoSecret(name string) *apiError {
	return errf(http.StatusNotFound, codeSecretNotFound, "The secret %q does not exist on this Worker.", name)
}

// secretName is the {secret} path segment, decoded once more when the
// request says url_encoded=true.
func secretName(r *http.Request, p params) (string, *apiError) {
	encoded, e := boolParam(r, "url_encoded")
	if e != nil {
		return "", e
	}
	name := p["secret"]
	if encoded {
		u, err := url.PathUnescape(name)
		if err != nil {
			return "", errInvalid("secret name %q is not URL-encoded correctly (url_encoded=true)", name)
		}
		name = u
	}
	return name, nil
}

// findSecret returns the index of a secret binding, or -1.
func findSecret(sc *Script, name string) int {
	return slices.IndexFunc(sc.Bindings, func(b Binding) bool { return b.Name == name && b.IsSecret() })
}

// listSecrets serves GET …/secrets.
func (s *Server) listSecrets(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		out := []json.RawMessage{}
		e := s.readScript(find, p, func(_ scope, sc *Script) {
			for _, b := range sc.Bindings {
				if b.IsSecret() {
					out = append(out, viewBinding(b))
				}
			}
		})
		if e != nil {
			fail(w, e)
			return
		}
		ok(w, out)
	}
}

// putSecret serves PUT …/secrets with {name, type, text} (or a secret_key's
// fields): it adds the secret or replaces its value.
func (s *Server) putSecret(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		raw, e := readBody(r, maxJSONBody)
		if e != nil {
			fail(w, e)
			return
		}
		in, e := parseBinding("secret", raw)
		if e != nil {
			fail(w, e)
			return
		}
		switch {
		case !in.b.IsSecret():
			e = errInvalid("secret.type %q must be secret_text or secret_key", in.b.Type)
		case in.needsSecret && in.b.Type == "secret_text":
			e = errInvalid("secret.text is required")
		case in.needsSecret:
			e = errInvalid("secret: a secret_key needs key_base64 or key_jwk")
		}
		if e != nil {
			fail(w, e)
			return
		}
		now := s.stamp()
		var v json.RawMessage
		e = s.writeScript(find, p, func(_ scope, sc *Script) *apiError {
			i := slices.IndexFunc(sc.Bindings, func(b Binding) bool { return b.Name == in.b.Name })
			if i >= 0 && !sc.Bindings[i].IsSecret() {
				return errInvalid("the script already has a %s binding named %q; a secret cannot replace it", sc.Bindings[i].Type, in.b.Name)
			}
			list := slices.Clone(sc.Bindings)
			if i >= 0 {
				list[i] = in.b
			} else {
				list = append(list, in.b)
			}
			sc.Bindings = list
			sc.setModified(now)
			v = viewBinding(in.b)
			return nil
		})
		if e != nil {
			fail(w, e)
			return
		}
		ok(w, v)
	}
}

// getSecret serves GET …/secrets/{secret}: its name and type.
func (s *Server) getSecret(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		name, e := secretName(r, p)
		if e != nil {
			fail(w, e)
			return
		}
		var v json.RawMessage
		e = s.readScript(find, p, func(_ scope, sc *Script) {
			if i := findSecret(sc, name); i >= 0 {
				v = viewBinding(sc.Bindings[i])
			}
		})
		if e == nil && v == nil {
			e = errNoSecret(name)
		}
		if e != nil {
			fail(w, e)
			return
		}
		ok(w, v)
	}
}

// deleteSecret serves DELETE …/secrets/{secret}.
func (s *Server) deleteSecret(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		name, e := secretName(r, p)
		if e != nil {
			fail(w, e)
			return
		}
		now := s.stamp()
		e = s.writeScript(find, p, func(_ scope, sc *Script) *apiError {
			i := findSecret(sc, name)
			if i < 0 {
				return errNoSecret(name)
			}
			sc.Bindings = slices.Delete(slices.Clone(sc.Bindings), i, i+1)
			sc.setModified(now)
			return nil
		})
		if e != nil {
			fail(w, e)
			return
		}
		ok(w, nil)
	}
}
