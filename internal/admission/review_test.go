package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all"
	"github.com/eksguard/eksguard/internal/exception"
)

const privilegedPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"shop"},
"spec":{"containers":[{"name":"app","image":"nginx:1.27","securityContext":{"privileged":true}}]}}`

const secretWithValue = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"shop"},"data":{"password":"aHVudGVyMg=="}}`

func request(op admissionv1.Operation, kind, namespace, object string) *admissionv1.AdmissionRequest {
	return &admissionv1.AdmissionRequest{
		UID: "u1", Kind: metav1.GroupVersionKind{Version: "v1", Kind: kind}, Namespace: namespace, Operation: op,
		Object: runtime.RawExtension{Raw: []byte(object)},
	}
}

func reviewer(t *testing.T, opts Options) *Reviewer {
	t.Helper()
	all, err := check.All()
	if err != nil {
		t.Fatal(err)
	}
	opts.Checks = all
	if opts.FailOn == 0 {
		opts.FailOn = check.High
	}
	return NewReviewer(opts)
}

func TestModes(t *testing.T) {
	ctx := context.Background()
	req := request(admissionv1.Create, "Pod", "shop", privilegedPod)

	resp := reviewer(t, Options{Mode: ModeEnforce}).Review(ctx, req)
	if resp.Allowed || resp.Result == nil || resp.Result.Code != 403 {
		t.Fatalf("enforce: %+v", resp)
	}
	for _, want := range []string{"EKS-POD-001", "spec.containers[0].securityContext.privileged", "fix:"} {
		if !strings.Contains(resp.Result.Message, want) {
			t.Errorf("enforce message lacks %q:\n%s", want, resp.Result.Message)
		}
	}
	if resp.UID != "u1" {
		t.Errorf("UID %q", resp.UID)
	}
	// Findings below --fail-on come back as warnings, even in enforce mode.
	if len(resp.Warnings) == 0 {
		t.Errorf("enforce: no warnings for the findings below high")
	}

	resp = reviewer(t, Options{Mode: ModeWarn}).Review(ctx, req)
	if !resp.Allowed || !strings.Contains(strings.Join(resp.Warnings, "\n"), "EKS-POD-001") {
		t.Fatalf("warn: allowed=%v warnings=%q", resp.Allowed, resp.Warnings)
	}
	for _, w := range resp.Warnings {
		if len(w) > maxWarning {
			t.Errorf("warning longer than %d: %q", maxWarning, w)
		}
	}

	m := NewMetrics()
	resp = reviewer(t, Options{Mode: ModeAudit, Metrics: m}).Review(ctx, req)
	if !resp.Allowed || len(resp.Warnings) != 0 || resp.Result != nil {
		t.Fatalf("audit: %+v", resp)
	}
	if got := counter(t, m, "eksguard_admission_decisions_total", "audit"); got != 1 {
		t.Errorf("audit decisions counted %v, want 1", got)
	}
}

func TestNamespaceLabelOverridesGlobalMode(t *testing.T) {
	labels := map[string]map[string]string{
		"shop":   {ModeLabel: "enforce"},
		"legacy": {ModeLabel: "off"},
		"odd":    {ModeLabel: "sometimes"},
	}
	r := reviewer(t, Options{Mode: ModeWarn, NamespaceLabels: func(n string) (map[string]string, bool) { l, ok := labels[n]; return l, ok }})
	ctx := context.Background()
	if resp := r.Review(ctx, request(admissionv1.Create, "Pod", "shop", privilegedPod)); resp.Allowed {
		t.Error("shop (enforce label) admitted a privileged pod")
	}
	if resp := r.Review(ctx, request(admissionv1.Create, "Pod", "legacy", strings.ReplaceAll(privilegedPod, "shop", "legacy"))); !resp.Allowed || len(resp.Warnings) != 0 {
		t.Errorf("legacy (off): %+v", resp)
	}
	// An unknown label value falls back to the global mode (warn), never to off.
	if resp := r.Review(ctx, request(admissionv1.Create, "Pod", "odd", strings.ReplaceAll(privilegedPod, "shop", "odd"))); !resp.Allowed || len(resp.Warnings) == 0 {
		t.Errorf("odd: %+v", resp)
	}
}

