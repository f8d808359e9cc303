package iam

import (
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// saTokenMount: EKS-IAM-022, CIS EKS 4.1.6.
//
// Forbidden: a workload (POD_SPEC_SOURCES) that mounts its service account token although it
// is not an API client and the token grants nothing. The token is mounted when
// spec.automountServiceAccountToken is true, or it is unset and the effective ServiceAccount
// (same namespace, from the input) does not set automountServiceAccountToken false; a
// ServiceAccount missing from the input counts as unset (mounted). A workload is an API client
// when the annotation eksguard.io/needs-api-token: "true" is on the pod metadata or the
// ServiceAccount. Mounted, not an API client and no RoleBinding/ClusterRoleBinding for the
// ServiceAccount: a finding at the check severity (a token with no permissions is pure
// exposure). Mounted and bound: an info finding listing the bindings, as evidence for review.
// Findings point at spec.automountServiceAccountToken (or where it would go). System
// namespaces are skipped unless included.
//
// Decisions: a ServiceAccount is bound when a binding names it as a subject (namespace from
// the subject, else the binding) or names Group system:serviceaccounts or
// system:serviceaccounts:<its namespace>; bindings to system:authenticated are ignored, since
// every cluster's default discovery bindings would make every ServiceAccount bound. The info
// finding is reported for API clients too, as the catalogue words it.
var saTokenMount = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-022",
		Slug:        "sa-token-mount",
		Title:       "Service account tokens must be mounted only where the API is used",
		Section:     "iam",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Set automountServiceAccountToken false on the pod spec or ServiceAccount; use a projected token volume only in containers that need it.",
		References: check.References{
			Guide:  "pods#disable-serviceaccount-token-mounts",
			CISEKS: "4.1.6",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{"ServiceAccount", "RoleBinding", "ClusterRoleBinding"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		accounts := indexServiceAccounts(inv)
		grants := indexSAGrants(inv)
		for _, p := range inv.PodSpecs() {
			auto := p.Spec.AutomountServiceAccountToken
			name, _ := effectiveServiceAccount(p)
			k := saKey{p.Namespace(), name}
			sa := accounts[k]
			var why string
			switch {
			case auto != nil && *auto:
				why = "the pod spec sets automountServiceAccountToken true"
			case auto != nil:
				continue
			case sa == nil:
				why = "automountServiceAccountToken unset on the pod spec; the ServiceAccount is not in the input"
			case sa.AutomountServiceAccountToken == nil:
				why = "automountServiceAccountToken unset on the pod spec and the ServiceAccount"
			case *sa.AutomountServiceAccountToken:
				why = "automountServiceAccountToken unset on the pod spec; the ServiceAccount sets it true"
			default:
				continue
			}
			at := p.SpecPath.Key("automountServiceAccountToken")
			token := "the token of ServiceAccount " + strconv.Quote(k.String())
			client := p.Meta.Annotations[needsAPITokenAnnotation] == "true" || (sa != nil && sa.Annotations[needsAPITokenAnnotation] == "true")
			if bound := grants.of(k); len(bound) > 0 {
				var names []string
				seen := map[string]bool{}
				for _, g := range bound {
					if s := g.String(); !seen[s] {
						seen[s] = true
						names = append(names, s)
					}
				}
				msg := token + " is mounted (" + why + ") and bound by " + strings.Join(names, ", ")
				if client {
					msg += "; the workload is marked as an API client"
				} else {
					msg += "; review that the workload uses the API"
				}
				r.FailWith(p.Object, at, check.Info, msg)
			} else if !client {
				r.Fail(p.Object, at, token+" is mounted ("+why+") but no RoleBinding or ClusterRoleBinding grants the ServiceAccount anything")
			}
		}
	},
}

// needsAPITokenAnnotation marks a workload or ServiceAccount as a Kubernetes API client.
const needsAPITokenAnnotation = "eksguard.io/needs-api-token"

func init() { check.Register(saTokenMount) }
