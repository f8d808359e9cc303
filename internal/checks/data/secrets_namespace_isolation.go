package data

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// secretsNamespaceIsolation: EKS-DATA-014.
//
// Forbidden: a namespace whose Secrets are referenced by workloads (POD_SPEC_SOURCES) of two or
// more different applications while a service account of a workload there can read every
// Secret of the namespace: a RoleBinding in the namespace or a ClusterRoleBinding grants it
// (directly, or through Group system:serviceaccounts, system:serviceaccounts:<namespace> or
// system:authenticated) a role whose effective rules grant get or list on secrets with no
// resourceNames (RBAC_MATCH). Compromising that one application then yields the other
// applications' credentials. One finding per such workload, at its serviceAccountName (or
// where it would go), naming the bindings and the other applications with their Secrets.
//
// Decisions: a workload's application is the label app.kubernetes.io/name, else app, on the
// pod metadata, else on the workload object, else the workload itself (Kind/name): unlabelled
// workloads are assumed to be different applications. Referenced Secrets are those of secret
// and projected volumes, CSI nodePublishSecretRef, and env valueFrom.secretKeyRef / envFrom
// secretRef of ALL_CONTAINERS; imagePullSecrets are not counted (the kubelet reads them, and
// a namespace's pull secret is usually shared by all its applications). The reader's own
// application may or may not reference Secrets; the namespace needs Secrets of two
// applications, at least one of which is not the reader's. Who can read is a fact, so every
// role counts (RBAC_EXEMPT roles such as edit or cluster-admin included, with the Kubernetes
// default roles for those the input lacks) and every subject. System namespaces are
// evaluated. Manifest mode evaluates the workloads and RBAC objects in the input; a Secret
// need not be in the input to count as referenced.
var secretsNamespaceIsolation = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-014",
		Slug:        "secrets-namespace-isolation",
		Title:       "Applications with different trust levels must keep secrets in separate namespaces",
		Section:     "data",
		Severity:    check.Low,
		Source:      check.SourceK8sRBAC,
		Remediation: "Split the applications into separate namespaces or restrict secret access with resourceNames.",
		References: check.References{
			Guide: "data#use-separate-namespaces-as-a-way-to-isolate-secrets-from-different-applications",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	// Secrets are known from pod spec references; Secret objects are not read.
	Reads: append([]string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		byNamespace := map[string][]inventory.PodSpecRef{}
		var namespaces []string
		for _, p := range inv.PodSpecs() {
			ns := p.Object.Namespace
			if _, ok := byNamespace[ns]; !ok {
				namespaces = append(namespaces, ns)
			}
			byNamespace[ns] = append(byNamespace[ns], p)
		}
		r.Evaluated(len(namespaces))
		m := inventory.RBACOf(inv)
		for _, ns := range namespaces {
			specs := byNamespace[ns]
			secretsOf := map[string][]string{} // application -> Secrets its workloads reference
			for _, p := range specs {
				app := secretIsolationApp(p)
				for _, s := range secretIsolationRefs(p) {
					if !slices.Contains(secretsOf[app], s) {
						secretsOf[app] = append(secretsOf[app], s)
					}
				}
			}
			if len(secretsOf) < 2 {
				continue
			}
			// Each application's entry is formatted once: namespaces with hundreds of
			// applications made per-workload formatting quadratic.
			type appEntry struct{ app, text string }
			entries := make([]appEntry, 0, len(secretsOf))
			for app, secrets := range secretsOf {
				sort.Strings(secrets)
				entries = append(entries, appEntry{app, strconv.Quote(app) + " (" + check.JoinLimited(secrets, check.MaxListed) + ")"})
			}
			slices.SortFunc(entries, func(a, b appEntry) int { return strings.Compare(a.text, b.text) })
			for _, p := range specs {
				sa, at := secretIsolationServiceAccount(p)
				via := secretIsolationReaders(m, ns, sa)
				if len(via) == 0 {
					continue
				}
				app := secretIsolationApp(p)
				// JoinLimited shows MaxListed entries and counts the rest: only those are needed.
				others := make([]string, 0, check.MaxListed)
				for _, e := range entries {
					if e.app != app && len(others) < check.MaxListed {
						others = append(others, e.text)
					}
				}
				r.Fail(p.Object, at, "ServiceAccount "+strconv.Quote(secretIsolationNSName(ns, sa))+" of application "+strconv.Quote(app)+
					" can read every Secret in its namespace through "+check.JoinLimited(via, check.MaxListed)+"; the namespace also holds Secrets of "+
					check.JoinCounted(others, len(entries)-1))
			}
		}
	},
}

