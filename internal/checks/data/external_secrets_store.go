package data

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// externalSecretsStore: EKS-DATA-010, CIS EKS 4.4.2 (manual).
//
// Expected: application secrets held in an external store (AWS Secrets Manager or SSM
// Parameter Store, or Vault) rather than only in Kubernetes Secrets, which are base64 in etcd,
// readable by anyone with get on secrets and never rotated. The check passes when at least one
// workload outside SYSTEM_NAMESPACES uses one of:
//   - the Secrets Store CSI driver with the AWS provider: a pod volume with csi.driver
//     secrets-store.csi.k8s.io whose volumeAttributes.secretProviderClass names a
//     SecretProviderClass (secrets-store.csi.x-k8s.io) with spec.provider aws;
//   - External Secrets Operator: an ExternalSecret (external-secrets.io) whose
//     spec.secretStoreRef names a SecretStore or ClusterSecretStore with spec.provider.aws;
//   - the Vault agent injector: pod metadata annotation vault.hashicorp.com/agent-inject "true".
//
// Otherwise it fails (low) with the evidence the catalogue asks for: per namespace, the Opaque
// Secrets (type Opaque, or unset in a manifest, where it defaults to Opaque) that none of these
// tools manage, i.e. with no ownerReference from external-secrets.io,
// secrets-store.csi.x-k8s.io or secrets.hashicorp.com and no label
// secrets-store.csi.k8s.io/managed or reconcile.external-secrets.io/*. One finding per
// namespace, at the type field of its first such Secret, lists their names (never values); a
// reviewer judges which must move. System namespaces are skipped unless included.
//
// Decisions for manifest mode: the CSIDriver object and the operators are usually installed
// outside the application's manifests, so use by a workload is the evidence and the CSIDriver
// object is not required. A SecretProviderClass or secret store referenced but not in the input
// is accepted (its provider cannot be seen, and referencing it shows a store is in use); one in
// the input must be of provider aws. With no store in use and no unmanaged Opaque Secret in the
// input, nothing is reported: there is nothing a reviewer could move.
var externalSecretsStore = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-010",
		Slug:        "external-secrets-store",
		Title:       "An external secrets store should hold application secrets",
		Section:     "data",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Store secrets in AWS Secrets Manager/SSM Parameter Store and sync or mount them with ASCP or External Secrets.",
		References: check.References{
			Guide:  "data#use-an-external-secrets-provider",
			CISEKS: "4.4.2",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	// SecretProviderClass, SecretStore and ExternalSecret are optional CRDs: a cluster without them has no gap.
	Reads: append([]string{"Secret"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if externalStoreInUse(inv, r.Config) {
			r.Evaluated(1)
			return
		}
		type nsSecrets struct {
			first *inventory.Object
			names []string
		}
		var order []string
		byNS := map[string]*nsSecrets{}
		for _, o := range inv.OfKind("Secret") {
			s, ok := o.Typed.(*corev1.Secret)
			// A live Secret always has a type; an empty one is a type the collector did not
			// learn (it lists Secrets as metadata, by type), so it is not an Opaque Secret.
			unsetOpaque := s.Type == "" && o.Origin.Live == nil
			if !ok || (s.Type != corev1.SecretTypeOpaque && !unsetOpaque) || externalStoreManaged(s) ||
				(r.Config.IsSystemNamespace(o.Namespace) && !r.Config.IncludeSystemNamespaces) {
				continue
			}
			e := byNS[o.Namespace]
			if e == nil {
				e = &nsSecrets{first: o}
				byNS[o.Namespace] = e
				order = append(order, o.Namespace)
			}
			e.names = append(e.names, o.Name)
		}
		r.Evaluated(len(order))
		for _, ns := range order {
			e := byNS[ns]
			where := "namespace " + strconv.Quote(ns)
			if ns == "" {
				where = "the input (no namespace set)"
			}
			names := e.names
			more := ""
			if len(names) > 10 {
				more = " and " + strconv.Itoa(len(names)-10) + " more"
				names = names[:10]
			}
			r.Fail(e.first, fieldpath.Root.Key("type"), "no external secrets store is in use (Secrets Store CSI driver with the AWS provider, External Secrets Operator with an AWS store, or the Vault agent injector); "+
				where+" holds "+strconv.Itoa(len(e.names))+" Opaque Secret(s) none of them manage: "+strings.Join(names, ", ")+more)
		}
	},
}

// externalStoreInUse reports whether a workload outside the system namespaces uses an external
// secrets store, as described on externalSecretsStore.
func externalStoreInUse(inv *inventory.Inventory, cfg check.Config) bool {
	// Secret provider classes and stores in the input, by namespace/name ("" namespace for cluster stores).
	spcProvider := map[[2]string]string{}
	for _, o := range inv.OfKind("SecretProviderClass") {
		if o.Group() == "secrets-store.csi.x-k8s.io" {
			spcProvider[[2]string{o.Namespace, o.Name}] = inventory.RawString(o.Raw, "spec", "provider")
		}
	}
	storeAWS := map[[3]string]bool{}
	for _, kind := range []string{"SecretStore", "ClusterSecretStore"} {
		for _, o := range inv.OfKind(kind) {
			if o.Group() != "external-secrets.io" {
				continue
			}
			ns := o.Namespace
			if kind == "ClusterSecretStore" {
				ns = ""
			}
			provider := inventory.RawMap(o.Raw, "spec", "provider")
			_, aws := provider["aws"]
			storeAWS[[3]string{kind, ns, o.Name}] = aws
		}
	}
	for _, p := range inv.PodSpecs() {
		if cfg.IsSystemNamespace(p.Namespace()) {
			continue
		}
		if p.Meta.Annotations["vault.hashicorp.com/agent-inject"] == "true" {
			return true
		}
		for _, v := range p.Spec.Volumes {
			if v.CSI == nil || v.CSI.Driver != "secrets-store.csi.k8s.io" {
				continue
			}
			name := v.CSI.VolumeAttributes["secretProviderClass"]
			if provider, ok := spcProvider[[2]string{p.Namespace(), name}]; !ok || provider == "aws" {
				return true
			}
		}
	}
	for _, o := range inv.OfKind("ExternalSecret") {
		if o.Group() != "external-secrets.io" || cfg.IsSystemNamespace(o.Namespace) {
			continue
		}
		ref := inventory.RawMap(o.Raw, "spec", "secretStoreRef")
		name, _ := ref["name"].(string)
		kind, _ := ref["kind"].(string)
		ns := o.Namespace
		switch kind {
		case "", "SecretStore":
			kind = "SecretStore"
		case "ClusterSecretStore":
			ns = ""
		}
		if aws, ok := storeAWS[[3]string{kind, ns, name}]; !ok || aws {
			return true
		}
	}
	return false
}

// externalStoreManaged reports whether a Secret is written by one of the external store tools.
func externalStoreManaged(s *corev1.Secret) bool {
	for _, ref := range s.OwnerReferences {
		group, _, _ := strings.Cut(ref.APIVersion, "/")
		switch group {
		case "external-secrets.io", "secrets-store.csi.x-k8s.io", "secrets.hashicorp.com":
			return true
		}
	}
	for k := range s.Labels {
		if k == "secrets-store.csi.k8s.io/managed" || strings.HasPrefix(k, "reconcile.external-secrets.io/") {
			return true
		}
	}
	return false
}

func init() { check.Register(externalSecretsStore) }
