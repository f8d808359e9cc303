package infra

import (
	"context"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// TestAMIAgeBuckets pins the 30/90-day buckets of EKS-INF-002 at a fixed time (fixtures can
// only hold ages that stay in their bucket as time passes).
func TestAMIAgeBuckets(t *testing.T) {
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	saved := now
	now = func() time.Time { return at }
	defer func() { now = saved }()
	for _, tc := range []struct {
		ageDays int
		want    string // severity, "" for no finding
	}{{10, ""}, {30, ""}, {31, "medium"}, {90, "medium"}, {91, "high"}} {
		created := at.AddDate(0, 0, -tc.ageDays).Format(time.RFC3339)
		inv := &inventory.Inventory{AWS: &inventory.AWS{AWSTarget: inventory.AWSTarget{Account: "111122223333", Region: "us-east-1"},
			Instances: []ec2types.Instance{{InstanceId: sdkaws.String("i-1"), ImageId: sdkaws.String("ami-1")}},
			Images:    []ec2types.Image{{ImageId: sdkaws.String("ami-1"), CreationDate: &created}}}}
		findings, err := check.Run(context.Background(), inv, []*check.Check{amiAge}, check.Config{})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(findings) > 0 {
			got = findings[0].Severity.String()
		}
		if got != tc.want {
			t.Errorf("AMI %d days old: severity %q, want %q", tc.ageDays, got, tc.want)
		}
	}
}
