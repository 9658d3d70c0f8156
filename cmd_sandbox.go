package main

import (
	"fmt"
	"io"
)

// STUB: replaced by the sandbox command work.
func runSandbox(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "wfp sandbox: not built yet")
	return 1
}
