//go:build race

package main

// raceSlowdown stretches the flow tests' waits under the race detector,
// which runs these tests several times slower while other packages' race
// tests share the two cores. The waits are deadlines for a screen to show
// something, not timings: a longer one changes nothing when all is well.
const raceSlowdown = 3
