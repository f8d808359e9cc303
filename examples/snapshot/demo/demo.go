// Package demo fills a test API server (internal/source/kube/kubetest) with the demo cluster
// of examples/snapshot: a kube-system as EKS sets it up (VPC CNI, CoreDNS, kube-proxy, their
// RBAC, aws-auth), two managed-node-group Nodes, the insecure shop app of examples/insecure,
// and the monitoring, ci and payments namespaces of examples/snapshot/cluster.
//
// envtest runs no controllers and no kubelets, so Build also does their visible work the way
// they would: default ServiceAccounts in every namespace, a ReplicaSet per Deployment, Pods
// for ReplicaSets and DaemonSets (owned by them and bound to the Nodes), and Node and Pod
// status. Each object is created with the field manager of what creates it on EKS ("eks" for
// add-ons, "kubectl-client-side-apply" with a last-applied annotation for kubectl apply,
// "helm", "kube-controller-manager", "kubelet"), so findings say what manages each object.
//
// The result is what the generator (examples/snapshot/gen) collects into
// demo-cluster.json.gz, and what the snapshot tests compare live and snapshot scans on.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"

	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
)

// Cluster is the name the demo cluster gets in findings: the context name
// `aws eks update-kubeconfig` gives an EKS cluster.
const Cluster = "arn:aws:eks:eu-west-1:111122223333:cluster/demo"

// Canary is the value of a Secret in ci.yaml, applied with kubectl apply so that the
// server holds it in data and in the last-applied annotation. It must never reach a snapshot.
const Canary = "demo-snapshot-canary-value"

// manifest is one file of the demo and how it is applied.
type manifest struct {
	path    string // relative to the repository root
	manager string // field manager
	applied bool   // kubectl apply: add the last-applied-configuration annotation
}

// Manifests lists the files Build applies, in order.
var manifests = []manifest{
	{"examples/snapshot/cluster/nodes.yaml", "kubelet", false},
	{"examples/snapshot/cluster/kube-system.yaml", "eks", false},
	{"examples/insecure/namespace.yaml", "kubectl-client-side-apply", true},
	{"examples/insecure/default-sa.yaml", "kubectl-client-side-apply", true},
	{"examples/insecure/api.yaml", "kubectl-client-side-apply", true},
	{"examples/insecure/frontend.yaml", "kubectl-client-side-apply", true},
	{"examples/insecure/worker.yaml", "kubectl-client-side-apply", true},
	{"examples/snapshot/cluster/monitoring.yaml", "helm", false},
	{"examples/snapshot/cluster/ci.yaml", "kubectl-client-side-apply", true},
	{"examples/snapshot/cluster/payments.yaml", "kubectl-client-side-apply", true},
}

// Build creates the demo cluster in env. root is the repository root.
func Build(ctx context.Context, env *kubetest.Env, root string) error {
	for _, m := range manifests {
		data, err := os.ReadFile(filepath.Join(root, m.path))
		if err != nil {
			return err
		}
		if err := apply(ctx, env, data, m); err != nil {
			return fmt.Errorf("%s: %w", m.path, err)
		}
	}
	if err := defaultServiceAccounts(ctx, env); err != nil {
		return err
	}
	if err := aggregateClusterRoles(ctx, env); err != nil {
		return err
	}
	nodes, err := env.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	var nodeNames []string
	for _, n := range nodes.Items {
		nodeNames = append(nodeNames, n.Name)
	}
	sort.Strings(nodeNames)
	if len(nodeNames) == 0 {
		return errors.New("no nodes")
	}
	if err := deployments(ctx, env, nodeNames); err != nil {
		return err
	}
	return daemonSets(ctx, env, nodeNames)
}

func apply(ctx context.Context, env *kubetest.Env, data []byte, m manifest) error {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if len(u.Object) == 0 {
			continue
		}
		status, hasStatus := u.Object["status"]
		delete(u.Object, "status")
		if m.applied {
			// What kubectl apply records: the manifest as given, compact JSON.
			last, err := json.Marshal(u.Object)
			if err != nil {
				return err
			}
			ann := u.GetAnnotations()
			if ann == nil {
				ann = map[string]string{}
			}
			ann[corev1.LastAppliedConfigAnnotation] = string(last) + "\n"
			u.SetAnnotations(ann)
		}
		created, err := env.Create(ctx, u, metav1.CreateOptions{FieldManager: m.manager})
		if err != nil {
			return err
		}
		if hasStatus && u.GetKind() == "Node" {
			created.Object["status"] = status
			if _, err := env.Client.CoreV1().Nodes().UpdateStatus(ctx, toNode(created), metav1.UpdateOptions{FieldManager: "kubelet"}); err != nil {
				return fmt.Errorf("node %s status: %w", u.GetName(), err)
			}
		}
	}
}

