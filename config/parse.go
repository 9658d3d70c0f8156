package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// tokenMessage is the problem for a token written in the file.
const tokenMessage = "tokens are read only from the environment (set token_env to the variable's name and remove this key)"

// isTokenKey reports whether a key name is taken for a token written in
// the file.
func isTokenKey(k string) bool { return k == "token" || k == "api_token" }

// field is one key a profile may set, relative to [profiles.<name>].
type field struct {
	key string
	// set stores v in p, or returns the rule v breaks.
	set func(p *Profile, v any) string
}

// profileFields lists every key of a profile.
func profileFields() []field {
	return []field{
		stringField("account_id", func(p *Profile) *string { return &p.AccountID }),
		stringField("token_env", func(p *Profile) *string { return &p.TokenEnv }),
		stringField("api_base_url", func(p *Profile) *string { return &p.APIBaseURL }),
		boolField("production", func(p *Profile) *bool { return &p.Production }),
		boolField("read_only", func(p *Profile) *bool { return &p.ReadOnly }),
		stringField("routing.kv_namespace_id", func(p *Profile) *string { return &p.Routing.KVNamespaceID }),
		stringField("routing.kv_namespace_title", func(p *Profile) *string { return &p.Routing.KVNamespaceTitle }),
		stringField("routing.hostname_prefix", func(p *Profile) *string { return &p.Routing.HostnamePrefix }),
		stringField("routing.subdomain_prefix", func(p *Profile) *string { return &p.Routing.SubdomainPrefix }),
		stringField("routing.path_prefix", func(p *Profile) *string { return &p.Routing.PathPrefix }),
		stringField("routing.last_used_prefix", func(p *Profile) *string { return &p.Routing.LastUsedPrefix }),
		stringField("tiers.key", func(p *Profile) *string { return &p.TiersKey }),
		stringField("tiers.tag_prefix", func(p *Profile) *string { return &p.TierTagPrefix }),
		stringField("customers.tag_prefix", func(p *Profile) *string { return &p.CustomerTagPrefix }),
		intField("rate.requests", func(p *Profile) *int { return &p.Rate.Requests }),
		durationField("rate.window", func(p *Profile) *time.Duration { return &p.Rate.Window }),
		floatField("rate.safety_margin", func(p *Profile) *float64 { return &p.Rate.SafetyMargin }),
		intField("rate.max_in_flight", func(p *Profile) *int { return &p.Rate.MaxInFlight }),
		floatField("price_per_script_month", func(p *Profile) *float64 { return &p.PricePerScriptMonth }),
	}
}

func stringField(key string, at func(*Profile) *string) field {
	return field{key, func(p *Profile, v any) string {
		s, ok := v.(string)
		if !ok {
			return "must be a string" + got(v)
		}
		*at(p) = s
		return ""
	}}
}

func boolField(key string, at func(*Profile) *bool) field {
	return field{key, func(p *Profile, v any) string {
		b, ok := v.(bool)
		if !ok {
			return "must be true or false" + got(v)
		}
		*at(p) = b
		return ""
	}}
}

func intField(key string, at func(*Profile) *int) field {
	return field{key, func(p *Profile, v any) string {
		n, ok := v.(int64)
		if !ok {
			return "must be an integer" + got(v)
		}
		*at(p) = int(n)
		return ""
	}}
}

func floatField(key string, at func(*Profile) *float64) field {
	return field{key, func(p *Profile, v any) string {
		switch n := v.(type) {
		case float64:
			*at(p) = n
		case int64:
			*at(p) = float64(n)
		default:
			return "must be a number" + got(v)
		}
		return ""
	}}
}

// durationField takes a Go duration string ("300s", "5m") or whole seconds.
func durationField(key string, at func(*Profile) *time.Duration) field {
	return field{key, func(p *Profile, v any) string {
		const rule = `must be a duration such as "300s" or "5m", or whole seconds`
		switch d := v.(type) {
		case string:
			parsed, err := time.ParseDuration(d)
			if err != nil {
				return fmt.Sprintf("%s (got %q)", rule, d)
			}
			*at(p) = parsed
		case int64:
			if d > int64(24*time.Hour/time.Second) || d < 0 {
				return fmt.Sprintf("%s, at most one day (got %d)", rule, d)
			}
			*at(p) = time.Duration(d) * time.Second
		default:
			return rule + got(v)
		}
		return ""
	}}
}

// got describes a decoded TOML value's type for a message.
func got(v any) string {
	switch v.(type) {
	case string:
		return " (got a string)"
	case int64:
		return " (got an integer)"
	case float64:
		return " (got a float)"
	case bool:
		return " (got a boolean)"
	case map[string]any:
		return " (got a table)"
	case []any, []map[string]any:
		return " (got an array)"
	case time.Time:
		return " (got a date-time)"
	}
	return fmt.Sprintf(" (got a %T)", v)
}

