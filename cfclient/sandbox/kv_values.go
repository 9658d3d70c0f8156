package sandbox

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// kvKeyJSON is one item of the key listing; unset fields are absent.
type kvKeyJSON struct {
	Name       string          `json:"name"`
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// kvCursorInfo is result_info of the key listing.
type kvCursorInfo struct {
	Count  int    `json:"count"`
	Cursor string `json:"cursor"`
}

// kvListKeys serves GET …/{ns}/keys?prefix=&limit=&cursor=. It starts with a
// binary search into the sorted names, so a page costs O(log n + limit).
func (s *Server) kvListKeys(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	q := r.URL.Query()
	limit, e := intParam(q, "limit", 1000, 10, 1000)
	if e != nil {
		fail(w, e)
		return
	}
	prefix := q.Get("prefix")
	after := ""
	if c := q.Get("cursor"); c != "" {
		if after, e = decodeCursor(c); e != nil {
			fail(w, e)
			return
		}
	}
	now := s.now().Unix()
	result := make([]kvKeyJSON, 0, min(limit, 64))
	cursor := ""
	found := false
	s.store.Read(func() {
		ns := s.store.KV[p["ns"]]
		if ns == nil {
			return
		}
		found = true
		names := ns.Names()
		i, _ := slices.BinarySearch(names, prefix)
		if after != "" {
			j, exact := slices.BinarySearch(names, after)
			if exact {
				j++
			}
			i = max(i, j)
		}
		for ; i < len(names) && strings.HasPrefix(names[i], prefix); i++ {
			ent := ns.EntryAt(i)
			if !visible(ent, now) {
				continue
			}
			if len(result) == limit {
				cursor = encodeCursor(result[len(result)-1].Name)
				break
			}
			result = append(result, kvKeyJSON{Name: names[i], Expiration: ent.Expiration, Metadata: ent.Metadata})
		}
	})
	if !found {
		fail(w, errKVNamespaceNotFound(p["ns"]))
		return
	}
	okInfo(w, result, kvCursorInfo{Count: len(result), Cursor: cursor})
}

// lookupKV finds a visible entry under the read lock. The entry is never
// changed in place (writes replace it), so it may be read after the lock is
// released.
func (s *Server) lookupKV(nsID, key string) (*KVEntry, *apiError) {
	now := s.now().Unix()
	var ent *KVEntry
	var e *apiError
	s.store.Read(func() {
		ns := s.store.KV[nsID]
		if ns == nil {
			e = errKVNamespaceNotFound(nsID)
			return
		}
		ent = ns.entry(key)
	})
	if e != nil {
		return nil, e
	}
	if prev, stale := s.staleRead(nsID, key); stale {
		ent = prev
	}
	if !visible(ent, now) {
		return nil, errKVKeyNotFound(key)
	}
	return ent, nil
}

// kvGetValue serves GET …/{ns}/values/{key}: the raw bytes, not an envelope.
func (s *Server) kvGetValue(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	if e := checkKVKey(p["key"]); e != nil {
		fail(w, e)
		return
	}
	ent, e := s.lookupKV(p["ns"], p["key"])
	if e != nil {
		fail(w, e)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(ent.Value)))
	if ent.Expiration != 0 {
		h.Set("Expiration", strconv.FormatInt(ent.Expiration, 10))
	}
	w.WriteHeader(http.StatusOK)
	w.Write(ent.Value)
}

// kvGetMetadata serves GET …/{ns}/metadata/{key}: result is the metadata
// JSON, or null when the key has none.
func (s *Server) kvGetMetadata(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	if e := checkKVKey(p["key"]); e != nil {
		fail(w, e)
		return
	}
	ent, e := s.lookupKV(p["ns"], p["key"])
	if e != nil {
		fail(w, e)
		return
	}
	if ent.Metadata == nil {
		ok(w, nil)
		return
	}
	ok(w, ent.Metadata)
}

