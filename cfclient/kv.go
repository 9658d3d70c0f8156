package cfclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/cloudflare/cloudflare-go/v6/kv"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

const (
	kvNamespacesPerPage = 100  // the API's maximum
	kvKeysPerPage       = 1000 // the API's maximum
	kvBulkGetMax        = 100  // keys per bulk get
	maxKVValue          = 25 << 20
	auditValueMax       = 1024 // longer values are audited by size only
)

// ListKVNamespaces returns the account's KV namespaces (all pages).
func (c *Client) ListKVNamespaces(ctx context.Context) ([]KVNamespace, error) {
	const op = "kv.namespaces.list"
	var out []KVNamespace
	for page := 1; page <= 1000; page++ {
		var p kv.NamespaceListParams
		p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
		p.Page.Value, p.Page.Present = float64(page), true
		p.PerPage.Value, p.PerPage.Present = kvNamespacesPerPage, true
		res, err := c.kv.List(ctx, p)
		if err != nil {
			return nil, c.fail(op, "", false, err)
		}
		for _, n := range res.Result {
			out = append(out, KVNamespace{ID: n.ID, Title: n.Title})
		}
		if len(res.Result) < kvNamespacesPerPage {
			break
		}
	}
	return out, nil
}

// ListKVKeys returns every key of a KV namespace that starts with prefix
// ("" for all), following the cursor through all pages.
func (c *Client) ListKVKeys(ctx context.Context, nsID, prefix string) ([]KVKey, error) {
	const op = "kv.keys.list"
	if nsID == "" {
		return nil, validationError(op, prefix, "kv namespace", "must not be empty")
	}
	var out []KVKey
	cursor := ""
	for {
		var p kv.NamespaceKeyListParams
		p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
		p.Limit.Value, p.Limit.Present = kvKeysPerPage, true
		if prefix != "" {
			p.Prefix.Value, p.Prefix.Present = prefix, true
		}
		if cursor != "" {
			p.Cursor.Value, p.Cursor.Present = cursor, true
		}
		res, err := c.kv.Keys.List(ctx, url.PathEscape(nsID), p)
		if err != nil {
			return nil, c.fail(op, nsID+"/"+prefix, false, err)
		}
		for _, k := range res.Result {
			key := KVKey{Name: k.Name, Expiration: int64(k.Expiration)}
			if !k.JSON.Metadata.IsNull() {
				key.Metadata = []byte(k.JSON.Metadata.Raw())
			}
			out = append(out, key)
		}
		next := res.ResultInfo.Cursor
		if next == "" || len(res.Result) == 0 {
			return out, nil
		}
		if next == cursor {
			return nil, errf(ErrServer, op, nsID, "try again; report it if it persists", "the API returned the same cursor twice")
		}
		cursor = next
	}
}

// GetValue returns a KV value.
func (c *Client) GetValue(ctx context.Context, nsID, key string) ([]byte, error) {
	const op = "kv.value.get"
	target := nsID + "/" + key
	if err := firstFailure(op, target, check{"kv namespace", nonEmpty(nsID)}, check{"key", platform.ValidKVKey(key)}); err != nil {
		return nil, err
	}
	var p kv.NamespaceValueGetParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	resp, err := c.kv.Values.Get(ctx, url.PathEscape(nsID), url.PathEscape(key), p)
	if err != nil {
		return nil, c.fail(op, target, false, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxKVValue+1))
	if err != nil {
		return nil, c.fail(op, target, false, err)
	}
	if len(b) > maxKVValue {
		return nil, errf(ErrServer, op, target, "", "the value is larger than KV's %d-byte limit", maxKVValue)
	}
	return b, nil
}

