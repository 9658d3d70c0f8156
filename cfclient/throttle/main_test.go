package throttle

import (
	"os"
	"testing"
)

// TestMain clears the variables cloudflare-go reads from the environment,
// so a developer's real credentials can never reach a test.
func TestMain(m *testing.M) {
	for _, k := range []string{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL",
		"CLOUDFLARE_BASE_URL", "CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_USER_SERVICE_KEY"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}
