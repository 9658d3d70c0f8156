package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fullConfig sets every key of a profile.
const fullConfig = `# wfp config
default_profile = "prod"

[profiles.prod]
account_id = "` + acct1 + `"
token_env = "CF_PROD_TOKEN"
api_base_url = "https://api.example.com/client/v4"
production = true
read_only = true

price_per_script_month = 0.02

[profiles.prod.routing]
kv_namespace_id = "` + acct2 + `"
kv_namespace_title = "ROUTES"
hostname_prefix = "h:"
subdomain_prefix = "s:"
path_prefix = "p:"
last_used_prefix = "lu:"

[profiles.prod.tiers]
key = "tier-table"
tag_prefix = "plan-"

[profiles.prod.customers]
tag_prefix = "tenant-"

[profiles.prod.rate]
requests = 600
window = "2m"
safety_margin = 0.25
max_in_flight = 8

[profiles.staging]
account_id = "` + acct2 + `"
`

func TestParseEveryKey(t *testing.T) {
	c := parse(t, fullConfig)
	if ps := c.Validate(); len(ps) != 0 {
		t.Fatalf("problems:\n%s", formatAll(ps))
	}
	if c.DefaultProfile != "prod" || len(c.Profiles) != 2 {
		t.Fatalf("default %q, profiles %v", c.DefaultProfile, c.Names())
	}
	want := Profile{
		Name: "prod", AccountID: acct1, TokenEnv: "CF_PROD_TOKEN",
		APIBaseURL: "https://api.example.com/client/v4", Production: true, ReadOnly: true,
		Routing: RoutingSchema{
			KVNamespaceID: acct2, KVNamespaceTitle: "ROUTES",
			HostnamePrefix: "h:", SubdomainPrefix: "s:", PathPrefix: "p:", LastUsedPrefix: "lu:",
		},
		TiersKey: "tier-table", TierTagPrefix: "plan-", CustomerTagPrefix: "tenant-",
		Rate:                RateBudget{Requests: 600, Window: 2 * time.Minute, SafetyMargin: 0.25, MaxInFlight: 8},
		PricePerScriptMonth: 0.02,
	}
	if got := *c.Profiles["prod"]; got != want {
		t.Errorf("prod:\n got %+v\nwant %+v", got, want)
	}
	// Keys the file leaves out take their defaults.
	wantStaging := Defaults("staging")
	wantStaging.AccountID = acct2
	if got := *c.Profiles["staging"]; got != wantStaging {
		t.Errorf("staging:\n got %+v\nwant %+v", got, wantStaging)
	}
}

func TestParseWindowInSeconds(t *testing.T) {
	c := parse(t, "[profiles.a.rate]\nwindow = 60\n")
	if got := c.Profiles["a"].Rate.Window; got != time.Minute {
		t.Errorf("window = 60: got %s, want 1m", got)
	}
}

func TestParseMalformed(t *testing.T) {
	text := "default_profile = \"prod\"\n[profiles.prod]\naccount_id = \n"
	_, err := Parse("/etc/wfp.toml", []byte(text))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("want *SyntaxError, got %T %v", err, err)
	}
	if se.Line != 3 || se.Col < 1 || se.Path != "/etc/wfp.toml" {
		t.Errorf("got %+v, want line 3 of /etc/wfp.toml with a column", se)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "/etc/wfp.toml:3:") || !strings.Contains(msg, "invalid TOML") {
		t.Errorf("message %q: want path:line:col and the cause", msg)
	}
}

func TestParseMalformedIsPrintable(t *testing.T) {
	_, err := Parse("c.toml", []byte("a = \"\x1b[31m\n"))
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.ContainsAny(err.Error(), "\x1b\n") {
		t.Errorf("control characters in %q", err.Error())
	}
}

