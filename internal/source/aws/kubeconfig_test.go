package aws

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFromKubeconfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	data := `apiVersion: v1
kind: Config
current-context: prod
contexts:
- name: prod
  context: {cluster: prod, user: prod}
- name: authn
  context: {cluster: authn, user: authn}
- name: host-only
  context: {cluster: host-only, user: static}
clusters:
- name: prod
  cluster: {server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com"}
- name: authn
  cluster: {server: "https://DEF.yl4.ap-southeast-2.eks.amazonaws.com"}
- name: host-only
  cluster: {server: "https://XYZ.sk1.us-west-2.eks.amazonaws.com"}
users:
- name: prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-central-1, eks, get-token, --cluster-name, shop-prod, --output, json]
      env: [{name: AWS_PROFILE, value: platform}]
- name: authn
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /usr/local/bin/aws-iam-authenticator
      args: [token, -i, legacy]
- name: static
  user: {token: abc}
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	for ctx, want := range map[string]Found{
		"":          {ClusterName: "shop-prod", Region: "eu-central-1", Profile: "platform"},
		"authn":     {ClusterName: "legacy", Region: "ap-southeast-2"},
		"host-only": {Region: "us-west-2"},
		"missing":   {},
	} {
		if got := FromKubeconfig(path, ctx); got != want {
			t.Errorf("context %q: got %+v, want %+v", ctx, got, want)
		}
	}
}

func TestInstanceID(t *testing.T) {
	for in, want := range map[string]string{
		"aws:///us-east-1a/i-0123456789abcdef0": "i-0123456789abcdef0",
		"aws:///i-0abc":                         "i-0abc",
		"kind://docker/kind/node":               "",
		"aws:///us-east-1a/fargate-ip-10-0-0-1": "",
	} {
		if got := InstanceID(in); got != want {
			t.Errorf("InstanceID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestKubeconfigEvidence keeps, of the users whose context's server is the cluster's endpoint,
// only the kinds of credential they carry, never a value.
func TestKubeconfigEvidence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	data := `apiVersion: v1
kind: Config
current-context: other
contexts:
- name: prod
  context: {cluster: prod, user: prod}
- name: prod-break-glass
  context: {cluster: prod-upper, user: static}
- name: prod-vault
  context: {cluster: prod, user: vault}
- name: other
  context: {cluster: other, user: legacy}
clusters:
- name: prod
  cluster: {server: "https://abc.gr7.eu-west-1.eks.amazonaws.com"}
- name: prod-upper
  cluster: {server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com:443/"}
- name: other
  cluster: {server: "https://DEF.yl4.eu-west-1.eks.amazonaws.com"}
users:
- name: prod
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: /usr/bin/aws, args: [--region, eu-west-1, eks, get-token, --cluster-name, prod]}
- name: vault
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws-vault, args: [exec, admin, --, aws, eks, get-token, --cluster-name, prod]}
- name: static
  user: {token: s3cr3t-t0ken, client-certificate-data: Y2VydA==, client-key-data: a2V5}
- name: legacy
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws-iam-authenticator, args: [token, -i, other]}
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	got := kubeconfigEvidence(path, "", "https://ABC.gr7.eu-west-1.eks.amazonaws.com")
	if got == nil || len(got.Users) != 3 || len(got.Files) != 1 || got.Files[0] != path {
		t.Fatalf("evidence = %+v", got)
	}
	want := map[string][]string{"prod": {"exec:aws-eks-get-token"}, "vault": {"exec:aws-eks-get-token"}, "static": {"token", "client-certificate"}}
	for _, u := range got.Users {
		if !slices.Equal(u.Auth, want[u.Name]) || len(u.Contexts) != 1 {
			t.Errorf("user %+v, want auth %v", u, want[u.Name])
		}
	}
	if b, _ := json.Marshal(got); strings.Contains(string(b), "s3cr3t") || strings.Contains(string(b), "Y2VydA") {
		t.Errorf("a credential value leaked into the facts: %s", b)
	}
	// Endpoint unknown: the current context's user.
	if got := kubeconfigEvidence(path, "", ""); got == nil || len(got.Users) != 1 || got.Users[0].Name != "legacy" ||
		!slices.Equal(got.Users[0].Auth, []string{"exec:aws-iam-authenticator"}) || got.Users[0].Command != "aws-iam-authenticator" {
		t.Errorf("current context evidence = %+v", got)
	}
	if got := kubeconfigEvidence(os.DevNull, "", "https://x"); got != nil {
		t.Errorf("no kubeconfig: %+v", got)
	}
}
