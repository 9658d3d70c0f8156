package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"time"
)

// One script: upload, details, delete, and its content.

// scriptView is a script object as the API returns it (workers.Script).
type scriptView struct {
	ID                 string          `json:"id"`
	Tag                string          `json:"tag"`
	ETag               string          `json:"etag"`
	Handlers           []string        `json:"handlers"`
	CompatibilityDate  string          `json:"compatibility_date,omitempty"`
	CompatibilityFlags []string        `json:"compatibility_flags"`
	CreatedOn          time.Time       `json:"created_on"`
	ModifiedOn         time.Time       `json:"modified_on"`
	HasAssets          bool            `json:"has_assets"`
	HasModules         bool            `json:"has_modules"`
	Logpush            bool            `json:"logpush"`
	MigrationTag       string          `json:"migration_tag,omitempty"`
	Observability      json.RawMessage `json:"observability,omitempty"`
	Placement          json.RawMessage `json:"placement,omitempty"`
	Tags               []string        `json:"tags"`
	TailConsumers      json.RawMessage `json:"tail_consumers"`
	UsageModel         string          `json:"usage_model"`
	// StartupTimeMs is set on upload responses only.
	StartupTimeMs *int `json:"startup_time_ms,omitempty"`
	// DeploymentID is set on upload responses only: the id of the version
	// the upload made current (wrangler prints it as "Current Version ID").
	DeploymentID string `json:"deployment_id,omitempty"`
}

// viewScript must run under the store lock. The view shares the script's
// slices, which is safe because the store never writes into them (every
// change installs new ones).
func viewScript(sc *Script) scriptView {
	return scriptView{
		ID:                 sc.Name,
		Tag:                sc.Tag(),
		ETag:               sc.ETag(),
		Handlers:           orEmpty(sc.Handlers),
		CompatibilityDate:  sc.CompatibilityDate,
		CompatibilityFlags: orEmpty(sc.CompatibilityFlags),
		CreatedOn:          sc.CreatedOn(),
		ModifiedOn:         sc.ModifiedOn(),
		HasModules:         sc.MainModule != "",
		Logpush:            sc.Logpush,
		MigrationTag:       sc.MigrationTag,
		Observability:      sc.Observability,
		Placement:          sc.Placement,
		Tags:               sc.Tags,
		TailConsumers:      sc.TailConsumers,
		UsageModel:         sc.UsageModel,
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// detailsView is the result of GET …/namespaces/{ns}/scripts/{script}.
type detailsView struct {
	CreatedOn         time.Time  `json:"created_on"`
	ModifiedOn        time.Time  `json:"modified_on"`
	DispatchNamespace string     `json:"dispatch_namespace"`
	Script            scriptView `json:"script"`
}

// scriptDetails serves GET …/namespaces/{ns}/scripts/{script}.
func (s *Server) scriptDetails(w http.ResponseWriter, r *http.Request, p params) {
	var v detailsView
	e := s.readScript(namespaceScope, p, func(sp scope, sc *Script) {
		v = detailsView{CreatedOn: sc.CreatedOn(), ModifiedOn: sc.ModifiedOn(), DispatchNamespace: sp.nsName(), Script: viewScript(sc)}
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, v)
}

// boolParam reads an optional true/false query parameter.
func boolParam(r *http.Request, name string) (bool, *apiError) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, errInvalid("%s %q must be true or false", name, v)
	}
}

// uploadScript serves PUT …/scripts/{script}: create or replace a script.
// Version settings (compatibility flags, limits, placement) come from the
// upload alone; other configuration the metadata omits keeps its current
// value (tags included); bindings are replaced, except those of the
// keep_bindings types. An account script's upload records a version.
func (s *Server) uploadScript(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		name := p["script"]
		if e := checkName("script name", name, codeBadScriptName); e != nil {
			fail(w, e)
			return
		}
		strict, e := bindingsInherit(r)
		if e != nil {
			fail(w, e)
			return
		}
		up, e := parseUpload(w, r, false)
		if e != nil {
			fail(w, e)
			return
		}
		now := s.stamp()
		var v scriptView
		version := newUUID() // user scripts keep no versions
		s.store.Write(func() bool {
			sp, err := find(s.store, p)
			if err != nil {
				e = err
				return false
			}
			prev, _ := sp.set.Get(name)
			bindings, err := resolveBindings(up.bindings, prev, strict, up.meta.KeepBindings)
			if err != nil {
				e = err
				return false
			}
			sc := &Script{Name: name, created: microOf(now), ScriptBody: &ScriptBody{UsageModel: "standard"}}
			sc.setIDs(randomHex(16), "")
			if prev != nil {
				sc = prev.clone() // copy on write; prev may be in a reader's hands
				// Version settings come from this upload alone.
				sc.CompatibilityFlags, sc.Limits, sc.Placement = nil, nil, nil
			}
			up.meta.apply(sc)
			sc.Bindings = bindings
			setModules(sc, up, now)
			if sp.ns == nil {
				version = recordVersion(sc, prev, uploadSource(r), up.meta.Annotations, now)
			}
			sp.set.Put(sc)
			v = viewScript(sc)
			return true
		})
		if e != nil {
			fail(w, e)
			return
		}
		startup := startupMs(up.modules)
		v.StartupTimeMs = &startup
		v.DeploymentID = version
		ok(w, v)
	}
}

