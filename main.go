// Command wfp is a terminal console for operators of Cloudflare Workers for
// Platforms: browse dispatch namespaces and their scripts, inspect, edit
// routing and tiers, all through one throttled client.
//
//	wfp [flags]            the console (on the embedded sandbox without credentials)
//	wfp sandbox [flags]    run the Cloudflare API emulator standalone
//	wfp serve [flags]      serve the console over SSH to the [serve] users
//	wfp config check|path  validate the config file / print the paths in use
//	wfp scripts ls         list a namespace's scripts (a selector; --json, --csv)
//	wfp bulk plan|apply    plan a bulk change as JSON; apply it as a job
//	wfp jobs ls|show|resume|retry|cancel
//	wfp route get <host>   where a host is routed
//	wfp audit ls           the audit log
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	setMemoryLimit(os.Args[1:])
	os.Exit(run(os.Args[1:]))
}

// run dispatches to a subcommand and returns the process exit status:
// 0 success, 1 failure at run time, 2 bad usage (the headless commands
// scripts, bulk, jobs, route and audit: 2 partly failed, 3 refused, 64 bad
// usage; see cmd_headless.go).
func run(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "sandbox":
			return runSandbox(args[1:], os.Stdout, os.Stderr)
		case "serve":
			return runServe(args[1:], os.Stdout, os.Stderr)
		case "config":
			return runConfig(args[1:], os.Stdout, os.Stderr)
		case "scripts":
			return runScripts(args[1:], newHeadlessEnv(os.Stdout, os.Stderr))
		case "bulk":
			return runBulk(args[1:], newHeadlessEnv(os.Stdout, os.Stderr))
		case "jobs":
			return runJobs(args[1:], newHeadlessEnv(os.Stdout, os.Stderr))
		case "route":
			return runRoute(args[1:], newHeadlessEnv(os.Stdout, os.Stderr))
		case "audit":
			return runAudit(args[1:], newHeadlessEnv(os.Stdout, os.Stderr))
		case "version", "--version", "-version":
			fmt.Println("wfp", version)
			return 0
		}
	}
	return runConsole(args, os.Stdout, os.Stderr)
}
