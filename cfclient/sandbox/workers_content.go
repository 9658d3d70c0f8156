package sandbox

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
)

// wantsMultipart reports whether a content request accepts
// multipart/form-data (a client that can take every module); others get
// the main module alone, as before.
func wantsMultipart(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "multipart/form-data")
}

// contentMultipart writes a script of several modules as GET …/content
// does for one (an assumption: cloudflare-api.md §12 leaves the format
// open): multipart/form-data, one part per module, the main module first,
// each part named after its module with that name as its filename and the
// module's content type.
func contentMultipart(w http.ResponseWriter, main Module, mods []Module) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	write := func(m Module) {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": m.Name, "filename": m.Name}))
		h.Set("Content-Type", m.ContentType)
		part, _ := mw.CreatePart(h) // writes to memory: cannot fail
		part.Write(m.Content)
	}
	write(main)
	for _, m := range mods {
		if m.Name != main.Name {
			write(m)
		}
	}
	mw.Close()
	w.Header().Set("Content-Type", mw.FormDataContentType())
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}
