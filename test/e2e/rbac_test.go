package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eksguard/eksguard/internal/report"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/kube"
)

// rbacProbes are objects of kinds the role must let the scanner read.
const rbacProbes = `
apiVersion: v1
kind: Namespace
metadata: {name: rbac-probes}
---
apiVersion: v1
kind: Secret
metadata: {name: probe, namespace: rbac-probes}
stringData: {k: v}
---
apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: rbac-probes}
spec: {containers: [{name: c, image: busybox:1.36}]}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: rbac-probe}
spec: {rules: []}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: rbac-probe}
spec: {}
`

// readerRole installs deploy/clusterrole.yaml and returns its ClusterRole eksguard-reader.
func readerRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "clusterrole.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role *rbacv1.ClusterRole
	for _, o := range apply(t, string(data)) {
		if o.GetKind() == "ClusterRole" && o.GetName() == "eksguard-reader" {
			role = &rbacv1.ClusterRole{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, role); err != nil {
				t.Fatal(err)
			}
		}
	}
	if role == nil {
		t.Fatal("deploy/clusterrole.yaml has no ClusterRole eksguard-reader")
	}
	return role
}

// TestDeployedRoleHasNoGaps: scanning as the ServiceAccount bound to deploy/clusterrole.yaml
// reads everything, custom resources included: no coverage gaps.
func TestDeployedRoleHasNoGaps(t *testing.T) {
	readerRole(t)
	apply(t, rbacProbes)
	inv := collect(t, kube.Options{RESTConfig: env.As("system:serviceaccount:eksguard:eksguard")})
	if len(inv.Gaps) > 0 {
		t.Errorf("scanning as eksguard:eksguard: %d gaps: %+v", len(inv.Gaps), inv.Gaps)
	}
	for _, kind := range []string{"Secret", "ClusterRole", "Pod", "ClusterPolicy", "K8sRequiredLabels"} {
		found := false
		for _, o := range inv.Objects {
			found = found || o.Kind == kind
		}
		if !found {
			t.Errorf("no %s collected as the eksguard ServiceAccount", kind)
		}
	}
}

// TestMissingPermissionsAreGaps: a role without secrets and clusterroles yields exactly those
// two gaps (forbidden), the scan goes on, and the checks that read them are not evaluated.
func TestMissingPermissionsAreGaps(t *testing.T) {
	role := readerRole(t)
	apply(t, rbacProbes)
	limited := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "eksguard-limited"}}
	for _, r := range role.Rules {
		r.Resources = slices.DeleteFunc(slices.Clone(r.Resources), func(res string) bool { return res == "secrets" || res == "clusterroles" })
		if len(r.Resources) > 0 {
			limited.Rules = append(limited.Rules, r)
		}
	}
	roleObj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(limited)
	if err != nil {
		t.Fatal(err)
	}
	roleObj["apiVersion"], roleObj["kind"] = "rbac.authorization.k8s.io/v1", "ClusterRole"
	roleYAML, err := jsonOf(roleObj)
	if err != nil {
		t.Fatal(err)
	}
	apply(t, roleYAML+`
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: limited, namespace: eksguard}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: eksguard-limited}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: eksguard-limited}
subjects: [{kind: ServiceAccount, name: limited, namespace: eksguard}]
`)
	inv := collect(t, kube.Options{RESTConfig: env.As("system:serviceaccount:eksguard:limited")})
	var got []string
	for _, g := range inv.Gaps {
		got = append(got, string(g.Reason)+" "+g.Kind+" "+g.Resource)
		if !strings.Contains(g.Message, "forbidden") {
			t.Errorf("gap message %q should be the API server's", g.Message)
		}
	}
	sort.Strings(got)
	want := []string{"forbidden ClusterRole rbac.authorization.k8s.io/v1/clusterroles", "forbidden Secret v1/secrets"}
	if !slices.Equal(got, want) {
		t.Fatalf("gaps %q, want %q", got, want)
	}
	if len(objects(inv, "Pod", "rbac-probes")) != 1 || len(objects(inv, "ClusterRoleBinding", "")) == 0 {
		t.Errorf("the rest of the cluster must still be collected")
	}

	res := runChecks(t, inv, scan.Options{})
	rep := report.New(report.Input{Inventory: inv, Results: res.Results, Findings: res.Findings, Scores: res.Scores})
	status := map[string]string{}
	for _, c := range rep.Controls {
		status[c.ID] = c.Status
	}
	// EKS-IAM-024 reads Secrets and ClusterRoles; EKS-POD-001 reads neither.
	if status["EKS-IAM-024"] != "not-evaluated" {
		t.Errorf("EKS-IAM-024 is %q, want not-evaluated", status["EKS-IAM-024"])
	}
	if status["EKS-POD-001"] == "not-evaluated" {
		t.Errorf("EKS-POD-001 reads no Secret or ClusterRole, but is not evaluated")
	}
	for _, g := range rep.Gaps {
		if len(g.Checks) == 0 {
			t.Errorf("gap %s lists no affected checks", g.Resource)
		}
		for _, id := range g.Checks {
			if status[id] != "not-evaluated" {
				t.Errorf("gap %s names %s, which is %q", g.Resource, id, status[id])
			}
			for _, f := range res.Findings {
				if f.CheckID == id {
					t.Errorf("%s was not evaluated but reported %s", id, f.Object)
					break
				}
			}
		}
	}
}
