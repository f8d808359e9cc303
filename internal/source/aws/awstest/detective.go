package awstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// restAction names the operations the harness serves for clients that send no ActionHeader
// and whose protocol names the operation only in the path (REST, RPC v2 CBOR), from the
// SigV4 service and the path; "" for the others.
func restAction(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	switch {
	case strings.Contains(auth, "/detective/aws4_request") && r.URL.Path == "/graphs/list":
		return "detective:ListGraphs"
	case strings.Contains(auth, "/detective/aws4_request") && r.URL.Path == "/graph/datasources/list":
		return "detective:ListDatasourcePackages"
	case strings.Contains(auth, "/guardduty/aws4_request") && strings.HasPrefix(r.URL.Path, "/detector/") && strings.HasSuffix(r.URL.Path, "/coverage"):
		return "guardduty:ListCoverage"
	case strings.Contains(auth, "/inspector2/aws4_request") && r.URL.Path == "/coverage/list":
		return "inspector2:ListCoverage"
	case strings.Contains(auth, "/inspector2/aws4_request") && r.URL.Path == "/findings/list":
		return "inspector2:ListFindings"
	case strings.Contains(auth, "/monitoring/aws4_request") && strings.HasSuffix(r.URL.Path, "/operation/DescribeAlarmsForMetric"):
		return "cloudwatch:DescribeAlarmsForMetric"
	}
	return ""
}

// detectiveGraph is an Amazon Detective behavior graph the harness serves (moto 5.2.1 has
// no Detective): its data source packages with their ingest state.
type detectiveGraph struct {
	arn      string
	packages map[string]string
}

// AddDetectiveGraph adds a behavior graph with data source packages (name to ingest state,
// e.g. "EKS_AUDIT": "STARTED") and returns its ARN.
func (a *Account) AddDetectiveGraph(packages map[string]string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	arn := fmt.Sprintf("arn:aws:detective:%s:%s:graph:%032d", Region, a.ID, len(a.graphs)+1)
	a.graphs = append(a.graphs, detectiveGraph{arn: arn, packages: packages})
	return arn
}

// serveDetective answers ListGraphs and ListDatasourcePackages; it reports false for other
// operations.
func (a *Account) serveDetective(w http.ResponseWriter, r *http.Request, action string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch action {
	case "detective:ListGraphs":
		list := []any{}
		for _, g := range a.graphs {
			list = append(list, map[string]any{"Arn": g.arn})
		}
		writeJSON(w, map[string]any{"GraphList": list})
	case "detective:ListDatasourcePackages":
		var in struct{ GraphArn string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeError(w, action, "ValidationException", err.Error())
			return true
		}
		for _, g := range a.graphs {
			if g.arn == in.GraphArn {
				packages := map[string]any{}
				for name, state := range g.packages {
					packages[name] = map[string]any{"DatasourcePackageIngestState": state}
				}
				writeJSON(w, map[string]any{"DatasourcePackages": packages})
				return true
			}
		}
		writeError(w, action, "ResourceNotFoundException", "graph "+in.GraphArn+" not found")
	default:
		return false
	}
	return true
}
