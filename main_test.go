package main

import (
	"os"
	"testing"

	"github.com/wfpconsole/wfp/internal/testenv"
)

// TestMain keeps a developer's real credentials and config out of the
// tests (and the sandbox token variable wfp sandbox reads).
func TestMain(m *testing.M) {
	os.Unsetenv(envSandboxToken)
	testenv.Main(m)
}
