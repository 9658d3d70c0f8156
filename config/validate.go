package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/wfpconsole/wfp/cfclient/platform"
)

// Limits of a profile's values.
const (
	maxProfileName  = 64
	minWindow       = time.Second
	maxWindow       = 24 * time.Hour
	maxSafetyMargin = 0.5
	maxInFlight     = 32
	// maxPricePerScript bounds price_per_script_month: far above any
	// plan's price.
	maxPricePerScript = 100
)

// Validate returns every problem of the file at once, ordered by line:
// those found while reading it (types, unknown keys, tokens) and every rule
// a value breaks. Each names the key, its line where known, and the rule.
func (c *Config) Validate() []Problem {
	ps := append([]Problem(nil), c.problems...)
	if _, set := c.keys["default_profile"]; set {
		if _, ok := c.Profiles[c.DefaultProfile]; !ok {
			ps = append(ps, c.at([]string{"default_profile"},
				fmt.Sprintf("no profile %s in this file (%s)", quoteShort(c.DefaultProfile), c.describeNames())))
		}
	}
	for _, name := range c.Names() {
		ps = append(ps, c.checkProfile(c.Profiles[name])...)
	}
	return sortProblems(ps)
}

// describeNames lists the profiles for a message.
func (c *Config) describeNames() string {
	if len(c.Profiles) == 0 {
		return "it defines no profiles"
	}
	return "profiles: " + strings.Join(c.Names(), ", ")
}

// at builds a file problem for key with its line.
func (c *Config) at(key []string, msg string) Problem {
	return Problem{Layer: LayerFile, Key: displayKey(key), Line: c.lines.find(key), Message: msg}
}

// checkProfile applies every rule to one profile.
func (c *Config) checkProfile(p *Profile) []Problem {
	var ps []Problem
	base := []string{"profiles", p.Name}
	key := func(rel string) []string { return append(append([]string{}, base...), strings.Split(rel, ".")...) }
	defined := func(rel string) bool { _, ok := c.keys[joinKey(key(rel))]; return ok }
	check := func(rel, msg string) {
		if msg != "" {
			ps = append(ps, c.at(key(rel), msg))
		}
	}
	if msg := checkProfileName(p.Name); msg != "" {
		ps = append(ps, c.at(base, msg))
	}
	if p.AccountID != "" || defined("account_id") {
		check("account_id", CheckAccountID(p.AccountID))
	}
	check("token_env", CheckTokenEnv(p.TokenEnv))
	check("api_base_url", CheckAPIBaseURL(p.APIBaseURL))
	if p.Routing.KVNamespaceID != "" || defined("routing.kv_namespace_id") {
		check("routing.kv_namespace_id", checkHex32(p.Routing.KVNamespaceID, "the routing namespace's id"))
	}
	check("routing.kv_namespace_title", checkText(p.Routing.KVNamespaceTitle))
	check("tiers.key", checkKVKey(p.TiersKey))

	routing := []named{
		{"routing.hostname_prefix", p.Routing.HostnamePrefix},
		{"routing.subdomain_prefix", p.Routing.SubdomainPrefix},
		{"routing.path_prefix", p.Routing.PathPrefix},
		{"routing.last_used_prefix", p.Routing.LastUsedPrefix},
	}
	tags := []named{
		{"tiers.tag_prefix", p.TierTagPrefix},
		{"customers.tag_prefix", p.CustomerTagPrefix},
	}
	for _, n := range routing {
		check(n.key, checkPrefix(n.value, false))
	}
	for _, n := range tags {
		check(n.key, checkPrefix(n.value, true))
	}
	for _, group := range [][]named{routing, tags} {
		for i, a := range group {
			for _, b := range group[i+1:] {
				if a.value == "" || b.value == "" || !(strings.HasPrefix(a.value, b.value) || strings.HasPrefix(b.value, a.value)) {
					continue
				}
				// Report at the key the file set, so the line points at it.
				at, other := b, a
				if defined(a.key) && !defined(b.key) {
					at, other = a, b
				}
				check(at.key, fmt.Sprintf("%s overlaps %s %s: prefixes must differ and none may start with another",
					quoteShort(at.value), other.key, quoteShort(other.value)))
			}
		}
	}
	for _, n := range routing {
		if n.value != "" && strings.HasPrefix(p.TiersKey, n.value) {
			check("tiers.key", fmt.Sprintf("%s starts with %s %s, so it would be read as a route",
				quoteShort(p.TiersKey), n.key, quoteShort(n.value)))
		}
	}

	r := p.Rate
	if r.Requests < 1 {
		check("rate.requests", fmt.Sprintf("must be at least 1 (got %d)", r.Requests))
	}
	if r.Window < minWindow || r.Window > maxWindow {
		check("rate.window", fmt.Sprintf("must be between 1s and 24h (got %s)", r.Window))
	}
	if !(r.SafetyMargin > 0 && r.SafetyMargin <= maxSafetyMargin) || math.IsNaN(r.SafetyMargin) {
		check("rate.safety_margin", fmt.Sprintf("must be more than 0 and at most 0.5, the share of the budget kept unused (got %g)", r.SafetyMargin))
	}
	if r.MaxInFlight < 1 || r.MaxInFlight > maxInFlight {
		check("rate.max_in_flight", fmt.Sprintf("must be between 1 and %d (got %d)", maxInFlight, r.MaxInFlight))
	}
	if pr := p.PricePerScriptMonth; !(pr >= 0 && pr <= maxPricePerScript) {
		check("price_per_script_month", fmt.Sprintf("must be a price in USD from 0 to %g a script a month (Workers for Platforms: 0.02; got %g)", float64(maxPricePerScript), pr))
	}
	return ps
}

