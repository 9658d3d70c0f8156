package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// Script settings (GET/PATCH …/settings, for namespace and account scripts)
// and the account scripts' script-level settings (…/script-settings).

// settingsView is a settings object as the API returns it.
type settingsView struct {
	Bindings           []json.RawMessage `json:"bindings"`
	CompatibilityDate  string            `json:"compatibility_date"`
	CompatibilityFlags []string          `json:"compatibility_flags"`
	Limits             *Limits           `json:"limits,omitempty"`
	Logpush            bool              `json:"logpush"`
	Observability      json.RawMessage   `json:"observability,omitempty"`
	Placement          json.RawMessage   `json:"placement,omitempty"`
	Tags               []string          `json:"tags"`
	TailConsumers      json.RawMessage   `json:"tail_consumers"`
	UsageModel         string            `json:"usage_model"`
}

// viewSettings must run under the store lock (see viewScript on sharing).
func viewSettings(sc *Script) settingsView {
	return settingsView{
		Bindings:           viewBindings(sc.Bindings),
		CompatibilityDate:  sc.CompatibilityDate,
		CompatibilityFlags: orEmpty(sc.CompatibilityFlags),
		Limits:             sc.Limits,
		Logpush:            sc.Logpush,
		Observability:      sc.Observability,
		Placement:          sc.Placement,
		Tags:               sc.Tags,
		TailConsumers:      sc.TailConsumers,
		UsageModel:         sc.UsageModel,
	}
}

// getSettings serves GET …/settings.
func (s *Server) getSettings(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		var v settingsView
		if e := s.readScript(find, p, func(_ scope, sc *Script) { v = viewSettings(sc) }); e != nil {
			fail(w, e)
			return
		}
		ok(w, v)
	}
}

// settingsBody reads the settings JSON of a PATCH: the multipart part
// named "settings" (as cloudflare-go sends it) or a plain JSON body.
func settingsBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	switch mediaType(r) {
	case "application/json":
		return readBody(r, maxJSONBody)
	case "multipart/form-data":
	default:
		return nil, errf(http.StatusBadRequest, codeContentType,
			"Content-Type must be multipart/form-data (with a \"settings\" part) or application/json (got %q)", r.Header.Get("Content-Type"))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errInvalid("malformed multipart body: %v", err)
	}
	var body []byte
	for n := 1; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, multipartError(err)
		}
		p, e := readPart(part, n)
		if e != nil {
			return nil, e
		}
		if p.part != "settings" {
			continue // other parts are ignored
		}
		if body != nil {
			return nil, errInvalid("the settings part appears twice")
		}
		body = p.mod.Content
	}
	if body == nil {
		return nil, errInvalid("the settings part is required (a part named \"settings\" holding JSON)")
	}
	return body, nil
}

// patchSettings serves PATCH …/settings. Fields the body omits stay as
// they are; bindings, when present, replace the list (a secret sent
// without its value keeps the current one).
func (s *Server) patchSettings(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		body, e := settingsBody(w, r)
		if e != nil {
			fail(w, e)
			return
		}
		var cfg scriptConfig
		if e := decodeAt("settings", body, &cfg); e != nil {
			fail(w, e)
			return
		}
		bindings, e := cfg.validate()
		if e != nil {
			fail(w, e)
			return
		}
		now := s.stamp()
		var v settingsView
		e = s.writeScript(find, p, func(_ scope, sc *Script) *apiError {
			var list []Binding
			if cfg.Bindings != nil {
				var err *apiError
				if list, err = resolveBindings(bindings, sc, false, nil); err != nil {
					return err
				}
			}
			cfg.apply(sc)
			if cfg.Bindings != nil {
				sc.Bindings = list
			}
			sc.setModified(now)
			v = viewSettings(sc)
			return nil
		})
		if e != nil {
			fail(w, e)
			return
		}
		ok(w, v)
	}
}

// scriptSettingsView is the result of …/script-settings.
type scriptSettingsView struct {
	Logpush       bool            `json:"logpush"`
	Observability json.RawMessage `json:"observability"`
	Tags          []string        `json:"tags"`
	TailConsumers json.RawMessage `json:"tail_consumers"`
}

func viewScriptSettings(sc *Script) scriptSettingsView {
	return scriptSettingsView{Logpush: sc.Logpush, Observability: sc.Observability, Tags: sc.Tags, TailConsumers: sc.TailConsumers}
}

// getScriptSettings serves GET /workers/scripts/{script}/script-settings.
func (s *Server) getScriptSettings(w http.ResponseWriter, r *http.Request, p params) {
	var v scriptSettingsView
	if e := s.readScript(accountScope, p, func(_ scope, sc *Script) { v = viewScriptSettings(sc) }); e != nil {
		fail(w, e)
		return
	}
	ok(w, v)
}

// patchScriptSettings serves PATCH …/script-settings (a JSON body with
// logpush, observability, tags and tail_consumers; others are ignored).
func (s *Server) patchScriptSettings(w http.ResponseWriter, r *http.Request, p params) {
	if mt := mediaType(r); mt != "application/json" {
		fail(w, errf(http.StatusBadRequest, codeContentType, "Content-Type must be application/json (got %q)", r.Header.Get("Content-Type")))
		return
	}
	var body struct {
		Logpush       *bool           `json:"logpush"`
		Observability json.RawMessage `json:"observability"`
		Tags          *[]string       `json:"tags"`
		TailConsumers json.RawMessage `json:"tail_consumers"`
	}
	b, e := readBody(r, maxJSONBody)
	if e == nil {
		e = decodeAt("script settings", b, &body)
	}
	if e != nil {
		fail(w, e)
		return
	}
	cfg := scriptConfig{Logpush: body.Logpush, Observability: body.Observability, Tags: body.Tags, TailConsumers: body.TailConsumers}
	if _, e := cfg.validate(); e != nil {
		fail(w, e)
		return
	}
	now := s.stamp()
	var v scriptSettingsView
	e = s.writeScript(accountScope, p, func(_ scope, sc *Script) *apiError {
		cfg.apply(sc)
		sc.setModified(now)
		v = viewScriptSettings(sc)
		return nil
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, v)
}
