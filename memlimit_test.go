package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestConsoleGetsAMemoryLimitOthersDoNot(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	for _, tc := range []struct {
		args  []string
		env   string
		limit int64
	}{
		{nil, "", consoleMemoryLimit},
		{[]string{"--sandbox-scripts", "10"}, "", consoleMemoryLimit},
		{[]string{"serve"}, "", math.MaxInt64},
		{[]string{"sandbox", "--scripts", "1000000"}, "", math.MaxInt64},
		{[]string{"scripts", "ls"}, "", math.MaxInt64},
		{nil, "1GiB", math.MaxInt64}, // the operator's own GOMEMLIMIT wins (the runtime read it)
	} {
		debug.SetMemoryLimit(math.MaxInt64)
		t.Setenv("GOMEMLIMIT", tc.env)
		setMemoryLimit(tc.args)
		if got := debug.SetMemoryLimit(-1); got != tc.limit {
			t.Errorf("%v (GOMEMLIMIT=%q): limit %d, want %d", tc.args, tc.env, got, tc.limit)
		}
	}
}
