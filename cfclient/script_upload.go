package cfclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Module is one file of a script's code: an ES module, a service-worker
// script, wasm, text or data.
type Module struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Content     []byte `json:"content"`
}

// ScriptModules downloads a namespace script's code (GET …/content): every
// module when the API answers multipart (a multi-module script, main
// module first), else the one file, named as the response's
// Content-Disposition says ("worker.js" when it says nothing). One
// request.
func (c *Client) ScriptModules(ctx context.Context, ns, name string) ([]Module, error) {
	const op = "script.content"
	target := ns + "/" + name
	if err := firstFailure(op, target, check{"namespace", nonEmpty(ns)}, check{"script", nonEmpty(name)}); err != nil {
		return nil, err
	}
	body, resp, err := c.getContent(ctx, ns, name)
	if err != nil {
		return nil, c.fail(op, target, false, err)
	}
	mods, perr := parseModules(body, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	if perr != nil {
		return nil, errf(ErrServer, op, target, "download it with wrangler instead", "%s", perr.Error())
	}
	return mods, nil
}

// getContent sends GET …/content accepting multipart (every module of a
// multi-module script) as well as raw bytes, and returns the body (up to
// maxContent) and the response.
func (c *Client) getContent(ctx context.Context, ns, name string) ([]byte, *http.Response, error) {
	u := c.base.String() + "/" + apiPath("accounts", c.opts.AccountID, "workers", "dispatch", "namespaces", ns, "scripts", name, "content")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "multipart/form-data, */*")
	req.Header.Set("User-Agent", "wfp")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxContent+1))
	if err != nil {
		return nil, resp, fmt.Errorf("read response: %w", err)
	}
	if len(raw) > maxContent {
		return nil, resp, fmt.Errorf("the script is larger than %d bytes", maxContent)
	}
	if resp.StatusCode >= 400 {
		e := &wfp.Error{StatusCode: resp.StatusCode, Request: req, Response: resp}
		_ = e.UnmarshalJSON(raw)
		return nil, resp, e
	}
	return raw, resp, nil
}

// parseModules splits a content response into modules.
func parseModules(body []byte, ct, disposition string) ([]Module, error) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		// Not multipart: one file, named by the Content-Disposition.
		name := "worker.js"
		if _, dp, err := mime.ParseMediaType(disposition); err == nil && dp["filename"] != "" {
			name = dp["filename"]
		}
		return []Module{{Name: name, ContentType: orOctet(ct), Content: body}}, nil
	}
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var mods []Module
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the script's content is malformed multipart: %w", err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("the script's content is malformed multipart: %w", err)
		}
		n := p.FileName()
		if n == "" {
			n = p.FormName()
		}
		mods = append(mods, Module{Name: n, ContentType: orOctet(p.Header.Get("Content-Type")), Content: b})
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("the script's content has no module")
	}
	return mods, nil
}

func orOctet(ct string) string {
	if ct == "" {
		return "application/octet-stream"
	}
	return ct
}

// ScriptUpload is a whole script to upload (PUT …/scripts/{name}): its
// modules and the configuration its metadata carries. Bindings are sent as
// the API listed them (Binding.Raw); secret bindings carry no value and are
// left out by the caller.
type ScriptUpload struct {
	Modules []Module
	// MainModule names the ES module entry point; BodyPart the
	// service-worker script. Exactly one is set.
	MainModule string
	BodyPart   string

	CompatibilityDate  string
	CompatibilityFlags []string
	Bindings           []json.RawMessage
	Tags               []string
	Limits             platform.Limits
	Logpush            bool
	Observability      json.RawMessage
	Placement          json.RawMessage
	TailConsumers      []TailConsumer
	UsageModel         string
}

// uploadMetadata is the metadata part of an upload.
type uploadMetadata struct {
	MainModule         string            `json:"main_module,omitempty"`
	BodyPart           string            `json:"body_part,omitempty"`
	CompatibilityDate  string            `json:"compatibility_date,omitempty"`
	CompatibilityFlags []string          `json:"compatibility_flags,omitempty"`
	Bindings           []json.RawMessage `json:"bindings"`
	Tags               []string          `json:"tags"`
	Limits             *settingsLimits   `json:"limits,omitempty"`
	Logpush            bool              `json:"logpush"`
	Observability      json.RawMessage   `json:"observability,omitempty"`
	Placement          json.RawMessage   `json:"placement,omitempty"`
	TailConsumers      []wireTail        `json:"tail_consumers,omitempty"`
	UsageModel         string            `json:"usage_model,omitempty"`
}

