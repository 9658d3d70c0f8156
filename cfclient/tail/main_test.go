package tail

import (
	"testing"

	"github.com/wfpconsole/wfp/internal/testenv"
)

// TestMain keeps a developer's real credentials out of the tests.
func TestMain(m *testing.M) { testenv.Main(m) }
