package awstest

import (
	"encoding/json"
	"net/http"
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// AddManagedInstance registers an instance with Systems Manager, which
// DescribeInstanceInformation answers (moto 5.2.1 lacks it), filtered on InstanceIds.
func (a *Account) AddManagedInstance(i ssmtypes.InstanceInformation) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.managedInstances = append(a.managedInstances, i)
}

// serveSSM answers DescribeInstanceInformation; it reports false for other operations.
func (a *Account) serveSSM(w http.ResponseWriter, r *http.Request, action string) bool {
	if action != "ssm:DescribeInstanceInformation" {
		return false
	}
	var in struct {
		Filters []struct {
			Key    string
			Values []string
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, action, "ValidationException", err.Error())
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []map[string]any{}
	for _, i := range a.managedInstances {
		match := true
		for _, f := range in.Filters {
			if f.Key == "InstanceIds" && !slices.Contains(f.Values, sdkaws.ToString(i.InstanceId)) {
				match = false
			}
		}
		if match {
			out = append(out, map[string]any{"InstanceId": sdkaws.ToString(i.InstanceId), "PingStatus": string(i.PingStatus),
				"PlatformName": sdkaws.ToString(i.PlatformName), "AgentVersion": sdkaws.ToString(i.AgentVersion), "ResourceType": string(i.ResourceType)})
		}
	}
	writeAWSJSON(w, map[string]any{"InstanceInformationList": out})
	return true
}
