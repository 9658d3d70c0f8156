package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
)

// kvBulkResult is the result of a bulk write or delete.
type kvBulkResult struct {
	SuccessfulKeyCount int      `json:"successful_key_count"`
	UnsuccessfulKeys   []string `json:"unsuccessful_keys"`
}

// kvBulkItem is one item of a bulk write as sent.
type kvBulkItem struct {
	Key           *string         `json:"key"`
	Value         *string         `json:"value"`
	Expiration    json.RawMessage `json:"expiration"`
	ExpirationTTL json.RawMessage `json:"expiration_ttl"`
	Metadata      json.RawMessage `json:"metadata"`
	Base64        bool            `json:"base64"`
}

// readBulkArray reads a body that must be a JSON array of at most
// kvMaxBulkItems elements, each still raw.
func readBulkArray(r *http.Request, what string) ([]json.RawMessage, *apiError) {
	b, e := readBody(r, kvMaxBulkBytes)
	if e != nil {
		return nil, e
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '[' {
		return nil, errf(http.StatusBadRequest, codeKVBadRequest, "the body must be a JSON array of %s", what)
	}
	var items []json.RawMessage
	if e := unmarshalJSON(b, &items); e != nil {
		e.Code = codeKVBadRequest
		return nil, e
	}
	if len(items) > kvMaxBulkItems {
		return nil, errf(http.StatusBadRequest, codeKVBadRequest, "too many items: a bulk call takes at most %d (got %d)", kvMaxBulkItems, len(items))
	}
	return items, nil
}

// parseBulkItem validates one bulk write item and builds its entry.
func parseBulkItem(i int, raw json.RawMessage, now int64) (string, *KVEntry, *apiError) {
	field := fmt.Sprintf("items[%d].", i)
	bad := func(format string, args ...any) *apiError {
		return errf(http.StatusBadRequest, codeKVBadRequest, "invalid items[%d]: "+format, append([]any{i}, args...)...)
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return "", nil, bad("must be an object {\"key\", \"value\", ...}")
	}
	var it kvBulkItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return "", nil, bad("%s", jsonErrText(err))
	}
	if it.Key == nil {
		return "", nil, errf(http.StatusBadRequest, codeKVBadKey, "invalid %skey: the key is required", field)
	}
	if why := kvKeyProblem(*it.Key); why != "" {
		return "", nil, errf(http.StatusBadRequest, codeKVBadKey, "invalid %skey: key %s", field, why)
	}
	if it.Value == nil {
		return "", nil, errf(http.StatusBadRequest, codeKVBadRequest, "invalid %svalue: the value is required (a string)", field)
	}
	value := []byte(*it.Value)
	if it.Base64 {
		dec, err := base64.StdEncoding.DecodeString(*it.Value)
		if err != nil {
			return "", nil, errf(http.StatusBadRequest, codeKVBadRequest, "invalid %svalue: base64 is true but the value is not standard base64 (%v)", field, err)
		}
		value = dec
	}
	if len(value) > kvMaxValueBytes {
		return "", nil, errValueTooLarge(field, len(value))
	}
	exp, e := parseExpiry(field, numberText(it.Expiration), numberText(it.ExpirationTTL), now)
	if e != nil {
		return "", nil, e
	}
	md, e := checkMetadata(field, it.Metadata)
	if e != nil {
		return "", nil, e
	}
	return *it.Key, &KVEntry{Value: value, Metadata: md, Expiration: exp}, nil
}

// numberText is the text of a JSON number for parseExpiry: "" for absent or
// null, the digits of a number or of a quoted number, and anything else as
// it was sent (which parseExpiry then refuses, naming the field).
func numberText(raw json.RawMessage) string {
	t := string(bytes.TrimSpace(raw))
	if t == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s
	}
	return t
}