// PutValue writes a KV value.
func (c *Client) PutValue(ctx context.Context, nsID, key string, value []byte) error {
	const op = "kv.value.put"
	target := nsID + "/" + key
	return c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			big := ""
			if len(value) > maxKVValue {
				big = fmt.Sprintf("must be at most %d bytes (got %d)", maxKVValue, len(value))
			}
			return firstFailure(op, target, check{"kv namespace", nonEmpty(nsID)},
				check{"key", platform.ValidKVKey(key)}, check{"value", big})
		},
		before: func(ctx context.Context) (any, error) { return c.valueForAudit(ctx, nsID, key) },
		do: func(ctx context.Context) (any, error) {
			return auditValue(value), c.putValue(ctx, nsID, key, value)
		},
	})
}

// putValue is the KV write itself, for callers already inside the gate.
// The value goes as the raw request body, which the API accepts, on the
// same http.Client as the SDK: cloudflare-go v6.10.0's multipart encoder
// races when several goroutines write values at once.
func (c *Client) putValue(ctx context.Context, nsID, key string, value []byte) error {
	if value == nil {
		value = []byte{} // an empty value is still a body
	}
	path := apiPath("accounts", c.opts.AccountID, "storage", "kv", "namespaces", nsID, "values", key)
	_, _, _, err := c.send(ctx, http.MethodPut, path, nil, value, "application/octet-stream")
	return err
}

// DeleteValue deletes a KV key.
func (c *Client) DeleteValue(ctx context.Context, nsID, key string) error {
	const op = "kv.value.delete"
	target := nsID + "/" + key
	return c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			return firstFailure(op, target, check{"kv namespace", nonEmpty(nsID)}, check{"key", platform.ValidKVKey(key)})
		},
		before: func(ctx context.Context) (any, error) { return c.valueForAudit(ctx, nsID, key) },
		do:     func(ctx context.Context) (any, error) { return nil, c.deleteValue(ctx, nsID, key) },
	})
}

// deleteValue is the KV delete itself, for callers already inside the gate.
func (c *Client) deleteValue(ctx context.Context, nsID, key string) error {
	var p kv.NamespaceValueDeleteParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	_, err := c.kv.Values.Delete(ctx, url.PathEscape(nsID), url.PathEscape(key), p)
	return err
}

// BulkPutValues writes up to 10,000 keys in one call. It returns the keys
// the API reports as not written (retry those).
func (c *Client) BulkPutValues(ctx context.Context, nsID string, pairs []KVPair) ([]string, error) {
	const op = "kv.bulk.put"
	target := fmt.Sprintf("%s (%d keys)", nsID, len(pairs))
	var failed []string
	err := c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			cs := []check{{"kv namespace", nonEmpty(nsID)}, {"pairs", bulkSize(len(pairs))}}
			for i, p := range pairs {
				ttl := ""
				if p.ExpirationTTL != 0 && p.ExpirationTTL < platform.MinKVExpiration {
					ttl = fmt.Sprintf("must be 0 (none) or at least %d seconds", platform.MinKVExpiration)
				}
				cs = append(cs, check{fmt.Sprintf("pairs[%d].key %q", i, p.Key), platform.ValidKVKey(p.Key)},
					check{fmt.Sprintf("pairs[%d].expiration_ttl", i), ttl})
			}
			return firstFailure(op, target, cs...)
		},
		do: func(ctx context.Context) (any, error) {
			body := make([]kv.NamespaceBulkUpdateParamsBody, len(pairs))
			keys := make([]string, len(pairs))
			for i, pr := range pairs {
				body[i].Key.Value, body[i].Key.Present = pr.Key, true
				body[i].Value.Value, body[i].Value.Present = pr.Value, true
				if pr.ExpirationTTL > 0 {
					body[i].ExpirationTTL.Value, body[i].ExpirationTTL.Present = float64(pr.ExpirationTTL), true
				}
				keys[i] = pr.Key
			}
			p := kv.NamespaceBulkUpdateParams{Body: body}
			p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
			res, err := c.kv.BulkUpdate(ctx, url.PathEscape(nsID), p)
			if err != nil {
				return nil, err
			}
			failed = res.UnsuccessfulKeys
			return map[string]any{"keys": keys, "unsuccessful": failed}, nil
		},
	})
	return failed, err
}

