package main

import (
	"fmt"
	"io"
)

// STUB: replaced by the console work.
func runConsole(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "wfp: the console is not built yet; try `wfp sandbox`")
	return 1
}
