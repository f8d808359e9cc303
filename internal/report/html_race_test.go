//go:build race

package report

// htmlRaceEnabled: the race detector slows the writer several times over, so the 2-second
// budget of TestHTML100kFindingsUnder2s is only measured, not enforced, under -race.
const htmlRaceEnabled = true
