package snapshot_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/examples/snapshot/demo"
	"github.com/eksguard/eksguard/internal/cli"
	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
)

// The control plane starts on first use, so the unit tests of this package do not pay for it.
var (
	envOnce sync.Once
	env     *kubetest.Env
	envErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if env != nil {
		if err := env.Stop(); err != nil {
			os.Stderr.WriteString("kubetest: stop: " + err.Error() + "\n")
		}
	}
	os.Exit(code)
}

// demoCluster is a control plane holding the demo cluster of examples/snapshot.
func demoCluster(t *testing.T) *kubetest.Env {
	t.Helper()
	envOnce.Do(func() {
		if env, envErr = kubetest.Start(); envErr != nil {
			return
		}
		root, err := kubetest.RepoRoot()
		if err != nil {
			envErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		envErr = demo.Build(ctx, env, root)
	})
	if envErr != nil {
		t.Fatal(envErr)
	}
	return env
}

func eksguard(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Execute(args, cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code > cli.ExitFindings {
		t.Fatalf("eksguard %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String(), code
}

// reportParts are the parts of a JSON report that must not differ between a live scan and
// the scan of its snapshot (inputs do: they name the snapshot file).
var reportParts = []string{"summary", "scores", "controls", "findings", "inputProblems", "coverageGaps"}

func compareReports(t *testing.T, live, offline string) {
	t.Helper()
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal([]byte(live), &a); err != nil {
		t.Fatalf("live report: %v", err)
	}
	if err := json.Unmarshal([]byte(offline), &b); err != nil {
		t.Fatalf("snapshot report: %v", err)
	}
	for _, part := range reportParts {
		if a[part] == nil {
			t.Errorf("live report has no %s", part)
		}
		if !bytes.Equal(a[part], b[part]) {
			t.Errorf("%s differ:\nlive:     %.2000s\nsnapshot: %.2000s", part, a[part], b[part])
		}
	}
}

// TestLiveAndSnapshotScansAgree: eksguard cluster and eksguard scan --snapshot of a snapshot
// taken from the same cluster report the same findings, controls and scores.
func TestLiveAndSnapshotScansAgree(t *testing.T) {
	e := demoCluster(t)
	dir := t.TempDir()
	kubeconfig, err := e.WriteKubeconfig(dir, "demo", "")
	if err != nil {
		t.Fatal(err)
	}
	// A viewer cannot list Secrets, RBAC objects or Nodes: the snapshot must carry the
	// coverage gaps and the scan must void the same checks.
	viewer := viewerKubeconfig(t, e, "viewer")

	for _, tc := range []struct {
		name       string
		kubeconfig string
		collect    []string // collection flags: eksguard cluster and snapshot save
		report     []string // report flags: eksguard cluster and scan --snapshot
	}{
		{"all namespaces", kubeconfig, nil, nil},
		{"one namespace", kubeconfig, []string{"-n", "shop"}, nil},
		{"with coverage gaps", viewer, nil, nil},
		{"include system namespaces", kubeconfig, nil, []string{"--include-system-namespaces", "--severity", "medium"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := append([]string{"--kubeconfig", tc.kubeconfig, "--quiet"}, tc.collect...)
			live, liveCode := eksguard(t, append(append([]string{"cluster", "-o", "json"}, conn...), tc.report...)...)
			file := filepath.Join(t.TempDir(), "snap.json.gz")
			if _, code := eksguard(t, append(append([]string{"snapshot", "save"}, conn...), file)...); code != 0 {
				t.Fatalf("snapshot save: exit %d", code)
			}
			offline, offlineCode := eksguard(t, append([]string{"scan", "--snapshot", file, "-o", "json"}, tc.report...)...)
			if liveCode != offlineCode {
				t.Errorf("exit %d live, %d from the snapshot", liveCode, offlineCode)
			}
			compareReports(t, live, offline)
			if tc.kubeconfig == viewer && !strings.Contains(live, `"reason":"forbidden"`) {
				t.Errorf("the viewer's scan has no forbidden coverage gap:\n%.3000s", live)
			}
			assertNoSecretValues(t, file)
		})
	}
}

// viewerKubeconfig binds user to the view ClusterRole and writes a kubeconfig that
// impersonates it.
func viewerKubeconfig(t *testing.T, e *kubetest.Env, user string) string {
	t.Helper()
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "eksguard-test-" + user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: user}},
	}
	if _, err := e.Client.RbacV1().ClusterRoleBindings().Create(context.Background(), crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	path, err := e.WriteKubeconfig(t.TempDir(), "demo", user)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func assertNoSecretValues(t *testing.T, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{demo.Canary, base64.StdEncoding.EncodeToString([]byte(demo.Canary))} {
		if bytes.Contains(plain, []byte(leak)) {
			t.Errorf("snapshot %s holds the secret canary %q", file, leak)
		}
	}
}
