package iam

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// saTokenSecrets: EKS-IAM-024.
//
// Forbidden: a Secret of type kubernetes.io/service-account-token. The token controller fills
// it with a token that never expires and is not bound to a pod, so anyone who copies it keeps
// the service account's access until the Secret is deleted; projected tokens (in the cluster)
// and IAM (outside) replace it. Each Secret is reported at its type field, naming the
// annotation kubernetes.io/service-account.name and, when set, the label
// kubernetes.io/legacy-token-last-used. Severity is high when the service account is bound to
// cluster-admin or to a Role/ClusterRole that fails EKS-IAM-026 (a wildcard "*" in verbs,
// resources or apiGroups, or nonResourceURLs "*" in a ClusterRole, on a role that is not
// RBAC_EXEMPT). Secrets in system namespaces are skipped unless included, or unless their service
// account has a non-default binding.
//
// Decisions: bindings reach the service account directly or through Group
// system:serviceaccounts[:<namespace>] (as for EKS-IAM-022). A binding is default when its name
// starts with "system:" or "eks:" (the ones Kubernetes and EKS create); any other binding
// makes a token Secret in a system namespace reportable. Roles are read from the input; a
// roleRef whose role is not in the input is not judged for wildcards (cluster-admin is judged
// by name). An aggregated ClusterRole is judged on its own rules plus those of the ClusterRoles
// in the input its aggregationRule selects. The value of the token is never read (the loader
// blanks Secret values).
var saTokenSecrets = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-024",
		Slug:        "sa-token-secrets",
		Title:       "Long-lived service account token Secrets must not exist",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Delete the Secret; clients inside the cluster use projected tokens, clients outside use IAM (access entries) or kubectl create token with a short TTL.",
		References: check.References{
			Guide: "iam#dont-use-a-service-account-token-for-authentication",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Secret", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		var grants *saGrants
		var roles *tokenSecretRoles
		for _, o := range inv.OfKind("Secret") {
			s, ok := o.Typed.(*corev1.Secret)
			if !ok || s.Type != corev1.SecretTypeServiceAccountToken {
				continue
			}
			if grants == nil {
				g := indexSAGrants(inv)
				grants, roles = &g, indexTokenSecretRoles(inv, r.Config.RBACExempt)
			}
			saName := s.Annotations[corev1.ServiceAccountNameKey]
			k := saKey{o.Namespace, saName}
			var bound []saGrant
			if saName != "" {
				bound = grants.of(k)
			}
			if r.Config.IsSystemNamespace(o.Namespace) && !r.Config.IncludeSystemNamespaces &&
				!slices.ContainsFunc(bound, func(g saGrant) bool { return !tokenSecretDefaultBinding(g.Binding.Name) }) {
				continue
			}
			r.Evaluated(1)
			msg := "Secret holds a long-lived token"
			if saName == "" {
				msg += " but names no ServiceAccount (annotation " + corev1.ServiceAccountNameKey + " is missing)"
			} else {
				msg += " for ServiceAccount " + strconv.Quote(k.String())
			}
			if last, ok := s.Labels[tokenLastUsedLabel]; ok {
				msg += "; last used " + last + " (" + tokenLastUsedLabel + ")"
			}
			sev := check.Medium
			for _, g := range bound {
				if why := roles.risky(g); why != "" {
					sev = check.High
					msg += "; " + g.String() + " binds it to " + why
					break
				}
			}
			r.FailWith(o, fieldpath.Root.Key("type"), sev, msg)
		}
	},
}

// tokenLastUsedLabel is set by the API server on legacy token Secrets when they are used.
const tokenLastUsedLabel = "kubernetes.io/legacy-token-last-used"

// tokenSecretDefaultBinding reports whether a binding is one Kubernetes or EKS creates.
func tokenSecretDefaultBinding(name string) bool {
	return strings.HasPrefix(name, "system:") || strings.HasPrefix(name, "eks:")
}

// tokenSecretRoles holds the Roles and ClusterRoles of the inventory for EKS-IAM-024.
type tokenSecretRoles struct {
	roles        map[saKey]*rbacv1.Role
	clusterRoles map[string]*rbacv1.ClusterRole
	exempt       []string
}

func indexTokenSecretRoles(inv *inventory.Inventory, exempt []string) *tokenSecretRoles {
	t := &tokenSecretRoles{roles: map[saKey]*rbacv1.Role{}, clusterRoles: map[string]*rbacv1.ClusterRole{}, exempt: exempt}
	for _, o := range inv.OfKind("Role") {
		if role, ok := o.Typed.(*rbacv1.Role); ok {
			t.roles[saKey{o.Namespace, o.Name}] = role
		}
	}
	for _, o := range inv.OfKind("ClusterRole") {
		if role, ok := o.Typed.(*rbacv1.ClusterRole); ok {
			t.clusterRoles[o.Name] = role
		}
	}
	return t
}

// risky describes why the role a grant binds is cluster-admin or fails EKS-IAM-026, or "".
func (t *tokenSecretRoles) risky(g saGrant) string {
	ref := g.RoleRef
	what := ref.Kind + " " + strconv.Quote(ref.Name)
	if ref.Kind == "ClusterRole" && ref.Name == "cluster-admin" {
		return what
	}
	if t.exemptRole(ref.Name) {
		return ""
	}
	var rules []rbacv1.PolicyRule
	switch ref.Kind {
	case "Role":
		role := t.roles[saKey{g.Binding.Namespace, ref.Name}]
		if role == nil {
			return ""
		}
		rules = role.Rules
	case "ClusterRole":
		role := t.clusterRoles[ref.Name]
		if role == nil {
			return ""
		}
		rules = t.effectiveRules(role)
	}
	for _, rule := range rules {
		if slices.Contains(rule.Verbs, "*") || slices.Contains(rule.Resources, "*") || slices.Contains(rule.APIGroups, "*") ||
			(ref.Kind == "ClusterRole" && slices.Contains(rule.NonResourceURLs, "*")) {
			return what + ", whose rules use wildcards (EKS-IAM-026)"
		}
	}
	return ""
}

// exemptRole reports RBAC_EXEMPT role names.
func (t *tokenSecretRoles) exemptRole(name string) bool {
	switch name {
	case "cluster-admin", "admin", "edit", "view", "aws-node":
		return true
	}
	return strings.HasPrefix(name, "system:") || strings.HasPrefix(name, "eks:") || slices.Contains(t.exempt, name)
}

// effectiveRules returns a ClusterRole's rules plus those of the input ClusterRoles its
// aggregationRule selects.
func (t *tokenSecretRoles) effectiveRules(role *rbacv1.ClusterRole) []rbacv1.PolicyRule {
	rules := slices.Clone(role.Rules)
	if role.AggregationRule == nil {
		return rules
	}
	for _, sel := range role.AggregationRule.ClusterRoleSelectors {
		selector, err := metav1.LabelSelectorAsSelector(&sel)
		if err != nil || selector.Empty() {
			continue
		}
		for _, other := range t.clusterRoles {
			if other != role && selector.Matches(labels.Set(other.Labels)) {
				rules = append(rules, other.Rules...)
			}
		}
	}
	return rules
}

func init() { check.Register(saTokenSecrets) }
