package inventory

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
)

// Namespace is one namespace the inventory knows of: declared by a Namespace object, or
// referenced by the metadata.namespace of the namespaced objects in it. Manifest mode has no
// list of the cluster's namespaces, so this union stands in for it.
//
// Objects of namespaced kinds that set no metadata.namespace form one namespace named ""
// (Unset): they land in whatever namespace kubectl or the deploy tool applies them to, and
// they are assumed to land together. They are not merged into "default": a chart rendered
// without namespaces is rarely meant for default.
type Namespace struct {
	// Name is the namespace's name, "" for Unset.
	Name string
	// Object is the Namespace object, or nil when the input only references the namespace.
	Object *Object
	// Labels are the Namespace object's labels plus kubernetes.io/metadata.name, which the
	// API server sets on every namespace (none for Unset, whose name is not known).
	Labels map[string]string
	// Members are the namespaced objects in the namespace, in source order.
	Members []*Object
}

// Unset is the Name of the namespace of objects that set no metadata.namespace.
const Unset = ""

// metadataNameLabel is the label the API server puts on every namespace.
const metadataNameLabel = "kubernetes.io/metadata.name"

// String names the namespace for messages: namespace "shop", or the unset namespace.
func (n *Namespace) String() string {
	if n.Name == Unset {
		return "the namespace of objects without metadata.namespace"
	}
	return "namespace " + strconv.Quote(n.Name)
}

// Anchor is the object and field a finding about the whole namespace points at: the
// Namespace object's metadata.name, else the metadata.namespace of its first member (its
// metadata when the namespace is Unset).
func (n *Namespace) Anchor() (*Object, fieldpath.Path) {
	if n.Object != nil {
		return n.Object, fieldpath.Root.Key("metadata").Key("name")
	}
	return n.Members[0], fieldpath.Root.Key("metadata").Key("namespace")
}

// Namespaces returns every namespace of the inventory, in the source order of the object
// that first declared or referenced it. It is computed once (like Seal, it assumes no
// further Add) and shared: do not modify what it returns.
func (inv *Inventory) Namespaces() []*Namespace {
	return Memo(inv, namespacesKey{}, inv.collectNamespaces)
}

type namespacesKey struct{}

func (inv *Inventory) collectNamespaces() []*Namespace {
	inv.Seal()
	var out []*Namespace
	byName := map[string]*Namespace{}
	get := func(name string) *Namespace {
		ns := byName[name]
		if ns == nil {
			ns = &Namespace{Name: name, Labels: map[string]string{}}
			if name != Unset {
				ns.Labels[metadataNameLabel] = name
			}
			byName[name] = ns
			out = append(out, ns)
		}
		return ns
	}
	for _, o := range inv.Objects {
		if o.Kind == "Namespace" && o.Group() == "" {
			if o.Name == "" {
				continue
			}
			ns := get(o.Name)
			if ns.Object == nil {
				ns.Object = o
				if typed, ok := o.Typed.(*corev1.Namespace); ok {
					for k, v := range typed.Labels {
						ns.Labels[k] = v
					}
				}
				ns.Labels[metadataNameLabel] = o.Name
			}
			continue
		}
		namespaced, known := NamespacedKind(o.Group(), o.Kind)
		switch {
		case o.Namespace != "" && (namespaced || !known):
			ns := get(o.Namespace)
			ns.Members = append(ns.Members, o)
		case o.Namespace == "" && namespaced:
			ns := get(Unset)
			ns.Members = append(ns.Members, o)
		}
	}
	return out
}

// NamespacedKind reports whether objects of the group and kind live in a namespace, and
// whether eksguard knows the kind at all. Unknown kinds (most custom resources) are neither.
func NamespacedKind(group, kind string) (namespaced, known bool) {
	k := groupKind{group, kind}
	if clusterScopedKinds[k] {
		return false, true
	}
	if namespacedKinds[k] {
		return true, true
	}
	return false, false
}

type groupKind struct{ group, kind string }

var clusterScopedKinds = setOf(
	"/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
	"rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
	"storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode", "storage.k8s.io/VolumeAttachment",
	"scheduling.k8s.io/PriorityClass", "node.k8s.io/RuntimeClass", "networking.k8s.io/IngressClass",
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration", "admissionregistration.k8s.io/MutatingWebhookConfiguration",
	"admissionregistration.k8s.io/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
	"admissionregistration.k8s.io/MutatingAdmissionPolicy", "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
	"apiextensions.k8s.io/CustomResourceDefinition", "apiregistration.k8s.io/APIService",
	"certificates.k8s.io/CertificateSigningRequest", "policy/PodSecurityPolicy",
	"flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
	"policy.networking.k8s.io/AdminNetworkPolicy", "policy.networking.k8s.io/BaselineAdminNetworkPolicy",
	"crd.projectcalico.org/GlobalNetworkPolicy", "projectcalico.org/GlobalNetworkPolicy",
	"cilium.io/CiliumClusterwideNetworkPolicy", "cert-manager.io/ClusterIssuer", "awspca.cert-manager.io/AWSPCAClusterIssuer",
	"gateway.networking.k8s.io/GatewayClass", "elbv2.k8s.aws/IngressClassParams", "eks.amazonaws.com/IngressClassParams",
	"karpenter.sh/NodePool", "karpenter.k8s.aws/EC2NodeClass", "kyverno.io/ClusterPolicy",
	"templates.gatekeeper.sh/ConstraintTemplate",
)

var namespacedKinds = setOf(
	"/Pod", "/PodTemplate", "/ReplicationController", "/Service", "/ServiceAccount", "/ConfigMap", "/Secret",
	"/PersistentVolumeClaim", "/LimitRange", "/ResourceQuota", "/Endpoints", "/Event",
	"apps/Deployment", "apps/ReplicaSet", "apps/StatefulSet", "apps/DaemonSet", "apps/ControllerRevision",
	"extensions/Deployment", "extensions/ReplicaSet", "extensions/DaemonSet", "extensions/Ingress", "extensions/NetworkPolicy",
	"batch/Job", "batch/CronJob", "autoscaling/HorizontalPodAutoscaler", "policy/PodDisruptionBudget",
	"networking.k8s.io/NetworkPolicy", "networking.k8s.io/Ingress", "discovery.k8s.io/EndpointSlice",
	"rbac.authorization.k8s.io/Role", "rbac.authorization.k8s.io/RoleBinding", "coordination.k8s.io/Lease",
	"events.k8s.io/Event",
)

// setOf indexes "group/Kind" keys by group and kind, so a lookup builds no string.
func setOf(keys ...string) map[groupKind]bool {
	m := make(map[groupKind]bool, len(keys))
	for _, k := range keys {
		g, kind, _ := strings.Cut(k, "/")
		m[groupKind{g, kind}] = true
	}
	return m
}
