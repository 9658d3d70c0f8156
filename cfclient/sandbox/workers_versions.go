package sandbox

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Versions and deployments of account scripts, and the "services" view of
// them that wrangler reads before a deploy:
//
//	GET    /accounts/{a}/workers/services/{s}
//	DELETE /accounts/{a}/workers/services/{s}[?force=]
//	GET    /accounts/{a}/workers/scripts/{s}/versions[?deployable=&page=&per_page=]
//	GET    /accounts/{a}/workers/scripts/{s}/versions/{id}
//	GET    /accounts/{a}/workers/scripts/{s}/deployments
//	POST   /accounts/{a}/workers/scripts/{s}/deployments
//
// Every upload of an account script (PUT …/workers/scripts/{s}) makes a
// new version (numbered from 1) and a deployment sending it 100% of the
// traffic; the upload's deployment_id is that version's id. The upload's
// metadata.annotations ("workers/message", "workers/tag") annotate both.
// A script with no recorded version (seeded, or from an older state file)
// shows one version made from its current content. The last
// maxVersionsKept versions and deployments are kept. Choices (inferred): a
// missing service is 404/10090 (wrangler treats 10090 and 10007 as "not
// found"); versions list newest first, page >= 1, per_page 1..100 (default
// 10); deployments list newest first; a deployment must name existing
// versions whose percentages add up to 100.

// maxVersionsKept bounds the versions and deployments kept per script.
const maxVersionsKept = 100

// codeServiceNotFound is wrangler's "legacy environment not found".
const codeServiceNotFound = 10090

// ScriptVersion is one uploaded version of an account script.
type ScriptVersion struct {
	ID          string    `json:"id"`
	Number      int       `json:"number"`
	CreatedOn   time.Time `json:"created_on"`
	Source      string    `json:"source"` // "wrangler", "api"
	Message     string    `json:"message,omitempty"`
	Tag         string    `json:"tag,omitempty"`
	ETag        string    `json:"etag"`
	CompatDate  string    `json:"compatibility_date,omitempty"`
	CompatFlags []string  `json:"compatibility_flags,omitempty"`
	UsageModel  string    `json:"usage_model,omitempty"`
	Limits      *Limits   `json:"limits,omitempty"`
	// The version's code and bindings (shared with the script when it is
	// the deployed one; never written into).
	Placement  json.RawMessage `json:"placement,omitempty"`
	MainModule string          `json:"main_module,omitempty"`
	BodyPart   string          `json:"body_part,omitempty"`
	Handlers   []string        `json:"handlers,omitempty"`
	Modules    []Module        `json:"modules,omitempty"`
	Bindings   []Binding       `json:"bindings,omitempty"`
}

// versionOfScript captures a script's current code and settings as a
// version.
func versionOfScript(sc *Script, id string, n int, now time.Time, source string, ann map[string]string) ScriptVersion {
	return ScriptVersion{ID: id, Number: n, CreatedOn: now, Source: source,
		Message: ann["workers/message"], Tag: ann["workers/tag"], ETag: sc.ETag(),
		CompatDate: sc.CompatibilityDate, CompatFlags: sc.CompatibilityFlags,
		UsageModel: sc.UsageModel, Limits: sc.Limits, Placement: sc.Placement,
		MainModule: sc.MainModule, BodyPart: sc.BodyPart, Handlers: sc.Handlers,
		Modules: sc.Modules, Bindings: sc.Bindings}
}

// deployVersion makes a version the script's current code and settings.
func deployVersion(sc *Script, v ScriptVersion, now time.Time) {
	sc.ownBody()
	sc.setETag(v.ETag)
	sc.CompatibilityDate, sc.CompatibilityFlags = v.CompatDate, v.CompatFlags
	sc.UsageModel, sc.Limits, sc.Placement = v.UsageModel, v.Limits, v.Placement
	sc.MainModule, sc.BodyPart, sc.Handlers, sc.Modules, sc.Bindings = v.MainModule, v.BodyPart, v.Handlers, v.Modules, v.Bindings
	sc.setModified(now)
}

