package sandbox

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6/workers"
)

// withModule is sdkStyle with another module body.
func withModule(meta, body string) []mpPart {
	parts := sdkStyle(meta)
	parts[0].body = body
	return parts
}

func TestAccountScriptVersionsAndDeployments(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	path := acctScriptPath(s, "edge-router")

	// wrangler deploy first asks for the service: a new Worker is 404/10090.
	expectAPIError(t, do(t, s, http.MethodGet, acct(s)+"/workers/services/edge-router", nil), 404, codeServiceNotFound)

	var first scriptView
	result(t, doMultipart(t, s, http.MethodPut, path, sdkStyle(`{"main_module":"worker.js","compatibility_date":"2025-01-01"}`)...), &first)
	var second scriptView
	result(t, doMultipart(t, s, http.MethodPut, path,
		withModule(`{"main_module":"worker.js","annotations":{"workers/message":"fix","workers/tag":"v2"}}`, "export default {fetch(){return new Response('2')}}")...), &second)
	if first.DeploymentID == second.DeploymentID || len(second.DeploymentID) != 36 {
		t.Fatalf("deployment ids %q %q", first.DeploymentID, second.DeploymentID)
	}

	var svc struct {
		ID                 string
		DefaultEnvironment struct {
			Environment string
			Script      struct {
				ID, Tag          string
				LastDeployedFrom string `json:"last_deployed_from"`
			}
		} `json:"default_environment"`
	}
	result(t, do(t, s, http.MethodGet, acct(s)+"/workers/services/edge-router", nil), &svc)
	if svc.ID != "edge-router" || svc.DefaultEnvironment.Environment != "production" || svc.DefaultEnvironment.Script.Tag != first.Tag ||
		svc.DefaultEnvironment.Script.LastDeployedFrom != "api" {
		t.Fatalf("service %+v", svc)
	}

	// Through the SDK: versions newest first, each upload deployed 100%.
	ctx := context.Background()
	vsvc := workers.NewScriptVersionService(sdkOptions(s)...)
	var lp workers.ScriptVersionListParams
	lp.AccountID.Value, lp.AccountID.Present = s.AccountID(), true
	page, err := vsvc.List(ctx, "edge-router", lp)
	if err != nil || len(page.Result.Items) != 2 || page.Result.Items[0].ID != second.DeploymentID || page.Result.Items[0].Number != 2 ||
		page.Result.Items[1].ID != first.DeploymentID {
		t.Fatalf("versions %+v, %v", page, err)
	}
	var gp workers.ScriptVersionGetParams
	gp.AccountID.Value, gp.AccountID.Present = s.AccountID(), true
	v1, err := vsvc.Get(ctx, "edge-router", first.DeploymentID, gp)
	if err != nil || v1.Resources.ScriptRuntime.CompatibilityDate != "2025-01-01" || v1.Resources.Script.Etag != first.ETag {
		t.Fatalf("version 1 = %+v, %v", v1, err)
	}
	dsvc := workers.NewScriptDeploymentService(sdkOptions(s)...)
	var dp workers.ScriptDeploymentListParams
	dp.AccountID.Value, dp.AccountID.Present = s.AccountID(), true
	deps, err := dsvc.List(ctx, "edge-router", dp)
	if err != nil || len(deps.Deployments) != 2 || deps.Deployments[0].Versions[0].VersionID != second.DeploymentID ||
		deps.Deployments[0].Versions[0].Percentage != 100 || deps.Deployments[0].Annotations.WorkersMessage != "fix" {
		t.Fatalf("deployments %+v, %v", deps, err)
	}
	var gdp workers.ScriptDeploymentGetParams
	gdp.AccountID.Value, gdp.AccountID.Present = s.AccountID(), true
	d, err := dsvc.Get(ctx, "edge-router", deps.Deployments[1].ID, gdp)
	if err != nil || d.ID != deps.Deployments[1].ID || d.Versions[0].VersionID != first.DeploymentID || d.Strategy != "percentage" {
		t.Fatalf("deployment %+v, %v", d, err)
	}

	// Roll back by deploying version 1: the script serves its code again.
	r := do(t, s, http.MethodPost, path+"/deployments",
		`{"strategy":"percentage","versions":[{"version_id":"`+first.DeploymentID+`","percentage":100}]}`)
	if r.Status != 200 {
		t.Fatalf("deploy v1: %d %s", r.Status, r.Body)
	}
	if c := do(t, s, http.MethodGet, path, nil); string(c.Body) != testModule {
		t.Fatalf("content after rollback: %s", c.Body)
	}
	expectAPIError(t, do(t, s, http.MethodPost, path+"/deployments",
		`{"strategy":"percentage","versions":[{"version_id":"nope","percentage":100}]}`), 400, codeInvalid)
	expectAPIError(t, do(t, s, http.MethodPost, path+"/deployments",
		`{"strategy":"percentage","versions":[{"version_id":"`+first.DeploymentID+`","percentage":60}]}`), 400, codeInvalid)

	// A version upload is not deployed until a deployment names it.
	var up struct {
		ID     string
		Number int
	}
	result(t, doMultipart(t, s, http.MethodPost, path+"/versions", withModule(`{"main_module":"worker.js"}`, "export default {fetch(){return new Response('3')}}")...), &up)
	if up.Number != 3 {
		t.Fatalf("uploaded version %+v", up)
	}
	if c := do(t, s, http.MethodGet, path, nil); string(c.Body) != testModule {
		t.Fatalf("a version upload changed the content: %s", c.Body)
	}
	r = do(t, s, http.MethodPost, path+"/deployments", `{"strategy":"percentage","versions":[{"version_id":"`+up.ID+`","percentage":100}]}`)
	if c := do(t, s, http.MethodGet, path, nil); r.Status != 200 || !strings.Contains(string(c.Body), "'3'") {
		t.Fatalf("content after deploying version 3: %d %s", r.Status, c.Body)
	}

	// wrangler delete goes through services.
	if r := do(t, s, http.MethodDelete, acct(s)+"/workers/services/edge-router?force=false", nil); r.Status != 200 {
		t.Fatalf("delete service: %d %s", r.Status, r.Body)
	}
	expectAPIError(t, do(t, s, http.MethodGet, path+"/versions", nil), 404, codeScriptNotFound)
}

