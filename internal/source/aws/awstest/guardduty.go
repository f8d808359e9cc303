package awstest

import (
	"encoding/json"
	"net/http"
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
)

// AddCoverage adds a GuardDuty Runtime Monitoring coverage resource, which ListCoverage
// answers (moto 5.2.1 has no ListCoverage): for an EKS cluster, set
// ResourceDetails.EksClusterDetails.ClusterName, which the EKS_CLUSTER_NAME filter matches.
func (a *Account) AddCoverage(r gdtypes.CoverageResource) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.coverage = append(a.coverage, r)
}

// serveGuardDuty answers the GuardDuty operations moto lacks; it reports false for the
// others.
func (a *Account) serveGuardDuty(w http.ResponseWriter, r *http.Request, action string) bool {
	if action != "guardduty:ListCoverage" {
		return false
	}
	var in struct {
		FilterCriteria struct {
			FilterCriterion []struct {
				CriterionKey    string
				FilterCondition struct{ Equals []string }
			}
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, action, "BadRequestException", err.Error())
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	resources := []any{}
	for _, c := range a.coverage {
		match := true
		for _, f := range in.FilterCriteria.FilterCriterion {
			if f.CriterionKey == string(gdtypes.CoverageFilterCriterionKeyEksClusterName) {
				name := ""
				if c.ResourceDetails != nil && c.ResourceDetails.EksClusterDetails != nil {
					name = sdkaws.ToString(c.ResourceDetails.EksClusterDetails.ClusterName)
				}
				match = match && slices.Contains(f.FilterCondition.Equals, name)
			}
		}
		if match {
			resources = append(resources, wire(c))
		}
	}
	writeJSON(w, map[string]any{"resources": resources})
	return true
}
