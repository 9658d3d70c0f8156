package sandbox

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// Limits on the parts of a multipart value PUT besides the value itself.
const (
	kvMaxMetadataPart = 64 << 10 // read this much, then checkMetadata names the 1024-byte rule
	kvMaxOtherPart    = 1 << 20
	kvMaxParts        = 100
	kvMaxDrain        = 128 << 20
)

// drain discards what is left of a refused request body (up to a cap), so
// that the client, still sending, reads the error instead of a reset.
func drain(r *http.Request) {
	io.Copy(io.Discard, io.LimitReader(r.Body, kvMaxDrain))
}

// readLimited reads all of rd if it is at most limit bytes; tooBig reports
// that there was more.
func readLimited(rd io.Reader, limit int64) (b []byte, tooBig bool, err error) {
	b, err = io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > limit {
		return nil, true, nil
	}
	return b, false, nil
}

// readKVRaw reads a raw value PUT body: all of it is the value, with no
// metadata.
func readKVRaw(r *http.Request) (*KVEntry, *apiError) {
	b, tooBig, err := readLimited(r.Body, kvMaxValueBytes)
	switch {
	case err != nil:
		return nil, errf(http.StatusBadRequest, codeKVBadRequest, "could not read the request body: %v", err)
	case tooBig:
		drain(r)
		return nil, errValueTooLarge("", kvMaxValueBytes+1)
	}
	if b == nil {
		b = []byte{}
	}
	return &KVEntry{Value: b}, nil
}

func errMultipart(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, codeKVBadRequest, "malformed multipart body: "+format, args...)
}

// readKVMultipart reads a multipart value PUT: a "value" part (a form field
// or a file) and an optional "metadata" part holding a JSON string.
func readKVMultipart(r *http.Request) (*KVEntry, *apiError) {
	_, ps, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ps["boundary"] == "" {
		return nil, errMultipart("the Content-Type has no boundary parameter")
	}
	mr := multipart.NewReader(r.Body, ps["boundary"])
	var ent *KVEntry
	var meta []byte
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errMultipart("%v", err)
		}
		if n >= kvMaxParts {
			return nil, errMultipart("more than %d parts", kvMaxParts)
		}
		name := part.FormName()
		switch {
		case name == "value":
			if ent != nil {
				return nil, errMultipart("more than one \"value\" part")
			}
			b, tooBig, err := readLimited(part, kvMaxValueBytes)
			if err != nil {
				return nil, errMultipart("part \"value\": %v", err)
			}
			if tooBig {
				drain(r)
				return nil, errValueTooLarge("", kvMaxValueBytes+1)
			}
			if b == nil {
				b = []byte{}
			}
			ent = &KVEntry{Value: b}
		case name == "metadata":
			if meta != nil {
				return nil, errMultipart("more than one \"metadata\" part")
			}
			b, tooBig, err := readLimited(part, kvMaxMetadataPart)
			if err != nil {
				return nil, errMultipart("part \"metadata\": %v", err)
			}
			if tooBig {
				return nil, errf(http.StatusBadRequest, codeKVBadRequest,
					"invalid metadata: must be at most %d bytes serialized (got more than %d)", kvMaxMetadataBytes, kvMaxMetadataPart)
			}
			meta = append([]byte{}, b...)
		case strings.HasPrefix(name, "metadata."):
			return nil, errf(http.StatusBadRequest, codeKVBadRequest,
				"invalid metadata: got a form field %q; metadata must be one part named \"metadata\" holding a JSON string (pass it pre-serialized)", name)
		default:
			_, tooBig, err := readLimited(part, kvMaxOtherPart)
			if err != nil {
				return nil, errMultipart("part %q: %v", name, err)
			}
			if tooBig {
				return nil, errMultipart("unexpected part %q is larger than %d bytes", name, kvMaxOtherPart)
			}
		}
	}
	if ent == nil {
		return nil, errMultipart("no \"value\" part (a multipart value PUT needs the parts \"value\" and, optionally, \"metadata\")")
	}
	md, e := checkMetadata("", meta)
	if e != nil {
		return nil, e
	}
	ent.Metadata = md
	return ent, nil
}
