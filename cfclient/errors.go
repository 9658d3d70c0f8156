package cfclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// Kinds of errors. Every error cfclient returns from a call is an *Error
// whose Kind is one of these, so callers test with errors.Is.
var (
	// ErrUnauthorized: the credentials are missing, malformed or unknown.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the token is valid but may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: the object (or the cache entry) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: Cloudflare's API rate limit was hit.
	ErrRateLimited = errors.New("rate limited")
	// ErrValidation: the input breaks a rule (checked here or by the API).
	ErrValidation = errors.New("invalid input")
	// ErrReadOnly: the client is read-only and the call would change something.
	ErrReadOnly = errors.New("read-only")
	// ErrNetwork: the API could not be reached or the request timed out.
	ErrNetwork = errors.New("network error")
	// ErrServer: the API failed (5xx) or answered something unreadable.
	ErrServer = errors.New("server error")
	// ErrAudit: a change was made but its audit record could not be written,
	// or the audit log could not be opened (then nothing was changed).
	ErrAudit = errors.New("audit log error")
)

// Error is a failed call: what was tried, on what, and why, in words a
// person can act on.
type Error struct {
	// Kind is one of the Err* sentinels; errors.Is matches it.
	Kind error
	// Op is the operation ("script.tags.replace", "namespaces.list", ...).
	Op string
	// Target is what it was done to ("production/tenant-1", a KV key, ...).
	Target string
	// Status is the HTTP status (0 when there was no response).
	Status int
	// Code is Cloudflare's first error code (0 when none).
	Code int
	// Reason is one line: why it failed.
	Reason string
	// Hint is one line: what the person can do about it.
	Hint string
	// RetryAfter is set on ErrRateLimited when the API said how long to wait.
	RetryAfter time.Duration
	// cause is the underlying non-API error (network, context), if any.
	cause error
}

// Error is "op target: reason" on one line, with control characters
// stripped (targets such as KV keys are tenant-controlled text).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if t := termsafe.OneLine(e.Target, 300); t != "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	b.WriteString(": ")
	b.WriteString(termsafe.OneLine(e.Reason, 300))
	return b.String()
}

// Unwrap returns the Kind, and the underlying cause when there is one, so
// that errors.Is(err, ErrNotFound) and errors.Is(err, context.Canceled) both
// work.
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Kind, e.cause}
	}
	return []error{e.Kind}
}

// Explain returns the error's one-line description (what was tried, on
// what, and why) and its hint, for the console's status line (ui.Explainer).
func (e *Error) Explain() (reason, hint string) {
	return e.Error(), termsafe.OneLine(e.Hint, 300)
}

// Hint returns the hint of err when it is an *Error ("" otherwise).
func Hint(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}

// validationError is an ErrValidation naming the field and the rule.
func validationError(op, target, field, rule string) *Error {
	return &Error{Kind: ErrValidation, Op: op, Target: target,
		Reason: field + ": " + rule,
		Hint:   "fix " + field + " and try again; nothing was changed"}
}

// fail turns any error from a call into an *Error. It is the one place where
// API errors (from the SDK or from our own net/http calls, which build the
// same *wfp.Error) and transport errors are mapped to a kind, a reason and a
// hint. write says whether the call changes something (for the permission
// named in the hint).
func (c *Client) fail(op, target string, write bool, err error) error {
	if err == nil {
		return nil
	}
	var done *Error
	if errors.As(err, &done) {
		return err
	}
	var rule *platform.RuleError
	if errors.As(err, &rule) {
		return validationError(op, target, rule.Field, rule.Rule)
	}
	e := &Error{Op: op, Target: target}
	var api *wfp.Error
	switch {
	case errors.As(err, &api):
		c.classifyAPI(e, api, write)
	case errors.Is(err, context.Canceled):
		e.Kind, e.cause = ErrNetwork, err
		e.Reason = "canceled"
		e.Hint = "the request was canceled before it finished"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.Kind, e.cause = ErrNetwork, err
		e.Reason = "timed out waiting for " + c.host()
		e.Hint = "check the network or proxy; the API may be slow, try again"
	case isNetwork(err):
		e.Kind, e.cause = ErrNetwork, err
		e.Reason = "could not reach " + c.host() + ": " + termsafe.OneLine(netReason(err), 300)
		e.Hint = "check the network, proxy and base URL, then try again"
	default:
		e.Kind = ErrServer
		e.Reason = "unexpected response: " + termsafe.OneLine(err.Error(), 300)
		e.Hint = "the API answered something wfp cannot read; try again, or report it"
	}
	return e
}