func TestSeededAccountScriptHasOneVersion(t *testing.T) {
	s := startSandbox(t, Options{Seed: 1, Scripts: 20})
	var list struct {
		Items []struct {
			ID       string
			Metadata struct{ Source string }
		}
	}
	result(t, do(t, s, http.MethodGet, acctScriptPath(s, "dispatcher", "versions")+"?deployable=true", nil), &list)
	if len(list.Items) != 1 || list.Items[0].Metadata.Source != "api" {
		t.Fatalf("versions of the seeded dispatcher: %+v", list)
	}
	var deps struct {
		Deployments []struct {
			Versions []DeploymentPart
		}
	}
	result(t, do(t, s, http.MethodGet, acctScriptPath(s, "dispatcher", "deployments"), nil), &deps)
	if len(deps.Deployments) != 1 || deps.Deployments[0].Versions[0].VersionID != list.Items[0].ID {
		t.Fatalf("deployments of the seeded dispatcher: %+v", deps)
	}
	var sub map[string]bool
	result(t, do(t, s, http.MethodPost, acctScriptPath(s, "dispatcher", "subdomain"), `{"enabled":true}`), &sub)
	if !sub["enabled"] || !sub["previews_enabled"] {
		t.Fatalf("subdomain %v", sub)
	}
	result(t, do(t, s, http.MethodGet, acctScriptPath(s, "dispatcher", "subdomain"), nil), &sub)
	if !sub["enabled"] {
		t.Fatalf("subdomain after POST %v", sub)
	}
}

func TestWhoamiEndpoints(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	r := do(t, s, http.MethodGet, "/user/tokens/verify", nil)
	var tok struct{ ID, Status string }
	result(t, r, &tok)
	if tok.Status != "active" || len(tok.ID) != 32 || strings.Contains(string(r.Body), s.Token()) {
		t.Fatalf("verify: %s", r.Body)
	}
	var user struct{ ID, Email string }
	result(t, do(t, s, http.MethodGet, "/user", nil), &user)
	if user.Email != sandboxUserEmail || user.ID == "" {
		t.Fatalf("user %+v", user)
	}
	var accounts []struct{ ID, Name string }
	result(t, do(t, s, http.MethodGet, "/accounts", nil), &accounts)
	if len(accounts) != 1 || accounts[0].ID != s.AccountID() || accounts[0].Name != sandboxAccountName {
		t.Fatalf("accounts %+v", accounts)
	}
	result(t, do(t, s, http.MethodGet, "/accounts?page=2", nil), &accounts)
	if len(accounts) != 0 {
		t.Fatalf("page 2: %+v", accounts)
	}
	var one struct{ ID string }
	result(t, do(t, s, http.MethodGet, acct(s), nil), &one)
	if one.ID != s.AccountID() {
		t.Fatalf("account %+v", one)
	}
}

func TestVersionsSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s := startSandbox(t, Options{Empty: true, StatePath: path})
	for range 2 {
		result(t, doMultipart(t, s, http.MethodPut, acctScriptPath(s, "edge-router"), sdkStyle(`{"main_module":"worker.js"}`)...), &scriptView{})
	}
	result(t, do(t, s, http.MethodPost, acctScriptPath(s, "edge-router", "subdomain"), `{"enabled":true}`), &map[string]bool{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := startSandbox(t, Options{Empty: true, StatePath: path})
	var list struct{ Items []struct{ Number int } }
	result(t, do(t, s2, http.MethodGet, acctScriptPath(s2, "edge-router", "versions"), nil), &list)
	var sub map[string]bool
	result(t, do(t, s2, http.MethodGet, acctScriptPath(s2, "edge-router", "subdomain"), nil), &sub)
	if len(list.Items) != 2 || list.Items[0].Number != 2 || !sub["enabled"] {
		t.Fatalf("after a restart: versions %+v, subdomain %v", list, sub)
	}
}
