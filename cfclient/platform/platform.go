// Package platform is the domain of a Workers for Platforms platform, with
// no I/O: where the dispatch Worker's routing table lives and how its keys
// and values read (Schema, ParseRoute), tiers and effective limits, the tag
// conventions (tier-, customer-), and every validation rule wfp enforces
// before calling the API. The config validates with the same functions, so
// a rule is written once.
package platform

import (
	"fmt"
	"strings"
)

// RoutingSchema says where the platform keeps its routing table in Workers
// KV and how the keys look (docs/design.md, "Platform conventions").
type RoutingSchema struct {
	// KVNamespaceID is the routing namespace; when "" the namespace titled
	// KVNamespaceTitle is used.
	KVNamespaceID    string
	KVNamespaceTitle string
	// Key prefixes of the three kinds of route and of last-use timestamps
	// (which are not routes).
	HostnamePrefix  string
	SubdomainPrefix string
	PathPrefix      string
	LastUsedPrefix  string
}

// Schema is the whole convention of one platform: the routing table, the
// tier table's key and the tag prefixes.
type Schema struct {
	Routing RoutingSchema
	// TiersKey is the KV key of the tier definitions (in the routing
	// namespace).
	TiersKey string
	// TierTagPrefix marks a script's tier tag (tier-<name>).
	TierTagPrefix string
	// CustomerTagPrefix marks a script's customer tag (customer-<id>).
	CustomerTagPrefix string
}

// Defaults of the conventions.
const (
	DefaultKVNamespaceTitle  = "ROUTING"
	DefaultHostnamePrefix    = "hostname:"
	DefaultSubdomainPrefix   = "subdomain:"
	DefaultPathPrefix        = "path:"
	DefaultLastUsedPrefix    = "last-used:"
	DefaultTiersKey          = "tiers"
	DefaultTierTagPrefix     = "tier-"
	DefaultCustomerTagPrefix = "customer-"
)

// DefaultSchema is the convention wfp assumes when the config says nothing.
func DefaultSchema() Schema {
	return Schema{}.WithDefaults()
}

// WithDefaults fills every empty field with its default.
func (s Schema) WithDefaults() Schema {
	r := &s.Routing
	r.KVNamespaceTitle = orDefault(r.KVNamespaceTitle, DefaultKVNamespaceTitle)
	r.HostnamePrefix = orDefault(r.HostnamePrefix, DefaultHostnamePrefix)
	r.SubdomainPrefix = orDefault(r.SubdomainPrefix, DefaultSubdomainPrefix)
	r.PathPrefix = orDefault(r.PathPrefix, DefaultPathPrefix)
	r.LastUsedPrefix = orDefault(r.LastUsedPrefix, DefaultLastUsedPrefix)
	s.TiersKey = orDefault(s.TiersKey, DefaultTiersKey)
	s.TierTagPrefix = orDefault(s.TierTagPrefix, DefaultTierTagPrefix)
	s.CustomerTagPrefix = orDefault(s.CustomerTagPrefix, DefaultCustomerTagPrefix)
	return s
}

// Validate checks the schema's keys and prefixes; nil when they are fine.
func (s Schema) Validate() *RuleError {
	return FirstFailure(
		Check{fmt.Sprintf("tiers key %q", s.TiersKey), ValidKVKey(s.TiersKey)},
		Check{fmt.Sprintf("tier tag prefix %q", s.TierTagPrefix), ValidTag(s.TierTagPrefix)},
		Check{fmt.Sprintf("customer tag prefix %q", s.CustomerTagPrefix), ValidTag(s.CustomerTagPrefix)},
	)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TierOf returns the tier a script's tags name ("" when none). ambiguous is
// true when the tags name more than one tier; the first one is returned.
func (s Schema) TierOf(tags []string) (tier string, ambiguous bool) {
	return tagValue(tags, s.TierTagPrefix)
}

// CustomerOf returns the customer a script's tags name ("" when none), as
// TierOf does for tiers.
func (s Schema) CustomerOf(tags []string) (customer string, ambiguous bool) {
	return tagValue(tags, s.CustomerTagPrefix)
}

// TierTag is the tag that puts a script in tier name.
func (s Schema) TierTag(name string) string { return s.TierTagPrefix + name }

// tagValue is the part after prefix of the first tag carrying it.
func tagValue(tags []string, prefix string) (value string, ambiguous bool) {
	for _, t := range tags {
		v, ok := strings.CutPrefix(t, prefix)
		if !ok || v == "" {
			continue
		}
		if value == "" {
			value = v
		} else if v != value {
			ambiguous = true
		}
	}
	return value, ambiguous
}
