package admission

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
)

// The webhook against a real kube-apiserver (envtest): the server calls it over loopback TLS
// for every pod, as a cluster would call the in-cluster Service.
var env *kubetest.Env

func TestMain(m *testing.M) {
	os.Exit(kubetest.Run(m, func(e *kubetest.Env) error { env = e; return nil }))
}

// serve starts the webhook on a loopback port with a fresh self-signed pair and returns its
// URL, CA bundle and metrics.
func serve(t *testing.T, opts Options) (string, []byte, *Metrics) {
	t.Helper()
	m := NewMetrics()
	opts.Metrics = m
	url, ca := serveHandler(t, Handler(reviewer(t, opts), m, nil))
	return url, ca, m
}

// serveHandler serves h over loopback TLS with a fresh self-signed pair and returns the
// URL of ValidatePath and the CA bundle.
func serveHandler(t *testing.T, h http.Handler) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	caPEM, certPEM, keyPEM, err := SelfSignedServing("eksguard-webhook", "eksguard-system", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	certs, err := NewCertReloader(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, h, certs, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "https://" + l.Addr().String() + ValidatePath, caPEM
}

// register installs a ValidatingWebhookConfiguration for pods in the namespaces labelled
// eksguard-e2e=<name> and waits until the API server calls it.
func register(t *testing.T, client kubernetes.Interface, name, url string, caBundle []byte, rules []admissionregistrationv1.RuleWithOperations) {
	t.Helper()
	ctx := context.Background()
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(5)
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "validate.eksguard.io",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caBundle},
			Rules:                   rules,
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"eksguard-e2e": name}},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
			TimeoutSeconds:          &timeout,
		}},
	}
	if _, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	// The configuration reaches the API server's admission chain asynchronously: probe with
	// dry-run until a request carries the webhook's mark (a denial or an eksguard warning).
	probeNS := namespace(t, client, name+"-probe", map[string]string{"eksguard-e2e": name})
	deadline := time.Now().Add(30 * time.Second)
	for {
		w := &warningLog{}
		c := clientWithWarnings(t, w)
		_, err := c.CoreV1().Pods(probeNS).Create(ctx, privileged("probe"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if (err != nil && strings.Contains(err.Error(), "eksguard")) || w.contains("eksguard") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook %s not called within 30s (last error %v)", name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func namespace(t *testing.T, client kubernetes.Interface, name string, labels map[string]string) string {
	t.Helper()
	_, err := client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return name
}

func privileged(name string) *corev1.Pod {
	yes := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "nginx:1.27", SecurityContext: &corev1.SecurityContext{Privileged: &yes},
		}}},
	}
}

// warningLog collects the admission warnings the API server returns.
type warningLog struct {
	mu   sync.Mutex
	list []string
}

func (w *warningLog) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warningLog) contains(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Contains(strings.Join(w.list, "\n"), s)
}

func clientWithWarnings(t *testing.T, w rest.WarningHandler) kubernetes.Interface {
	t.Helper()
	cfg := rest.CopyConfig(env.Config)
	cfg.WarningHandler = w
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWebhookOnAPIServer: in enforce mode a privileged pod is denied with a message naming
// the check and field; in warn mode it is admitted with warnings kubectl would print; in
// audit mode it is admitted silently and counted.
func TestWebhookOnAPIServer(t *testing.T) {
	ctx := context.Background()
	admin := clientWithWarnings(t, rest.NoWarnings{})
	labels := map[string]map[string]string{}
	var mu sync.Mutex
	nsLabels := func(n string) (map[string]string, bool) {
		mu.Lock()
		defer mu.Unlock()
		l, ok := labels[n]
		return l, ok
	}
	url, ca, metrics := serve(t, Options{Mode: ModeWarn, NamespaceLabels: nsLabels})
	podRules := []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{"CREATE", "UPDATE"}, Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}}
	register(t, admin, "e2e", url, ca, podRules)

	for _, mode := range []Mode{ModeEnforce, ModeWarn, ModeAudit} {
		ns := namespace(t, admin, "webhook-"+string(mode), map[string]string{"eksguard-e2e": "e2e", ModeLabel: string(mode)})
		mu.Lock()
		labels[ns] = map[string]string{ModeLabel: string(mode)}
		mu.Unlock()
		w := &warningLog{}
		_, err := clientWithWarnings(t, w).CoreV1().Pods(ns).Create(ctx, privileged("web"), metav1.CreateOptions{})
		switch mode {
		case ModeEnforce:
			if err == nil {
				t.Fatal("enforce: privileged pod admitted")
			}
			for _, want := range []string{"denied the request", "EKS-POD-001", "spec.containers[0].securityContext.privileged"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("enforce: error lacks %q: %v", want, err)
				}
			}
		case ModeWarn:
			if err != nil {
				t.Fatalf("warn: %v", err)
			}
			if !w.contains("EKS-POD-001") {
				t.Errorf("warn: no EKS-POD-001 warning in %q", w.list)
			}
		case ModeAudit:
			if err != nil {
				t.Fatalf("audit: %v", err)
			}
			if len(w.list) != 0 {
				t.Errorf("audit: warnings %q", w.list)
			}
			if got := counter(t, metrics, "eksguard_admission_decisions_total", "audit"); got < 1 {
				t.Errorf("audit decisions counted %v", got)
			}
			if got := counter(t, metrics, "eksguard_admission_findings_total", "EKS-POD-001"); got < 1 {
				t.Errorf("EKS-POD-001 findings counted %v", got)
			}
		}
	}

	// A compliant pod passes in enforce mode.
	ns := "webhook-enforce"
	if _, err := admin.CoreV1().Pods(ns).Create(ctx, compliant("ok"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("enforce: compliant pod denied: %v", err)
	}
}

func compliant(name string) *corev1.Pod {
	no, yes := false, true
	uid := int64(10001)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: &no,
			SecurityContext:              &corev1.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &uid, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{
				Name: "app", Image: "nginx:1.27",
				SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: &no, ReadOnlyRootFilesystem: &yes, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
			}},
		},
	}
}

// TestCertificateReload: a rotated key pair is served without a restart.
func TestCertificateReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	write := func(cn string) {
		_, certPEM, keyPEM, err := SelfSignedServing(cn, "ns", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(os.WriteFile(certFile, certPEM, 0o600), os.WriteFile(keyFile, keyPEM, 0o600)); err != nil {
			t.Fatal(err)
		}
	}
	write("first")
	c, err := NewCertReloader(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func() string {
		cert, err := c.GetCertificate(&tls.ClientHelloInfo{})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(cert.Leaf.Subject.CommonName)
	}
	if got := leaf(); got != "first.ns.svc" {
		t.Fatalf("first certificate: %s", got)
	}
	time.Sleep(10 * time.Millisecond)
	write("second")
	c.mu.Lock()
	c.checked = time.Time{} // skip the reload interval
	c.mu.Unlock()
	if got := leaf(); got != "second.ns.svc" {
		t.Fatalf("after rotation: %s", got)
	}
	// A half-written rotation keeps the last good pair.
	if err := os.WriteFile(keyFile, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
	if got := leaf(); got != "second.ns.svc" {
		t.Fatalf("after a broken key: %s", got)
	}
	// TLS 1.1 is refused.
	if v := c.TLSConfig().MinVersion; v != tls.VersionTLS12 {
		t.Fatalf("MinVersion %x", v)
	}
}