// named is a value with its key relative to the profile.
type named struct{ key, value string }

// checkProfileName is the rule for profile names.
func checkProfileName(name string) string {
	ok := name != "" && len(name) <= maxProfileName
	for _, r := range name {
		ok = ok && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}
	if !ok {
		return fmt.Sprintf("profile names must be 1 to %d characters of a-z, 0-9, _ and -", maxProfileName)
	}
	return ""
}

// CheckAccountID returns the rule id breaks, or "".
func CheckAccountID(id string) string {
	return checkHex32(id, "the account id shown in the Cloudflare dashboard")
}

// checkHex32 requires 32 lower-case hex characters.
func checkHex32(s, what string) string {
	ok := len(s) == 32
	for i := 0; ok && i < len(s); i++ {
		ok = s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f'
	}
	if !ok {
		return fmt.Sprintf("must be 32 lower-case hex characters, %s (got %s)", what, quoteShort(s))
	}
	return ""
}

// CheckTokenEnv returns the rule name breaks as an environment variable's
// name, or "". The value is never echoed: it may be a token pasted by
// mistake. A name is letters, digits and _, not starting with a digit, at
// most 128 characters, and must not look like a token (looksLikeToken).
func CheckTokenEnv(name string) string {
	const (
		rule = "must be the name of the environment variable holding the token (letters, digits and _, not starting with a digit, at most 128 characters)"
		hint = "; this looks like a token itself: put the token in the environment, its variable's name here"
	)
	ok := name != "" && len(name) <= 128 && !(name[0] >= '0' && name[0] <= '9')
	for _, r := range name {
		ok = ok && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	}
	switch {
	case ok && !looksLikeToken(name):
		return ""
	case ok || looksLikeToken(name):
		return rule + hint
	}
	return rule
}

// looksLikeToken reports whether a would-be variable name is more likely a
// pasted secret: random text switches between letters and digits, and
// between lower and upper case, far more often than names made of words
// do. CLOUDFLARE_API_TOKEN, CloudflareApiTokenForProdAccount and
// PROCESSOR_ARCHITEW6432 pass; a 40-character API token, a 37-character
// hex Global API Key or a 40-character upper-case token almost never does
// (fewer than 2 in 1,000 random ones of each).
func looksLikeToken(name string) bool {
	if len(name) < 20 {
		return false
	}
	class := func(c byte) int {
		switch {
		case c >= '0' && c <= '9':
			return 1
		case c >= 'a' && c <= 'z':
			return 2
		case c >= 'A' && c <= 'Z':
			return 3
		}
		return 0
	}
	var upper, lower, digit bool
	digitSwitches, caseSwitches := 0, 0
	for i := 0; i < len(name); i++ {
		c := class(name[i])
		upper, lower, digit = upper || c == 3, lower || c == 2, digit || c == 1
		if i == 0 {
			continue
		}
		switch p := class(name[i-1]); {
		case p == 0 || c == 0 || p == c:
		case p == 1 || c == 1:
			digitSwitches++
		default:
			caseSwitches++
		}
	}
	return len(name) >= 32 && upper && lower && digit || digitSwitches >= 6 || caseSwitches >= 12
}

// CheckAPIBaseURL returns the rule u breaks as the API root, or "". The
// value is not echoed: it may hold credentials.
func CheckAPIBaseURL(raw string) string {
	const rule = "must be an absolute http(s) URL such as " + DefaultAPIBaseURL
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Opaque != "" || u.Host == "":
		return rule
	case u.Scheme != "https" && u.Scheme != "http":
		return rule + " (the scheme must be https, or http for loopback)"
	case u.User != nil:
		return "must not contain a user name or password (the token comes from token_env)"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "must not have a query or fragment"
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "plain http is allowed only for loopback hosts (localhost, 127.0.0.1, ::1): the token would travel unencrypted"
	}
	return ""
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkPrefix requires a non-empty prefix without blanks or control
// characters (and, for tags, without , or &, which Cloudflare rejects).
func checkPrefix(s string, tag bool) string {
	if s == "" {
		return "must not be empty"
	}
	if tag && strings.ContainsAny(s, ",&") {
		return fmt.Sprintf("must not contain , or & (Cloudflare rejects them in tags; got %s)", quoteShort(s))
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Sprintf("must not contain spaces or control characters (got %s)", quoteShort(s))
		}
	}
	if len(s) > 100 {
		return fmt.Sprintf("must be at most 100 bytes (got %d)", len(s))
	}
	return ""
}

// checkKVKey is Workers KV's rule for key names (the client's rule, from
// package platform), and no control characters in a config value.
func checkKVKey(k string) string {
	if r := platform.ValidKVKey(k); r != "" {
		return r
	}
	return checkText(k)
}

// checkText requires non-empty text without control characters.
func checkText(s string) string {
	if s == "" {
		return "must not be empty"
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Sprintf("must not contain control characters (got %s)", quoteShort(s))
		}
	}
	return ""
}

// quoteShort quotes s for a message, escaping control characters and
// shortening it past 64 bytes.
func quoteShort(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("%q…", s[:64])
	}
	return fmt.Sprintf("%q", s)
}