func TestParseUnknownKeys(t *testing.T) {
	c := parse(t, `colour = "red"
[profiles.prod]
acount_id = "x"
[profiles.prod.rate]
request = 5
[profiles.prod.extra]
a = 1
`)
	ps := c.Validate()
	cases := []struct {
		key   string
		line  int
		known string
	}{
		{"colour", 1, "default_profile, profiles"},
		{"profiles.prod.acount_id", 3, "account_id, token_env"},
		{"profiles.prod.rate.request", 5, "requests, window, safety_margin, max_in_flight"},
		{"profiles.prod.extra", 6, "[routing], [tiers], [customers], [rate]"},
	}
	for _, tc := range cases {
		p := findProblem(t, ps, tc.key)
		if p.Line != tc.line || !strings.HasPrefix(p.Message, "unknown key") || !strings.Contains(p.Message, tc.known) {
			t.Errorf("%s: got line %d %q, want line %d, unknown key listing %s", tc.key, p.Line, p.Message, tc.line, tc.known)
		}
	}
	if len(ps) != len(cases) {
		t.Errorf("want %d problems, got:\n%s", len(cases), formatAll(ps))
	}
}

func TestParseWrongTypes(t *testing.T) {
	c := parse(t, `default_profile = 1
[profiles.prod]
account_id = 12
production = "yes"
routing = "x"
[profiles.prod.rate]
requests = "many"
window = true
safety_margin = "a"
[profiles.other]
rate = { requests = 1.5 }
[profiles.third]
tiers = [1, 2]
`)
	ps := c.Validate()
	cases := []struct {
		key, msg string
		line     int
	}{
		{"default_profile", "must be a string (got an integer)", 1},
		{"profiles.prod.account_id", "must be a string (got an integer)", 3},
		{"profiles.prod.production", "must be true or false (got a string)", 4},
		{"profiles.prod.routing", "must be a table, e.g. [profiles.prod.routing] (got a string)", 5},
		{"profiles.prod.rate.requests", "must be an integer (got a string)", 7},
		{"profiles.prod.rate.window", "or whole seconds (got a boolean)", 8},
		{"profiles.prod.rate.safety_margin", "must be a number (got a string)", 9},
		// Keys of inline tables report their own line (here their table's).
		{"profiles.other.rate.requests", "must be an integer (got a float)", 11},
		{"profiles.third.tiers", "must be a table, e.g. [profiles.third.tiers] (got an array)", 13},
	}
	for _, tc := range cases {
		p := findProblem(t, ps, tc.key)
		if p.Line != tc.line || !strings.Contains(p.Message, tc.msg) {
			t.Errorf("%s: got line %d %q, want line %d %q", tc.key, p.Line, p.Message, tc.line, tc.msg)
		}
	}
}

func TestParseTokenInFileRejected(t *testing.T) {
	secret := "s3cr3t-T0KEN-value-0123456789abcdefXYZ"
	c := parse(t, `token = "`+secret+`"
[profiles.prod]
api_token = "`+secret+`"
[profiles.prod.rate]
token = "`+secret+`"
[profiles.dev]
token = "`+secret+`"
`)
	ps := c.Validate()
	for key, line := range map[string]int{
		"token":                    1,
		"profiles.prod.api_token":  3,
		"profiles.prod.rate.token": 5,
		"profiles.dev.token":       7,
	} {
		p := findProblem(t, ps, key)
		if p.Line != line || !strings.Contains(p.Message, "tokens are read only from the environment (set token_env") {
			t.Errorf("%s: got line %d %q", key, p.Line, p.Message)
		}
	}
	if strings.Contains(formatAll(ps), secret) {
		t.Error("a problem repeats the token")
	}
	if len(ps) != 4 {
		t.Errorf("want 4 problems (no unknown-key duplicates), got:\n%s", formatAll(ps))
	}
}

