package iam

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacWebhookConfig: EKS-IAM-032, CIS EKS 4.1.11.
//
// Forbidden: a ClusterRole that is not RBAC_EXEMPT whose effective rules grant create, update,
// patch, delete or deletecollection on validatingwebhookconfigurations,
// mutatingwebhookconfigurations, validatingadmissionpolicies or
// validatingadmissionpolicybindings (admissionregistration.k8s.io) and that a
// ClusterRoleBinding grants to a subject that is not RBAC_EXEMPT; and a ClusterRoleBinding of
// an RBAC_EXEMPT role with such rules to a subject that is not exempt. Admission control is
// where policy is enforced: whoever edits it can switch policy off or have a mutating webhook
// rewrite every object.
//
// Decisions: these kinds are cluster-scoped, so only ClusterRoleBindings grant them. A rule
// restricted by resourceNames does not count: that is the remediation's scoping for the
// controllers that own their webhooks (create cannot be restricted by name anyway). Manifest
// mode evaluates the RBAC objects in the input plus the Kubernetes default roles they bind.
var rbacWebhookConfig = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-032",
		Slug:        "rbac-webhook-config",
		Title:       "Access to admission webhook configurations must be limited",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceK8sRBAC,
		Remediation: "Restrict these verbs to cluster administrators and the controllers that own the webhooks (with resourceNames).",
		References: check.References{
			Guide:  "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
			CISEKS: "4.1.11",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		evalBound(inv, r, boundQuery{accesses: []access{{
			verbs:  []string{"create", "update", "patch", "delete", "deletecollection"},
			groups: []string{"admissionregistration.k8s.io"},
			resources: []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations",
				"validatingadmissionpolicies", "validatingadmissionpolicybindings"},
			clusterScoped: true,
		}}})
	},
}

func init() { check.Register(rbacWebhookConfig) }
