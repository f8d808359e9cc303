package pod

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// namespacePSAEnforce: EKS-POD-029.
//
// Every Namespace must carry the label pod-security.kubernetes.io/enforce with "baseline" or
// "restricted". Absent fails (EKS runs Pod Security Admission with a privileged default, so
// nothing is enforced), as do "privileged" and invalid values. "baseline" gets a medium
// finding recommending restricted when the namespace's workloads already pass restricted.
// pod-security.kubernetes.io/enforce-version, when set, must be "latest" or v1.N. Findings
// point at the label. System namespaces are reported with exempt=true so PSA exemptions stay
// visible. Manifest mode evaluates the Namespace objects found in the input.
//
// Decisions: "workloads already pass EKS-POD-015..021" is evaluated with pod-security-admission
// at restricted/latest (baseline plus those controls) on the pod specs of the input in that
// namespace; with none in the input there is no evidence and no recommendation. The
// enforce-version floor (cluster minor version minus 2) needs the cluster version, which
// manifest mode does not have: there "latest" and every well-formed v1.N pass and only
// malformed values fail.
var namespacePSAEnforce = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-029",
		Slug:        "namespace-psa-enforce",
		Title:       "Namespaces must enforce a Pod Security Standard with Pod Security Admission",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "kubectl label ns <ns> pod-security.kubernetes.io/enforce=restricted (or baseline) --overwrite",
		References: check.References{
			Guide:  "pods#pod-security-standards-pss-and-pod-security-admission-psa",
			CISEKS: "4.2.1-4.2.5",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	Reads: append([]string{"Namespace"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		var workloads map[string][]inventory.PodSpecRef
		for _, o := range inv.OfKind("Namespace") {
			ns, ok := o.Typed.(*corev1.Namespace)
			if !ok {
				continue
			}
			labels := fieldpath.Root.Key("metadata").Key("labels")
			level, set := ns.Labels[psaapi.EnforceLevelLabel]
			at := labels.Key(psaapi.EnforceLevelLabel)
			switch {
			case !set:
				r.Fail(o, at, "namespace has no "+psaapi.EnforceLevelLabel+" label: the EKS default is privileged, nothing is enforced")
			case level == string(psaapi.LevelPrivileged):
				r.Fail(o, at, "namespace enforces privileged: Pod Security Admission restricts nothing")
			case level == string(psaapi.LevelBaseline):
				if workloads == nil {
					workloads = map[string][]inventory.PodSpecRef{}
					for _, p := range inv.PodSpecs() {
						workloads[p.Namespace()] = append(workloads[p.Namespace()], p)
					}
				}
				if n := len(workloads[o.Name]); n > 0 && passRestricted(workloads[o.Name]) {
					r.FailWith(o, at, check.Medium, "namespace enforces baseline, but every workload of it in the input ("+strconv.Itoa(n)+") already passes restricted: enforce restricted")
				}
			case level == string(psaapi.LevelRestricted):
			default:
				r.Fail(o, at, "namespace sets "+psaapi.EnforceLevelLabel+" to "+strconv.Quote(level)+`, not a valid level (privileged, baseline, restricted)`)
			}
			if v, ok := ns.Labels[psaapi.EnforceVersionLabel]; ok {
				if _, err := psaapi.ParseVersion(v); err != nil {
					r.Fail(o, labels.Key(psaapi.EnforceVersionLabel), "namespace sets "+psaapi.EnforceVersionLabel+" to "+strconv.Quote(v)+`, which is not "latest" or v1.N`)
				}
			}
		}
	},
}

// restrictedEvaluator runs the pod-security-admission checks of this eksguard build.
var restrictedEvaluator = func() policy.Evaluator {
	e, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		panic("pod-security-admission checks are invalid: " + err.Error())
	}
	return e
}()

// passRestricted reports whether every pod spec passes the restricted profile at latest.
func passRestricted(specs []inventory.PodSpecRef) bool {
	lv := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	for _, p := range specs {
		for _, res := range restrictedEvaluator.EvaluatePod(lv, p.Meta, p.Spec) {
			if !res.Allowed {
				return false
			}
		}
	}
	return true
}

func init() { check.Register(namespacePSAEnforce) }
