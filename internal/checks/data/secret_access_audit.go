package data

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// maxSecretAccessors is how many accessors EKS-DATA-012 lists one by one.
const maxSecretAccessors = 50

// secretAccessAudit: EKS-DATA-012 (manual; evidence for a reviewer).
//
// Requires EKS-DET-001: without control-plane audit logging (or without its log group) the
// check reports "cannot evaluate" (info, on the cluster). Otherwise a CloudWatch Logs
// Insights query over the last 7 days of /aws/eks/<cluster>/cluster (audit streams) counts
// get, list and watch on secrets by user.username, objectRef.namespace and verb; only those
// names and counts are collected. Each accessor that is not a control-plane or node identity
// gets an info finding on the cluster listing its verbs and namespaces with counts, list and
// watch across all namespaces called out, for a reviewer to confirm that the access is
// expected. At most 50 accessors are listed, the busiest first, and the rest are counted.
//
// Decisions: "identities not bound through RBAC_EXEMPT roles" is approximated by the user
// name, since the audit log names users, not the roles that granted them: the API server and
// controllers (system:apiserver, system:kube-controller-manager, system:kube-scheduler),
// kubelets (system:node:*), EKS's own users (eks:*) and service accounts of SYSTEM_NAMESPACES
// (system:serviceaccount:<ns>:*) are expected and not listed; every other user, including
// system:anonymous and service accounts of application namespaces, is. With no other
// accessor the check passes. The query is started and polled for up to two minutes; one
// that does not complete leaves a gap of logs:GetQueryResults, so the check is not
// evaluated. Logs Insights bills the data it scans (seven days of audit log).
var secretAccessAudit = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-012",
		Slug:        "secret-access-audit",
		Title:       "Access to Secrets must be audited",
		Section:     "data",
		Severity:    check.Info,
		Source:      check.SourceAWSOther,
		Remediation: "Review unexpected accessors, tighten RBAC (EKS-IAM-027), and add an alarm (EKS-DET-007).",
		References:  check.References{Guide: "data#audit-the-use-of-kubernetes-secrets"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("logs:DescribeLogGroups"),
		inventory.AWSKind("logs:StartQuery"), inventory.AWSKind("logs:GetQueryResults")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		cluster := a.ClusterResource()
		r.Evaluated(1)
		switch {
		case !a.AuditLogging():
			r.FailResource(cluster, "Logging.ClusterLogging", "cannot evaluate: control-plane audit logging is off (EKS-DET-001), so reads of Secrets leave no record to review")
			return
		case len(a.LogGroups) == 0:
			r.FailResource(cluster, "", "cannot evaluate: the audit log group "+inventory.ControlPlaneLogGroup(a.ClusterName)+" does not exist, so reads of Secrets leave no record to review")
			return
		case a.SecretAccess == nil:
			return
		}
		type accessor struct {
			name  string
			total int64
			rows  []inventory.SecretAccessRow
		}
		byUser := map[string]*accessor{}
		for _, row := range a.SecretAccess.Rows {
			if expectedSecretReader(row.Username, r.Config) {
				continue
			}
			acc := byUser[row.Username]
			if acc == nil {
				acc = &accessor{name: row.Username}
				byUser[row.Username] = acc
			}
			acc.total += row.Count
			acc.rows = append(acc.rows, row)
		}
		list := make([]*accessor, 0, len(byUser))
		for _, acc := range byUser {
			list = append(list, acc)
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].total != list[j].total {
				return list[i].total > list[j].total
			}
			return list[i].name < list[j].name
		})
		window := fmt.Sprintf("%s to %s", a.SecretAccess.Start.UTC().Format("2006-01-02"), a.SecretAccess.End.UTC().Format("2006-01-02"))
		for i, acc := range list {
			if i == maxSecretAccessors {
				r.FailResource(cluster, "", fmt.Sprintf("%d more users read Secrets from %s: query the audit log group for the full list", len(list)-maxSecretAccessors, window))
				break
			}
			sort.Slice(acc.rows, func(i, j int) bool {
				x, y := acc.rows[i], acc.rows[j]
				if x.Verb != y.Verb {
					return x.Verb < y.Verb
				}
				return x.Namespace < y.Namespace
			})
			var parts []string
			wide := false
			for _, row := range acc.rows {
				where := "namespace " + row.Namespace
				if row.Namespace == "" {
					where = "ALL namespaces"
					wide = wide || row.Verb == "list" || row.Verb == "watch"
				}
				parts = append(parts, fmt.Sprintf("%s in %s (%d)", row.Verb, where, row.Count))
			}
			times := "times"
			if acc.total == 1 {
				times = "time"
			}
			msg := fmt.Sprintf("%s read Secrets %d %s from %s: %s", acc.name, acc.total, times, window, strings.Join(parts, ", "))
			if wide {
				msg += "; it lists or watches Secrets across all namespaces"
			}
			r.FailResource(cluster, "", msg+": confirm that this accessor is expected")
		}
		if a.SecretAccess.Truncated {
			r.FailResource(cluster, "", "the secret-access query of "+a.SecretAccess.LogGroup+" returned its row limit, so some accessors are missing: query the audit log group directly")
		}
	},
}

// expectedSecretReader reports whether an audit user name is a control-plane, node, EKS or
// system-namespace service account identity, whose reads of Secrets are expected.
func expectedSecretReader(user string, cfg check.Config) bool {
	switch user {
	case "system:apiserver", "system:kube-controller-manager", "system:kube-scheduler":
		return true
	}
	if strings.HasPrefix(user, "system:node:") || strings.HasPrefix(user, "eks:") {
		return true
	}
	if rest, ok := strings.CutPrefix(user, "system:serviceaccount:"); ok {
		ns, _, _ := strings.Cut(rest, ":")
		return cfg.IsSystemNamespace(ns)
	}
	return false
}

func init() { check.Register(secretAccessAudit) }
