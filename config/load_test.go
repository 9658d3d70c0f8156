package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// layered is a file setting every layered value, for precedence tests.
const layered = `default_profile = "prod"
[profiles.prod]
account_id = "` + acct1 + `"
api_base_url = "https://file.example/client/v4"
token_env = "CF_PROD_TOKEN"
read_only = true
[profiles.dev]
account_id = "` + acct2 + `"
`

// resolve runs Resolve with env over a home directory holding the config
// file text at its default path ("" for none).
func resolve(t *testing.T, text string, env map[string]string, opts LoadOptions) *Resolved {
	t.Helper()
	home := t.TempDir()
	if text != "" {
		writeConfig(t, home, ".config/wfp/config.toml", text)
	}
	opts.Env, opts.Home = envOf(env), home
	r, err := Resolve(opts)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return r
}

func TestPrecedenceProfile(t *testing.T) {
	several := "[profiles.a]\n[profiles.b]\n[profiles.default]\n"
	cases := []struct {
		name, text string
		env        map[string]string
		flag       string
		want       string
		layer      Layer
	}{
		{"no file", "", nil, "", "default", LayerDefault},
		{"only profile", "[profiles.solo]\n", nil, "", "solo", LayerFile},
		{"several with a default profile", several, nil, "", "default", LayerFile},
		{"file default_profile", layered, nil, "", "prod", LayerFile},
		{"env", layered, map[string]string{EnvProfile: "dev"}, "", "dev", LayerEnv},
		{"flag", layered, map[string]string{EnvProfile: "prod"}, "dev", "dev", LayerFlag},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := resolve(t, tc.text, tc.env, LoadOptions{Profile: tc.flag})
			if len(r.Problems) > 0 {
				t.Fatalf("problems:\n%s", formatAll(r.Problems))
			}
			if r.Profile.Name != tc.want || r.Sources.Profile.Layer != tc.layer {
				t.Errorf("profile %s from %v, want %s from %s", r.Profile.Name, r.Sources.Profile, tc.want, tc.layer)
			}
		})
	}
}

func TestPrecedenceLayeredValues(t *testing.T) {
	yes, no := true, false
	envAll := map[string]string{
		EnvAccountID:  acct3,
		EnvAPIBaseURL: "http://127.0.0.1:8787/client/v4",
		EnvReadOnly:   "false",
	}
	type want struct {
		acct, url string
		ro        bool
		layer     Layer
	}
	cases := []struct {
		name string
		text string
		env  map[string]string
		opts LoadOptions
		want want
	}{
		{"defaults", "", nil, LoadOptions{}, want{"", DefaultAPIBaseURL, false, LayerDefault}},
		{"file", layered, nil, LoadOptions{}, want{acct1, "https://file.example/client/v4", true, LayerFile}},
		{"env over file", layered, envAll, LoadOptions{}, want{acct3, "http://127.0.0.1:8787/client/v4", false, LayerEnv}},
		{"flags over env", layered, envAll, LoadOptions{AccountID: acct2, APIBaseURL: "https://flag.example/client/v4", ReadOnly: &yes},
			want{acct2, "https://flag.example/client/v4", true, LayerFlag}},
		{"flag read-only false over file", layered, nil, LoadOptions{ReadOnly: &no}, want{acct1, "https://file.example/client/v4", false, LayerFlag}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := resolve(t, tc.text, tc.env, tc.opts)
			if len(r.Problems) > 0 {
				t.Fatalf("problems:\n%s", formatAll(r.Problems))
			}
			p := r.Profile
			if p.AccountID != tc.want.acct || p.APIBaseURL != tc.want.url || p.ReadOnly != tc.want.ro {
				t.Errorf("got account %q url %q read-only %t, want %+v", p.AccountID, p.APIBaseURL, p.ReadOnly, tc.want)
			}
			if tc.name == "flag read-only false over file" {
				if r.Sources.ReadOnly.Layer != LayerFlag || r.Sources.AccountID.Layer != LayerFile {
					t.Errorf("sources %+v", r.Sources)
				}
				return
			}
			for what, s := range map[string]Source{"account": r.Sources.AccountID, "url": r.Sources.APIBaseURL, "read-only": r.Sources.ReadOnly} {
				if s.Layer != tc.want.layer {
					t.Errorf("%s from %v, want layer %s", what, s, tc.want.layer)
				}
			}
		})
	}
}

