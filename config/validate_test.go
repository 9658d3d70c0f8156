package config

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestValidateRules(t *testing.T) {
	cases := []struct {
		name, body string // body goes under [profiles.p] (or is the whole file when it starts with "!")
		key, msg   string
		line       int
	}{
		{"account id short", `account_id = "abc"`, "profiles.p.account_id", `must be 32 lower-case hex characters, the account id shown in the Cloudflare dashboard (got "abc")`, 2},
		{"account id upper", `account_id = "0123456789ABCDEF0123456789ABCDEF"`, "profiles.p.account_id", "must be 32 lower-case hex", 2},
		{"account id empty", `account_id = ""`, "profiles.p.account_id", "must be 32 lower-case hex", 2},
		{"base url relative", `api_base_url = "/client/v4"`, "profiles.p.api_base_url", "must be an absolute http(s) URL", 2},
		{"base url scheme", `api_base_url = "ftp://x/client/v4"`, "profiles.p.api_base_url", "the scheme must be https", 2},
		{"base url credentials", `api_base_url = "https://u:pw@x/client/v4"`, "profiles.p.api_base_url", "must not contain a user name or password", 2},
		{"base url query", `api_base_url = "https://x/client/v4?a=1"`, "profiles.p.api_base_url", "must not have a query or fragment", 2},
		{"base url plain http", `api_base_url = "http://api.example.com/client/v4"`, "profiles.p.api_base_url", "plain http is allowed only for loopback hosts", 2},
		{"token env empty", `token_env = ""`, "profiles.p.token_env", "must be the name of the environment variable holding the token", 2},
		{"token env chars", `token_env = "CF-TOKEN"`, "profiles.p.token_env", "letters, digits and _", 2},
		{"token env digit", `token_env = "1TOKEN"`, "profiles.p.token_env", "not starting with a digit", 2},
		{"token env is a token", `token_env = "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"`, "profiles.p.token_env", "this looks like a token itself", 2},
		{"kv namespace id", "[profiles.p.routing]\nkv_namespace_id = \"ROUTING\"", "profiles.p.routing.kv_namespace_id", "must be 32 lower-case hex characters, the routing namespace's id", 3},
		{"kv namespace title", "[profiles.p.routing]\nkv_namespace_title = \"\"", "profiles.p.routing.kv_namespace_title", "must not be empty", 3},
		{"prefix empty", "[profiles.p.routing]\nhostname_prefix = \"\"", "profiles.p.routing.hostname_prefix", "must not be empty", 3},
		{"prefix blank", "[profiles.p.routing]\nsubdomain_prefix = \"sub domain:\"", "profiles.p.routing.subdomain_prefix", "must not contain spaces or control characters", 3},
		{"prefix control", "[profiles.p.routing]\npath_prefix = \"p\\u001b:\"", "profiles.p.routing.path_prefix", `must not contain spaces or control characters (got "p\x1b:")`, 3},
		{"prefix same", "[profiles.p.routing]\nlast_used_prefix = \"path:\"", "profiles.p.routing.last_used_prefix", `"path:" overlaps routing.path_prefix "path:": prefixes must differ and none may start with another`, 3},
		// The problem sits on the key the file set, even when it comes first.
		{"prefix overlap", "[profiles.p.routing]\nhostname_prefix = \"sub\"", "profiles.p.routing.hostname_prefix", `"sub" overlaps routing.subdomain_prefix "subdomain:"`, 3},
		{"tier tag prefix comma", "[profiles.p.tiers]\ntag_prefix = \"tier,\"", "profiles.p.tiers.tag_prefix", "must not contain , or &", 3},
		{"customer tag prefix overlaps tier", "[profiles.p.customers]\ntag_prefix = \"tier-c-\"", "profiles.p.customers.tag_prefix", `overlaps tiers.tag_prefix "tier-"`, 3},
		{"tiers key empty", "[profiles.p.tiers]\nkey = \"\"", "profiles.p.tiers.key", "must not be empty", 3},
		{"tiers key dot", "[profiles.p.tiers]\nkey = \"..\"", "profiles.p.tiers.key", `must not be "." or ".."`, 3},
		{"tiers key is a route", "[profiles.p.tiers]\nkey = \"path:tiers\"", "profiles.p.tiers.key", `"path:tiers" starts with routing.path_prefix "path:", so it would be read as a route`, 3},
		{"requests", "[profiles.p.rate]\nrequests = 0", "profiles.p.rate.requests", "must be at least 1 (got 0)", 3},
		{"window short", "[profiles.p.rate]\nwindow = \"500ms\"", "profiles.p.rate.window", "must be between 1s and 24h (got 500ms)", 3},
		{"window long", "[profiles.p.rate]\nwindow = \"25h\"", "profiles.p.rate.window", "must be between 1s and 24h (got 25h0m0s)", 3},
		{"window syntax", "[profiles.p.rate]\nwindow = \"five minutes\"", "profiles.p.rate.window", `must be a duration such as "300s" or "5m", or whole seconds (got "five minutes")`, 3},
		{"window seconds huge", "[profiles.p.rate]\nwindow = 999999999", "profiles.p.rate.window", "at most one day", 3},
		{"safety margin zero", "[profiles.p.rate]\nsafety_margin = 0", "profiles.p.rate.safety_margin", "must be more than 0 and at most 0.5, the share of the budget kept unused (got 0)", 3},
		{"safety margin big", "[profiles.p.rate]\nsafety_margin = 0.6", "profiles.p.rate.safety_margin", "(got 0.6)", 3},
		{"price negative", "price_per_script_month = -0.02", "profiles.p.price_per_script_month", "must be a price in USD from 0 to 100 a script a month (Workers for Platforms: 0.02; got -0.02)", 2},
		{"price huge", "price_per_script_month = 250", "profiles.p.price_per_script_month", "got 250)", 2},
		{"price nan", "price_per_script_month = nan", "profiles.p.price_per_script_month", "got NaN)", 2},
		{"safety margin nan", "[profiles.p.rate]\nsafety_margin = nan", "profiles.p.rate.safety_margin", "(got NaN)", 3},
		{"in flight zero", "[profiles.p.rate]\nmax_in_flight = 0", "profiles.p.rate.max_in_flight", "must be between 1 and 32 (got 0)", 3},
		{"in flight big", "[profiles.p.rate]\nmax_in_flight = 33", "profiles.p.rate.max_in_flight", "must be between 1 and 32 (got 33)", 3},
		{"profile name", "![profiles.Prod]\nproduction = true", "profiles.Prod", "profile names must be 1 to 64 characters of a-z, 0-9, _ and -", 1},
		{"profile name quoted", "![profiles.\"a b\"]\nproduction = true", `profiles."a b"`, "profile names must be", 1},
		{"profile not a table", "!profiles = { p = 1 }", "profiles.p", "must be a table, e.g. [profiles.p] (got an integer)", 1},
		{"profiles not a table", "!profiles = 1", "profiles", "must be a table of profiles", 1},
		{"default profile missing", "!default_profile = \"prod\"\n[profiles.dev]\n[profiles.qa]", "default_profile", `no profile "prod" in this file (profiles: dev, qa)`, 1},
		{"default profile no profiles", "!default_profile = \"prod\"", "default_profile", "(it defines no profiles)", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := "[profiles.p]\n" + tc.body + "\n"
			if strings.HasPrefix(tc.body, "!") {
				text = tc.body[1:] + "\n"
			}
			ps := parse(t, text).Validate()
			if len(ps) != 1 {
				t.Fatalf("want exactly one problem, got:\n%s", formatAll(ps))
			}
			p := ps[0]
			if p.Key != tc.key || p.Line != tc.line || !strings.Contains(p.Message, tc.msg) || p.Layer != LayerFile {
				t.Errorf("got %s (layer %s)\nwant c.toml:%d: %s: …%s…", p.Format("c.toml"), p.Layer, tc.line, tc.key, tc.msg)
			}
		})
	}
}