func TestKeyLinesSkipsValues(t *testing.T) {
	text := `a = """
[profiles.fake]
account_id = "x"
"""
b = [
  "[profiles.fake2]",
  'c = 1',
  { d = "]" },
]
e = 'it"s' # comment with [brackets] and key = 1
[ profiles . "odd key" . rate ]
"quoted.dot" = 1
dotted.inner = 2
[[arr]]
f = '''
x = 1'''
g = 3
`
	if _, err := Parse("c.toml", []byte(text)); err != nil {
		t.Fatalf("the text must be TOML: %v", err)
	}
	li := keyLines([]byte(text))
	want := map[string]int{
		"a": 1, "b": 5, "e": 10,
		joinKey([]string{"profiles", "odd key", "rate"}):                    11,
		joinKey([]string{"profiles", "odd key", "rate", "quoted.dot"}):      12,
		joinKey([]string{"profiles", "odd key", "rate", "dotted"}):          13,
		joinKey([]string{"profiles", "odd key", "rate", "dotted", "inner"}): 13,
		"arr": 14, joinKey([]string{"arr", "f"}): 15, joinKey([]string{"arr", "g"}): 17,
	}
	for k, line := range want {
		if li[k] != line {
			t.Errorf("%q: line %d, want %d", k, li[k], line)
		}
	}
	for _, k := range []string{joinKey([]string{"profiles", "fake"}), "account_id", joinKey([]string{"profiles", "fake2"}), "c", "x", joinKey([]string{"arr", "x"})} {
		if _, ok := li[k]; ok {
			t.Errorf("%q indexed from inside a value", k)
		}
	}
	if got := li.find([]string{"profiles", "odd key", "rate", "missing"}); got != 11 {
		t.Errorf("find falls back to the table: got %d, want 11", got)
	}
	if got := li.find([]string{"nowhere"}); got != 0 {
		t.Errorf("find of an unknown key: got %d, want 0", got)
	}
}

func TestKeyLinesTricky(t *testing.T) {
	k := func(pieces ...string) string { return joinKey(pieces) }
	cases := []struct {
		name, text string
		want       map[string]int // key: line
		absent     []string       // keys that must not be indexed
	}{
		{
			name: "multi-line basic string",
			text: "a = \"\"\"\nb = 1\n[t]\n\\\"\"\"\nc = 2\n\"\"\"\nd = 3\n",
			want: map[string]int{"a": 1, "d": 7}, absent: []string{"b", "t", "c", k("t", "c")},
		},
		{
			name: "multi-line literal string ending in quotes",
			text: "a = '''\nb = 1\n[t]'''''\nc = 2\n",
			want: map[string]int{"a": 1, "c": 4}, absent: []string{"b", "t", k("t", "c")},
		},
		{
			name: "line-ending backslash",
			text: "a = \"\"\"x \\\n  b = 1 \"\"\"\nc = 2\n",
			want: map[string]int{"a": 1, "c": 3}, absent: []string{"b"},
		},
		{
			name: "multi-line array",
			text: "a = [\n  \"b = 1\",\n  # [t] c = 2\n  [ \"]\", { d = 3 } ],\n  { e = 4 },\n]\nf = 5\n",
			want: map[string]int{"a": 1, "f": 7}, absent: []string{"b", "c", "t", "d", "e", k("a", "d"), k("a", "e")},
		},
		{
			name: "quoted keys",
			text: "\"a b\" = 1\n'c.d' = 2\n\"e\\u0041\" = 3\n\"\" = 4\n[\"t.u\".'v w']\nx = 5\n",
			want: map[string]int{
				"a b": 1, "c.d": 2, "eA": 3, "": 4,
				"t.u": 5, k("t.u", "v w"): 5, k("t.u", "v w", "x"): 6,
			},
			absent: []string{"c", k("c", "d"), "t", k("t", "u")},
		},
		{
			name: "dotted keys",
			text: "a.b = 1\na . \"c d\" . e = 2\n[t]\nu.v = 3\n",
			want: map[string]int{
				"a": 1, k("a", "b"): 1, k("a", "c d"): 2, k("a", "c d", "e"): 2,
				"t": 3, k("t", "u"): 4, k("t", "u", "v"): 4,
			},
			absent: []string{"b", "u", k("t", "v")},
		},
		{
			name: "array of tables",
			text: "[[x]]\na = 1\n[[x]]\na = 2\nb = 3\n[[x.y]]\nc = 4\n[z]\nd = 5\n",
			want: map[string]int{
				"x": 1, k("x", "a"): 2, k("x", "b"): 5,
				k("x", "y"): 6, k("x", "y", "c"): 7, "z": 8, k("z", "d"): 9,
			},
			absent: []string{"a", "c", k("x", "c")},
		},
		{
			name: "inline tables",
			text: "t = { a = 1, b.c = { d = 2 }, \"e f\" = [ { g = 3 } ] }\nh = 4\n",
			want: map[string]int{
				"t": 1, k("t", "a"): 1, k("t", "b"): 1, k("t", "b", "c"): 1, k("t", "b", "c", "d"): 1,
				k("t", "e f"): 1, "h": 2,
			},
			absent: []string{"a", "b", "d", "g", k("t", "e f", "g"), k("t", "g")},
		},
		{
			name: "multi-line inline table",
			text: "[p]\nt = {\n  a = 1, # b = 2\n  c = { d = 3 },\n}\ne = 5\n",
			want: map[string]int{
				"p": 1, k("p", "t"): 2, k("p", "t", "a"): 3, k("p", "t", "c"): 4, k("p", "t", "c", "d"): 4, k("p", "e"): 6,
			},
			absent: []string{k("p", "t", "b"), k("p", "b")},
		},
		{
			name:   "byte order mark and CRLF",
			text:   "\xef\xbb\xbfa = 1\r\n[t]\r\nb = \"\"\"\r\nc = 2\r\n\"\"\"\r\nd = 3\r\n",
			want:   map[string]int{"a": 1, "t": 2, k("t", "b"): 3, k("t", "d"): 6},
			absent: []string{k("t", "c")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse("c.toml", []byte(tc.text)); err != nil {
				t.Fatalf("the text must be TOML: %v", err)
			}
			li := keyLines([]byte(tc.text))
			for key, line := range tc.want {
				if got, ok := li[key]; !ok || got != line {
					t.Errorf("%s: line %d (indexed %t), want %d", displayKey(strings.Split(key, keySep)), got, ok, line)
				}
			}
			for _, key := range tc.absent {
				if got, ok := li[key]; ok {
					t.Errorf("%s indexed at line %d from inside a value", displayKey(strings.Split(key, keySep)), got)
				}
			}
			if len(li) != len(tc.want) {
				t.Errorf("indexed %d keys, want %d: %v", len(li), len(tc.want), li)
			}
		})
	}
}

