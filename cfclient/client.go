package cfclient

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/kv"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/workers"
	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// DefaultBaseURL is Cloudflare's API v4.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4"

// Options configure a Client. main fills them from the config.
type Options struct {
	// BaseURL of the API, including /client/v4 (default DefaultBaseURL).
	BaseURL string
	// AccountID is the 32-hex Cloudflare account id.
	AccountID string
	// Token is the API token. It is sent only in the Authorization header:
	// never logged, audited or cached. Options.String redacts it.
	Token string
	// Profile is the config profile's name (for the audit log).
	Profile string
	// ReadOnly refuses every change before any request is sent.
	ReadOnly bool
	// Audit is the audit log every change is recorded in. Required unless
	// ReadOnly. The client writes through it; it owns no file itself.
	Audit *audit.Log
	// Actor is who acts when a call's context names no Actor (WithActor),
	// for the audit log (default user@host).
	Actor string
	// Schema is the platform's convention: where the routing table lives,
	// the tier table's key, the tag prefixes (defaults filled in).
	Schema platform.Schema
	// Throttle is shared by every client of the process; nil creates one
	// with default options for this client alone.
	Throttle *throttle.Throttle
	// HTTPTimeout caps the wait for the response headers of one attempt
	// (default 60 s). It configures the transport of the throttle New
	// creates when Throttle is nil; a shared Throttle brings its own
	// transport (build it with throttle.NewTransport). It is not a limit on the
	// whole call: a request may wait longer in the throttle's queue, and
	// callers bound that with their context.
	HTTPTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// String describes the options without the token.
func (o Options) String() string {
	tok := "unset"
	if o.Token != "" {
		tok = "set"
	}
	return fmt.Sprintf("cfclient.Options{BaseURL:%q AccountID:%q Token:%s Profile:%q ReadOnly:%t}",
		o.BaseURL, o.AccountID, tok, o.Profile, o.ReadOnly)
}

// GoString is String, so %#v does not print the token either.
func (o Options) GoString() string { return o.String() }

// Client talks to one Cloudflare account with one token. It is safe for
// concurrent use.
type Client struct {
	opts     Options
	base     *url.URL
	auth     string // the Authorization header value; never printed
	http     *http.Client
	throttle *throttle.Throttle

	namespaces *wfp.DispatchNamespaceService
	scripts    *workers.ScriptService
	kv         *kv.NamespaceService

	auditMu sync.Mutex // serialises audit writes of this client

	routingMu sync.Mutex
	routingID string // the routing KV namespace, once resolved by title
}

// New validates opts, fills defaults and builds a Client. It sends nothing.
func New(opts Options) (*Client, error) {
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	base, err := parseBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	th := opts.Throttle
	if th == nil {
		th = throttle.New(throttle.Options{}, throttle.NewTransport(opts.HTTPTimeout))
	}
	c := &Client{
		opts:     opts,
		base:     base,
		auth:     "Bearer " + opts.Token,
		throttle: th,
		// No http.Client.Timeout: it would also count the time a request
		// waits in the throttle for budget.
		http: &http.Client{Transport: th},
	}
	// The SDK and our own net/http calls share c.http, so every request
	// goes through the throttle. SDK retries are off: the throttle owns them.
	sdk := []option.RequestOption{
		option.WithBaseURL(base.String()),
		option.WithAPIToken(opts.Token),
		option.WithMaxRetries(0),
		option.WithHTTPClient(c.http),
	}
	c.namespaces = wfp.NewDispatchNamespaceService(sdk...)
	c.scripts = workers.NewScriptService(sdk...)
	c.kv = kv.NewNamespaceService(sdk...)
	return c, nil
}

// normalize fills defaults and checks every field, naming it on error.
func (o *Options) normalize() error {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if !isHex(o.AccountID, 32) {
		return fmt.Errorf("account id %q: must be the 32 hex characters shown in the Cloudflare dashboard", o.AccountID)
	}
	if o.Token == "" {
		return fmt.Errorf("token: required (an API token with Workers Scripts and Workers KV Storage permissions)")
	}
	for _, r := range o.Token {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("token: must not contain spaces or control characters")
		}
	}
	if !o.ReadOnly && o.Audit == nil {
		return fmt.Errorf("audit log: required unless the client is read-only")
	}
	if o.HTTPTimeout < 0 {
		return fmt.Errorf("http timeout: must not be negative (got %s)", o.HTTPTimeout)
	}
	if o.HTTPTimeout == 0 {
		o.HTTPTimeout = 60 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Actor == "" {
		o.Actor = LocalActor()
	}
	o.Schema = o.Schema.WithDefaults()
	if re := o.Schema.Validate(); re != nil {
		return re
	}
	return nil
}

func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("base url %q: must be an http(s) URL such as %s", s, DefaultBaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base url %q: must not have a query or fragment", s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// LocalActor is the operator at this terminal: user@host, as well as the
// system can tell.
func LocalActor() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return name + "@" + host
}

// AccountID is the account the client works on.
func (c *Client) AccountID() string { return c.opts.AccountID }

// Profile is the profile name the client was built for.
func (c *Client) Profile() string { return c.opts.Profile }

// ReadOnly reports whether the client refuses changes.
func (c *Client) ReadOnly() bool { return c.opts.ReadOnly }

// Stats is the throttle's snapshot for this client's token.
func (c *Client) Stats() throttle.Stats { return c.throttle.Stats(c.auth) }

// BaseURL is the API base URL the client talks to (caches are kept per
// base URL and account, so the sandbox and Cloudflare never share one).
func (c *Client) BaseURL() string { return c.base.String() }

// Schema is the platform convention the client reads routes and tiers with.
func (c *Client) Schema() platform.Schema { return c.opts.Schema }

// Now is the client's clock.
func (c *Client) Now() time.Time { return c.opts.Now() }