func TestValidateTokenEnvNeverEchoed(t *testing.T) {
	tok := "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5-_x"
	ps := parse(t, "[profiles.p]\ntoken_env = \""+tok+"\"\n").Validate()
	if len(ps) != 1 || strings.Contains(formatAll(ps), tok) {
		t.Fatalf("want one problem without the value, got:\n%s", formatAll(ps))
	}
}

// A token pasted into token_env is refused without being echoed, whatever
// its alphabet: mixed-case API tokens, lower-case hex keys (which used to
// pass, having no upper case), upper-case tokens; real variable names pass.
func TestCheckTokenEnvRefusesTokens(t *testing.T) {
	for _, name := range []string{
		DefaultTokenEnv, "CF_PROD_TOKEN", "cf_token", "CloudflareToken", "CloudflareApiTokenForProdAccount",
		"PROCESSOR_ARCHITEW6432", "TOKEN_2024", "X11_TOKEN", "K8S_E2E_TOKEN", "_T", "A",
		"WFP_CLOUDFLARE_API_TOKEN_FOR_THE_PRODUCTION_ACCOUNT_EU_WEST_1",
	} {
		if msg := CheckTokenEnv(name); msg != "" {
			t.Errorf("CheckTokenEnv(%q) = %q, want it accepted", name, msg)
		}
	}
	refused := []string{
		"Y8a2Lr0kZcTqW1vN3fBq5eJ8xG2hR7mP9sK4dLwX", // a Cloudflare API token
		"f9a1c0b7e2d4a6f8c1b3e5d7a9f0c2e4b6a8c",    // a Global API Key: hex, lower case
		"Q7ZP3KX9B2M8TV4R6N1WJ5YH0C3F8D2L7S9A4E1G", // upper case and digits
	}
	// And random ones of each alphabet: at most 1 in 500 may pass.
	rng := rand.New(rand.NewPCG(7, 11))
	for _, a := range []struct {
		alphabet string
		n        int
	}{
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_", 40},
		{"0123456789abcdef", 37},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 40},
	} {
		for range 500 {
			b := make([]byte, a.n)
			for i := range b {
				b[i] = a.alphabet[rng.IntN(len(a.alphabet))]
			}
			if b[0] >= '0' && b[0] <= '9' {
				b[0] = 'f' // a leading digit is refused anyway; make it harder
			}
			refused = append(refused, string(b))
		}
	}
	passed := 0
	for _, tok := range refused {
		msg := CheckTokenEnv(tok)
		if msg == "" {
			passed++
			continue
		}
		if !strings.Contains(msg, "looks like a token") || strings.Contains(msg, tok) {
			t.Errorf("CheckTokenEnv(token) = %q, want the token hint without the token", msg)
		}
	}
	if passed > len(refused)/500 {
		t.Errorf("%d of %d tokens passed as variable names", passed, len(refused))
	}
	if msg := CheckTokenEnv("Y8a2-Lr0kZcTqW1vN3fBq5eJ8xG2hR7mP9sK4dL"); !strings.Contains(msg, "looks like a token") {
		t.Errorf("a token with a dash: %q, want the token hint", msg)
	}
	if msg := CheckTokenEnv("my-token"); msg == "" || strings.Contains(msg, "looks like a token") {
		t.Errorf("a name with a dash: %q, want the rule alone", msg)
	}
}