// classifyAPI fills e from an API error response.
func (c *Client) classifyAPI(e *Error, api *wfp.Error, write bool) {
	e.Status = api.StatusCode
	msg := ""
	if len(api.Errors) > 0 {
		e.Code = int(api.Errors[0].Code)
		msg = api.Errors[0].Message
	}
	msg = termsafe.OneLine(msg, 300)
	if msg == "" {
		msg = strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	}
	e.Reason = msg
	switch {
	case e.Status == http.StatusTooManyRequests || e.Code == 971:
		e.Kind = ErrRateLimited
		e.RetryAfter = retryAfter(api.Response)
		e.Hint = "Cloudflare allows 1200 requests per 5 minutes per token; wfp slows down by itself"
		if e.RetryAfter > 0 {
			e.Hint += "; wait " + e.RetryAfter.Round(time.Second).String()
		}
	case e.Status == http.StatusUnauthorized || isAuthFormatCode(e.Code):
		e.Kind = ErrUnauthorized
		e.Hint = "check the API token (CLOUDFLARE_API_TOKEN or the profile's token): it is missing, malformed or revoked"
	case e.Status == http.StatusForbidden || e.Code == 10023:
		e.Kind = ErrForbidden
		perm := permissionFor(e.Op, write)
		if strings.Contains(strings.ToLower(msg), "permission") {
			e.Hint = "give the token the permission named above (it needs " + perm + ") on account " + c.opts.AccountID
		} else {
			e.Hint = "the token needs " + perm + " on account " + c.opts.AccountID + ", or it is not valid for this account"
		}
	case e.Status == http.StatusNotFound || isNotFoundCode(e.Code):
		e.Kind = ErrNotFound
		e.Hint = "it may have been deleted or renamed; refresh and try again"
	case e.Status >= 500:
		e.Kind = ErrServer
		e.Hint = "Cloudflare had a problem; try again shortly (www.cloudflarestatus.com)"
	case e.Status >= 400:
		e.Kind = ErrValidation
		e.Hint = "the API refused the input; fix it and try again"
	default:
		e.Kind = ErrServer
		e.Hint = "unexpected answer from the API; try again"
	}
}

// permissionFor names the API token permission an operation needs.
func permissionFor(op string, write bool) string {
	p := "Workers Scripts"
	if strings.HasPrefix(op, "kv.") || strings.HasPrefix(op, "routing.") || strings.HasPrefix(op, "tiers.") {
		p = "Workers KV Storage"
	}
	if write {
		return p + " Edit"
	}
	return p + " Read"
}

// isAuthFormatCode reports codes Cloudflare uses for missing or malformed
// credentials (sent with HTTP 400).
func isAuthFormatCode(code int) bool {
	switch code {
	case 6003, 6100, 6101, 6102, 6103, 6111, 9106:
		return true
	}
	return false
}

// isNotFoundCode reports codes for a missing object. 7003 is "could not
// route": an unknown object id in the path.
func isNotFoundCode(code int) bool {
	switch code {
	case 10007, 10009, 10013, 10056, 7003:
		return true
	}
	return false
}

// retryAfter reads Retry-After (seconds) from a response.
func retryAfter(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	s := resp.Header.Get("Retry-After")
	if s == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 0 {
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(s); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isNetwork(err error) bool {
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.As(err, &de)
}

// netReason is the innermost useful text of a network error (without the
// URL, which a *url.Error would repeat).
func netReason(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return de.Error()
	}
	return err.Error()
}

// host is the API host for messages.
func (c *Client) host() string { return c.base.Host }

// errf is a shorthand for a non-API failure of kind k.
func errf(k error, op, target, hint, format string, args ...any) *Error {
	return &Error{Kind: k, Op: op, Target: target, Reason: fmt.Sprintf(format, args...), Hint: hint}
}

// check pairs a field with a platform rule's result (see firstFailure).
type check struct{ field, rule string }

// asCheck is a broken rule (or nil) as a check.
func asCheck(re *platform.RuleError) check {
	if re == nil {
		return check{}
	}
	return check{re.Field, re.Rule}
}

// firstFailure returns the first broken rule as an ErrValidation for op on
// target, or nil.
func firstFailure(op, target string, cs ...check) error {
	for _, c := range cs {
		if c.rule != "" {
			return validationError(op, target, c.field, c.rule)
		}
	}
	return nil
}

// ruleError turns a broken platform rule into an ErrValidation (nil stays
// nil).
func ruleError(op, target string, re *platform.RuleError) error {
	if re == nil {
		return nil
	}
	return validationError(op, target, re.Field, re.Rule)
}

// nonEmpty is the rule that a value be given.
func nonEmpty(s string) string { return platform.NonEmpty(s) }