// BulkDeleteValues deletes up to 10,000 keys in one call.
func (c *Client) BulkDeleteValues(ctx context.Context, nsID string, keys []string) error {
	const op = "kv.bulk.delete"
	target := fmt.Sprintf("%s (%d keys)", nsID, len(keys))
	return c.mutate(ctx, mutation{
		op: op, target: target,
		validate: func() error {
			cs := []check{{"kv namespace", nonEmpty(nsID)}, {"keys", bulkSize(len(keys))}}
			for i, k := range keys {
				cs = append(cs, check{fmt.Sprintf("keys[%d] %q", i, k), platform.ValidKVKey(k)})
			}
			return firstFailure(op, target, cs...)
		},
		do: func(ctx context.Context) (any, error) {
			p := kv.NamespaceBulkDeleteParams{Body: keys}
			p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
			_, err := c.kv.BulkDelete(ctx, url.PathEscape(nsID), p)
			return map[string]any{"deleted": keys}, err
		},
	})
}

// GetValues reads up to 100 values as text in one request; a key that is
// missing maps to nil (or is absent). It is a POST that only reads.
func (c *Client) GetValues(ctx context.Context, nsID string, keys []string) (map[string]*string, error) {
	const op = "kv.values.bulk_get"
	target := fmt.Sprintf("%s (%d keys)", nsID, len(keys))
	size := ""
	if len(keys) == 0 || len(keys) > kvBulkGetMax {
		size = fmt.Sprintf("must hold 1 to %d keys (got %d)", kvBulkGetMax, len(keys))
	}
	if err := firstFailure(op, target, check{"kv namespace", nonEmpty(nsID)}, check{"keys", size}); err != nil {
		return nil, err
	}
	vals, err := c.bulkGetText(ctx, nsID, keys)
	if err != nil {
		return nil, c.fail(op, target, false, err)
	}
	return vals, nil
}

// KVBulkGetMax is the most keys GetValues reads in one request.
const KVBulkGetMax = kvBulkGetMax

// bulkGetText reads up to 100 values as text; a missing key maps to nil.
// It is a POST that only reads, so the throttle may retry it like a GET.
func (c *Client) bulkGetText(ctx context.Context, nsID string, keys []string) (map[string]*string, error) {
	ctx = throttle.WithRetryable(ctx)
	var env envelope[struct {
		Values map[string]*string `json:"values"`
	}]
	var p kv.NamespaceBulkGetParams
	p.AccountID.Value, p.AccountID.Present = c.opts.AccountID, true
	p.Keys.Value, p.Keys.Present = keys, true
	p.Type.Value, p.Type.Present = kv.NamespaceBulkGetParamsTypeText, true
	if _, err := c.kv.BulkGet(ctx, url.PathEscape(nsID), p, option.WithResponseBodyInto(&env)); err != nil {
		return nil, err
	}
	return env.Result.Values, nil
}

// valueForAudit reads a value for the audit log's "before"; a missing key
// is nil.
func (c *Client) valueForAudit(ctx context.Context, nsID, key string) (any, error) {
	v, err := c.GetValue(ctx, nsID, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return auditValue(v), nil
}

// auditValue is how a value appears in the audit log: the text when it is
// short UTF-8, otherwise only its size.
func auditValue(v []byte) any {
	if len(v) <= auditValueMax && utf8.Valid(v) {
		return string(v)
	}
	return fmt.Sprintf("<%d bytes>", len(v))
}

// bulkSize checks a bulk call's item count.
func bulkSize(n int) string {
	if n == 0 || n > platform.MaxKVBulkItems {
		return fmt.Sprintf("must hold 1 to %d items (got %d)", platform.MaxKVBulkItems, n)
	}
	return ""
}
