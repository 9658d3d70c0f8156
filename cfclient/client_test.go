package cfclient

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wfpconsole/wfp/cfclient/audit"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

func TestNewValidatesOptions(t *testing.T) {
	good := Options{AccountID: strings.Repeat("0a", 16), Token: "tok", Audit: audit.New("/tmp/x/audit.jsonl")}
	cases := []struct {
		name  string
		mod   func(*Options)
		field string
	}{
		{"short account", func(o *Options) { o.AccountID = "abc" }, "account id"},
		{"non-hex account", func(o *Options) { o.AccountID = strings.Repeat("z", 32) }, "account id"},
		{"no token", func(o *Options) { o.Token = "" }, "token"},
		{"token with newline", func(o *Options) { o.Token = "a\nb" }, "token"},
		{"token with space", func(o *Options) { o.Token = "a b" }, "token"},
		{"no audit path", func(o *Options) { o.Audit = nil }, "audit log"},
		{"bad scheme", func(o *Options) { o.BaseURL = "ftp://x/client/v4" }, "base url"},
		{"no host", func(o *Options) { o.BaseURL = "http:///client/v4" }, "base url"},
		{"query", func(o *Options) { o.BaseURL = "http://x/client/v4?a=b" }, "base url"},
		{"negative timeout", func(o *Options) { o.HTTPTimeout = -time.Second }, "http timeout"},
		{"tiers key", func(o *Options) { o.Schema.TiersKey = ".." }, "tiers key"},
	}
	for _, tc := range cases {
		o := good
		tc.mod(&o)
		_, err := New(o)
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got %v, want an error naming %q", tc.name, err, tc.field)
		}
	}
	c, err := New(good)
	if err != nil {
		t.Fatalf("valid options: %v", err)
	}
	o := c.opts
	if o.BaseURL != DefaultBaseURL || o.Schema.Routing.KVNamespaceTitle != "ROUTING" || o.Schema.Routing.HostnamePrefix != "hostname:" ||
		o.Schema.TierTagPrefix != "tier-" || o.Schema.TiersKey != "tiers" || o.HTTPTimeout != 60*time.Second || !strings.Contains(o.Actor, "@") {
		t.Fatalf("defaults not filled: %+v", o.Schema.Routing)
	}
	ro := good
	ro.Audit, ro.ReadOnly = nil, true
	if _, err := New(ro); err != nil {
		t.Fatalf("read-only client without audit path: %v", err)
	}
}

func TestOptionsNeverPrintTheToken(t *testing.T) {
	o := Options{AccountID: strings.Repeat("a", 32), Token: "super-secret-token-value"}
	for _, s := range []string{fmt.Sprint(o), fmt.Sprintf("%v", o), fmt.Sprintf("%+v", o), fmt.Sprintf("%#v", o), fmt.Sprintf("%s", &o)} {
		if strings.Contains(s, "super-secret") {
			t.Fatalf("token printed: %s", s)
		}
	}
}

func TestStatsUsesTheClientsThrottle(t *testing.T) {
	th := throttle.New(throttle.Options{}, nil)
	c, err := New(Options{AccountID: strings.Repeat("a", 32), Token: "t", ReadOnly: true, Throttle: th})
	if err != nil {
		t.Fatal(err)
	}
	if c.throttle != th || c.http.Transport != th {
		t.Fatal("the client does not send through the given throttle")
	}
	if got, want := c.Stats(), th.Stats("Bearer t"); got != want {
		t.Fatalf("Stats %+v, throttle says %+v", got, want)
	}
}
