package inventory

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestARNRef(t *testing.T) {
	for arn, want := range map[string]ObjectRef{
		"arn:aws:eks:us-east-1:123456789012:cluster/prod":                  {Kind: "eks:cluster", Name: "prod"},
		"arn:aws:iam::123456789012:role/path/node":                         {Kind: "iam:role", Name: "path/node"},
		"arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1":           {Kind: "ec2:security-group", Name: "sg-1"},
		"arn:aws:cloudtrail:us-east-1:123456789012:trail/main":             {Kind: "cloudtrail:trail", Name: "main"},
		"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234-abcd":      {Kind: "kms:key", Name: "1234-abcd"},
		"arn:aws:ecr:us-east-1:123456789012:repository/team/app":           {Kind: "ecr:repository", Name: "team/app"},
		"arn:aws:guardduty:us-east-1:123456789012:detector/abc":            {Kind: "guardduty:detector", Name: "abc"},
		"arn:aws:logs:us-east-1:123456789012:log-group:/aws/eks/x/cluster": {Kind: "logs:log-group", Name: "/aws/eks/x/cluster"},
		"not-an-arn": {Kind: "aws", Name: "not-an-arn"},
	} {
		if got := ARNRef(arn); got != want {
			t.Errorf("ARNRef(%q) = %+v, want %+v", arn, got, want)
		}
	}
}

func TestPolicyJSON(t *testing.T) {
	for in, want := range map[string]string{
		"":                                       "",
		`{"Version":"2012-10-17"}`:               `{"Version":"2012-10-17"}`,
		"%7B%22Version%22%3A%222012-10-17%22%7D": `{"Version":"2012-10-17"}`,
		"not json":                               `"not json"`,
	} {
		if got := string(PolicyJSON(in)); got != want {
			t.Errorf("PolicyJSON(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestAWSRoundTrip: the facts model (SDK types included) survives JSON, which snapshots and
// the check fixtures rely on.
func TestAWSRoundTrip(t *testing.T) {
	in := &AWS{
		AWSTarget: AWSTarget{Account: "123456789012", Region: "us-east-1", Partition: "aws", ClusterName: "prod"},
		Cluster: &ekstypes.Cluster{Name: aws.String("prod"), ResourcesVpcConfig: &ekstypes.VpcConfigResponse{
			EndpointPublicAccess: true, PublicAccessCidrs: []string{"0.0.0.0/0"}},
			AccessConfig: &ekstypes.AccessConfigResponse{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap}},
		Roles: []IAMRole{{Role: iamtypes.Role{Arn: aws.String("arn:aws:iam::123456789012:role/r")},
			TrustPolicy: PolicyJSON(`{"Statement":[]}`), Uses: []string{RoleUseCluster}}},
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out AWS
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&out)
	if string(again) != string(data) {
		t.Errorf("round trip changed the model:\n%s\n%s", data, again)
	}
	if out.Cluster.AccessConfig.AuthenticationMode != ekstypes.AuthenticationModeApiAndConfigMap || out.Role("arn:aws:iam::123456789012:role/r") == nil {
		t.Errorf("decoded model lost fields: %s", again)
	}
}