// Parse reads a config file's text. Only text that is not TOML is an error
// (a *SyntaxError); every other problem is kept for Validate.
func Parse(path string, data []byte) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line, col := errorPosition(data, pe.Position)
			return nil, &SyntaxError{Path: path, Line: line, Col: col, Message: printable(pe.Message)}
		}
		return nil, fmt.Errorf("%s: invalid TOML: %w", path, err)
	}
	c := &Config{
		Path:     path,
		Exists:   true,
		Profiles: map[string]*Profile{},
		Serve:    DefaultServe(),
		keys:     map[string]int{},
		lines:    keyLines(data),
		data:     data,
	}
	for k, v := range raw {
		switch {
		case k == "default_profile":
			s, ok := v.(string)
			if !ok {
				c.problem([]string{k}, "must be a string"+got(v))
				continue
			}
			c.DefaultProfile = s
			c.keys[k] = c.lines.find([]string{k})
		case k == "profiles":
			c.decodeProfiles(v)
		case k == "serve":
			c.decodeServe(v)
		case isTokenKey(k):
			c.problem([]string{k}, tokenMessage)
		default:
			c.problem([]string{k}, "unknown key (known: default_profile, profiles, serve)")
		}
	}
	return c, nil
}

// errorPosition returns the line and column of a parse error, counted from
// its byte offset: the parser's own line is one too far when the error is
// at the end of a line.
func errorPosition(data []byte, pos toml.Position) (line, col int) {
	text := strings.TrimPrefix(string(data), "\xef\xbb\xbf") // the parser skips a BOM
	if pos.Start < 0 || pos.Start > len(text) {
		return pos.Line, pos.Col
	}
	before := text[:pos.Start]
	return strings.Count(before, "\n") + 1, pos.Start - strings.LastIndexByte(before, '\n')
}

// decodeProfiles reads the [profiles] table.
func (c *Config) decodeProfiles(v any) {
	tbl, ok := v.(map[string]any)
	if !ok {
		c.problem([]string{"profiles"}, "must be a table of profiles, e.g. [profiles.prod]"+got(v))
		return
	}
	fields := profileFields()
	for name, pv := range tbl {
		base := []string{"profiles", name}
		ptbl, ok := pv.(map[string]any)
		if !ok {
			c.problem(base, fmt.Sprintf("must be a table, e.g. [profiles.%s]%s", displayKey([]string{name}), got(pv)))
			continue
		}
		p := Defaults(name)
		c.decodeTable(&p, base, "", ptbl, fields)
		c.Profiles[name] = &p
	}
}

// decodeTable stores the keys of a profile's table (prefix "" for the
// profile itself, "routing." etc. for its sub-tables).
func (c *Config) decodeTable(p *Profile, base []string, prefix string, tbl map[string]any, fields []field) {
	for k, v := range tbl {
		key := append(append([]string{}, base...), k)
		if isTokenKey(k) {
			c.problem(key, tokenMessage)
			continue
		}
		if f, ok := findField(fields, prefix+k); ok {
			if msg := f.set(p, v); msg != "" {
				c.problem(key, msg)
				continue
			}
			c.keys[joinKey(key)] = c.lines.find(key)
			continue
		}
		if prefix == "" && len(knownKeys(fields, k+".")) > 0 {
			sub, isTable := v.(map[string]any)
			if !isTable {
				c.problem(key, fmt.Sprintf("must be a table, e.g. [%s]%s", displayKey(key), got(v)))
				continue
			}
			c.decodeTable(p, key, k+".", sub, fields)
			continue
		}
		c.problem(key, "unknown key (known: "+strings.Join(knownKeys(fields, prefix), ", ")+")")
	}
}

// findField returns the field with key.
func findField(fields []field, key string) (field, bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// knownKeys lists the keys directly under prefix (sub-tables once each).
func knownKeys(fields []field, prefix string) []string {
	var out []string
	for _, f := range fields {
		rest, ok := strings.CutPrefix(f.key, prefix)
		if !ok {
			continue
		}
		if table, _, nested := strings.Cut(rest, "."); nested {
			rest = "[" + table + "]"
		}
		if len(out) == 0 || out[len(out)-1] != rest {
			out = append(out, rest)
		}
	}
	return out
}

// problem records a file problem at key.
func (c *Config) problem(key []string, msg string) {
	c.problems = append(c.problems, Problem{Layer: LayerFile, Key: displayKey(key), Line: c.lines.find(key), Message: msg})
}

// printable makes text safe on a terminal: control and invisible characters
// are escaped (termsafe.Line), not replaced, so what was there can be read.
func printable(s string) string { return termsafe.Line(s) }
