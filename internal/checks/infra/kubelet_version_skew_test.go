package infra

import (
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// TestUpgradeWindow pins EKS-INF-003's upgrade_grace_days boundary at a fixed time (fixtures
// can only hold dates that stay on their side of the window as time passes).
func TestUpgradeWindow(t *testing.T) {
	at := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	saved := now
	now = func() time.Time { return at }
	defer func() { now = saved }()
	for _, tc := range []struct {
		daysAgo, grace int
		want           check.Severity
	}{{0, 14, check.Info}, {14, 14, check.Info}, {15, 14, check.Medium}, {15, 30, check.Info}, {31, 30, check.Medium}} {
		upgraded := at.AddDate(0, 0, -tc.daysAgo)
		got, why := upgradeWindow(&inventory.AWS{ControlPlaneUpgradedAt: &upgraded}, tc.grace)
		if got != tc.want {
			t.Errorf("upgraded %d days ago, grace %d: %v (%s), want %v", tc.daysAgo, tc.grace, got, why, tc.want)
		}
	}
	if got, _ := upgradeWindow(&inventory.AWS{}, 14); got != check.Medium {
		t.Errorf("unknown upgrade date: %v, want medium", got)
	}
	if got, _ := upgradeWindow(nil, 14); got != check.Medium {
		t.Errorf("no AWS facts: %v, want medium", got)
	}
}
