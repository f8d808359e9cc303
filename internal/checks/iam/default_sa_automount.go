package iam

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// defaultSAAutomount: EKS-IAM-020, CIS EKS 4.1.5.
//
// Forbidden: a ServiceAccount named "default" whose automountServiceAccountToken is not
// explicitly false (absent or null counts as true). Every pod that names no service account
// runs as "default", so with automount on, each of them carries an API token it most likely
// never uses. The finding points at automountServiceAccountToken. System namespaces are
// skipped unless included. Manifest mode evaluates the ServiceAccount objects named default
// found in the input; a namespace whose default ServiceAccount is not in the input is not
// reported (the API server creates it with automount unset, which live mode sees).
var defaultSAAutomount = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-020",
		Slug:        "default-sa-automount",
		Title:       "Default service accounts must not automount API tokens",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: `kubectl patch serviceaccount default -n <ns> -p '{"automountServiceAccountToken": false}'`,
		References: check.References{
			Guide:  "iam#disable-auto-mounting-of-service-account-tokens",
			CISEKS: "4.1.5",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Kinds: []string{"ServiceAccount"},
	NotAtAdmission: "the ServiceAccount controller creates each namespace's default ServiceAccount without " +
		"automountServiceAccountToken: denying that request would leave new namespaces without one, so pods " +
		"naming no ServiceAccount could not start (a mutating policy fits; scans report it)",
	Object: func(o *inventory.Object, r *check.Reporter) {
		sa, ok := o.Typed.(*corev1.ServiceAccount)
		if !ok || o.Name != defaultServiceAccount {
			return
		}
		at := fieldpath.Root.Key("automountServiceAccountToken")
		switch {
		case sa.AutomountServiceAccountToken == nil:
			r.Fail(o, at, `ServiceAccount "default" does not set automountServiceAccountToken (default true): pods running as it get an API token unless they opt out`)
		case *sa.AutomountServiceAccountToken:
			r.Fail(o, at, `ServiceAccount "default" sets automountServiceAccountToken true: pods running as it get an API token unless they opt out`)
		}
	},
}

func init() { check.Register(defaultSAAutomount) }
