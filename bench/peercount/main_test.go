package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The alias table must keep pointing at anchors the catalogue has.
func TestAliasesMatchSpecAnchors(t *testing.T) {
	m, err := loadSpec("../../spec/checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ tool, rule, check string }{
		{"kube-linter", "privileged-container", "EKS-POD-001"},
		{"kubeaudit", "NamespaceHostPIDTrue", "EKS-POD-002"},
		{"kubeaudit", "RunAsUserPSCRoot", "EKS-POD-018"},
		{"polaris", "hostPathSet", "EKS-POD-006"},
		{"trivy", "KSV-0017", "EKS-POD-001"},
		{"kube-score", "container-image-tag", "EKS-IMG-001"},
	} {
		if got := m.concepts(c.tool, c.rule); !slices.Contains(got, c.check) {
			t.Errorf("%s %s maps to %v, want %s", c.tool, c.rule, got, c.check)
		}
	}
}

func TestTrivyObject(t *testing.T) {
	dir := t.TempDir()
	yaml := `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: aws-node
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: proxy
rules:
- apiGroups: [""]
  resources: [nodes/proxy]
  verbs: [get]
`
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ix, err := buildIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		msg  string
		line int
		want objKey
	}{
		{"Container 'aws-node' of DaemonSet 'aws-node' should set 'securityContext.privileged' to false", 0, objKey{"DaemonSet", "kube-system", "aws-node"}},
		{`container "aws-node" of daemonset "aws-node" in "kube-system" namespace should specify a seccomp profile`, 0, objKey{"DaemonSet", "kube-system", "aws-node"}},
		{"daemonset aws-node in kube-system namespace is using the default security context", 0, objKey{"DaemonSet", "kube-system", "aws-node"}},
		{"ClusterRole 'reader' shouldn't manage all resources", 0, objKey{"ClusterRole", "", "reader"}},
		// No name: the role near the line that grants nodes/proxy.
		{"Role permits privilege escalation from node proxy", 8, objKey{"ClusterRole", "", "proxy"}},
	} {
		k, ok := trivyByName(ix, "a.yaml", c.msg)
		if !ok {
			k, ok = trivyByLine(ix, "a.yaml", "KSV-0047", c.msg, c.line)
		}
		if !ok || k != c.want {
			t.Errorf("%q: got %v (%v), want %v", c.msg, k, ok, c.want)
		}
	}
}
