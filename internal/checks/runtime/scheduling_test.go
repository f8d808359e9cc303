package runtime

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestTolerates(t *testing.T) {
	gpu := corev1.Taint{Key: "nvidia.com/gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}
	for _, tc := range []struct {
		name string
		tol  corev1.Toleration
		want bool
	}{
		{"exists without key tolerates everything", corev1.Toleration{Operator: corev1.TolerationOpExists}, true},
		{"exists with key", corev1.Toleration{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists}, true},
		{"exists with other key", corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpExists}, false},
		{"equal", corev1.Toleration{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpEqual, Value: "true"}, true},
		{"empty operator means equal", corev1.Toleration{Key: "nvidia.com/gpu", Value: "true"}, true},
		{"equal with other value", corev1.Toleration{Key: "nvidia.com/gpu", Value: "false"}, false},
		{"other effect", corev1.Toleration{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}, false},
		{"same effect", corev1.Toleration{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}, true},
	} {
		if got := tolerates(tc.tol, gpu); got != tc.want {
			t.Errorf("%s: tolerates = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestTermMatches(t *testing.T) {
	node := &corev1.Node{}
	node.Name = "ip-10-0-1-23.eu-west-1.compute.internal"
	node.Labels = map[string]string{"kubernetes.io/os": "linux", "node.example.com/cores": "16"}
	req := func(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
		return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	for _, tc := range []struct {
		name string
		term corev1.NodeSelectorTerm
		want bool
	}{
		{"empty term matches nothing", corev1.NodeSelectorTerm{}, false},
		{"in", corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("kubernetes.io/os", corev1.NodeSelectorOpIn, "linux")}}, true},
		{"not in, label absent", corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("eks.amazonaws.com/compute-type", corev1.NodeSelectorOpNotIn, "fargate")}}, true},
		{"does not exist", corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("kubernetes.io/os", corev1.NodeSelectorOpDoesNotExist)}}, false},
		{"gt", corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("node.example.com/cores", corev1.NodeSelectorOpGt, "8")}}, true},
		{"lt", corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("node.example.com/cores", corev1.NodeSelectorOpLt, "8")}}, false},
		{"all expressions must hold", corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
			req("kubernetes.io/os", corev1.NodeSelectorOpIn, "linux"), req("node.example.com/cores", corev1.NodeSelectorOpExists), req("gpu", corev1.NodeSelectorOpExists)}}, false},
		{"match fields on the name", corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{req("metadata.name", corev1.NodeSelectorOpIn, node.Name)}}, true},
		{"match fields on an unknown field", corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{req("spec.unschedulable", corev1.NodeSelectorOpNotIn, "true")}}, false},
	} {
		if got := termMatches(tc.term, node); got != tc.want {
			t.Errorf("%s: termMatches = %v, want %v", tc.name, got, tc.want)
		}
	}
}