// A key of a multi-line inline table reports its own line.
func TestParseMultilineInlineTableLine(t *testing.T) {
	ps := parse(t, "[profiles.p]\nrate = {\n  window = \"1m\",\n  requests = \"many\",\n}\n").Validate()
	if p := findProblem(t, ps, "profiles.p.rate.requests"); p.Line != 4 || !strings.Contains(p.Message, "must be an integer") {
		t.Errorf("got %s, want line 4", p.Format("c.toml"))
	}
}

// Should the position parser stop where the decoder did not, keys before
// the stop keep their lines and the rest fall back to their parents.
func TestKeyLinesAfterParserError(t *testing.T) {
	li := keyLines([]byte("a = 1\n[t]\nb = = 2\nc = 3\n"))
	if li["a"] != 1 || li["t"] != 2 {
		t.Errorf("keys before the error: %v", li)
	}
	if got := li.find([]string{"t", "c"}); got != 2 {
		t.Errorf("a key after the error: line %d, want its table's (2)", got)
	}
}

func TestDisplayKeyQuotes(t *testing.T) {
	if got := displayKey([]string{"profiles", "a b", "x\x1b"}); got != `profiles."a b"."x\x1b"` {
		t.Errorf("got %s", got)
	}
}

func TestParseMalformedPositions(t *testing.T) {
	cases := []struct {
		text      string
		line, col int
	}{
		{"[profiles.p\n", 1, 12},
		{"a = 1\nb = 2\nc = tru\n", 3, 5},
		{"\xef\xbb\xbfa = 1\nb = = 2\n", 2, 5},
		{"a = 1\na = 2\n", 2, 1},
	}
	for _, tc := range cases {
		_, err := Parse("c.toml", []byte(tc.text))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: want *SyntaxError, got %v", tc.text, err)
			continue
		}
		if se.Line != tc.line || se.Col != tc.col {
			t.Errorf("%q: got %d:%d (%s), want %d:%d", tc.text, se.Line, se.Col, se.Message, tc.line, tc.col)
		}
	}
}
