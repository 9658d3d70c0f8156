// Command wfp is a terminal console for operators of Cloudflare Workers for
// Platforms: browse dispatch namespaces and their scripts, inspect, edit
// routing and tiers, all through one throttled client.
//
//	wfp [flags]            the console (on the embedded sandbox without credentials)
//	wfp sandbox [flags]    run the Cloudflare API emulator standalone
//	wfp config check|path  validate the config file / print the paths in use
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

// run dispatches to a subcommand and returns the process exit status:
// 0 success, 1 failure at run time, 2 bad usage.
func run(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "sandbox":
			return runSandbox(args[1:], os.Stdout, os.Stderr)
		case "config":
			return runConfig(args[1:], os.Stdout, os.Stderr)
		case "version", "--version", "-version":
			fmt.Println("wfp", version)
			return 0
		}
	}
	return runConsole(args, os.Stdout, os.Stderr)
}
