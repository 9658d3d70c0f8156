package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Parsing a script upload. Three clients shape the multipart body three
// ways, and all are accepted:
//
//   - cloudflare-go: module parts named "files" (filename = module name) and
//     a "metadata" part with Content-Type application/json;
//   - curl in Cloudflare's docs: one part per module, named after it, and
//     metadata as a plain form field;
//   - the official example app: metadata as a file part (metadata.json) and
//     modules under arbitrary part names with filename = module name.
//
// A module's name is its filename, or its part name when it has none;
// main_module / body_part are matched against filenames first, then part
// names. The legacy form, a raw body with Content-Type
// application/javascript, is a service-worker script named "script.js".

// Size caps of an upload.
const (
	maxUploadBytes   = 32 << 20
	maxMetadataBytes = 1 << 20
)

// legacyScriptName names the module of a raw (non-multipart) upload.
const legacyScriptName = "script.js"

// scriptMetadata is the metadata part of an upload.
type scriptMetadata struct {
	scriptConfig
	MainModule   *string           `json:"main_module"`
	BodyPart     *string           `json:"body_part"`
	KeepBindings []string          `json:"keep_bindings"`
	KeepAssets   *bool             `json:"keep_assets"`
	Assets       json.RawMessage   `json:"assets"`
	Annotations  map[string]string `json:"annotations"`
}

// uploadPart is one module part.
type uploadPart struct {
	part     string // form field name
	filename string
	mod      Module
}

// upload is a parsed, validated upload body.
type upload struct {
	meta     scriptMetadata
	bindings []bindingInput
	modules  []Module
	main     string // name of the main module (or body part)
	isModule bool   // main_module (ES module syntax) rather than body_part
}

// moduleType reports whether a module part may have content type ct.
func moduleType(ct string) bool {
	switch ct {
	case "application/javascript+module", "text/javascript+module", "application/javascript",
		"text/javascript", "text/x-python", "text/x-python-requirement", "application/wasm",
		"text/plain", "application/octet-stream", "application/source-map":
		return true
	}
	return false
}

// parseUpload reads and validates an upload body. With contentOnly (PUT
// …/content) the metadata holds only main_module / body_part, and the
// CF-WORKER-MAIN-MODULE-PART / CF-WORKER-BODY-PART headers may stand in
// for it.
func parseUpload(w http.ResponseWriter, r *http.Request, contentOnly bool) (*upload, *apiError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	mt := mediaType(r)
	if !contentOnly && (mt == "application/javascript" || mt == "text/javascript") {
		b, e := readBody(r, maxUploadBytes)
		if e != nil {
			return nil, e
		}
		main := legacyScriptName
		up := &upload{main: main, modules: []Module{{Name: main, ContentType: mt, Content: b}}}
		up.meta.BodyPart = &main
		return up, nil
	}
	if mt != "multipart/form-data" {
		return nil, errf(http.StatusBadRequest, codeContentType,
			"Content-Type must be multipart/form-data (got %q)", r.Header.Get("Content-Type"))
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errInvalid("malformed multipart body: %v", err)
	}
	var meta []byte
	var parts []uploadPart
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
		if p.part == "metadata" {
			if meta != nil {
				return nil, errInvalid("the metadata part appears twice")
			}
			meta = p.mod.Content
			if len(meta) > maxMetadataBytes {
				return nil, errInvalid("the metadata part is larger than %d bytes", maxMetadataBytes)
			}
			continue
		}
		if !moduleType(p.mod.ContentType) {
			return nil, errInvalid("part %q: content type %q is not accepted for a module (use application/javascript+module, text/javascript+module, application/javascript, text/javascript, text/x-python, text/x-python-requirement, application/wasm, text/plain, application/octet-stream or application/source-map)", p.mod.Name, p.mod.ContentType)
		}
		for _, q := range parts {
			if q.mod.Name == p.mod.Name {
				return nil, errInvalid("two parts hold a module named %q", p.mod.Name)
			}
		}
		parts = append(parts, p)
	}
	up := &upload{}
	switch {
	case meta != nil:
		if e := decodeAt("metadata", meta, &up.meta); e != nil {
			return nil, e
		}
	case contentOnly && r.Header.Get("CF-WORKER-MAIN-MODULE-PART") != "":
		v := r.Header.Get("CF-WORKER-MAIN-MODULE-PART")
		up.meta.MainModule = &v
	case contentOnly && r.Header.Get("CF-WORKER-BODY-PART") != "":
		v := r.Header.Get("CF-WORKER-BODY-PART")
		up.meta.BodyPart = &v
	default:
		return nil, errInvalid("the metadata part is required (a part named \"metadata\" holding JSON)")
	}
	if len(parts) == 0 {
		return nil, errInvalid("at least one module part is required")
	}
	if e := up.resolveMain(parts); e != nil {
		return nil, e
	}
	if contentOnly {
		return up, nil
	}
	var e *apiError
	if up.bindings, e = up.meta.validate(); e != nil {
		return nil, e
	}
	if e := validKeepTypes(up.meta.KeepBindings); e != nil {
		return nil, e
	}
	return up, nil
}

