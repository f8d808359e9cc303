package aws

import (
	"os"
	"path/filepath"
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