// secretIsolationApp names the application of a workload (see the check's decisions).
func secretIsolationApp(p inventory.PodSpecRef) string {
	for _, labels := range []map[string]string{p.Meta.Labels, secretIsolationObjectLabels(p.Object)} {
		for _, k := range []string{"app.kubernetes.io/name", "app"} {
			if v := labels[k]; v != "" {
				return v
			}
		}
	}
	return p.Object.Kind + "/" + p.Object.Name
}

// secretIsolationObjectLabels returns the workload object's own labels.
func secretIsolationObjectLabels(o *inventory.Object) map[string]string {
	if t, ok := o.Typed.(interface{ GetLabels() map[string]string }); ok {
		return t.GetLabels()
	}
	return nil
}

// secretIsolationRefs lists the Secrets a pod spec mounts or reads into the environment.
func secretIsolationRefs(p inventory.PodSpecRef) []string {
	var out []string
	add := func(name string) {
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, v := range p.Spec.Volumes {
		switch {
		case v.Secret != nil:
			add(v.Secret.SecretName)
		case v.Projected != nil:
			for _, src := range v.Projected.Sources {
				if src.Secret != nil {
					add(src.Secret.Name)
				}
			}
		case v.CSI != nil && v.CSI.NodePublishSecretRef != nil:
			add(v.CSI.NodePublishSecretRef.Name)
		}
	}
	for _, c := range p.Containers() {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				add(e.ValueFrom.SecretKeyRef.Name)
			}
		}
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				add(e.SecretRef.Name)
			}
		}
	}
	return out
}

// secretIsolationServiceAccount returns the service account a pod spec runs as and the path
// of the field that names it (the missing serviceAccountName for "default").
func secretIsolationServiceAccount(p inventory.PodSpecRef) (string, fieldpath.Path) {
	switch {
	case p.Spec.ServiceAccountName != "":
		return p.Spec.ServiceAccountName, p.SpecPath.Key("serviceAccountName")
	case p.Spec.DeprecatedServiceAccount != "":
		return p.Spec.DeprecatedServiceAccount, p.SpecPath.Key("serviceAccount")
	}
	return "default", p.SpecPath.Key("serviceAccountName")
}

// secretIsolationReaders lists the bindings through which the service account can read every
// Secret of namespace ns (get or list on secrets without resourceNames), as
// `RoleBinding "ns/b" (Role "r" for Group "system:serviceaccounts:ns")`.
func secretIsolationReaders(m *inventory.RBAC, ns, sa string) []string {
	var out []string
	for _, b := range m.Bindings {
		if b.Role == nil || !b.Covers(ns, false) {
			continue
		}
		i := slices.IndexFunc(b.Subjects, func(s inventory.RBACSubject) bool { return s.IncludesServiceAccount(ns, sa) })
		if i < 0 {
			continue
		}
		reads := slices.ContainsFunc(b.Role.Rules, func(rule inventory.RBACRule) bool {
			return inventory.RuleGrants(rule.PolicyRule, "get", "", "secrets", "") || inventory.RuleGrants(rule.PolicyRule, "list", "", "secrets", "")
		})
		if reads {
			out = append(out, b.String()+" ("+b.RoleRefString()+" for "+b.Subjects[i].String()+")")
		}
	}
	return out
}

func secretIsolationNSName(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func init() { check.Register(secretsNamespaceIsolation) }