// kvPutValue serves PUT …/{ns}/values/{key}?expiration=&expiration_ttl=
// with either a raw body (the value) or multipart "value" and "metadata".
func (s *Server) kvPutValue(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	key := p["key"]
	if e := checkKVKey(key); e != nil {
		fail(w, e)
		return
	}
	now := s.now().Unix()
	q := r.URL.Query()
	exp, e := parseExpiry("", q.Get("expiration"), q.Get("expiration_ttl"), now)
	if e != nil {
		fail(w, e)
		return
	}
	var ent *KVEntry
	if mediaType(r) == "multipart/form-data" {
		ent, e = readKVMultipart(r)
	} else {
		ent, e = readKVRaw(r)
	}
	if e != nil {
		fail(w, e)
		return
	}
	ent.Expiration = exp
	s.store.Write(func() bool {
		ns := s.store.KV[p["ns"]]
		if ns == nil {
			e = errKVNamespaceNotFound(p["ns"])
			return false
		}
		s.noteWrite(p["ns"], key, ns.entry(key))
		ns.Put(key, ent)
		return true
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, nil)
}

// kvDeleteValue serves DELETE …/{ns}/values/{key}. A missing key is not an
// error.
func (s *Server) kvDeleteValue(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	if e := checkKVKey(p["key"]); e != nil {
		fail(w, e)
		return
	}
	var e *apiError
	s.store.Write(func() bool {
		ns := s.store.KV[p["ns"]]
		if ns == nil {
			e = errKVNamespaceNotFound(p["ns"])
			return false
		}
		if prev, ok := ns.Get(p["key"]); ok {
			s.noteWrite(p["ns"], p["key"], prev)
		}
		return ns.Delete(p["key"])
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, nil)
}

// parseExpiry turns the expiration (unix seconds) and expiration_ttl
// (seconds) parameters into an absolute expiration, 0 for none. The TTL wins
// when both are set. field prefixes the names in errors (bulk items).
func parseExpiry(field, expRaw, ttlRaw string, now int64) (int64, *apiError) {
	if ttlRaw != "" {
		ttl, okNum := wholeNumber(ttlRaw)
		if !okNum || ttl < kvMinTTL {
			return 0, errf(http.StatusBadRequest, codeKVBadTTL,
				"invalid %sexpiration_ttl %q: must be a whole number of seconds, at least %d", field, ttlRaw, kvMinTTL)
		}
		return now + ttl, nil
	}
	if expRaw != "" {
		exp, okNum := wholeNumber(expRaw)
		if !okNum || exp < now+kvMinTTL {
			return 0, errf(http.StatusBadRequest, codeKVBadExpiration,
				"invalid %sexpiration %q: must be a whole number of seconds since the UNIX epoch, at least %d seconds in the future (now is %d)",
				field, expRaw, kvMinTTL, now)
		}
		return exp, nil
	}
	return 0, nil
}

// wholeNumber parses a non-negative whole number given as an integer or a
// float with no fraction (cloudflare-go formats numbers as floats).
func wholeNumber(s string) (int64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// checkMetadata validates metadata JSON and returns its compact form; nil
// (or JSON null) means no metadata.
func checkMetadata(field string, raw []byte) (json.RawMessage, *apiError) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, errf(http.StatusBadRequest, codeKVBadRequest, "invalid %smetadata: must be JSON (%s)", field, jsonErrText(err))
	}
	if buf.Len() > kvMaxMetadataBytes {
		return nil, errf(http.StatusBadRequest, codeKVBadRequest,
			"invalid %smetadata: must be at most %d bytes serialized (got %d)", field, kvMaxMetadataBytes, buf.Len())
	}
	return json.RawMessage(buf.Bytes()), nil
}

func errValueTooLarge(field string, n int) *apiError {
	return errf(http.StatusRequestEntityTooLarge, codeKVTooLarge,
		"%svalue is too large: a value must be at most %d bytes (25 MiB), got %d or more", field, kvMaxValueBytes, n)
}