func toNode(u *unstructured.Unstructured) *corev1.Node {
	n := &corev1.Node{}
	data, _ := json.Marshal(u.Object)
	_ = json.Unmarshal(data, n)
	return n
}

// defaultServiceAccounts does the service account controller's work.
func defaultServiceAccounts(ctx context.Context, env *kubetest.Env) error {
	nss, err := env.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, ns := range nss.Items {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns.Name}}
		_, err := env.Client.CoreV1().ServiceAccounts(ns.Name).Create(ctx, sa, metav1.CreateOptions{FieldManager: "kube-controller-manager"})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("default ServiceAccount of %s: %w", ns.Name, err)
		}
	}
	return nil
}

// aggregateClusterRoles does the cluster role aggregation controller's work: admin, edit,
// view and any other ClusterRole with an aggregationRule get the rules of the ClusterRoles
// its selectors match.
func aggregateClusterRoles(ctx context.Context, env *kubetest.Env) error {
	roles := env.Client.RbacV1().ClusterRoles()
	list, err := roles.List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	items := list.Items
	changed := map[int]bool{}
	// Aggregated roles aggregate each other (admin takes edit, which takes view): repeat
	// until nothing changes, as the controller's resyncs do.
	for range len(items) {
		progress := false
		for i := range items {
			cr := &items[i]
			if cr.AggregationRule == nil {
				continue
			}
			var rules []rbacv1.PolicyRule
			for _, sel := range cr.AggregationRule.ClusterRoleSelectors {
				s, err := metav1.LabelSelectorAsSelector(&sel)
				if err != nil {
					return err
				}
				for j, other := range items {
					if j != i && s.Matches(labels.Set(other.Labels)) {
						rules = append(rules, other.Rules...)
					}
				}
			}
			if !equality.Semantic.DeepEqual(rules, cr.Rules) {
				cr.Rules, changed[i], progress = rules, true, true
			}
		}
		if !progress {
			break
		}
	}
	for i := range changed {
		if _, err := roles.Update(ctx, &items[i], metav1.UpdateOptions{FieldManager: "clusterrole-aggregation-controller"}); err != nil {
			return fmt.Errorf("aggregate ClusterRole %s: %w", items[i].Name, err)
		}
	}
	return nil
}

// deployments does the deployment and replica set controllers' work: one ReplicaSet per
// Deployment and its replicas as Pods, spread over the nodes.
func deployments(ctx context.Context, env *kubetest.Env, nodes []string) error {
	list, err := env.Client.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, d := range list.Items {
		hash := safeHash(d.Namespace + "/" + d.Name)
		tmpl := *d.Spec.Template.DeepCopy()
		tmpl.Labels = withLabel(tmpl.Labels, appsv1.DefaultDeploymentUniqueLabelKey, hash)
		selector := d.Spec.Selector.DeepCopy()
		selector.MatchLabels = withLabel(selector.MatchLabels, appsv1.DefaultDeploymentUniqueLabelKey, hash)
		replicas := ptr.Deref(d.Spec.Replicas, 1)
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{
				Name: d.Name + "-" + hash, Namespace: d.Namespace, Labels: tmpl.Labels,
				Annotations: map[string]string{
					"deployment.kubernetes.io/desired-replicas": fmt.Sprint(replicas),
					"deployment.kubernetes.io/max-replicas":     fmt.Sprint(replicas + 1),
					"deployment.kubernetes.io/revision":         "1",
				},
				OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", d.Name, d.UID)},
			},
			Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas), Selector: selector, Template: tmpl},
		}
		created, err := env.Client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{FieldManager: "kube-controller-manager"})
		if err != nil {
			return fmt.Errorf("replica set of %s/%s: %w", d.Namespace, d.Name, err)
		}
		for i := range int(replicas) {
			ref := controllerRef("apps/v1", "ReplicaSet", created.Name, created.UID)
			if err := createPod(ctx, env, d.Namespace, created.Name, i, tmpl, ref, nodes[i%len(nodes)]); err != nil {
				return err
			}
		}
	}
	return nil
}

