package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// maxFileBytes caps the config file, so a wrong --config (a device, a huge
// log) fails fast instead of filling memory.
const maxFileBytes = 1 << 20

// LoadOptions are the command line's settings and the process environment.
// Empty strings and a nil ReadOnly mean "not given".
type LoadOptions struct {
	ConfigPath string // --config
	Profile    string // --profile
	AccountID  string // --account-id
	APIBaseURL string // --api-base-url
	ReadOnly   *bool  // --read-only
	// Env looks up environment variables (default os.LookupEnv).
	Env func(string) (string, bool)
	// Home is the home directory (default $HOME from Env, or, with the
	// real environment, os.UserHomeDir).
	Home string
}

// Sources says which layer set each layered value.
type Sources struct {
	Profile    Source
	AccountID  Source
	APIBaseURL Source
	ReadOnly   Source
	// Token names the variable the token was read from (or would be).
	Token Source
}

// Resolved is the configuration in effect: the active profile with the
// environment and flags applied, the token, and where each value came from.
type Resolved struct {
	Paths Paths
	// File is the config file as read (empty when it does not exist).
	File *Config
	// Profile is the active profile, every layer applied.
	Profile Profile
	// Token is the API token from the variable Profile.TokenEnv names; it
	// never prints. It is unset when the variable is.
	Token   Secret
	Sources Sources
	// Problems lists every problem of the file, the environment and the
	// flags; Load refuses a configuration that has any.
	Problems []Problem
}

// Load is Resolve, failing with a *ProblemsError when there are problems.
func Load(opts LoadOptions) (*Resolved, error) {
	r, err := Resolve(opts)
	if err != nil {
		return nil, err
	}
	if len(r.Problems) > 0 {
		return nil, &ProblemsError{Path: r.Paths.Config, Problems: r.Problems}
	}
	return r, nil
}

// Resolve finds the paths, reads the config file and applies the layers:
// flags > environment > file > defaults. Its error is for a file that
// cannot be read or parsed, or an explicit --config / WFP_CONFIG that does
// not exist; every other problem is listed in Resolved.Problems.
func Resolve(opts LoadOptions) (*Resolved, error) {
	env := opts.env()
	paths, err := opts.Paths()
	if err != nil {
		return nil, err
	}
	file, err := readConfig(paths)
	if err != nil {
		return nil, err
	}
	r := &Resolved{Paths: paths, File: file, Problems: file.Validate()}
	r.pickProfile(opts.Profile, env)
	r.applyLayers(opts, env)
	r.Problems = sortProblems(r.Problems)
	return r, nil
}

// Paths resolves the paths these options select (see ResolvePaths).
func (o LoadOptions) Paths() (Paths, error) {
	home := o.Home
	if home == "" {
		home = lookup(o.env(), "HOME")
		if home == "" && o.Env == nil {
			home, _ = os.UserHomeDir()
		}
	}
	paths, err := ResolvePaths(o.ConfigPath, o.env(), home)
	if err != nil {
		return Paths{}, fmt.Errorf("config paths: %w", err)
	}
	return paths, nil
}

// env is Env, or os.LookupEnv when nil.
func (o LoadOptions) env() func(string) (string, bool) {
	if o.Env == nil {
		return os.LookupEnv
	}
	return o.Env
}

