package inventory

// Gap is data a scan could not collect: a resource the API server forbade or does not
// serve (a CRD that is not installed), or an AWS call that was denied. Checks that read the
// missing data are reported as not evaluated, never as passed.
type Gap struct {
	// Kind is the object kind that is missing (Secret, ClusterRole, ...).
	Kind string `json:"kind"`
	// Resource is the API resource, group/version/resource (v1/secrets).
	Resource string `json:"resource"`
	// Namespace is set when only one namespace was affected.
	Namespace string `json:"namespace,omitempty"`
	// Reason is forbidden, not-found, or error.
	Reason GapReason `json:"reason"`
	// Message is the API server's message.
	Message string `json:"message"`
	// Checks are the check IDs that read this data and were not evaluated; filled by the runner.
	Checks []string `json:"checks,omitempty"`
}

// GapReason says why data is missing.
type GapReason string

// Why data may be missing.
const (
	GapForbidden GapReason = "forbidden"
	GapNotFound  GapReason = "not-found"
	GapError     GapReason = "error"
)

// ReportGap records missing data.
func (inv *Inventory) ReportGap(g Gap) { inv.Gaps = append(inv.Gaps, g) }

// MissingKinds returns the kinds with a coverage gap.
func (inv *Inventory) MissingKinds() map[string]bool {
	out := map[string]bool{}
	for _, g := range inv.Gaps {
		out[g.Kind] = true
	}
	return out
}
