package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// Bindings as uploads and settings send them, and as the API shows them.
// A secret's value is cut out of the binding when it arrives and kept only
// in Binding.Secret; no response ever includes it.

// maxSecretBytes caps a secret's value (the Workers limit of 5 KB per
// environment variable).
const maxSecretBytes = 5 << 10

// knownBindingType reports whether t is one of the API's binding types.
func knownBindingType(t string) bool {
	switch t {
	case "ai", "ai_search", "ai_search_namespace", "analytics_engine", "assets", "browser", "d1",
		"data_blob", "dispatch_namespace", "durable_object_namespace", "hyperdrive", "inherit",
		"images", "json", "kv_namespace", "media", "mtls_certificate", "plain_text", "pipelines",
		"queue", "ratelimit", "r2_bucket", "secret_text", "send_email", "service", "text_blob",
		"vectorize", "version_metadata", "secrets_store_secret", "flagship", "secret_key",
		"workflow", "wasm_module", "vpc_service", "vpc_network":
		return true
	}
	return false
}

// bindingInput is one parsed binding of a request.
type bindingInput struct {
	b Binding
	// needsSecret: a secret binding sent without its value, which keeps the
	// value of the script's current secret of that name.
	needsSecret bool
	// inherit: an "inherit" binding, resolved against the current version
	// (by oldName, or by its own name).
	inherit bool
	oldName string
}

// stringField reads obj[key] as a string.
func stringField(obj map[string]json.RawMessage, field, key string, required bool) (string, bool, *apiError) {
	raw, found := obj[key]
	if !found || isNull(raw) {
		if required {
			return "", false, errInvalid("%s.%s is required", field, key)
		}
		return "", false, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false, errInvalid("%s.%s must be a string", field, key)
	}
	if required && v == "" {
		return "", false, errInvalid("%s.%s must not be empty", field, key)
	}
	return v, true, nil
}

// parseBindings validates a bindings array (names unique, types known,
// type-specific required fields) and cuts secret values out.
func parseBindings(raws []json.RawMessage) ([]bindingInput, *apiError) {
	out := make([]bindingInput, 0, len(raws))
	seen := map[string]bool{}
	for i, raw := range raws {
		field := fmt.Sprintf("bindings[%d]", i)
		in, e := parseBinding(field, raw)
		if e != nil {
			return nil, e
		}
		if seen[in.b.Name] {
			return nil, errInvalid("%s: the binding name %q is used twice", field, in.b.Name)
		}
		seen[in.b.Name] = true
		out = append(out, in)
	}
	return out, nil
}

// parseBinding validates one binding object; field names it in errors.
func parseBinding(field string, raw json.RawMessage) (bindingInput, *apiError) {
	var obj map[string]json.RawMessage
	if e := decodeAt(field, raw, &obj); e != nil {
		return bindingInput{}, e
	}
	if obj == nil {
		return bindingInput{}, errInvalid("%s must be an object", field)
	}
	name, _, e := stringField(obj, field, "name", true)
	if e != nil {
		return bindingInput{}, e
	}
	typ, _, e := stringField(obj, field, "type", true)
	if e != nil {
		return bindingInput{}, e
	}
	if !knownBindingType(typ) {
		return bindingInput{}, errInvalid("%s.type %q is not a binding type", field, typ)
	}
	in := bindingInput{b: Binding{Name: name, Type: typ}}
	switch typ {
	case "plain_text":
		var has bool
		if _, has, e = stringField(obj, field, "text", false); e == nil && !has {
			e = errInvalid("%s.text is required for a plain_text binding", field)
		}
	case "kv_namespace":
		_, _, e = stringField(obj, field, "namespace_id", true)
	case "secret_text":
		text, has, err := stringField(obj, field, "text", false)
		switch {
		case err != nil:
			e = err
		case len(text) > maxSecretBytes:
			e = errInvalid("%s.text is longer than %d bytes", field, maxSecretBytes)
		case has:
			in.b.Secret = text
		default:
			in.needsSecret = true
		}
		delete(obj, "text")
	case "secret_key":
		in.b.Secret, in.needsSecret, e = secretKey(obj, field)
	case "inherit":
		in.inherit = true
		in.oldName, _, e = stringField(obj, field, "old_name", false)
	}
	if e != nil {
		return bindingInput{}, e
	}
	in.b.Raw, _ = json.Marshal(obj)
	return in, nil
}

