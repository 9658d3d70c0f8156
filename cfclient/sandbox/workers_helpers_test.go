package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

// Helpers of the Workers endpoint tests.

// testModule is a module Worker with a fetch and a scheduled handler.
const testModule = `export default {
  async fetch(request, env) { return new Response("hello") },
  async scheduled(event, env, ctx) {},
}`

// nsService is cloudflare-go's dispatch namespace service pointed at s.
func nsService(s *Server) *wfp.DispatchNamespaceService {
	return wfp.NewDispatchNamespaceService(sdkOptions(s)...)
}

// nsPath is the escaped path of a namespace (and below it).
func nsPath(s *Server, ns string, rest ...string) string {
	p := acct(s) + "/workers/dispatch/namespaces/" + url.PathEscape(ns)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// scriptPath is the escaped path of a namespace script (and below it).
func scriptPath(s *Server, ns, script string, rest ...string) string {
	return nsPath(s, ns, append([]string{"scripts", script}, rest...)...)
}

// mpPart is one part of a hand-made multipart body. An empty ctype sends
// no Content-Type header; an empty filename sends none.
type mpPart struct {
	name, filename, ctype, body string
}

// buildMultipart encodes parts exactly as given.
func buildMultipart(t testing.TB, parts ...mpPart) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		if p.ctype != "" {
			h.Set("Content-Type", p.ctype)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p.body)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// doMultipart sends parts as a multipart/form-data request.
func doMultipart(t testing.TB, s *Server, method, path string, parts ...mpPart) rawResp {
	t.Helper()
	body, ctype := buildMultipart(t, parts...)
	return do(t, s, method, path, body, "Content-Type", ctype)
}

// sdkStyle returns the parts cloudflare-go sends: the module under "files"
// and the metadata part.
func sdkStyle(meta string) []mpPart {
	return []mpPart{
		{name: "files", filename: "worker.js", ctype: "application/javascript+module", body: testModule},
		{name: "metadata", ctype: "application/json", body: meta},
	}
}

// uploadOK puts a module Worker into ns with the given metadata (which must
// name worker.js) and fails the test unless it succeeds.
func uploadOK(t testing.TB, s *Server, ns, name, meta string) scriptView {
	t.Helper()
	r := doMultipart(t, s, http.MethodPut, scriptPath(s, ns, name), sdkStyle(meta)...)
	if r.Status != http.StatusOK {
		t.Fatalf("upload %s/%s: %d %s", ns, name, r.Status, r.Body)
	}
	var v scriptView
	_, _, res, _ := r.env(t)
	if err := json.Unmarshal(res, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// mkNamespace creates a namespace over HTTP.
func mkNamespace(t testing.TB, s *Server, name string) {
	t.Helper()
	r := do(t, s, http.MethodPost, acct(s)+"/workers/dispatch/namespaces", map[string]string{"name": name})
	if r.Status != http.StatusOK {
		t.Fatalf("create namespace %s: %d %s", name, r.Status, r.Body)
	}
}

// fillNamespace creates ns directly in the store with n scripts named
// script-000000 …, tagged by tags(i). Bulk fixtures only: the requests
// under test go over HTTP.
func fillNamespace(s *Server, ns string, n int, tags func(i int) []string) {
	now := s.stamp()
	s.store.Write(func() bool {
		set := NewScriptSet()
		body := &ScriptBody{Handlers: []string{"fetch"}, UsageModel: "standard", MainModule: "worker.js",
			Modules: []Module{{Name: "worker.js", ContentType: "application/javascript+module", Content: []byte(testModule)}}}
		for i := range n {
			name := fmt.Sprintf("script-%06d", i)
			sc := &Script{Name: name, created: microOf(now), modified: microOf(now), Tags: tags(i), ScriptBody: body}
			sc.setIDs(randomHex(16), randomHex(32))
			set.add(sc)
		}
		set.reindex()
		s.store.Namespaces[ns] = &Namespace{ID: newUUID(), Name: ns, CreatedOn: now, ModifiedOn: now, Scripts: set}
		return true
	})
}

// snapshot renders the whole Workers state (namespaces and account
// scripts, secrets included) for no-change assertions.
func snapshot(t testing.TB, s *Server) string {
	t.Helper()
	var b []byte
	var err error
	s.store.Read(func() {
		b, err = json.Marshal(struct {
			NS  map[string]*Namespace
			Acc *ScriptSet
			Idx map[string][]string
		}{s.store.Namespaces, s.store.AccountScripts, indexes(s.store)})
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func indexes(st *Store) map[string][]string {
	out := map[string][]string{"": st.AccountScripts.Names()}
	for n, ns := range st.Namespaces {
		out[n] = ns.Scripts.Names()
	}
	return out
}

// expectCode checks an error response's status and code, and that the
// Workers state did not change since before.
func expectCode(t *testing.T, s *Server, r rawResp, status, code int, before string) {
	t.Helper()
	expectAPIError(t, r, status, code)
	if before != "" && snapshot(t, s) != before {
		t.Fatalf("state changed by a failed request (%s)", r.Body)
	}
}

// expectSDKCode checks a cloudflare-go error's status and code.
func expectSDKCode(t *testing.T, err error, status, code int) {
	t.Helper()
	var api *wfp.Error
	if !errors.As(err, &api) {
		t.Fatalf("error %v, want an API error %d/%d", err, status, code)
	}
	if api.StatusCode != status || len(api.Errors) == 0 || int(api.Errors[0].Code) != code {
		t.Fatalf("API error %d %+v, want %d with code %d", api.StatusCode, api.Errors, status, code)
	}
}

// result decodes a success envelope's result into dst.
func result(t testing.TB, r rawResp, dst any) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	success, _, res, _ := r.env(t)
	if !success {
		t.Fatalf("success false: %s", r.Body)
	}
	if err := json.Unmarshal(res, dst); err != nil {
		t.Fatalf("decode result: %v\n%s", err, res)
	}
}

// fixedClock is a clock for tests that compare timestamps.
func fixedClock() time.Time { return time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC) }

// mustContainNone fails if body holds any of the words.
func mustContainNone(t *testing.T, what string, body []byte, words ...string) {
	t.Helper()
	for _, w := range words {
		if strings.Contains(string(body), w) {
			t.Fatalf("%s contains %q: %s", what, w, body)
		}
	}
}

// MarshalJSON renders a script for the tests' snapshots, its tag, etag and
// times included (they live in unexported fields; the sandbox itself never
// encodes a Script as JSON: the state file has its own record, see
// persist_script.go).
func (sc Script) MarshalJSON() ([]byte, error) {
	type plain Script
	return json.Marshal(struct {
		plain
		Tag        string    `json:"tag"`
		ETag       string    `json:"etag"`
		CreatedOn  time.Time `json:"created_on"`
		ModifiedOn time.Time `json:"modified_on"`
	}{plain(sc), sc.Tag(), sc.ETag(), sc.CreatedOn(), sc.ModifiedOn()})
}

// MarshalJSON renders a script set for the tests' snapshots: its scripts
// by name, in name order.
func (s *ScriptSet) MarshalJSON() ([]byte, error) {
	type named struct {
		Name   string
		Script *Script
	}
	var all []named
	for n, sc := range s.All() {
		all = append(all, named{n, sc})
	}
	return json.Marshal(all)
}
