package iam

import (
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// dedicatedServiceAccount: EKS-IAM-023, CIS EKS 5.2.1.
//
// Forbidden: two workloads in one namespace sharing a service account. The workloads are
// Deployments, StatefulSets, DaemonSets, CronJobs and Jobs not owned by a CronJob (a CronJob's
// Jobs share its account by design), compared across kinds; the service account is the
// effective one of EKS-IAM-021 (serviceAccountName, else the deprecated serviceAccount, else
// "default"). Every workload of a shared account is reported, naming the others, because RBAC
// and IAM (IRSA, Pod Identity) permissions attach to the service account: sharing it gives each
// workload the union of what all of them need. Findings point at serviceAccountName (or the
// field that chose the account). "default" is left to EKS-IAM-021. System namespaces are
// skipped unless included.
//
// Decisions: workloads without a namespace in the manifest are grouped together (they are
// applied to the same namespace by kubectl -n). Bare Pods, ReplicaSets and ReplicationControllers
// are not among the catalogue's kinds and are not compared.
var dedicatedServiceAccount = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-023",
		Slug:        "dedicated-service-account",
		Title:       "Each workload should have a dedicated service account",
		Section:     "iam",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Give each workload its own ServiceAccount so RBAC and IAM permissions can be scoped per workload.",
		References: check.References{
			Guide:  "iam#use-dedicated-service-accounts-for-each-application",
			CISEKS: "5.2.1",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	// The workload kinds dedicatedSAWorkload compares; Pods, ReplicaSets and the like are ignored.
	Reads: []string{"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		users := map[saKey][]inventory.PodSpecRef{}
		var order []saKey
		for _, p := range inv.PodSpecs() {
			if !dedicatedSAWorkload(p.Object) ||
				(r.Config.IsSystemNamespace(p.Namespace()) && !r.Config.IncludeSystemNamespaces) {
				continue
			}
			r.Evaluated(1)
			name, _ := effectiveServiceAccount(p)
			if name == defaultServiceAccount {
				continue
			}
			k := saKey{p.Namespace(), name}
			if users[k] == nil {
				order = append(order, k)
			}
			users[k] = append(users[k], p)
		}
		for _, k := range order {
			list := users[k]
			if len(list) < 2 {
				continue
			}
			for i, p := range list {
				var others []string
				for j, q := range list {
					if j != i {
						others = append(others, q.Object.Kind+" "+saKey{q.Object.Namespace, q.Object.Name}.String())
					}
				}
				sort.Strings(others)
				_, at := effectiveServiceAccount(p)
				r.Fail(p.Object, at, "ServiceAccount "+strconv.Quote(k.String())+" is also used by "+strings.Join(others, ", "))
			}
		}
	},
}

// dedicatedSAWorkload reports whether o is one of the workload kinds EKS-IAM-023 compares.
func dedicatedSAWorkload(o *inventory.Object) bool {
	switch t := o.Typed.(type) {
	case *appsv1.Deployment, *appsv1.StatefulSet, *appsv1.DaemonSet, *batchv1.CronJob:
		return true
	case *batchv1.Job:
		for _, ref := range t.OwnerReferences {
			if ref.Kind == "CronJob" {
				return false
			}
		}
		return true
	}
	return false
}

func init() { check.Register(dedicatedServiceAccount) }
