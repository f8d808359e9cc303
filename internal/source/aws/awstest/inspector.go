package awstest

import (
	"encoding/json"
	"net/http"
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
)

// AddInspectorCoverage adds an Amazon Inspector covered resource, which ListCoverage answers
// (moto 5.2.1 has no inspector2 ListCoverage), filtered on resourceId.
func (a *Account) AddInspectorCoverage(r inspectortypes.CoveredResource) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inspectorCoverage = append(a.inspectorCoverage, r)
}

// serveInspector answers inspector2 ListCoverage and ListFindings; it reports false for other operations.
func (a *Account) serveInspector(w http.ResponseWriter, r *http.Request, action string) bool {
	if action == "inspector2:ListFindings" {
		a.serveInspectorFindings(w, r, action)
		return true
	}
	if action != "inspector2:ListCoverage" {
		return false
	}
	var in struct {
		FilterCriteria struct {
			ResourceID []struct{ Value string } `json:"resourceId"`
		} `json:"filterCriteria"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, action, "ValidationException", err.Error())
		return true
	}
	var ids []string
	for _, f := range in.FilterCriteria.ResourceID {
		ids = append(ids, f.Value)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []any{}
	for _, c := range a.inspectorCoverage {
		if len(ids) == 0 || slices.Contains(ids, sdkaws.ToString(c.ResourceId)) {
			out = append(out, wire(c))
		}
	}
	writeJSON(w, map[string]any{"coveredResources": out})
	return true
}
