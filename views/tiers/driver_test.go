package tiers

import (
	"testing"

	"github.com/wfpconsole/wfp/internal/screentest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

// The package's tests use the shared driver under short local names.
type driver = screentest.Driver

var (
	newDriver  = screentest.NewDriver
	checkWidth = screentest.CheckWidth
)
