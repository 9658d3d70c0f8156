package main

import (
	"os"
	"runtime/debug"
	"strings"
)

// consoleMemoryLimit is the console's soft memory limit (runtime/debug's
// SetMemoryLimit) when GOMEMLIMIT is not set. The rows' compact layout
// keeps a million-script namespace at about 190 MB live; a refresh holds
// the old rows and the new listing at once (about 350 MB) and, at the
// collector's default pace, would leave the process near 900 MB. The limit
// makes the collector run sooner instead, so the console stays near
// 550 MB at its peak. It is a soft limit: a console holding more than
// this collects more often (at most half the CPU, the runtime's cap), it
// never fails. serve (many sessions in one process) and the headless
// commands keep the runtime's default; the sandbox sets its own
// (cmd_sandbox.go).
const consoleMemoryLimit = 512 << 20

// setMemoryLimit applies consoleMemoryLimit when args run the console and
// the environment sets no GOMEMLIMIT of its own.
func setMemoryLimit(args []string) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return // a subcommand
	}
	debug.SetMemoryLimit(consoleMemoryLimit)
}