// setModules installs an upload's modules and what derives from them,
// giving sc a body of its own.
func setModules(sc *Script, up *upload, now time.Time) {
	sc.ownBody()
	sc.Modules = up.modules
	sc.MainModule, sc.BodyPart = "", ""
	if up.isModule {
		sc.MainModule = up.main
	} else {
		sc.BodyPart = up.main
	}
	if m, found := mainModule(sc); found {
		sc.Handlers = guessHandlers(m, up.isModule)
	}
	h := sha256.New()
	for _, m := range up.modules {
		h.Write([]byte(m.Name + "\x00" + m.ContentType + "\x00"))
		h.Write(m.Content)
	}
	sc.setETag(hex.EncodeToString(h.Sum(nil)))
	sc.setModified(now)
}

// startupMs is a plausible startup time: 1 ms plus 1 per 64 KiB of code.
func startupMs(mods []Module) int {
	n := 0
	for _, m := range mods {
		n += len(m.Content)
	}
	return 1 + n/(64<<10)
}

// mainModule returns the script's main module (or body part).
func mainModule(sc *Script) (Module, bool) {
	name := sc.MainModule
	if name == "" {
		name = sc.BodyPart
	}
	for _, m := range sc.Modules {
		if m.Name == name {
			return m, true
		}
	}
	return Module{}, false
}

// deleteScript serves DELETE …/scripts/{script}[?force=true]. Nothing
// tracks who binds to a script, so force changes nothing but is accepted.
func (s *Server) deleteScript(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		if _, e := boolParam(r, "force"); e != nil {
			fail(w, e)
			return
		}
		var e *apiError
		s.store.Write(func() bool {
			sp, err := find(s.store, p)
			if err != nil {
				e = err
				return false
			}
			if !sp.set.Delete(p["script"]) {
				e = errNoScript()
				return false
			}
			return true
		})
		if e != nil {
			fail(w, e)
			return
		}
		ok(w, nil)
	}
}

// getContent serves the main module's raw bytes with its content type (GET
// …/content for namespace scripts; GET /workers/scripts/{script} and
// …/content/v2 for account scripts); a script of several modules as
// multipart/form-data, the main module first, to a client that accepts it
// (see contentMultipart).
func (s *Server) getContent(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		var m Module
		var found bool
		var all []Module
		if e := s.readScript(find, p, func(_ scope, sc *Script) {
			m, found = mainModule(sc)
			all = sc.Modules
		}); e != nil {
			fail(w, e)
			return
		}
		if !found {
			fail(w, errf(http.StatusNotFound, codeScriptNotFound, "This Worker has no content."))
			return
		}
		if len(all) > 1 && wantsMultipart(r) {
			contentMultipart(w, m, all)
			return
		}
		w.Header().Set("Content-Type", m.ContentType)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.Name}))
		w.WriteHeader(http.StatusOK)
		w.Write(m.Content)
	}
}

// putContent serves PUT …/scripts/{script}/content: new modules, same
// configuration and bindings.
func (s *Server) putContent(find scopeFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p params) {
		up, e := parseUpload(w, r, true)
		if e != nil {
			fail(w, e)
			return
		}
		now := s.stamp()
		var v scriptView
		e = s.writeScript(find, p, func(sp scope, sc *Script) *apiError {
			cp := *sc
			setModules(&cp, up, now)
			sp.set.Put(&cp)
			v = viewScript(&cp)
			return nil
		})
		if e != nil {
			fail(w, e)
			return
		}
		ok(w, v)
	}
}

// bindingsInherit reads an upload's bindings_inherit query parameter
// (script uploads and version uploads): absent, or "strict".
func bindingsInherit(r *http.Request) (strict bool, e *apiError) {
	switch v := r.URL.Query().Get("bindings_inherit"); v {
	case "":
		return false, nil
	case "strict":
		return true, nil
	default:
		return false, errInvalid("bindings_inherit %q must be strict", v)
	}
}
