//go:build race

package augment

// raceEnabled is set under the race detector, whose sync.Pool drops
// items at random: allocation counts are not measured then.
const raceEnabled = true
