package iam

import (
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// defaultServiceAccountUse: EKS-IAM-021, CIS EKS 4.1.5.
//
// Forbidden: a workload (POD_SPEC_SOURCES) whose effective service account is "default":
// spec.serviceAccountName, else the deprecated spec.serviceAccount, else "default". Workloads
// sharing the default service account share its permissions and its identity in audit logs;
// a dedicated one per workload keeps both narrow. The finding points at the field that names
// "default", or at the missing serviceAccountName. Also forbidden (low): a RoleBinding or
// ClusterRoleBinding subject naming ServiceAccount default (its namespace is the subject's,
// else the binding's), since the default service account should hold no permissions; that
// finding points at the subject. System namespaces are skipped unless included.
//
// Decisions: the bindings part reports direct ServiceAccount subjects only; Group subjects
// (system:serviceaccounts[:<ns>]) grant every service account alike and are not about the
// default one. A binding subject whose service account lives in a system namespace is
// skipped like the workloads there, whatever namespace the binding object is in.
var defaultServiceAccountUse = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-021",
		Slug:        "default-service-account",
		Title:       "Workloads must not run as the default service account",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Create a dedicated ServiceAccount per workload and set spec.template.spec.serviceAccountName.",
		References: check.References{
			Guide:  "iam#use-dedicated-service-accounts-for-each-application",
			CISEKS: "4.1.5",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{"RoleBinding", "ClusterRoleBinding"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, p := range inv.PodSpecs() {
			name, at := effectiveServiceAccount(p)
			switch {
			case name != defaultServiceAccount:
			case p.Spec.ServiceAccountName != "":
				r.Fail(p.Object, at, `pod spec sets serviceAccountName "default"`)
			case p.Spec.DeprecatedServiceAccount != "":
				r.Fail(p.Object, at, `pod spec sets the deprecated serviceAccount "default"`)
			default:
				r.Fail(p.Object, at, `pod spec sets no serviceAccountName, so it runs as ServiceAccount "default"`)
			}
		}
		for k, grants := range indexSAGrants(inv).direct {
			if k.name != defaultServiceAccount || (r.Config.IsSystemNamespace(k.namespace) && !r.Config.IncludeSystemNamespaces) {
				continue
			}
			for _, g := range grants {
				r.FailWith(g.Binding, g.Path(), check.Low, g.Binding.Kind+" grants "+g.RoleRef.Kind+" "+strconv.Quote(g.RoleRef.Name)+
					" to ServiceAccount "+strconv.Quote(k.String())+", which should hold no permissions")
			}
		}
	},
}

func init() { check.Register(defaultServiceAccountUse) }
