//go:build race

package send

// raceEnabled reports a build with the race detector, which allocates.
const raceEnabled = true