// ScriptDeployment is one deployment: versions and their traffic shares.
type ScriptDeployment struct {
	ID        string           `json:"id"`
	CreatedOn time.Time        `json:"created_on"`
	Source    string           `json:"source"`
	Message   string           `json:"message,omitempty"`
	Versions  []DeploymentPart `json:"versions"`
}

// DeploymentPart is a version's share of a deployment.
type DeploymentPart struct {
	VersionID  string  `json:"version_id"`
	Percentage float64 `json:"percentage"`
}

// uploadSource is where an upload came from, by its User-Agent.
func uploadSource(r *http.Request) string {
	if strings.HasPrefix(r.UserAgent(), "wrangler/") {
		return "wrangler"
	}
	return "api"
}

// recordVersion adds a version and its deployment to an account script
// (under the store write lock) and returns the version id.
func recordVersion(sc *Script, prev *Script, source string, ann map[string]string, now time.Time) string {
	versions := implicitVersions(prev)
	deps := implicitDeployments(prev, versions)
	v := versionOfScript(sc, newUUID(), nextNumber(versions), now, source, ann)
	d := ScriptDeployment{ID: newUUID(), CreatedOn: now, Source: source, Message: v.Message,
		Versions: []DeploymentPart{{VersionID: v.ID, Percentage: 100}}}
	a := sc.account()
	a.Versions = lastN(append(slices.Clone(versions), v), maxVersionsKept)
	a.Deployments = lastN(append(slices.Clone(deps), d), maxVersionsKept)
	sc.Account = &a
	return v.ID
}

// nextNumber is the number of the next version.
func nextNumber(versions []ScriptVersion) int {
	if len(versions) == 0 {
		return 1
	}
	return versions[len(versions)-1].Number + 1
}

func lastN[T any](s []T, n int) []T {
	if len(s) > n {
		return slices.Clone(s[len(s)-n:])
	}
	return s
}

// implicitVersions are a script's versions, or the one its current content
// stands for when none were recorded (nil for no script).
func implicitVersions(sc *Script) []ScriptVersion {
	if sc == nil {
		return nil
	}
	if a := sc.account(); len(a.Versions) > 0 {
		return a.Versions
	}
	id := sc.Tag()
	if len(id) >= 32 {
		id = id[0:8] + "-" + id[8:12] + "-4" + id[13:16] + "-8" + id[17:20] + "-" + id[20:32]
	}
	return []ScriptVersion{versionOfScript(sc, id, 1, sc.ModifiedOn(), "api", nil)}
}

// implicitDeployments are a script's deployments, or one of its only
// version when none were recorded.
func implicitDeployments(sc *Script, versions []ScriptVersion) []ScriptDeployment {
	if sc == nil {
		return nil
	}
	if a := sc.account(); len(a.Deployments) > 0 {
		return a.Deployments
	}
	v := versions[len(versions)-1]
	return []ScriptDeployment{{ID: "d" + v.ID[1:], CreatedOn: v.CreatedOn, Source: v.Source,
		Versions: []DeploymentPart{{VersionID: v.ID, Percentage: 100}}}}
}

func (s *Server) versionRoutes() []route {
	const svc = "accounts/{account}/workers/services/{script}"
	const sc = "accounts/{account}/workers/scripts/{script}"
	a := s.inAccount
	return []route{
		newRoute("GET", svc, a(s.getService)),
		newRoute("DELETE", svc, a(s.deleteScript(accountScope))),
		newRoute("GET", sc+"/versions", a(s.listVersions)),
		newRoute("POST", sc+"/versions", a(s.uploadVersion)),
		newRoute("GET", sc+"/versions/{version}", a(s.getVersion)),
		newRoute("GET", sc+"/deployments", a(s.listDeployments)),
		newRoute("POST", sc+"/deployments", a(s.createDeployment)),
		newRoute("GET", sc+"/deployments/{deployment}", a(s.getDeployment)),
		newRoute("GET", sc+"/subdomain", a(s.getScriptSubdomain)),
		newRoute("POST", sc+"/subdomain", a(s.setScriptSubdomain)),
		newRoute("GET", "accounts/{account}/workers/subdomain", a(s.getAccountSubdomain)),
	}
}

