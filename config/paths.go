package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// AuditLogName is the audit log's file name in the state directory.
const AuditLogName = "audit.jsonl"

// Paths are the files and directories wfp uses.
type Paths struct {
	// Config is the config file; ConfigSource says which layer chose it.
	Config       string
	ConfigSource Source
	// StateDir holds the audit log (AuditLog); CacheDir the listing cache.
	StateDir string
	AuditLog string
	CacheDir string
}

// ConfigExplicit reports whether the config path was given by --config or
// WFP_CONFIG, in which case a missing file is an error.
func (p Paths) ConfigExplicit() bool {
	return p.ConfigSource.Layer == LayerFlag || p.ConfigSource == Source{Layer: LayerEnv, Name: EnvConfig}
}

// ResolvePaths finds the paths in use. The config file is flagConfig
// (--config), else $WFP_CONFIG, else $XDG_CONFIG_HOME/wfp/config.toml, else
// home/.config/wfp/config.toml; the state directory is $XDG_STATE_HOME/wfp
// or home/.local/state/wfp; the cache directory $XDG_CACHE_HOME/wfp or
// home/.cache/wfp. As the XDG spec says, relative XDG_* values are ignored.
// env looks variables up (os.LookupEnv in production); home may be "" when
// unknown, which is an error only if a path needs it.
func ResolvePaths(flagConfig string, env func(string) (string, bool), home string) (Paths, error) {
	var p Paths
	var missing []string // XDG variables needed because home is unknown
	dir := func(name, fallback string) (string, Source) {
		if v := lookup(env, name); filepath.IsAbs(v) {
			return filepath.Clean(v), Source{Layer: LayerEnv, Name: name}
		}
		if home == "" || !filepath.IsAbs(home) {
			missing = append(missing, name)
			return "", Source{}
		}
		return filepath.Join(home, fallback), Source{Layer: LayerDefault}
	}
	switch {
	case flagConfig != "":
		p.Config = filepath.Clean(flagConfig)
		p.ConfigSource = Source{Layer: LayerFlag, Name: "--config"}
	case lookup(env, EnvConfig) != "":
		p.Config = filepath.Clean(lookup(env, EnvConfig))
		p.ConfigSource = Source{Layer: LayerEnv, Name: EnvConfig}
	default:
		d, src := dir("XDG_CONFIG_HOME", ".config")
		p.Config = filepath.Join(d, "wfp", "config.toml")
		p.ConfigSource = src
	}
	state, _ := dir("XDG_STATE_HOME", filepath.Join(".local", "state"))
	p.StateDir = filepath.Join(state, "wfp")
	p.AuditLog = filepath.Join(p.StateDir, AuditLogName)
	cache, _ := dir("XDG_CACHE_HOME", ".cache")
	p.CacheDir = filepath.Join(cache, "wfp")
	if len(missing) > 0 {
		return Paths{}, fmt.Errorf("the home directory is unknown and %s unset (or not absolute): set HOME or %s",
			strings.Join(missing, ", "), strings.Join(missing, " and "))
	}
	return p, nil
}

// lookup returns the variable's value, "" when unset.
func lookup(env func(string) (string, bool), name string) string {
	v, _ := env(name)
	return v
}