// daemonSets does the daemon set controller's work: one Pod per node.
func daemonSets(ctx context.Context, env *kubetest.Env, nodes []string) error {
	list, err := env.Client.AppsV1().DaemonSets("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, ds := range list.Items {
		tmpl := *ds.Spec.Template.DeepCopy()
		tmpl.Labels = withLabel(tmpl.Labels, appsv1.ControllerRevisionHashLabelKey, safeHash(ds.Namespace+"/"+ds.Name))
		tmpl.Labels = withLabel(tmpl.Labels, appsv1.DefaultDaemonSetUniqueLabelKey, "1")
		for i, node := range nodes {
			ref := controllerRef("apps/v1", "DaemonSet", ds.Name, ds.UID)
			if err := createPod(ctx, env, ds.Namespace, ds.Name, i, tmpl, ref, node); err != nil {
				return err
			}
		}
	}
	return nil
}

// createPod creates the i-th Pod of owner (a ReplicaSet or DaemonSet) in namespace ns, bound
// to node and running, as the scheduler and kubelet would leave it.
func createPod(ctx context.Context, env *kubetest.Env, ns, owner string, i int, tmpl corev1.PodTemplateSpec, ref metav1.OwnerReference, node string) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            owner + "-" + safeHash(fmt.Sprintf("%s/%s/%d", ns, owner, i))[:5],
			Namespace:       ns,
			Labels:          tmpl.Labels,
			Annotations:     tmpl.Annotations,
			OwnerReferences: []metav1.OwnerReference{ref},
		},
		Spec: *tmpl.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = node
	created, err := env.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{FieldManager: "kube-controller-manager"})
	if err != nil {
		return fmt.Errorf("pod of %s/%s: %w", ns, owner, err)
	}
	start := metav1.NewTime(created.CreationTimestamp.Time)
	ip := podIP(node, i, created.Spec.HostNetwork)
	created.Status = corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    nodeIP(node),
		HostIPs:   []corev1.HostIP{{IP: nodeIP(node)}},
		PodIP:     ip,
		PodIPs:    []corev1.PodIP{{IP: ip}},
		StartTime: &start,
		QOSClass:  created.Status.QOSClass,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: start},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: start},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: start},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: start},
		},
	}
	if _, err := env.Client.CoreV1().Pods(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{FieldManager: "kubelet"}); err != nil {
		return fmt.Errorf("status of pod %s/%s: %w", ns, created.Name, err)
	}
	return nil
}

// nodeIP is the InternalIP of a demo node (ip-10-0-1-23... is 10.0.1.23).
func nodeIP(node string) string {
	var a, b, c, d int
	if _, err := fmt.Sscanf(node, "ip-%d-%d-%d-%d.", &a, &b, &c, &d); err != nil {
		return "10.0.0.1"
	}
	return fmt.Sprintf("%d.%d.%d.%d", a, b, c, d)
}

// podIP is a VPC CNI address on the node's subnet (the node's own for host-network pods).
func podIP(node string, i int, hostNetwork bool) string {
	ip := nodeIP(node)
	if hostNetwork {
		return ip
	}
	var a, b, c, d int
	fmt.Sscanf(ip, "%d.%d.%d.%d", &a, &b, &c, &d)
	return fmt.Sprintf("%d.%d.%d.%d", a, b, c, 100+int(fnvOf(fmt.Sprint(node, i))%100))
}

func fnvOf(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func controllerRef(apiVersion, kind, name string, uid types.UID) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
}

func withLabel(labels map[string]string, key, value string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	out[key] = value
	return out
}

// safeHash is a stable 10-character name suffix in the alphabet Kubernetes uses for
// generated names (no vowels, no ambiguous characters).
func safeHash(s string) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	h := fnv.New64a()
	h.Write([]byte(s))
	v := h.Sum64()
	out := make([]byte, 10)
	for i := range out {
		out[i] = alphabet[v%uint64(len(alphabet))]
		v /= uint64(len(alphabet))
	}
	return string(out)
}