func TestExcludedAndIgnoredRequests(t *testing.T) {
	r := reviewer(t, Options{Mode: ModeEnforce, ExcludedNamespaces: []string{"kube-system"}})
	ctx := context.Background()
	for name, req := range map[string]*admissionv1.AdmissionRequest{
		"excluded namespace": request(admissionv1.Create, "Pod", "kube-system", strings.ReplaceAll(privilegedPod, "shop", "kube-system")),
		"delete":             {UID: "u", Operation: admissionv1.Delete, Kind: metav1.GroupVersionKind{Kind: "Pod"}, Namespace: "shop"},
		"status subresource": func() *admissionv1.AdmissionRequest {
			r := request(admissionv1.Update, "Pod", "shop", privilegedPod)
			r.SubResource = "status"
			return r
		}(),
	} {
		if resp := r.Review(ctx, req); !resp.Allowed {
			t.Errorf("%s: denied: %v", name, resp.Result)
		}
	}
	// A workload's pod template is judged like a pod.
	deploy := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"shop"},"spec":{"selector":{"matchLabels":{"a":"b"}},
"template":{"metadata":{"labels":{"a":"b"}},"spec":{"hostPID":true,"containers":[{"name":"c","image":"nginx:1.27"}]}}}}`
	req := request(admissionv1.Create, "Deployment", "shop", deploy)
	req.Kind.Group = "apps"
	if resp := r.Review(ctx, req); resp.Allowed || !strings.Contains(resp.Result.Message, "spec.template.spec.hostPID") {
		t.Errorf("deployment with hostPID: %+v", resp.Result)
	}
}

func TestBrokenObjectsAreReportedNotFatal(t *testing.T) {
	ctx := context.Background()
	for _, closed := range []bool{false, true} {
		r := reviewer(t, Options{Mode: ModeEnforce, FailClosed: closed})
		resp := r.Review(ctx, request(admissionv1.Create, "Pod", "shop", `{"apiVersion":"v1","kind":"Pod",`))
		if resp.Allowed == closed {
			t.Errorf("fail-closed=%v: allowed=%v", closed, resp.Allowed)
		}
	}
}

// TestSecretValuesNeverLeave: a Secret's values reach no message, warning or log line.
func TestSecretValuesNeverLeave(t *testing.T) {
	var logs strings.Builder
	r := reviewer(t, Options{Mode: ModeWarn, Logger: newTestLogger(&logs)})
	resp := r.Review(context.Background(), request(admissionv1.Create, "Secret", "shop", secretWithValue))
	out, _ := json.Marshal(resp)
	for _, s := range []string{string(out), logs.String()} {
		if strings.Contains(s, "aHVudGVyMg") || strings.Contains(s, "hunter2") {
			t.Fatalf("secret value leaked: %s", s)
		}
	}
	if !strings.Contains(logs.String(), `"kind":"Secret"`) {
		t.Fatalf("no log line for the review: %s", logs.String())
	}
}

// TestExceptionsApply: an eksguard.io/ignore annotation with reasons excepts its checks at
// admission as in a scan; without the exception set the same pod is denied.
func TestExceptionsApply(t *testing.T) {
	cat, err := exception.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"shop","annotations":{"eksguard.io/ignore":"EKS-POD-001: node agent; EKS-POD-016: node agent"}},
"spec":{"containers":[{"name":"app","image":"nginx:1.27","securityContext":{"privileged":true}}]}}`
	req := request(admissionv1.Create, "Pod", "shop", pod)
	ctx := context.Background()
	if resp := reviewer(t, Options{Mode: ModeEnforce}).Review(ctx, req); resp.Allowed {
		t.Fatal("denied nothing without exceptions")
	}
	set := exception.New(nil, exception.Options{Now: time.Now(), Inline: true, Catalogue: cat})
	if resp := reviewer(t, Options{Mode: ModeEnforce, Exceptions: set}).Review(ctx, req); !resp.Allowed {
		t.Fatalf("excepted checks still denied: %s", resp.Result.Message)
	}
}

// TestMetricLabelsAreBounded: kind and operation come from the request body, which any
// client reaching /validate writes; they must not create a series per request.
func TestMetricLabelsAreBounded(t *testing.T) {
	m := NewMetrics()
	r := reviewer(t, Options{Mode: ModeWarn, Metrics: m})
	for i := range 50 {
		req := request(admissionv1.Operation(fmt.Sprint("OP", i)), fmt.Sprint("Kind", i), "shop", privilegedPod)
		r.Review(context.Background(), req)
	}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "eksguard_admission_requests_total" && len(f.GetMetric()) != 1 {
			t.Fatalf("%d request series for 50 made-up kinds", len(f.GetMetric()))
		}
	}
	if got := counter(t, m, "eksguard_admission_requests_total", "other"); got != 50 {
		t.Fatalf("requests labelled other: %v", got)
	}
}

// TestTimeoutFollowsFailClosed: an evaluation that does not finish in time admits with a
// warning, or denies in enforce mode with FailClosed; either way it is logged.
func TestTimeoutFollowsFailClosed(t *testing.T) {
	req := request(admissionv1.Create, "Pod", "shop", privilegedPod)
	for _, closed := range []bool{false, true} {
		var logs strings.Builder
		r := reviewer(t, Options{Mode: ModeEnforce, Timeout: time.Nanosecond, FailClosed: closed, Logger: newTestLogger(&logs)})
		resp := r.Review(context.Background(), req)
		if resp.Allowed == closed {
			t.Errorf("fail-closed=%v: allowed=%v", closed, resp.Allowed)
		}
		if !strings.Contains(logs.String(), "took longer than") {
			t.Errorf("fail-closed=%v: timeout not logged: %s", closed, logs.String())
		}
	}
}

// TestExceptedFindingsAreLogged: an exception is a decision, and the review says who took it.
func TestExceptedFindingsAreLogged(t *testing.T) {
	cat, err := exception.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"shop","annotations":{"eksguard.io/ignore":"EKS-POD-001: node agent; EKS-POD-016: node agent"}},
"spec":{"containers":[{"name":"app","image":"nginx:1.27","securityContext":{"privileged":true}}]}}`
	var logs strings.Builder
	set := exception.New(nil, exception.Options{Now: time.Now(), Inline: true, Catalogue: cat})
	r := reviewer(t, Options{Mode: ModeEnforce, Exceptions: set, Logger: newTestLogger(&logs)})
	r.Review(context.Background(), request(admissionv1.Create, "Pod", "shop", pod))
	if !strings.Contains(logs.String(), `"msg":"admission findings excepted"`) || !strings.Contains(logs.String(), "EKS-POD-001 by ") {
		t.Fatalf("excepted findings not logged: %s", logs.String())
	}
}