func TestSourceNames(t *testing.T) {
	r := resolve(t, layered, map[string]string{EnvAPIBaseURL: "https://env.example/client/v4"}, LoadOptions{ReadOnly: new(bool)})
	got := []string{r.Sources.Profile.String(), r.Sources.AccountID.String(), r.Sources.APIBaseURL.String(), r.Sources.ReadOnly.String(), r.Sources.Token.String()}
	want := []string{"file default_profile", "file profiles.prod.account_id", "env CLOUDFLARE_API_BASE_URL", "flag --read-only", "env CF_PROD_TOKEN"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestTokenFromEnvOnly(t *testing.T) {
	// The profile names CF_PROD_TOKEN: CLOUDFLARE_API_TOKEN is not a fallback.
	r := resolve(t, layered, map[string]string{DefaultTokenEnv: "generic"}, LoadOptions{})
	if r.Token.IsSet() {
		t.Errorf("token read from %s although the profile names CF_PROD_TOKEN", DefaultTokenEnv)
	}
	r = resolve(t, layered, map[string]string{"CF_PROD_TOKEN": "prod-token"}, LoadOptions{})
	if r.Token.Reveal() != "prod-token" {
		t.Errorf("token from CF_PROD_TOKEN: got set=%t", r.Token.IsSet())
	}
	r = resolve(t, "", map[string]string{DefaultTokenEnv: "default-token"}, LoadOptions{})
	if r.Token.Reveal() != "default-token" || r.Sources.Token.Name != DefaultTokenEnv {
		t.Errorf("default token variable: set=%t from %v", r.Token.IsSet(), r.Sources.Token)
	}
	r = resolve(t, "", map[string]string{DefaultTokenEnv: "bad token\n"}, LoadOptions{})
	p := findProblem(t, r.Problems, DefaultTokenEnv)
	if p.Layer != LayerEnv || r.Token.IsSet() || strings.Contains(p.Message, "bad token") {
		t.Errorf("bad token: %+v, set=%t", p, r.Token.IsSet())
	}
}

func TestEnvAndFlagProblems(t *testing.T) {
	r := resolve(t, layered, map[string]string{
		EnvAccountID:  "not-hex",
		EnvAPIBaseURL: "http://remote.example/client/v4",
		EnvReadOnly:   "maybe",
	}, LoadOptions{})
	for key, msg := range map[string]string{
		EnvAccountID:  `must be 32 lower-case hex characters, the account id shown in the Cloudflare dashboard (got "not-hex")`,
		EnvAPIBaseURL: "plain http is allowed only for loopback hosts",
		EnvReadOnly:   `must be true or false (or 1 or 0) (got "maybe")`,
	} {
		p := findProblem(t, r.Problems, key)
		if p.Layer != LayerEnv || p.Message != msg && !strings.Contains(p.Message, msg) {
			t.Errorf("%s: got %+v, want %q", key, p, msg)
		}
	}
	// A flag overriding a bad env value hides it; a bad flag is reported.
	r = resolve(t, layered, map[string]string{EnvAccountID: "not-hex"}, LoadOptions{AccountID: acct2, APIBaseURL: "x"})
	if len(r.Problems) != 1 || r.Problems[0].Key != "--api-base-url" || r.Problems[0].Layer != LayerFlag {
		t.Errorf("got:\n%s", formatAll(r.Problems))
	}
}

func TestUnknownProfile(t *testing.T) {
	cases := []struct {
		name, text string
		env        map[string]string
		flag       string
		key, msg   string
	}{
		{"flag", layered, nil, "qa", "--profile", `no profile "qa" in `},
		{"env", layered, map[string]string{EnvProfile: "qa"}, "", EnvProfile, "(profiles: dev, prod)"},
		{"no file", "", nil, "prod", "--profile", "(it defines no profiles)"},
		{"bad name", layered, nil, "Q A", "--profile", "profile names must be"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := resolve(t, tc.text, tc.env, LoadOptions{Profile: tc.flag})
			p := findProblem(t, r.Problems, tc.key)
			if !strings.Contains(p.Message, tc.msg) {
				t.Errorf("got %q, want …%s…", p.Message, tc.msg)
			}
		})
	}
	// "default" is fine without a file: it is the built-in profile.
	if r := resolve(t, "", nil, LoadOptions{Profile: "default"}); len(r.Problems) > 0 {
		t.Errorf("--profile default without a file:\n%s", formatAll(r.Problems))
	}
}

func TestSeveralProfilesNoneChosen(t *testing.T) {
	text := "[profiles.a]\n[profiles.b]\n"
	r := resolve(t, text, nil, LoadOptions{})
	p := findProblem(t, r.Problems, "default_profile")
	if !strings.Contains(p.Message, "several profiles (a, b) and none is chosen") {
		t.Errorf("got %q", p.Message)
	}
	if r := resolve(t, text, nil, LoadOptions{Profile: "b"}); len(r.Problems) > 0 || r.Profile.Name != "b" {
		t.Errorf("--profile b: %s\n%s", r.Profile.Name, formatAll(r.Problems))
	}
}

func TestMissingFile(t *testing.T) {
	home := t.TempDir()
	// At the default path: built-in defaults.
	r, err := Load(LoadOptions{Env: envOf(nil), Home: home})
	if err != nil {
		t.Fatalf("default path missing: %v", err)
	}
	if r.File.Exists || r.Profile != Defaults(DefaultProfileName) {
		t.Errorf("got exists=%t profile %+v", r.File.Exists, r.Profile)
	}
	// Given explicitly: an error naming the path and the layer.
	missing := filepath.Join(home, "nope.toml")
	for name, opts := range map[string]LoadOptions{
		"flag": {ConfigPath: missing, Env: envOf(nil), Home: home},
		"env":  {Env: envOf(map[string]string{EnvConfig: missing}), Home: home},
	} {
		_, err := Load(opts)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
			t.Errorf("%s: want not-exist naming %s, got %v", name, missing, err)
		}
	}
}