// kvBulkWrite serves PUT …/{ns}/bulk. Every item is validated before any is
// written: one bad item fails the call and nothing changes.
func (s *Server) kvBulkWrite(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	raws, e := readBulkArray(r, "{\"key\", \"value\", ...} items")
	if e != nil {
		fail(w, e)
		return
	}
	now := s.now().Unix()
	keys := make([]string, len(raws))
	ents := make([]*KVEntry, len(raws))
	for i, raw := range raws {
		if keys[i], ents[i], e = parseBulkItem(i, raw, now); e != nil {
			fail(w, e)
			return
		}
	}
	s.store.Write(func() bool {
		ns := s.store.KV[p["ns"]]
		if ns == nil {
			e = errKVNamespaceNotFound(p["ns"])
			return false
		}
		ns.putMany(keys, ents)
		return len(keys) > 0
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, kvBulkResult{SuccessfulKeyCount: len(keys), UnsuccessfulKeys: []string{}})
}

// kvBulkDelete serves POST …/{ns}/bulk/delete and the deprecated
// DELETE …/{ns}/bulk: a JSON array of key names. Missing keys are not errors.
func (s *Server) kvBulkDelete(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	raws, e := readBulkArray(r, "key names")
	if e != nil {
		fail(w, e)
		return
	}
	keys := make([]string, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &keys[i]); err != nil {
			fail(w, errf(http.StatusBadRequest, codeKVBadRequest, "invalid items[%d]: must be a key name (a string), not %s", i, raw))
			return
		}
		if why := kvKeyProblem(keys[i]); why != "" {
			fail(w, errf(http.StatusBadRequest, codeKVBadKey, "invalid items[%d]: key %s", i, why))
			return
		}
	}
	s.store.Write(func() bool {
		ns := s.store.KV[p["ns"]]
		if ns == nil {
			e = errKVNamespaceNotFound(p["ns"])
			return false
		}
		return ns.deleteMany(keys)
	})
	if e != nil {
		fail(w, e)
		return
	}
	ok(w, kvBulkResult{SuccessfulKeyCount: len(keys), UnsuccessfulKeys: []string{}})
}

// kvBulkGetBody is the body of a bulk get.
type kvBulkGetBody struct {
	Keys         []string `json:"keys"`
	Type         string   `json:"type"`
	WithMetadata bool     `json:"withMetadata"`
}

// kvBulkGetValue is one value of a bulk get with metadata.
type kvBulkGetValue struct {
	Value      any             `json:"value"`
	Metadata   json.RawMessage `json:"metadata"`
	Expiration int64           `json:"expiration,omitempty"`
}

// kvBulkGet serves POST …/{ns}/bulk/get {keys, type, withMetadata}. A
// missing or expired key maps to null.
func (s *Server) kvBulkGet(w http.ResponseWriter, r *http.Request, p params) {
	if e := s.checkKVPath(r, p); e != nil {
		fail(w, e)
		return
	}
	var body kvBulkGetBody
	if e := kvDecode(r, maxJSONBody, &body); e != nil {
		fail(w, e)
		return
	}
	if e := checkBulkGet(body); e != nil {
		fail(w, e)
		return
	}
	now := s.now().Unix()
	ents := make([]*KVEntry, len(body.Keys))
	found := false
	s.store.Read(func() {
		ns := s.store.KV[p["ns"]]
		if ns == nil {
			return
		}
		found = true
		for i, k := range body.Keys {
			ents[i] = ns.entry(k)
		}
	})
	if !found {
		fail(w, errKVNamespaceNotFound(p["ns"]))
		return
	}
	for i, k := range body.Keys {
		if prev, stale := s.staleRead(p["ns"], k); stale {
			ents[i] = prev
		}
		if !visible(ents[i], now) {
			ents[i] = nil
		}
	}
	values := make(map[string]any, len(body.Keys))
	for i, k := range body.Keys {
		ent := ents[i]
		if ent == nil {
			values[k] = nil
			continue
		}
		var v any = string(ent.Value)
		if body.Type == "json" {
			if !json.Valid(ent.Value) {
				fail(w, errf(http.StatusBadRequest, codeKVBadRequest, "the value of key %q is not valid JSON; ask with type \"text\"", k))
				return
			}
			v = json.RawMessage(ent.Value)
		}
		if body.WithMetadata {
			md := ent.Metadata
			if md == nil {
				md = json.RawMessage("null")
			}
			v = kvBulkGetValue{Value: v, Metadata: md, Expiration: ent.Expiration}
		}
		values[k] = v
	}
	ok(w, map[string]any{"values": values})
}

// checkBulkGet validates a bulk get body.
func checkBulkGet(body kvBulkGetBody) *apiError {
	switch {
	case len(body.Keys) == 0:
		return errf(http.StatusBadRequest, codeKVBulkGetNoKeys, "keys must hold at least one key name")
	case len(body.Keys) > kvMaxBulkGetKeys:
		return errf(http.StatusBadRequest, codeKVBadRequest, "keys must hold at most %d key names (got %d)", kvMaxBulkGetKeys, len(body.Keys))
	case body.Type != "" && body.Type != "text" && body.Type != "json":
		return errf(http.StatusBadRequest, codeKVBadRequest, "invalid type %q: must be text or json", body.Type)
	}
	for i, k := range body.Keys {
		if why := kvKeyProblem(k); why != "" {
			return errf(http.StatusBadRequest, codeKVBadKey, "invalid keys[%d]: key %s", i, why)
		}
	}
	return nil
}

// putMany stores entries under keys (a later duplicate wins).
func (k *KVNamespace) putMany(keys []string, ents []*KVEntry) { k.keys.putMany(keys, ents) }

// deleteMany removes keys; it reports whether any existed.
func (k *KVNamespace) deleteMany(keys []string) bool { return k.keys.removeMany(keys) }
