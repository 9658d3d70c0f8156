package jobs

// childMain runs the crash test's child process when asked; see
// TestCrashResume. It reports whether it ran.
func childMain() bool { return false }
