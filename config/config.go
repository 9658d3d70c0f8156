// Package config reads wfp's TOML config file, layers the environment and
// the command line on top of it (flags > env > file > defaults), and checks
// every value, reporting all problems at once with the key and line.
//
// The API token is never read from the file: a profile names the
// environment variable holding it (token_env), and the token is carried in a
// Secret, which never prints.
package config

import (
	"slices"
	"time"

	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Default values of a profile.
const (
	// DefaultProfileName is the profile used when nothing names one and the
	// file does not define exactly one.
	DefaultProfileName = "default"
	// DefaultTokenEnv is the variable holding the token (wrangler's name).
	DefaultTokenEnv = "CLOUDFLARE_API_TOKEN"
	// DefaultAPIBaseURL is Cloudflare's API v4.
	DefaultAPIBaseURL = "https://api.cloudflare.com/client/v4"
	// DefaultKVNamespaceTitle finds the routing namespace when no id is set.
	DefaultKVNamespaceTitle = platform.DefaultKVNamespaceTitle
)

// Environment variables read by Load, besides the token's.
const (
	EnvConfig     = "WFP_CONFIG"              // config file path
	EnvProfile    = "WFP_PROFILE"             // profile name
	EnvReadOnly   = "WFP_READ_ONLY"           // true/false, 1/0
	EnvAccountID  = "CLOUDFLARE_ACCOUNT_ID"   // account id (wrangler's name)
	EnvAPIBaseURL = "CLOUDFLARE_API_BASE_URL" // API base URL (wrangler's name)
)

// Config is the config file as read: its path, the default profile and every
// profile with defaults filled in for the keys the file leaves out.
type Config struct {
	// Path is the file's path; Exists says whether it was found. A missing
	// file at the default path is an empty config.
	Path   string
	Exists bool
	// DefaultProfile is default_profile ("" when unset).
	DefaultProfile string
	// Profiles by name.
	Profiles map[string]*Profile
	// Serve is the [serve] section (DefaultServe when absent).
	Serve Serve

	// keys maps every key the file set (joined with keySep) to its line,
	// 0 when the line is unknown.
	keys map[string]int
	// lines are the lines of the keys and tables found by scanning the text.
	lines lineIndex
	// data is the file's text; elems indexes the elements of its arrays
	// (elemLines), built when [serve] needs it.
	data  []byte
	elems lineIndex
	// problems were found while reading (types, unknown keys, tokens).
	problems []Problem
}

// Profile is one named set of connection and platform settings.
type Profile struct {
	// Name is the profile's name, [a-z0-9_-]+.
	Name string
	// AccountID is the 32 lower-case hex Cloudflare account id; "" means
	// unset (the environment may provide it, or wfp uses the sandbox).
	AccountID string
	// TokenEnv names the environment variable holding the API token.
	TokenEnv string
	// APIBaseURL is the API root including /client/v4.
	APIBaseURL string
	// Production paints the console red and asks for typed confirmations.
	Production bool
	// ReadOnly refuses every change, in cfclient, before any request.
	ReadOnly bool
	// Routing says where the routing table lives and how its keys look.
	Routing RoutingSchema
	// TiersKey is the KV key of the tier definitions.
	TiersKey string
	// TierTagPrefix marks a script's tier tag (tier-<name>).
	TierTagPrefix string
	// CustomerTagPrefix marks a script's customer tag (customer-<id>).
	CustomerTagPrefix string
	// Rate is the request budget for this profile's token.
	Rate RateBudget
	// PricePerScriptMonth is what one script costs a month, in USD: what
	// :inactive says removing idle scripts saves. Workers for Platforms
	// bills $0.02 a month for each script beyond the 1,000 the $25 plan
	// includes (developers.cloudflare.com/cloudflare-for-platforms/
	// workers-for-platforms/reference/pricing/).
	PricePerScriptMonth float64
}

// DefaultPricePerScriptMonth is Workers for Platforms' price of a script
// beyond the plan's 1,000, in USD a month.
const DefaultPricePerScriptMonth = 0.02

// RoutingSchema says where the platform keeps its routing table in Workers
// KV and how the keys look: the client's own type, so it is handed over
// whole.
type RoutingSchema = platform.RoutingSchema

// Schema is the profile's platform convention, as the client takes it.
func (p *Profile) Schema() platform.Schema {
	return platform.Schema{
		Routing:           p.Routing,
		TiersKey:          p.TiersKey,
		TierTagPrefix:     p.TierTagPrefix,
		CustomerTagPrefix: p.CustomerTagPrefix,
	}
}

// RateBudget mirrors the API's rate limit: at most Requests in any rolling
// Window, keeping SafetyMargin of it unused, with at most MaxInFlight
// requests at once.
type RateBudget struct {
	Requests     int
	Window       time.Duration
	SafetyMargin float64
	MaxInFlight  int
}

// Defaults returns the built-in profile called name.
func Defaults(name string) Profile {
	return Profile{
		Name:       name,
		TokenEnv:   DefaultTokenEnv,
		APIBaseURL: DefaultAPIBaseURL,
		Routing: RoutingSchema{
			KVNamespaceTitle: platform.DefaultKVNamespaceTitle,
			HostnamePrefix:   platform.DefaultHostnamePrefix,
			SubdomainPrefix:  platform.DefaultSubdomainPrefix,
			PathPrefix:       platform.DefaultPathPrefix,
			LastUsedPrefix:   platform.DefaultLastUsedPrefix,
		},
		TiersKey:          platform.DefaultTiersKey,
		TierTagPrefix:     platform.DefaultTierTagPrefix,
		CustomerTagPrefix: platform.DefaultCustomerTagPrefix,
		Rate: RateBudget{
			Requests:     1200,
			Window:       300 * time.Second,
			SafetyMargin: 0.05,
			MaxInFlight:  4,
		},
		PricePerScriptMonth: DefaultPricePerScriptMonth,
	}
}

// Names returns the profile names, sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