// readConfig reads and parses the file at paths.Config. A missing file is
// an empty config unless its path was given explicitly.
func readConfig(paths Paths) (*Config, error) {
	f, err := os.Open(paths.Config)
	if errors.Is(err, fs.ErrNotExist) && !paths.ConfigExplicit() {
		return &Config{Path: paths.Config, Profiles: map[string]*Profile{}, Serve: DefaultServe(), keys: map[string]int{}, lines: lineIndex{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config file %s (from %s): %w", paths.Config, paths.ConfigSource, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read config file %s: %w", paths.Config, err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("config file %s: larger than %d bytes; is it the right file?", paths.Config, maxFileBytes)
	}
	return Parse(paths.Config, data)
}

// pickProfile chooses the active profile: --profile, else WFP_PROFILE, else
// default_profile, else the only profile, else the built-in "default".
func (r *Resolved) pickProfile(flagProfile string, env func(string) (string, bool)) {
	f := r.File
	var name string
	switch {
	case flagProfile != "":
		name, r.Sources.Profile = flagProfile, Source{Layer: LayerFlag, Name: "--profile"}
	case lookup(env, EnvProfile) != "":
		name, r.Sources.Profile = lookup(env, EnvProfile), Source{Layer: LayerEnv, Name: EnvProfile}
	case f.DefaultProfile != "":
		name, r.Sources.Profile = f.DefaultProfile, Source{Layer: LayerFile, Name: "default_profile"}
	case len(f.Profiles) == 1:
		name = f.Names()[0]
		r.Sources.Profile = Source{Layer: LayerFile, Name: "profiles." + displayKey([]string{name}) + " (the only profile)"}
	case len(f.Profiles) > 1 && f.Profiles[DefaultProfileName] == nil:
		name = DefaultProfileName
		r.problem(Problem{Layer: LayerFile, Key: "default_profile", Message: fmt.Sprintf(
			"the file defines several profiles (%s) and none is chosen: set default_profile, --profile or %s",
			strings.Join(f.Names(), ", "), EnvProfile)})
	case f.Profiles[DefaultProfileName] != nil:
		name, r.Sources.Profile = DefaultProfileName, Source{Layer: LayerFile, Name: "profiles." + DefaultProfileName}
	default:
		name, r.Sources.Profile = DefaultProfileName, Source{Layer: LayerDefault}
	}
	if p, ok := f.Profiles[name]; ok {
		r.Profile = *p
		return
	}
	r.Profile = Defaults(name)
	src := r.Sources.Profile
	if src.Layer == LayerFlag || src.Layer == LayerEnv {
		if msg := checkProfileName(name); msg != "" {
			r.problem(Problem{Layer: src.Layer, Key: src.Name, Message: msg})
			return
		}
		if name != DefaultProfileName || len(f.Profiles) > 0 {
			r.problem(Problem{Layer: src.Layer, Key: src.Name, Message: fmt.Sprintf(
				"no profile %s in %s (%s)", quoteShort(name), f.Path, f.describeNames())})
		}
	}
}

// applyLayers puts the environment and then the flags over the profile,
// checking each value that did not come from the file (Validate did those).
func (r *Resolved) applyLayers(opts LoadOptions, env func(string) (string, bool)) {
	p := &r.Profile
	fileKey := func(rel string) Source {
		k := "profiles." + displayKey([]string{p.Name}) + "." + rel
		if _, ok := r.File.keys[joinKey([]string{"profiles", p.Name, rel})]; ok {
			return Source{Layer: LayerFile, Name: k}
		}
		return Source{Layer: LayerDefault}
	}
	r.Sources.AccountID = fileKey("account_id")
	r.Sources.APIBaseURL = fileKey("api_base_url")
	r.Sources.ReadOnly = fileKey("read_only")

	layer := func(dst *string, src *Source, envName, flagName, flagValue string, check func(string) string) {
		if v := lookup(env, envName); v != "" {
			*dst, *src = v, Source{Layer: LayerEnv, Name: envName}
		}
		if flagValue != "" {
			*dst, *src = flagValue, Source{Layer: LayerFlag, Name: flagName}
		}
		if src.Layer == LayerEnv || src.Layer == LayerFlag {
			if msg := check(*dst); msg != "" {
				r.problem(Problem{Layer: src.Layer, Key: src.Name, Message: msg})
			}
		}
	}
	layer(&p.AccountID, &r.Sources.AccountID, EnvAccountID, "--account-id", opts.AccountID, CheckAccountID)
	layer(&p.APIBaseURL, &r.Sources.APIBaseURL, EnvAPIBaseURL, "--api-base-url", opts.APIBaseURL, CheckAPIBaseURL)

	if v := lookup(env, EnvReadOnly); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.problem(Problem{Layer: LayerEnv, Key: EnvReadOnly, Message: fmt.Sprintf(
				"must be true or false (or 1 or 0) (got %s)", quoteShort(v))})
		} else {
			p.ReadOnly, r.Sources.ReadOnly = b, Source{Layer: LayerEnv, Name: EnvReadOnly}
		}
	}
	if opts.ReadOnly != nil {
		p.ReadOnly, r.Sources.ReadOnly = *opts.ReadOnly, Source{Layer: LayerFlag, Name: "--read-only"}
	}

	// The token: only ever from the environment, from the variable the
	// profile names. It is checked but never echoed.
	if CheckTokenEnv(p.TokenEnv) != "" {
		return // Validate reported it; do not look up, keep or show a bad name
	}
	r.Sources.Token = Source{Layer: LayerEnv, Name: p.TokenEnv}
	tok := lookup(env, p.TokenEnv)
	for _, c := range tok {
		if unicode.IsSpace(c) || unicode.IsControl(c) {
			r.problem(Problem{Layer: LayerEnv, Key: p.TokenEnv, Message: "the token must not contain spaces or control characters"})
			return
		}
	}
	r.Token = NewSecret(tok)
}

// problem records a problem of the resolution.
func (r *Resolved) problem(p Problem) { r.Problems = append(r.Problems, p) }

// String describes the resolution without the token.
func (r Resolved) String() string {
	return fmt.Sprintf("config.Resolved{Config:%q Profile:%q Account:%q APIBaseURL:%q ReadOnly:%t Production:%t Token:%s(%s) Problems:%d}",
		r.Paths.Config, r.Profile.Name, r.Profile.AccountID, r.Profile.APIBaseURL,
		r.Profile.ReadOnly, r.Profile.Production, tokenState(r.Token), r.Sources.Token.Name, len(r.Problems))
}

// GoString is String, for %#v.
func (r Resolved) GoString() string { return r.String() }

// tokenState says whether a token is set, without showing it.
func tokenState(s Secret) string {
	if s.IsSet() {
		return "set"
	}
	return "unset"
}
