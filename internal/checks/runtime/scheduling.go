package runtime

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the runtime checks: which nodes a DaemonSet's pods can be scheduled on, judged
// statically from the pod template and the Node objects of the input.

// computeTypeLabel marks Fargate ("fargate") and EKS Auto Mode ("auto") nodes.
const computeTypeLabel = "eks.amazonaws.com/compute-type"

// linuxEC2Nodes returns the Node objects of the input that are Linux EC2 nodes: not Fargate or
// Auto Mode (AWS runs their host agents) and not Windows (Linux sensors cannot run there).
func linuxEC2Nodes(inv *inventory.Inventory) []*inventory.Object {
	var out []*inventory.Object
	for _, o := range inv.OfKind("Node") {
		n, ok := o.Typed.(*corev1.Node)
		if !ok {
			continue
		}
		switch n.Labels[computeTypeLabel] {
		case "fargate", "auto":
			continue
		}
		if n.Labels[corev1.LabelOSStable] == "windows" || n.Labels["beta.kubernetes.io/os"] == "windows" ||
			n.Status.NodeInfo.OperatingSystem == "windows" {
			continue
		}
		out = append(out, o)
	}
	return out
}

// daemonSetTolerated lists taints the DaemonSet controller tolerates on its own pods, and
// taints that only mark a node joining or leaving (cloud provider, Karpenter, autoscaler).
// They do not keep a sensor off a working node.
var daemonSetTolerated = []string{
	"node.kubernetes.io/not-ready",
	"node.kubernetes.io/unreachable",
	"node.kubernetes.io/disk-pressure",
	"node.kubernetes.io/memory-pressure",
	"node.kubernetes.io/pid-pressure",
	"node.kubernetes.io/unschedulable",
	"node.kubernetes.io/network-unavailable",
	"node.cloudprovider.kubernetes.io/uninitialized",
	"karpenter.sh/disrupted",
	"karpenter.sh/unregistered",
	"ToBeDeletedByClusterAutoscaler",
}

// exclusion says why a pod spec cannot run on a node: the field responsible and the reason.
type exclusion struct {
	Path   fieldpath.Path
	Reason string
}

// excludedFrom returns why the pod spec cannot be scheduled on the node, or false when it can.
func excludedFrom(p inventory.PodSpecRef, node *corev1.Node) (exclusion, bool) {
	spec := p.Spec
	keys := make([]string, 0, len(spec.NodeSelector))
	for k := range spec.NodeSelector {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if v, ok := node.Labels[k]; !ok || v != spec.NodeSelector[k] {
			return exclusion{p.SpecPath.Key("nodeSelector").Key(k), "nodeSelector " + k + "=" + spec.NodeSelector[k] + " does not match"}, true
		}
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		if !slices.ContainsFunc(terms, func(t corev1.NodeSelectorTerm) bool { return termMatches(t, node) }) {
			at := p.SpecPath.Key("affinity").Key("nodeAffinity").Key("requiredDuringSchedulingIgnoredDuringExecution")
			return exclusion{at, "required node affinity does not match"}, true
		}
	}
	for _, t := range node.Spec.Taints {
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if slices.Contains(daemonSetTolerated, t.Key) {
			continue
		}
		if !slices.ContainsFunc(spec.Tolerations, func(tol corev1.Toleration) bool { return tolerates(tol, t) }) {
			return exclusion{p.SpecPath.Key("tolerations"), "taint " + taintString(t) + " is not tolerated"}, true
		}
	}
	return exclusion{}, false
}

// termMatches reports whether a node selector term matches the node: every expression on
// labels and every field expression (metadata.name) holds. An empty term matches nothing.
func termMatches(t corev1.NodeSelectorTerm, node *corev1.Node) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false
	}
	for _, req := range t.MatchExpressions {
		v, ok := node.Labels[req.Key]
		if !requirementHolds(req, v, ok) {
			return false
		}
	}
	for _, req := range t.MatchFields {
		if req.Key != "metadata.name" || !requirementHolds(req, node.Name, true) {
			return false
		}
	}
	return true
}

// requirementHolds evaluates one node selector requirement against a value (present or not).
func requirementHolds(req corev1.NodeSelectorRequirement, v string, present bool) bool {
	switch req.Operator {
	case corev1.NodeSelectorOpIn:
		return present && slices.Contains(req.Values, v)
	case corev1.NodeSelectorOpNotIn:
		return !present || !slices.Contains(req.Values, v)
	case corev1.NodeSelectorOpExists:
		return present
	case corev1.NodeSelectorOpDoesNotExist:
		return !present
	case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
		if !present || len(req.Values) != 1 {
			return false
		}
		have, err1 := strconv.ParseInt(v, 10, 64)
		want, err2 := strconv.ParseInt(req.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if req.Operator == corev1.NodeSelectorOpGt {
			return have > want
		}
		return have < want
	}
	return false
}

// tolerates reports whether a toleration tolerates a taint, as the scheduler decides it: an
// empty effect matches every effect; Exists with an empty key matches every taint; Equal
// (or no operator) needs the same key and value.
func tolerates(tol corev1.Toleration, t corev1.Taint) bool {
	if tol.Effect != "" && tol.Effect != t.Effect {
		return false
	}
	switch tol.Operator {
	case corev1.TolerationOpExists:
		return tol.Key == "" || tol.Key == t.Key
	case corev1.TolerationOpEqual, "":
		return tol.Key == t.Key && tol.Value == t.Value
	}
	return false
}

func taintString(t corev1.Taint) string {
	s := t.Key
	if t.Value != "" {
		s += "=" + t.Value
	}
	return s + ":" + string(t.Effect)
}

// nodeList renders node names for a message, at most limit of them.
func nodeList(names []string, limit int) string {
	if len(names) <= limit {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:limit], ", ") + " and " + strconv.Itoa(len(names)-limit) + " more"
}