// multipartError turns a multipart reading error into an API error.
func multipartError(err error) *apiError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errf(http.StatusRequestEntityTooLarge, codeInvalid, "the request body is larger than the %d-byte limit", mbe.Limit)
	}
	return errInvalid("malformed multipart body: %v", err)
}

// readPart reads one part. Its filename is taken from the raw
// Content-Disposition: Part.FileName would strip directories from module
// names such as "lib/util.js".
func readPart(part *multipart.Part, n int) (uploadPart, *apiError) {
	defer part.Close()
	_, dp, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil || dp["name"] == "" {
		return uploadPart{}, errInvalid("part %d has no name in its Content-Disposition header", n)
	}
	p := uploadPart{part: dp["name"], filename: dp["filename"]}
	b, err := io.ReadAll(part)
	if err != nil {
		return uploadPart{}, multipartError(err)
	}
	ct := "text/plain" // RFC 7578's default for a part without Content-Type
	if h := part.Header.Get("Content-Type"); h != "" {
		if ct, _, err = mime.ParseMediaType(h); err != nil {
			return uploadPart{}, errInvalid("part %q has an invalid Content-Type %q", p.part, h)
		}
	}
	name := p.filename
	if name == "" {
		name = p.part
	}
	p.mod = Module{Name: name, ContentType: ct, Content: b}
	return p, nil
}

// resolveMain checks that exactly one of main_module / body_part is set,
// finds the part it names (by filename first, then by part name) and
// checks that part's type.
func (up *upload) resolveMain(parts []uploadPart) *apiError {
	m := up.meta
	if (m.MainModule == nil) == (m.BodyPart == nil) {
		return errInvalid("metadata must set exactly one of main_module (module syntax) and body_part (service-worker syntax)")
	}
	field, want := "main_module", ""
	if m.MainModule != nil {
		want, up.isModule = *m.MainModule, true
	} else {
		field, want = "body_part", *m.BodyPart
	}
	idx := -1
	for i, p := range parts {
		if p.filename == want {
			idx = i
			break
		}
	}
	for i, p := range parts {
		if idx < 0 && p.part == want {
			idx = i
		}
	}
	if idx < 0 {
		return errInvalid("%s %q does not name an uploaded part", field, want)
	}
	main := parts[idx].mod
	okType := main.ContentType == "application/javascript" || main.ContentType == "text/javascript"
	if up.isModule {
		okType = main.ContentType == "application/javascript+module" || main.ContentType == "text/javascript+module" || main.ContentType == "text/x-python"
	}
	if !okType {
		return errInvalid("%s %q has content type %q, which cannot be a %s", field, want, main.ContentType, field)
	}
	up.main = main.Name
	for _, p := range parts {
		up.modules = append(up.modules, p.mod)
	}
	return nil
}

// The handler heuristics: names after "export default" (or after the
// declaration of the binding an export clause renames to default, as
// esbuild and so wrangler bundle it: `var x_default = {…}; export {
// x_default as default };`), python handler functions, and service-worker
// event listeners.
var (
	moduleHandlerRE = regexp.MustCompile(`\b(fetch|scheduled|queue|tail|email|trace)\s*[(:]`)
	exportAsDefault = regexp.MustCompile(`\bexport\s*\{[^}]*?([A-Za-z_$][\w$]*)\s+as\s+default\b`)
	pythonHandlerRE = regexp.MustCompile(`\bdef\s+(?:on_)?(fetch|scheduled|queue|tail|email|trace)\s*\(`)
	listenerRE      = regexp.MustCompile(`addEventListener\(\s*["'](fetch|scheduled|queue|tail|email|trace)["']`)
)

// guessHandlers names the handlers a main module exports.
func guessHandlers(main Module, isModule bool) []string {
	src := string(main.Content)
	var re *regexp.Regexp
	switch {
	case !isModule:
		re = listenerRE
	case main.ContentType == "text/x-python":
		re = pythonHandlerRE
	default:
		i := defaultExportAt(src)
		if i < 0 {
			return []string{}
		}
		src, re = src[i:], moduleHandlerRE
	}
	out := []string{}
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// defaultExportAt is where a module's default export is written: at
// "export default", or at the declaration of the name an export clause
// exports as default; -1 when there is neither.
func defaultExportAt(src string) int {
	if i := strings.Index(src, "export default"); i >= 0 {
		return i
	}
	m := exportAsDefault.FindStringSubmatch(src)
	if m == nil {
		return -1
	}
	decl := regexp.MustCompile(`\b(?:var|let|const|function|class)\s+` + regexp.QuoteMeta(m[1]) + `(?:[^\w$]|$)`)
	if loc := decl.FindStringIndex(src); loc != nil {
		return loc[0]
	}
	return -1
}