// secretKey cuts the key material (key_base64 or key_jwk) out of a
// secret_key binding.
func secretKey(obj map[string]json.RawMessage, field string) (string, bool, *apiError) {
	b64, has, e := stringField(obj, field, "key_base64", false)
	if e != nil {
		return "", false, e
	}
	jwk, hasJWK := obj["key_jwk"]
	delete(obj, "key_base64")
	delete(obj, "key_jwk")
	switch {
	case has:
		return b64, false, nil
	case hasJWK && !isNull(jwk):
		return string(compact(jwk)), false, nil
	}
	return "", true, nil
}

// resolveBindings turns parsed bindings into the script's new list, using
// prev (nil for a new script): inherit bindings and secrets sent without a
// value take prev's binding; bindings of the keep types that the request
// does not name are carried over. It runs under the write lock.
func resolveBindings(in []bindingInput, prev *Script, strict bool, keep []string) ([]Binding, *apiError) {
	find := func(name string) (Binding, bool) {
		if prev == nil {
			return Binding{}, false
		}
		for _, b := range prev.Bindings {
			if b.Name == name && b.Type != "inherit" {
				return b, true
			}
		}
		return Binding{}, false
	}
	out := make([]Binding, 0, len(in))
	named := map[string]bool{}
	for i, x := range in {
		switch {
		case x.inherit:
			old := x.oldName
			if old == "" {
				old = x.b.Name
			}
			pb, found := find(old)
			if !found {
				if strict {
					return nil, errInvalid("bindings[%d]: inherit binding %q: the current version has no binding %q (bindings_inherit=strict)", i, x.b.Name, old)
				}
				continue // dropped silently, as without bindings_inherit=strict
			}
			if pb.Name != x.b.Name {
				pb.Raw = renameRaw(pb.Raw, x.b.Name)
				pb.Name = x.b.Name
			}
			out = append(out, pb)
		case x.needsSecret:
			pb, found := find(x.b.Name)
			if !found || pb.Type != x.b.Type {
				return nil, errInvalid("bindings[%d]: the %s binding %q has no value and there is no current secret of that name to keep", i, x.b.Type, x.b.Name)
			}
			out = append(out, pb)
		default:
			out = append(out, x.b)
		}
		named[x.b.Name] = true
	}
	if prev != nil {
		for _, b := range prev.Bindings {
			if slices.Contains(keep, b.Type) && !named[b.Name] {
				out = append(out, b)
				named[b.Name] = true
			}
		}
	}
	return out, nil
}

// renameRaw returns a binding's JSON with another name.
func renameRaw(raw json.RawMessage, name string) json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		obj = map[string]json.RawMessage{}
	}
	obj["name"], _ = json.Marshal(name)
	out, _ := json.Marshal(obj)
	return out
}

// viewBinding is a binding as responses show it. A secret shows its name
// and type (and a secret_key its algorithm, format and usages), never its
// value: it is rebuilt from those fields instead of served from Raw.
func viewBinding(b Binding) json.RawMessage {
	if !b.IsSecret() && len(b.Raw) > 0 {
		return b.Raw
	}
	v := map[string]json.RawMessage{}
	if b.Type == "secret_key" {
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(b.Raw, &raw)
		for _, k := range []string{"algorithm", "format", "usages"} {
			if x, found := raw[k]; found {
				v[k] = x
			}
		}
	}
	v["name"], _ = json.Marshal(b.Name)
	v["type"], _ = json.Marshal(b.Type)
	out, _ := json.Marshal(v)
	return out
}

// viewBindings views a binding list ([] when empty).
func viewBindings(bs []Binding) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(bs))
	for _, b := range bs {
		out = append(out, viewBinding(b))
	}
	return out
}

// getBindings serves GET …/scripts/{script}/bindings.
func (s *Server) getBindings(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		var out []json.RawMessage
		if e := s.readScript(find, p, func(_ scope, sc *Script) { out = viewBindings(sc.Bindings) }); e != nil {
			fail(w, e)
			return
		}
		ok(w, out)
	}
}

// validKeepTypes checks keep_bindings.
func validKeepTypes(keep []string) *apiError {
	for i, t := range keep {
		if !knownBindingType(t) {
			return errInvalid("keep_bindings[%d] %q is not a binding type", i, t)
		}
	}
	return nil
}
