package iam

import (
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// awsAuthMappings: EKS-IAM-005.
//
// Forbidden: access that depends on the kube-system/aws-auth ConfigMap. Its data.mapRoles,
// data.mapUsers and data.mapAccounts values are YAML strings read by aws-iam-authenticator;
// each is parsed, and
//   - a value or entry that does not parse is a high finding: a malformed aws-auth can lock
//     every IAM principal out of the cluster;
//   - a mapRoles entry whose groups are not a subset of {system:bootstrappers, system:nodes,
//     system:node-proxier, eks:kube-proxy-windows} (node, Windows node and Fargate
//     pod-execution roles), every mapUsers entry and every mapAccounts entry is a finding
//     naming the entry index, ARN, username and groups: these principals should have access
//     entries instead;
//   - a rolearn or userarn repeated within its list is a finding at the later entry, which
//     silently replaces the earlier one (the authenticator keys entries by lower-cased ARN,
//     so the comparison ignores case).
//
// Findings point at data.mapRoles, data.mapUsers or data.mapAccounts (a position cannot point
// inside the YAML string) and name the entry as mapRoles[i]; parse errors count lines within
// the value. aws-auth lives in kube-system, so system namespaces are evaluated.
//
// Decisions: the catalogue fails only when authenticationMode (EKS-IAM-004) is CONFIG_MAP or
// API_AND_CONFIG_MAP. That mode is an EKS API setting that manifests do not show, so manifest
// mode evaluates every aws-auth ConfigMap in the input as if the cluster read it: shipping an
// aws-auth manifest is depending on it (on an API-mode cluster the ConfigMap is ignored and the
// findings only mean it should be deleted). A ConfigMap named aws-auth counts in kube-system or
// with no namespace (applied with kubectl -n kube-system); anywhere else EKS does not read it.
// A mapRoles entry with no groups is not a node mapping (node roles always carry
// system:nodes) and is reported: it maps a principal to a username for RBAC User bindings.
// Entries keyed by an sso matcher instead of rolearn are judged by their groups like the rest.
var awsAuthMappings = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-IAM-005",
		Slug:     "aws-auth-mappings",
		Title:    "Human and workload access must not depend on the aws-auth ConfigMap",
		Section:  "iam",
		Severity: check.Low,
		Source:   check.SourceK8sObjects,
		Remediation: "Create access entries for each mapped principal and remove them from aws-auth. Until then, edit aws-auth only with " +
			"tooling that validates it (eksctl create iamidentitymapping, Terraform/CDK), never with free-hand kubectl edit.",
		References: check.References{
			Guide: "iam#if-relying-on-aws-auth-configmap-use-tools-to-make-changes",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"ConfigMap"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, c := range findAWSAuth(inv) {
			r.Evaluated(1)
			for _, e := range c.Errors {
				r.FailWith(c.Object, awsAuthDataPath(e.Key), check.High, "aws-auth "+e.Key+" does not parse: "+e.Message+"; the authenticator drops what it cannot read, which can lock IAM principals out")
			}
			for _, list := range [][]awsAuthEntry{c.Roles, c.Users} {
				first := map[string]awsAuthEntry{}
				for _, e := range list {
					if e.Key == awsAuthMapUsers || !awsAuthNodeGroups(e.Groups) {
						r.Fail(c.Object, e.Path(), "aws-auth "+e.Label()+" maps "+e.Describe()+": give it an access entry instead")
					}
					if e.ARN == "" {
						continue
					}
					k := strings.ToLower(e.ARN)
					if prev, dup := first[k]; dup {
						r.Fail(c.Object, e.Path(), "aws-auth "+e.Label()+" repeats the ARN of "+prev.Label()+" ("+e.ARN+"): the later entry silently replaces the earlier one")
					} else {
						first[k] = e
					}
				}
			}
			for _, a := range c.Accounts {
				r.Fail(c.Object, awsAuthDataPath(awsAuthMapAccounts), "aws-auth "+awsAuthMapAccounts+"["+strconv.Itoa(a.Index)+"] maps every IAM user and role of account "+a.ID+" to a Kubernetes user named after its ARN: grant access entries to specific roles instead")
			}
		}
	},
}

// awsAuthNodeGroups reports whether groups is a non-empty subset of the groups node, Windows
// node and Fargate pod-execution roles are mapped to.
func awsAuthNodeGroups(groups []string) bool {
	if len(groups) == 0 {
		return false
	}
	for _, g := range groups {
		switch g {
		case "system:bootstrappers", "system:nodes", "system:node-proxier", "eks:kube-proxy-windows":
		default:
			return false
		}
	}
	return true
}

func init() { check.Register(awsAuthMappings) }
