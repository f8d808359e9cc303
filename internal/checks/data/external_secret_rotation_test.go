package data

import (
	"context"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// TestSecretAgeLimit pins max_secret_age_days of EKS-DATA-011 at a fixed time (fixtures can
// only hold ages that stay past the limit as time passes).
func TestSecretAgeLimit(t *testing.T) {
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	saved := now
	now = func() time.Time { return at }
	defer func() { now = saved }()
	for _, tc := range []struct {
		ageDays, maxDays int
		rotation         bool
		want             bool
	}{{90, 0, false, false}, {91, 0, false, true}, {91, 0, true, false}, {31, 30, false, true}, {29, 30, false, false}} {
		changed := at.AddDate(0, 0, -tc.ageDays)
		rot := tc.rotation
		inv := &inventory.Inventory{AWS: &inventory.AWS{AWSTarget: inventory.AWSTarget{Account: "111122223333", Region: "us-east-1"},
			Secrets: []inventory.SecretsManagerSecret{{Ref: "db", ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf", Name: "db",
				ReferencedBy: []string{"ExternalSecret shop/db"}, RotationEnabled: &rot, LastChangedDate: &changed}}}}
		findings, err := check.Run(context.Background(), inv, []*check.Check{externalSecretRotation}, check.Config{MaxSecretAgeDays: tc.maxDays})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(findings) > 0; got != tc.want {
			t.Errorf("%d days old, max %d, rotation %v: finding %v, want %v", tc.ageDays, tc.maxDays, tc.rotation, got, tc.want)
		}
	}
}
