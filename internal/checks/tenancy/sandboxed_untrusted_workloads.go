package tenancy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// trustLabel marks a namespace's workloads as untrusted (eksguard.io/trust=untrusted).
const trustLabel = "eksguard.io/trust"

// sandboxHandlers are the RuntimeClass handlers (and names) of sandboxed runtimes.
var sandboxHandlers = []string{"kata", "gvisor", "runsc", "firecracker"}

// sandboxedUntrustedWorkloads: EKS-TEN-007 (CIS EKS v1.4 5.6.1).
//
// Evidence, not pass/fail (severity info): each Fargate profile (eks:ListFargateProfiles,
// DescribeFargateProfile) with the namespaces and labels it selects, and the sandboxed
// RuntimeClasses (handlers kata*, gvisor, runsc, firecracker*). Pre-flags every pod template
// in a namespace labelled eksguard.io/trust=untrusted that neither names a sandboxed
// runtimeClassName nor matches a Fargate profile selector, so it shares EC2 nodes with
// everything else. A cluster with neither Fargate profiles nor untrusted namespaces reports
// nothing.
var sandboxedUntrustedWorkloads = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-TEN-007",
		Slug:        "sandboxed-untrusted-workloads",
		Title:       "Untrusted workloads should run in a sandbox (Fargate or a sandboxed runtime)",
		Section:     "multi-tenancy",
		Severity:    check.Info,
		Source:      check.SourceAWSEKS,
		Remediation: "Schedule untrusted workloads onto Fargate profiles or nodes with a sandboxed runtime class.",
		References:  check.References{Guide: "multitenancy#sandboxed-execution-environments-for-containers", CISEKSLegacy: "1.4: 5.6.1"},
	},
	Reads: append([]string{"Namespace", inventory.AWSKind("eks:ListFargateProfiles"), inventory.AWSKind("eks:DescribeFargateProfile")}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		r.Evaluated(1)
		for _, p := range a.FargateProfiles {
			var sel []string
			for _, s := range p.Selectors {
				d := "namespace " + sdkaws.ToString(s.Namespace)
				if len(s.Labels) > 0 {
					d += " with labels " + labelsString(s.Labels)
				}
				sel = append(sel, d)
			}
			r.FailResource(sdkaws.ToString(p.FargateProfileArn), "Selectors",
				fmt.Sprintf("Fargate profile %q runs the pods of %s each in its own micro-VM", sdkaws.ToString(p.FargateProfileName), strings.Join(sel, "; ")))
		}
		sandboxed := sandboxedRuntimeClasses(inv)
		if len(sandboxed) > 0 {
			r.FailResource(a.ClusterResource(), "", "sandboxed RuntimeClasses: "+strings.Join(sandboxed, ", "))
		}
		untrusted := map[string]bool{}
		for _, ns := range inv.Namespaces() {
			if ns.Labels[trustLabel] == "untrusted" {
				untrusted[ns.Name] = true
			}
		}
		for _, p := range inv.PodSpecs() {
			ns := p.Namespace()
			if !untrusted[ns] {
				continue
			}
			if rc := sdkaws.ToString(p.Spec.RuntimeClassName); rc != "" && slices.Contains(sandboxed, rc) {
				continue
			}
			var labels map[string]string
			if p.Meta != nil {
				labels = p.Meta.Labels
			}
			if fargateSelects(a.FargateProfiles, ns, labels) {
				continue
			}
			r.Fail(p.Object, p.SpecPath.Key("runtimeClassName"), fmt.Sprintf("untrusted namespace %q: %s %q runs on shared EC2 nodes, without a sandboxed runtimeClassName or a Fargate profile", ns, p.Object.Kind, p.Object.Name))
		}
	},
}

// sandboxedRuntimeClasses are the names of RuntimeClasses whose handler is a sandbox.
func sandboxedRuntimeClasses(inv *inventory.Inventory) []string {
	var out []string
	for _, o := range inv.OfKind("RuntimeClass") {
		handler, _ := o.Raw["handler"].(string)
		for _, h := range sandboxHandlers {
			if strings.HasPrefix(strings.ToLower(handler), h) || strings.HasPrefix(strings.ToLower(o.Name), h) {
				out = append(out, o.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// fargateSelects reports whether a Fargate profile selector matches a pod: the namespace
// (wildcards * and ? allowed) and every selector label.
func fargateSelects(profiles []ekstypes.FargateProfile, ns string, labels map[string]string) bool {
	for _, p := range profiles {
		for _, s := range p.Selectors {
			if !globMatch(sdkaws.ToString(s.Namespace), ns) {
				continue
			}
			ok := true
			for k, v := range s.Labels {
				if !globMatch(v, labels[k]) {
					ok = false
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// globMatch matches Fargate selector wildcards: * any run of characters, ? one character.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
}

func labelsString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, k+"="+m[k])
	}
	return strings.Join(out, ",")
}

func init() { check.Register(sandboxedUntrustedWorkloads) }
