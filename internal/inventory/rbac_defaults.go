package inventory

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kubernetes default ClusterRoles that bindings in manifests name without the manifests
// containing them: cluster-admin and the user-facing admin, edit and view with the
// system:aggregate-to-* roles they aggregate, as the API server's RBAC bootstrap policy
// creates them (Kubernetes 1.36). BuildRBAC adds each one the inventory lacks, so a
// RoleBinding of "edit" is evaluated on edit's rules; a live inventory has them all and
// these are never used. Custom ClusterRoles labelled rbac.authorization.k8s.io/aggregate-to-*
// aggregate into them as in a cluster.

const (
	aggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin"
	aggregateToEdit  = "rbac.authorization.k8s.io/aggregate-to-edit"
	aggregateToView  = "rbac.authorization.k8s.io/aggregate-to-view"
)

var (
	verbsRead  = []string{"get", "list", "watch"}
	verbsWrite = []string{"create", "delete", "deletecollection", "patch", "update"}
	verbsAll   = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
)

func policyRule(groups, resources, verbs []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
}

func strs(s ...string) []string { return s }

func aggregatedBy(label string) *rbacv1.AggregationRule {
	return &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{label: "true"}}}}
}

func labelled(label string) map[string]string {
	if label == "" {
		return map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"}
	}
	return map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults", label: "true"}
}

// defaultClusterRoles returns fresh copies of the Kubernetes default ClusterRoles above.
func defaultClusterRoles() []rbacv1.ClusterRole {
	cr := func(name, label string, agg *rbacv1.AggregationRule, rules ...rbacv1.PolicyRule) rbacv1.ClusterRole {
		return rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labelled(label)}, AggregationRule: agg, Rules: rules}
	}
	return []rbacv1.ClusterRole{
		cr("cluster-admin", "", nil,
			policyRule(strs("*"), strs("*"), strs("*")),
			rbacv1.PolicyRule{NonResourceURLs: strs("*"), Verbs: strs("*")}),
		cr("admin", "", aggregatedBy(aggregateToAdmin)),
		cr("edit", aggregateToAdmin, aggregatedBy(aggregateToEdit)),
		cr("view", aggregateToEdit, aggregatedBy(aggregateToView)),
		cr("system:aggregate-to-admin", aggregateToAdmin, nil,
			policyRule(strs("authorization.k8s.io"), strs("localsubjectaccessreviews"), strs("create")),
			policyRule(strs("rbac.authorization.k8s.io"), strs("rolebindings", "roles"), verbsAll)),
		cr("system:aggregate-to-edit", aggregateToEdit, nil,
			policyRule(strs(""), strs("pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"), verbsRead),
			policyRule(strs(""), strs("serviceaccounts"), strs("impersonate")),
			policyRule(strs(""), strs("pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"), verbsWrite),
			policyRule(strs(""), strs("pods/eviction"), strs("create")),
			policyRule(strs(""), strs("configmaps", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale",
				"secrets", "serviceaccounts", "services", "services/proxy"), verbsWrite),
			policyRule(strs(""), strs("serviceaccounts/token"), strs("create")),
			policyRule(strs("", "events.k8s.io"), strs("events"), verbsWrite),
			policyRule(strs("apps"), strs("daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
				"replicasets/scale", "statefulsets", "statefulsets/scale"), verbsWrite),
			policyRule(strs("autoscaling"), strs("horizontalpodautoscalers"), verbsWrite),
			policyRule(strs("batch"), strs("cronjobs", "jobs"), verbsWrite),
			policyRule(strs("extensions"), strs("daemonsets", "deployments", "deployments/rollback", "deployments/scale", "ingresses",
				"networkpolicies", "replicasets", "replicasets/scale", "replicationcontrollers/scale"), verbsWrite),
			policyRule(strs("policy"), strs("poddisruptionbudgets"), verbsWrite),
			policyRule(strs("networking.k8s.io"), strs("ingresses", "networkpolicies"), verbsWrite),
			policyRule(strs("coordination.k8s.io"), strs("leases"), verbsAll),
			policyRule(strs("resource.k8s.io"), strs("resourceclaims", "resourceclaimtemplates"), verbsWrite)),
		cr("system:aggregate-to-view", aggregateToView, nil,
			policyRule(strs(""), strs("configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
				"replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"), verbsRead),
			policyRule(strs(""), strs("bindings", "limitranges", "namespaces/status", "pods/log", "pods/status",
				"replicationcontrollers/status", "resourcequotas", "resourcequotas/status"), verbsRead),
			policyRule(strs(""), strs("namespaces"), verbsRead),
			policyRule(strs("", "events.k8s.io"), strs("events"), verbsRead),
			policyRule(strs("discovery.k8s.io"), strs("endpointslices"), verbsRead),
			policyRule(strs("apps"), strs("controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
				"deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale",
				"statefulsets/status"), verbsRead),
			policyRule(strs("autoscaling"), strs("horizontalpodautoscalers", "horizontalpodautoscalers/status"), verbsRead),
			policyRule(strs("batch"), strs("cronjobs", "cronjobs/status", "jobs", "jobs/status"), verbsRead),
			policyRule(strs("extensions"), strs("daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
				"ingresses", "ingresses/status", "networkpolicies", "replicasets", "replicasets/scale", "replicasets/status",
				"replicationcontrollers/scale"), verbsRead),
			policyRule(strs("policy"), strs("poddisruptionbudgets", "poddisruptionbudgets/status"), verbsRead),
			policyRule(strs("networking.k8s.io"), strs("ingresses", "ingresses/status", "networkpolicies"), verbsRead),
			policyRule(strs("resource.k8s.io"), strs("resourceclaims", "resourceclaims/status", "resourceclaimtemplates"), verbsRead)),
	}
}