func TestValidateEveryProblemAtOnce(t *testing.T) {
	c := parse(t, `default_profile = "nope"
[profiles.prod]
account_id = "x"
token_env = "bad name"
api_base_url = "nonsense"
[profiles.prod.rate]
requests = -1
max_in_flight = 100
[profiles.dev]
account_id = "y"
`)
	ps := c.Validate()
	want := []string{
		"c.toml:1: default_profile: ",
		"c.toml:3: profiles.prod.account_id: ",
		"c.toml:4: profiles.prod.token_env: ",
		"c.toml:5: profiles.prod.api_base_url: ",
		"c.toml:7: profiles.prod.rate.requests: ",
		"c.toml:8: profiles.prod.rate.max_in_flight: ",
		"c.toml:10: profiles.dev.account_id: ",
	}
	if len(ps) != len(want) {
		t.Fatalf("want %d problems in line order, got:\n%s", len(want), formatAll(ps))
	}
	for i, p := range ps {
		if got := p.Format("c.toml"); !strings.HasPrefix(got, want[i]) {
			t.Errorf("problem %d: %q, want prefix %q", i, got, want[i])
		}
	}
}

func TestValidateDefaultsAreValid(t *testing.T) {
	c := parse(t, "[profiles.a]\n[profiles.b_2-x]\n")
	if ps := c.Validate(); len(ps) != 0 {
		t.Fatalf("defaults have problems:\n%s", formatAll(ps))
	}
}

func TestCheckAPIBaseURLAccepts(t *testing.T) {
	for _, u := range []string{DefaultAPIBaseURL, "http://127.0.0.1:8787/client/v4", "http://localhost:1/client/v4", "http://[::1]:9/client/v4", "https://proxy.internal/cf"} {
		if msg := CheckAPIBaseURL(u); msg != "" {
			t.Errorf("%s: %s", u, msg)
		}
	}
}

func TestProblemFormat(t *testing.T) {
	cases := []struct {
		p    Problem
		want string
	}{
		{Problem{Layer: LayerFile, Key: "a.b", Line: 4, Message: "m"}, "f.toml:4: a.b: m"},
		{Problem{Layer: LayerFile, Key: "a.b", Message: "m"}, "f.toml: a.b: m"},
		{Problem{Layer: LayerEnv, Key: EnvAccountID, Message: "m"}, "environment: CLOUDFLARE_ACCOUNT_ID: m"},
		// Control and invisible characters are escaped, not replaced or
		// dropped, so the operator sees what was there.
		{Problem{Layer: LayerFlag, Key: "--profile", Message: "m\x1b[2J"}, `command line: --profile: m\x1b[2J`},
		{Problem{Layer: LayerFile, Key: "profiles.a\x1b]0;PWNED\x07", Line: 2, Message: "m\u200b"}, `f.toml:2: profiles.a\x1b]0;PWNED\x07: m\u200b`},
	}
	for _, tc := range cases {
		if got := tc.p.Format("f.toml"); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
