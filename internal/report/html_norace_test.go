//go:build !race

package report

// htmlRaceEnabled: see html_race_test.go.
const htmlRaceEnabled = false
