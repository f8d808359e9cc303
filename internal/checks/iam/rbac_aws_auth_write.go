package iam

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacAWSAuthWrite: EKS-IAM-008.
//
// Forbidden: a Role in kube-system or a ClusterRole whose effective rules (RBAC_MATCH, for the
// named object ConfigMap kube-system/aws-auth) grant update, patch, delete or deletecollection
// on configmaps in the core group, or create on configmaps with no resourceNames, when a
// binding grants it to a subject that is not RBAC_EXEMPT. Whoever can write aws-auth can map
// any IAM principal to any Kubernetes group, system:masters included. A non-exempt role is
// reported at the rule's first granting verb with every binding and subject; a binding of an
// RBAC_EXEMPT role (admin, edit, system:*, ...) is reported at its first non-exempt subject.
// Bindings of cluster-admin are evaluated here too, where only Group system:masters is an
// exempt subject (Group system:nodes and add-on service accounts are not).
//
// Decisions: a ClusterRole reaches aws-auth through a ClusterRoleBinding or a RoleBinding in
// kube-system; RoleBindings elsewhere do not. resourceNames restrict every verb but create
// exactly as the catalogue writes it (a rule limited to resourceNames [aws-auth] still counts
// for deletecollection). Manifest mode evaluates the RBAC objects in the input (plus the
// Kubernetes default roles they bind, see inventory.RBACOf) against ConfigMap
// kube-system/aws-auth whether or not the input holds it; when it does, a subject that an
// aws-auth mapRoles/mapUsers entry maps IAM principals to is named with those entries.
var rbacAWSAuthWrite = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-008",
		Slug:        "rbac-aws-auth-write",
		Title:       "Only administrators may modify the aws-auth ConfigMap",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceK8sRBAC,
		Remediation: "Restrict the rule with resourceNames and bind it only to the platform-admin group; move to access entries (EKS-IAM-004).",
		References: check.References{
			Guide: "iam#the-aws-auth-configmap-deprecated",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	// aws-auth (a ConfigMap) only adds notes to messages; the findings do not depend on it.
	Reads: []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		configMaps := []string{"configmaps"}
		evalBound(inv, r, boundQuery{
			accesses: []access{
				{verbs: []string{"update", "patch", "delete", "deletecollection"}, groups: coreGroup, resources: configMaps, name: awsAuthName, namespace: kubeSystem},
				{verbs: []string{"create"}, groups: coreGroup, resources: configMaps, namespace: kubeSystem},
			},
			clusterAdmin: true,
			object:       "including ConfigMap kube-system/aws-auth",
			note:         awsAuthMappedPrincipals(findAWSAuth(inv)),
		})
	},
}

const (
	awsAuthName = "aws-auth"
	kubeSystem  = "kube-system"
)

// coreGroup is the API group list of core resources.
var coreGroup = []string{""}

// awsAuthMappedPrincipals names the aws-auth entries that map IAM principals to a Group
// subject (by groups) or a User subject (by username).
func awsAuthMappedPrincipals(configs []*awsAuthConfig) func(inventory.RBACSubject) string {
	return func(s inventory.RBACSubject) string {
		var notes []string
		for _, c := range configs {
			for _, e := range slices.Concat(c.Roles, c.Users) {
				if (s.Kind == rbacv1.GroupKind && slices.Contains(e.Groups, s.Name)) || (s.Kind == rbacv1.UserKind && e.Username == s.Name) {
					notes = append(notes, "aws-auth "+e.Label()+" maps "+e.Principal())
				}
			}
		}
		return strings.Join(notes, ", ")
	}
}

func init() { check.Register(rbacAWSAuthWrite) }
