package awstest

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
)

// InsightsQuery is a Logs Insights query the harness was asked to run.
type InsightsQuery struct {
	LogGroupName string `json:"logGroupName"`
	QueryString  string `json:"queryString"`
	StartTime    int64  `json:"startTime"`
	EndTime      int64  `json:"endTime"`
	Limit        int32  `json:"limit"`
}

// SetQueryResults sets what every Logs Insights query of the account answers: rows of
// field/value pairs, after running polls answers of status Running (-1: never completes).
// moto 5.2.1 serves StartQuery and GetQueryResults but ignores filter and stats, so it
// cannot answer an aggregation.
func (a *Account) SetQueryResults(running int, rows ...map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.insightsRows, a.insightsRunning = rows, running
}

// Queries returns the Logs Insights queries started in the account.
func (a *Account) Queries() []InsightsQuery {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]InsightsQuery(nil), a.queries...)
}

var queryIDs atomic.Int64

// serveInsights answers StartQuery and GetQueryResults; it reports false for other operations.
func (a *Account) serveInsights(w http.ResponseWriter, r *http.Request, action string) bool {
	switch action {
	case "logs:StartQuery":
		var q InsightsQuery
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			writeError(w, action, "InvalidParameterException", err.Error())
			return true
		}
		a.mu.Lock()
		a.queries = append(a.queries, q)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"queryId": "query-" + itoa(queryIDs.Add(1))})
		return true
	case "logs:GetQueryResults":
		a.mu.Lock()
		defer a.mu.Unlock()
		out := map[string]any{"status": "Running", "results": []any{}}
		if a.insightsRunning > 0 {
			a.insightsRunning--
		} else if a.insightsRunning == 0 {
			results := []any{}
			for _, row := range a.insightsRows {
				fields := []any{}
				for k, v := range row {
					fields = append(fields, map[string]string{"field": k, "value": v})
				}
				results = append(results, fields)
			}
			out = map[string]any{"status": "Complete", "results": results, "statistics": map[string]float64{"recordsMatched": float64(len(results))}}
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(out)
		return true
	}
	return false
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
