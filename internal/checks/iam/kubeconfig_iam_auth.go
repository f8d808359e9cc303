package iam

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// staticKubeAuth are the kubeconfig credentials EKS-IAM-038 fails: long-lived secrets in the
// file instead of IAM.
var staticKubeAuth = []string{inventory.KubeAuthToken, inventory.KubeAuthTokenFile, inventory.KubeAuthClientCertificate, inventory.KubeAuthBasic}

// kubeconfigIAMAuth: EKS-IAM-038 (CIS EKS 5.5.1; manual).
//
// Evidence: the kubeconfig eksguard read (--kubeconfig, else KUBECONFIG, else ~/.kube/config;
// inventory.AWS.Kubeconfig), its user entries for this cluster: those of every context whose
// cluster's server is the cluster's endpoint (eks:DescribeCluster), host compared
// case-insensitively. Each user entry carrying a static token, a tokenFile, a client
// certificate or key, or a username/password fails (low) on the cluster's ARN, naming the
// user, its contexts and the kinds of credential (never their values). A user authenticating
// through another exec plugin or an auth-provider is an info finding to confirm. The evidence
// ends with an info finding listing the IAM-authenticating users (aws eks get-token,
// aws-iam-authenticator, also behind wrappers such as aws-vault) and asking the reviewer to
// confirm that no other static credentials are distributed.
//
// Decisions: when no kubeconfig was read (an in-cluster scan, or eksguard aws without one)
// there is no evidence and nothing is evaluated; that is not a coverage gap, since no call
// failed. When the endpoint is unknown the current (or --context) context's user is the
// evidence. The AWS CLI version (>= 1.16.156) cannot be told from the kubeconfig and is not
// checked. Only the kubeconfig that eksguard read is examined; copies elsewhere are what the
// reviewer confirms.
var kubeconfigIAMAuth = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-038",
		Slug:        "kubeconfig-iam-auth",
		Title:       "kubectl users must authenticate through IAM (aws eks get-token / IAM authenticator)",
		Section:     "iam",
		Severity:    check.Low,
		Source:      check.SourceAWSOther,
		Remediation: "Regenerate kubeconfig with aws eks update-kubeconfig; revoke static credentials.",
		References:  check.References{Guide: "iam#dont-use-a-service-account-token-for-authentication", CISEKS: "5.5.1"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Kubeconfig == nil {
			return
		}
		arn := a.ClusterResource()
		files := strings.Join(a.Kubeconfig.Files, ", ")
		if files == "" {
			files = "the kubeconfig"
		}
		var iamUsers []string
		for _, u := range a.Kubeconfig.Users {
			r.Evaluated(1)
			ctxWord := "context"
			if len(u.Contexts) > 1 {
				ctxWord = "contexts"
			}
			who := fmt.Sprintf("kubeconfig user %q (%s %s)", u.Name, ctxWord, strings.Join(u.Contexts, ", "))
			var static []string
			for _, k := range u.Auth {
				if slices.Contains(staticKubeAuth, k) {
					static = append(static, k)
				}
			}
			iam := slices.Contains(u.Auth, inventory.KubeAuthAWSGetToken) || slices.Contains(u.Auth, inventory.KubeAuthIAMAuthenticator)
			switch {
			case len(static) > 0:
				r.FailResource(arn, "", fmt.Sprintf("%s in %s authenticates to this cluster with static credentials (%s) instead of aws eks get-token or aws-iam-authenticator",
					who, files, strings.Join(static, ", ")))
			case iam:
				iamUsers = append(iamUsers, fmt.Sprintf("%q", u.Name))
			case len(u.Auth) == 0:
				r.FailResourceWith(arn, "", check.Info, who+" carries no credentials: confirm how it authenticates")
			default:
				var ways []string
				for _, k := range u.Auth {
					switch k {
					case inventory.KubeAuthOtherExec:
						ways = append(ways, "the exec plugin "+u.Command)
					case inventory.KubeAuthProvider:
						ways = append(ways, "an auth-provider")
					default:
						ways = append(ways, k)
					}
				}
				what := strings.Join(ways, " and ")
				r.FailResourceWith(arn, "", check.Info, fmt.Sprintf("%s authenticates through %s, not aws eks get-token or aws-iam-authenticator: confirm it obtains IAM credentials", who, what))
			}
		}
		if len(iamUsers) > 0 {
			r.FailResourceWith(arn, "", check.Info, fmt.Sprintf("kubeconfig user(s) %s in %s authenticate through IAM: confirm that no other static credentials for this cluster are distributed",
				strings.Join(iamUsers, ", "), files))
		}
	},
}

func init() { check.Register(kubeconfigIAMAuth) }
