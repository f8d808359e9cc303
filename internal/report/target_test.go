package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/inventory"
)

// TestJSONTarget: a scan of the AWS side says which account, region and cluster it read; a
// manifest scan has no target.
func TestJSONTarget(t *testing.T) {
	inv := &inventory.Inventory{AWS: &inventory.AWS{AWSTarget: inventory.AWSTarget{
		Account: "123456789012", Region: "eu-west-1", Partition: "aws", ClusterName: "prod",
		ClusterARN: "arn:aws:eks:eu-west-1:123456789012:cluster/prod"}}}
	var buf bytes.Buffer
	if err := JSON(&buf, New(Input{Inventory: inv}), Options{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Target *inventory.AWSTarget `json:"target"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, buf.String())
	}
	if got.Target == nil || *got.Target != inv.AWS.AWSTarget {
		t.Errorf("target = %+v, want %+v", got.Target, inv.AWS.AWSTarget)
	}
	buf.Reset()
	if err := JSON(&buf, New(Input{Inventory: &inventory.Inventory{}}), Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `"target"`) {
		t.Errorf("a manifest report has a target:\n%s", buf.String())
	}
}
