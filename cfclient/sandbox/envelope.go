package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// apiError is a Cloudflare v4 error: an HTTP status plus one coded message.
type apiError struct {
	Status  int
	Code    int
	Message string
	// Chain is optional (Cloudflare's error_chain), e.g. 6003 → 6111.
	Chain []apiError
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %d %s", e.Status, e.Code, e.Message) }

func errf(status, code int, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

type wireError struct {
	Code       int         `json:"code"`
	Message    string      `json:"message"`
	ErrorChain []wireError `json:"error_chain,omitempty"`
}

type envelope struct {
	Success    bool        `json:"success"`
	Errors     []wireError `json:"errors"`
	Messages   []wireError `json:"messages"`
	Result     any         `json:"result"`
	ResultInfo any         `json:"result_info,omitempty"`
}

// writeJSON writes v as JSON with the given status. Every sandbox response
// but raw KV values and script content goes through here, so the
// Content-Type is always application/json (cloudflare-go fails to parse
// anything else).
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"success":false,"errors":[{"code":10002,"message":"internal error encoding the response"}],"messages":[],"result":null}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeJSONWith is writeJSON encoding into buf, which the caller reuses
// between responses (a listing page is 400 KB of JSON; at a million
// scripts, allocating it per page is most of what makes the collector run).
// The bytes are writeJSON's.
func writeJSONWith(w http.ResponseWriter, buf *bytes.Buffer, status int, v any) {
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		writeJSON(w, status, v) // which reports the failure
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))) // Encode ends with a newline, Marshal does not
}

// ok writes a success envelope.
func ok(w http.ResponseWriter, result any) { okInfo(w, result, nil) }

// okInfo writes a success envelope with result_info.
func okInfo(w http.ResponseWriter, result any, info any) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Errors: []wireError{}, Messages: []wireError{}, Result: result, ResultInfo: info})
}

// fail writes an error envelope.
func fail(w http.ResponseWriter, e *apiError) {
	we := wireError{Code: e.Code, Message: e.Message}
	for _, c := range e.Chain {
		we.ErrorChain = append(we.ErrorChain, wireError{Code: c.Code, Message: c.Message})
	}
	writeJSON(w, e.Status, envelope{Success: false, Errors: []wireError{we}, Messages: []wireError{}, Result: nil})
}

// Common errors.
var (
	errBadJSON = func(err error) *apiError {
		return errf(http.StatusBadRequest, 10021, "request body is not valid JSON: %s", jsonErrText(err))
	}
)

// maxJSONBody caps JSON request bodies (settings, tags, secrets, namespaces).
// KV bulk and uploads have their own, larger caps.
const maxJSONBody = 10 << 20

// readBody reads at most limit bytes of the request body; more is a 413-style
// 400 error naming the limit.
func readBody(r *http.Request, limit int64) ([]byte, *apiError) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, errf(http.StatusBadRequest, 10012, "could not read request body: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, errf(http.StatusRequestEntityTooLarge, 10012, "request body is larger than the %d-byte limit", limit)
	}
	return b, nil
}

// decodeJSON reads a JSON body (at most maxJSONBody bytes) into dst.
// Unknown fields are allowed (Cloudflare ignores them); a field of the wrong
// type is a 400 naming the field.
func decodeJSON(r *http.Request, dst any) *apiError {
	b, e := readBody(r, maxJSONBody)
	if e != nil {
		return e
	}
	return unmarshalJSON(b, dst)
}

// unmarshalJSON is decodeJSON for bytes already read (multipart parts).
func unmarshalJSON(b []byte, dst any) *apiError {
	if len(strings.TrimSpace(string(b))) == 0 {
		return errf(http.StatusBadRequest, 10021, "request body is empty; expected JSON")
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return errBadJSON(err)
	}
	return nil
}

func jsonErrText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("field %q must be %s, not %s", te.Field, te.Type.String(), te.Value)
		}
		return fmt.Sprintf("expected %s, not %s", te.Type.String(), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	return err.Error()
}

// mediaType returns the request's media type, lower-cased, without params.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}
