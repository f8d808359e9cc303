package cli

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebhookCerts: `eksguard webhook certs` writes a CA and a serving pair for the
// Service's DNS names, private files only, and prints the CA as the caBundle.
func TestWebhookCerts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	r := run(t, "", "webhook", "certs", "--service", "guard", "--namespace", "sec", "--out-dir", dir)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"ca.crt", "tls.crt", "tls.key"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	caPEM, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.stdout))
	if err != nil {
		t.Fatalf("caBundle is not base64: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("caBundle holds no certificate")
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"guard.sec.svc", "guard.sec.svc.cluster.local"} {
		if _, err := pair.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestWebhookFlagErrors: a webhook that cannot serve safely refuses to start, naming why.
func TestWebhookFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"webhook"}, "--tls-cert-file and --tls-private-key-file are required"},
		{[]string{"webhook", "--tls-cert-file", "x", "--tls-private-key-file", "y", "--mode", "strict"}, `unknown mode "strict"`},
		{[]string{"webhook", "--tls-cert-file", "x", "--tls-private-key-file", "y", "--fail-on", "severe"}, "--fail-on"},
		{[]string{"webhook", "--tls-cert-file", "/nonexistent/tls.crt", "--tls-private-key-file", "/nonexistent/tls.key", "--namespace-modes=false"}, "/nonexistent/tls.crt"},
	} {
		r := run(t, "", tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, ExitUsage, tc.want)
		}
	}
}
