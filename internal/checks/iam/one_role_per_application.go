package iam

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// irsaAnnotation on a ServiceAccount names the IAM role its pods assume (IRSA).
const irsaAnnotation = "eks.amazonaws.com/role-arn"

// oneRolePerApplication: EKS-IAM-016.
//
// Maps each IAM role to the (namespace, service account) pairs that use it: ServiceAccounts
// annotated eks.amazonaws.com/role-arn and EKS Pod Identity associations. Fails for each role
// used by more than one pair, naming them, unless every one of its pairs is on
// role_sharing_allowlist (settings file, "namespace/serviceaccount" pairs intentionally
// shared; default empty).
//
// Decisions: the allowlist exempts a role only when all its users are listed, so a new,
// unlisted workload that picks up an intentionally shared role is still reported (the
// message names the unlisted pairs); exceptions (.eksguard.yaml, kind iam:role) remain the
// way to accept one role whatever uses it. A ServiceAccount with no namespace in a manifest
// counts as namespace "default".
var oneRolePerApplication = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-016",
		Slug:        "one-role-per-application",
		Title:       "Each application must use its own IAM role",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceAWSEKS,
		Remediation: "Create one IAM role per workload identity with only the permissions that workload needs.",
		References:  check.References{Guide: "iam#use-one-iam-role-per-application"},
	},
	Reads: []string{"ServiceAccount", readListPodIdentity, readDescribePodIdentity},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		users := map[string]map[string]bool{} // role ARN -> "irsa ns/sa" ...
		use := func(role, how string) {
			role = strings.TrimSpace(role)
			if role == "" {
				return
			}
			if users[role] == nil {
				users[role] = map[string]bool{}
			}
			users[role][how] = true
		}
		pairs := map[string]map[string]bool{} // role -> ns/sa
		pair := func(role, ns, sa string) {
			role = strings.TrimSpace(role)
			if role == "" {
				return
			}
			if pairs[role] == nil {
				pairs[role] = map[string]bool{}
			}
			pairs[role][ns+"/"+sa] = true
		}
		for _, o := range inv.OfKind("ServiceAccount") {
			sa, ok := o.Typed.(*corev1.ServiceAccount)
			if !ok {
				continue
			}
			ns := o.Namespace
			if ns == "" {
				ns = "default"
			}
			if role := sa.Annotations[irsaAnnotation]; role != "" {
				pair(role, ns, o.Name)
				use(role, "IRSA "+ns+"/"+o.Name)
			}
		}
		if inv.AWS != nil {
			for _, p := range inv.AWS.PodIdentityAssociations {
				ns, sa := deref(p.Namespace), deref(p.ServiceAccount)
				pair(deref(p.RoleArn), ns, sa)
				use(deref(p.RoleArn), "Pod Identity "+ns+"/"+sa)
			}
		}
		roles := make([]string, 0, len(pairs))
		for role := range pairs {
			roles = append(roles, role)
		}
		sort.Strings(roles)
		for _, role := range roles {
			r.Evaluated(1)
			if len(pairs[role]) < 2 {
				continue
			}
			var unlisted []string
			for p := range pairs[role] {
				if !slices.Contains(r.Config.RoleSharingAllowlist, p) {
					unlisted = append(unlisted, p)
				}
			}
			if len(unlisted) == 0 {
				continue // intentionally shared
			}
			sort.Strings(unlisted)
			notListed := ""
			if len(r.Config.RoleSharingAllowlist) > 0 {
				notListed = " (not on role_sharing_allowlist: " + strings.Join(unlisted, ", ") + ")"
			}
			var hows []string
			for h := range users[role] {
				hows = append(hows, h)
			}
			sort.Strings(hows)
			r.FailResource(role, "", fmt.Sprintf("IAM role is used by %d service accounts: %s", len(pairs[role]), strings.Join(hows, ", ")+notListed))
		}
	},
}

func init() { check.Register(oneRolePerApplication) }
