package incident

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// TestIncidentResponseDates pins the 365-day limit of EKS-IR-005 at a fixed time (fixtures
// can only hold dates that stay stale or missing as time passes).
func TestIncidentResponseDates(t *testing.T) {
	at := time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC)
	saved := now
	now = func() time.Time { return at }
	defer func() { now = saved }()
	day := func(days int) string { return at.AddDate(0, 0, -days).Format("2006-01-02") }
	for _, tc := range []struct {
		name     string
		ir       check.IncidentResponse
		severity string
		message  string
	}{
		{"recent", check.IncidentResponse{RunbookURL: "https://wiki/ir", LastGameDay: day(30), LastPentest: day(200)}, "info",
			"recorded: runbook https://wiki/ir, last game day 2026-05-02, last penetration test 2025-11-13: confirm"},
		{"exactly a year", check.IncidentResponse{RunbookURL: "https://wiki/ir", LastGameDay: day(365), LastPentest: day(0)}, "info", "confirm"},
		{"a year and a day", check.IncidentResponse{RunbookURL: "https://wiki/ir", LastGameDay: day(366), LastPentest: day(0)}, "low",
			"the last game day (2025-05-31) is more than 365 days ago"},
		{"tomorrow", check.IncidentResponse{RunbookURL: "https://wiki/ir", LastGameDay: day(1), LastPentest: day(-1)}, "low",
			"the last penetration test date 2026-06-02 is in the future"},
		{"no runbook", check.IncidentResponse{LastGameDay: day(1), LastPentest: day(1)}, "low", "no runbook is recorded"},
	} {
		inv := &inventory.Inventory{AWS: &inventory.AWS{AWSTarget: inventory.AWSTarget{Account: "111122223333", Region: "us-east-1", ClusterName: "prod"}}}
		findings, err := check.Run(context.Background(), inv, []*check.Check{incidentResponsePlan}, check.Config{IncidentResponse: tc.ir})
		if err != nil {
			t.Fatal(err)
		}
		if len(findings) != 1 {
			t.Fatalf("%s: %d findings", tc.name, len(findings))
		}
		f := findings[0]
		if f.Severity.String() != tc.severity || !strings.Contains(f.Message, tc.message) || f.Resource != "arn:aws:eks:us-east-1:111122223333:cluster/prod" {
			t.Errorf("%s: %s %s %q, want %s with %q", tc.name, f.Resource, f.Severity, f.Message, tc.severity, tc.message)
		}
	}
}
