package awstest

import (
	"fmt"
	"net/http"
)

// EnableStandard enables a Security Hub standard (its ARN, e.g.
// arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0)
// with status READY, which GetEnabledStandards answers: moto 5.2.1 does not implement it.
// Enable Security Hub itself through moto (EnableSecurityHub).
func (a *Account) EnableStandard(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.standards = append(a.standards, arn)
}

// serveSecurityHub answers GetEnabledStandards; it reports false for other operations.
func (a *Account) serveSecurityHub(w http.ResponseWriter, r *http.Request, action string) bool {
	if action != "securityhub:GetEnabledStandards" {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	subs := []any{}
	for i, arn := range a.standards {
		subs = append(subs, map[string]any{
			"StandardsArn":             arn,
			"StandardsSubscriptionArn": fmt.Sprintf("arn:aws:securityhub:%s:%s:subscription/standard-%d/v/1.0.0", Region, a.ID, i+1),
			"StandardsStatus":          "READY",
			"StandardsInput":           map[string]string{},
		})
	}
	writeJSON(w, map[string]any{"StandardsSubscriptions": subs})
	return true
}