// getService serves GET …/workers/services/{s}.
func (s *Server) getService(w http.ResponseWriter, _ *http.Request, p params) {
	var out map[string]any
	e := s.readScript(accountScope, p, func(_ scope, sc *Script) {
		v := viewScript(sc)
		versions := implicitVersions(sc)
		from := versions[len(versions)-1].Source
		script, _ := json.Marshal(v)
		var m map[string]any
		json.Unmarshal(script, &m)
		m["last_deployed_from"] = from
		out = map[string]any{
			"id": sc.Name, "created_on": sc.CreatedOn(), "modified_on": sc.ModifiedOn(),
			"default_environment": map[string]any{"environment": "production", "created_on": sc.CreatedOn(),
				"modified_on": sc.ModifiedOn(), "script": m},
			"environments": []map[string]any{{"environment": "production", "created_on": sc.CreatedOn(), "modified_on": sc.ModifiedOn()}},
		}
	})
	if e != nil {
		if e.Code == codeScriptNotFound {
			e = errf(http.StatusNotFound, codeServiceNotFound, "This Worker does not exist on your account.")
		}
		fail(w, e)
		return
	}
	ok(w, out)
}

// versionJSON is a version as the API shows it.
func versionJSON(v ScriptVersion, sc *Script, full bool) map[string]any {
	ann := map[string]string{"workers/triggered_by": "upload"}
	if v.Message != "" {
		ann["workers/message"] = v.Message
	}
	if v.Tag != "" {
		ann["workers/tag"] = v.Tag
	}
	created := v.CreatedOn.UTC().Format(time.RFC3339Nano)
	out := map[string]any{
		"id": v.ID, "number": v.Number, "annotations": ann,
		"metadata": map[string]any{"author_email": sandboxUserEmail, "author_id": "", "created_on": created,
			"modified_on": created, "source": v.Source, "hasPreview": false},
	}
	if full {
		runtime := map[string]any{"compatibility_date": v.CompatDate, "compatibility_flags": orEmpty(v.CompatFlags),
			"usage_model": v.UsageModel}
		if v.Limits != nil {
			runtime["limits"] = v.Limits
		}
		script := map[string]any{"etag": v.ETag, "handlers": orEmpty(v.Handlers), "last_deployed_from": v.Source}
		out["resources"] = map[string]any{"script": script, "script_runtime": runtime, "bindings": bindingViews(v.Bindings)}
	}
	return out
}

// bindingViews are the script's bindings as served (secrets without values).
func bindingViews(bs []Binding) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.Raw)
	}
	return out
}

// listVersions serves GET …/versions.
func (s *Server) listVersions(w http.ResponseWriter, r *http.Request, p params) {
	q := r.URL.Query()
	page, e := intParam(q, "page", 1, 1, math.MaxInt32)
	if e != nil {
		fail(w, errInvalid("%s", e.Message))
		return
	}
	perPage, e := intParam(q, "per_page", 10, 1, 100)
	if e != nil {
		fail(w, errInvalid("%s", e.Message))
		return
	}
	if _, e := boolParam(r, "deployable"); e != nil {
		fail(w, e)
		return
	}
	var items []map[string]any
	total := 0
	e = s.readScript(accountScope, p, func(_ scope, sc *Script) {
		vs := implicitVersions(sc)
		total = len(vs)
		for i := len(vs) - 1 - (page-1)*perPage; i >= 0 && len(items) < perPage; i-- {
			items = append(items, versionJSON(vs[i], sc, false))
		}
	})
	if e != nil {
		fail(w, e)
		return
	}
	okInfo(w, map[string]any{"items": nonNil(items)}, pageInfo{Page: page, PerPage: perPage, Count: len(items),
		TotalCount: total, TotalPages: (total + perPage - 1) / perPage})
}

// getVersion serves GET …/versions/{id}.
func (s *Server) getVersion(w http.ResponseWriter, _ *http.Request, p params) {
	var out map[string]any
	e := s.readScript(accountScope, p, func(_ scope, sc *Script) {
		for _, v := range implicitVersions(sc) {
			if v.ID == p["version"] {
				out = versionJSON(v, sc, true)
			}
		}
	})
	if e == nil && out == nil {
		e = errf(http.StatusNotFound, codeInvalid, "version %q does not exist on this Worker", p["version"])
	}
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, out)
}