// check returns the first broken rule of an upload.
func (u ScriptUpload) check() check {
	switch {
	case len(u.Modules) == 0:
		return check{"modules", "must hold at least one module"}
	case (u.MainModule == "") == (u.BodyPart == ""):
		return check{"main module", "exactly one of main_module and body_part must be set"}
	}
	main := u.MainModule + u.BodyPart
	for _, m := range u.Modules {
		if m.Name == main {
			return check{}
		}
	}
	return check{"main module", fmt.Sprintf("%q is not one of the modules", main)}
}

// multipart encodes the upload as cloudflare-go sends it: module parts
// named "files" (filename = module name), then "metadata" as JSON.
func (u ScriptUpload) multipart() ([]byte, string, error) {
	meta := uploadMetadata{
		MainModule: u.MainModule, BodyPart: u.BodyPart,
		CompatibilityDate: u.CompatibilityDate, CompatibilityFlags: u.CompatibilityFlags,
		Bindings: u.Bindings, Tags: nonNil(u.Tags), Logpush: u.Logpush,
		Observability: u.Observability, Placement: u.Placement, UsageModel: u.UsageModel,
	}
	if meta.Bindings == nil {
		meta.Bindings = []json.RawMessage{}
	}
	if u.Limits.CPUMs != nil || u.Limits.Subrequests != nil {
		meta.Limits = &settingsLimits{CPUMs: u.Limits.CPUMs, Subrequests: u.Limits.Subrequests}
	}
	for _, t := range u.TailConsumers {
		meta.TailConsumers = append(meta.TailConsumers, wireTail(t))
	}
	js, err := json.Marshal(meta)
	if err != nil {
		return nil, "", fmt.Errorf("encode upload metadata: %w", err)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, m := range u.Modules {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "files", "filename": m.Name}))
		h.Set("Content-Type", orOctet(m.ContentType))
		part, err := w.CreatePart(h)
		if err != nil {
			return nil, "", fmt.Errorf("encode upload: %w", err)
		}
		if _, err := part.Write(m.Content); err != nil {
			return nil, "", fmt.Errorf("encode upload: %w", err)
		}
	}
	if err := closeWithJSONPart(w, "metadata", js); err != nil {
		return nil, "", fmt.Errorf("encode upload: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// closeWithJSONPart writes js as the form's part name
// (application/json) and closes the form.
func closeWithJSONPart(w *multipart.Writer, name string, js []byte) error {
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="`+name+`"`)
	h.Set("Content-Type", "application/json")
	part, err := w.CreatePart(h)
	if err == nil {
		_, err = part.Write(js)
	}
	if err == nil {
		err = w.Close()
	}
	return err
}

// UploadScript creates or replaces a namespace script (PUT
// …/scripts/{name}) through the gate: one request, one audit line. It
// returns the script as the API answered.
func (c *Client) UploadScript(ctx context.Context, ns, name string, u ScriptUpload) (Script, error) {
	const op = "script.upload"
	target := ns + "/" + name
	var out Script
	err := c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			return firstFailure(op, target, check{"namespace", nonEmpty(ns)},
				check{"script", platform.ValidScriptName(name)}, u.check(), asCheck(platform.ValidTags(nonNil(u.Tags))))
		},
		do: func(ctx context.Context) (any, error) {
			body, ct, err := u.multipart()
			if err != nil {
				return nil, err
			}
			raw, req, resp, err := c.send(ctx, http.MethodPut,
				apiPath("accounts", c.opts.AccountID, "workers", "dispatch", "namespaces", ns, "scripts", name), nil, body, ct)
			if err != nil {
				return nil, err
			}
			var env envelope[wireScript]
			if err := json.Unmarshal(raw, &env); err != nil {
				return nil, fmt.Errorf("decode upload response: %w", err)
			}
			if !env.Success {
				return nil, &wfp.Error{Errors: env.Errors, StatusCode: resp.StatusCode, Request: req, Response: resp}
			}
			out = env.Result.script(newInterner())
			if out.Name == "" {
				out.Name = name
			}
			sizes := 0
			for _, m := range u.Modules {
				sizes += len(m.Content)
			}
			return map[string]any{"modules": len(u.Modules), "bytes": sizes, "tags": out.Tags, "etag": out.ETag}, nil
		},
	})
	return out, err
}
