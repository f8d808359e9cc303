package admission

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkReviewHandler is the server-side cost of one review of a realistic Deployment
// (decode, evaluate every object-local check, encode), without TLS and network; the load
// test in bench/ measures the whole path.
func BenchmarkReviewHandler(b *testing.B) {
	deploy := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},
"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{
"serviceAccountName":"web","securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
"containers":[{"name":"web","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2","ports":[{"containerPort":8080}],
"env":[{"name":"LOG_LEVEL","value":"info"},{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}],
"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"256Mi"}},
"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}},
"readinessProbe":{"httpGet":{"path":"/healthz","port":8080}}}],"volumes":[{"name":"tmp","emptyDir":{}}]}}}}`
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  request(admissionv1.Create, "Deployment", "shop", deploy),
	}
	review.Request.Kind.Group = "apps"
	body, err := json.Marshal(review)
	if err != nil {
		b.Fatal(err)
	}
	h := Handler(reviewer(&testing.T{}, Options{Mode: ModeEnforce}), nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, ValidatePath, bytes.NewReader(body)))
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
