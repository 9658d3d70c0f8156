package sandbox

import (
	"math"
	"net/http"
	"slices"
	"time"
)

// Deployments, version uploads and the workers.dev route of account
// scripts (see workers_versions.go for the model).

// sandboxSubdomain is the account's workers.dev subdomain (inferred).
const sandboxSubdomain = "wfp-sandbox"

// getAccountSubdomain serves GET …/workers/subdomain.
func (s *Server) getAccountSubdomain(w http.ResponseWriter, _ *http.Request, _ params) {
	ok(w, map[string]string{"subdomain": sandboxSubdomain})
}

// getScriptSubdomain serves GET …/scripts/{s}/subdomain.
func (s *Server) getScriptSubdomain(w http.ResponseWriter, _ *http.Request, p params) {
	var out map[string]bool
	if e := s.readScript(accountScope, p, func(_ scope, sc *Script) {
		a := sc.account()
		out = map[string]bool{"enabled": a.WorkersDev, "previews_enabled": a.PreviewsEnabled}
	}); e != nil {
		fail(w, e)
		return
	}
	ok(w, out)
}

// setScriptSubdomain serves POST …/scripts/{s}/subdomain {enabled,
// previews_enabled}; previews_enabled defaults to enabled.
func (s *Server) setScriptSubdomain(w http.ResponseWriter, r *http.Request, p params) {
	var body struct {
		Enabled         *bool `json:"enabled"`
		PreviewsEnabled *bool `json:"previews_enabled"`
	}
	if e := decodeJSON(r, &body); e != nil {
		fail(w, e)
		return
	}
	if body.Enabled == nil {
		fail(w, errInvalid("enabled is required (true or false)"))
		return
	}
	previews := *body.Enabled
	if body.PreviewsEnabled != nil {
		previews = *body.PreviewsEnabled
	}
	var out map[string]bool
	if e := s.writeScript(accountScope, p, func(_ scope, sc *Script) *apiError {
		a := sc.account()
		a.WorkersDev, a.PreviewsEnabled = *body.Enabled, previews
		sc.Account = &a
		out = map[string]bool{"enabled": a.WorkersDev, "previews_enabled": a.PreviewsEnabled}
		return nil
	}); e != nil {
		fail(w, e)
		return
	}
	ok(w, out)
}

// deploymentJSON is a deployment as the API shows it.
func deploymentJSON(d ScriptDeployment) map[string]any {
	ann := map[string]string{}
	if d.Message != "" {
		ann["workers/message"] = d.Message
	}
	return map[string]any{"id": d.ID, "created_on": d.CreatedOn.UTC().Format(time.RFC3339Nano), "source": d.Source,
		"strategy": "percentage", "author_email": sandboxUserEmail, "annotations": ann, "versions": d.Versions}
}

// listDeployments serves GET …/deployments (newest first).
func (s *Server) listDeployments(w http.ResponseWriter, _ *http.Request, p params) {
	var out []map[string]any
	e := s.readScript(accountScope, p, func(_ scope, sc *Script) {
		ds := implicitDeployments(sc, implicitVersions(sc))
		for i := len(ds) - 1; i >= 0; i-- {
			out = append(out, deploymentJSON(ds[i]))
		}
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, map[string]any{"deployments": out})
}

// createDeployment serves POST …/deployments.
func (s *Server) createDeployment(w http.ResponseWriter, r *http.Request, p params) {
	var body struct {
		Strategy    string            `json:"strategy"`
		Versions    []DeploymentPart  `json:"versions"`
		Annotations map[string]string `json:"annotations"`
	}
	if e := decodeJSON(r, &body); e != nil {
		fail(w, e)
		return
	}
	if body.Strategy != "percentage" {
		fail(w, errInvalid("strategy must be \"percentage\", not %q", body.Strategy))
		return
	}
	sum := 0.0
	for _, v := range body.Versions {
		sum += v.Percentage
	}
	if len(body.Versions) == 0 || len(body.Versions) > 2 || math.Abs(sum-100) > 1e-9 {
		fail(w, errInvalid("versions must name one or two versions whose percentages add up to 100"))
		return
	}
	var out map[string]any
	e := s.writeScript(accountScope, p, func(_ scope, sc *Script) *apiError {
		vs := implicitVersions(sc)
		for i, part := range body.Versions {
			if !slices.ContainsFunc(vs, func(v ScriptVersion) bool { return v.ID == part.VersionID }) {
				return errInvalid("versions[%d].version_id %q is not a version of this Worker", i, part.VersionID)
			}
		}
		now := s.stamp()
		d := ScriptDeployment{ID: newUUID(), CreatedOn: now, Source: uploadSource(r),
			Message: body.Annotations["workers/message"], Versions: slices.Clone(body.Versions)}
		// The script serves the version with the larger share.
		main := body.Versions[0]
		for _, part := range body.Versions[1:] {
			if part.Percentage > main.Percentage {
				main = part
			}
		}
		for _, v := range vs {
			if v.ID == main.VersionID {
				deployVersion(sc, v, now)
			}
		}
		a := sc.account()
		a.Deployments = lastN(append(slices.Clone(implicitDeployments(sc, vs)), d), maxVersionsKept)
		a.Versions = slices.Clone(vs)
		sc.Account = &a
		out = deploymentJSON(d)
		return nil
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, out)
}

// uploadVersion serves POST …/versions: a version made from an upload
// (multipart, as PUT …/scripts/{s}), not deployed until a deployment names
// it. The script must exist.
func (s *Server) uploadVersion(w http.ResponseWriter, r *http.Request, p params) {
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
	var out map[string]any
	e = s.writeScript(accountScope, p, func(_ scope, sc *Script) *apiError {
		bindings, err := resolveBindings(up.bindings, sc, strict, up.meta.KeepBindings)
		if err != nil {
			return err
		}
		cand := sc.clone()
		cand.CompatibilityFlags, cand.Limits, cand.Placement = nil, nil, nil
		up.meta.apply(cand)
		cand.Bindings = bindings
		setModules(cand, up, now)
		vs := implicitVersions(sc)
		v := versionOfScript(cand, newUUID(), nextNumber(vs), now, uploadSource(r), up.meta.Annotations)
		a := sc.account()
		a.Deployments = implicitDeployments(sc, vs)
		a.Versions = lastN(append(slices.Clone(vs), v), maxVersionsKept)
		sc.Account = &a
		out = versionJSON(v, sc, true)
		out["startup_time_ms"] = startupMs(up.modules)
		return nil
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, out)
}

// getDeployment serves GET …/deployments/{id}.
func (s *Server) getDeployment(w http.ResponseWriter, _ *http.Request, p params) {
	var out map[string]any
	e := s.readScript(accountScope, p, func(_ scope, sc *Script) {
		for _, d := range implicitDeployments(sc, implicitVersions(sc)) {
			if d.ID == p["deployment"] {
				out = deploymentJSON(d)
			}
		}
	})
	if e == nil && out == nil {
		e = errf(http.StatusNotFound, codeInvalid, "deployment %q does not exist on this Worker", p["deployment"])
	}
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, out)
}