func TestLoadRefusesProblems(t *testing.T) {
	home := t.TempDir()
	path := writeConfig(t, home, "c.toml", "[profiles.p]\naccount_id = \"x\"\n[profiles.q.rate]\nrequests = 0\n")
	_, err := Load(LoadOptions{ConfigPath: path, Profile: "q", Env: envOf(nil), Home: home})
	var pe *ProblemsError
	if !errors.As(err, &pe) || len(pe.Problems) != 2 {
		t.Fatalf("want a ProblemsError with 2 problems (inactive profiles too), got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, path+":2: profiles.p.account_id: ") || !strings.Contains(msg, path+":4: profiles.q.rate.requests: ") {
		t.Errorf("message:\n%s", msg)
	}
}

func TestLoadFileErrors(t *testing.T) {
	home := t.TempDir()
	bad := writeConfig(t, home, "bad.toml", "[profiles.p\n")
	_, err := Load(LoadOptions{ConfigPath: bad, Env: envOf(nil), Home: home})
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 1 {
		t.Errorf("malformed: %v", err)
	}
	big := writeConfig(t, home, "big.toml", "# "+strings.Repeat("x", maxFileBytes)+"\n")
	if _, err := Load(LoadOptions{ConfigPath: big, Env: envOf(nil), Home: home}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
	if _, err := Load(LoadOptions{ConfigPath: home, Env: envOf(nil), Home: home}); err == nil {
		t.Error("a directory as config: want an error")
	}
	if err := os.Chmod(bad, 0); err == nil && os.Geteuid() != 0 {
		if _, err := Load(LoadOptions{ConfigPath: bad, Env: envOf(nil), Home: home}); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("unreadable: %v", err)
		}
	}
}

func TestLoadUsesXDGFromEnv(t *testing.T) {
	xdg := t.TempDir()
	writeConfig(t, xdg, "wfp/config.toml", "[profiles.x]\nproduction = true\n")
	r, err := Load(LoadOptions{Env: envOf(map[string]string{"XDG_CONFIG_HOME": xdg, "HOME": t.TempDir()})})
	if err != nil {
		t.Fatal(err)
	}
	if r.Profile.Name != "x" || !r.Profile.Production || r.Paths.ConfigSource.Name != "XDG_CONFIG_HOME" {
		t.Errorf("got %s production=%t from %v", r.Profile.Name, r.Profile.Production, r.Paths.ConfigSource)
	}
}

// A token pasted into token_env is not kept as the token's source, so
// Resolved's String (and anything printing Sources.Token) cannot show it.
func TestResolvedDoesNotKeepATokenInTokenEnv(t *testing.T) {
	tok := "Y8a2Lr0kZcTqW1vN3fBq5eJ8xG2hR7mP9sK4dLwX"
	r := resolve(t, "[profiles.p]\ntoken_env = \""+tok+"\"\n", map[string]string{tok: "secret-value"}, LoadOptions{})
	if r.Token.IsSet() || r.Sources.Token.Name != "" {
		t.Errorf("token set %t from %v", r.Token.IsSet(), r.Sources.Token)
	}
	for _, s := range []string{r.String(), fmt.Sprintf("%v %+v %#v", r, r, r)} {
		if strings.Contains(s, tok) || strings.Contains(s, "secret-value") {
			t.Errorf("printed: %s", s)
		}
	}
}
