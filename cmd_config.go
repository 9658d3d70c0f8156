package main

import (
	"fmt"
	"io"
)

// STUB: replaced by the config work.
func runConfig(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "wfp config: not built yet")
	return 1
}
