package main

import (
	"os"
	"testing"
)

// TestMain clears the variables wfp, cloudflare-go and wrangler read, so a
// developer's real credentials or config can never reach a test.
func TestMain(m *testing.M) {
	for _, k := range []string{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL",
		"CLOUDFLARE_BASE_URL", "CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_ACCOUNT_ID",
		"CLOUDFLARE_API_USER_SERVICE_KEY", "WFP_CONFIG", "WFP_PROFILE", "WFP_READ_ONLY", envSandboxToken} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}
