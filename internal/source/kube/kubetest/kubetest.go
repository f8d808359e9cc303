// Package kubetest runs a real kube-apiserver and etcd (controller-runtime's envtest) for
// tests of the live-cluster source and commands, and creates test objects in it. The binaries
// come from KUBEBUILDER_ASSETS, or else from hack/kube-test-binaries, which builds them from Go
// modules and caches them; a test binary that cannot get them fails rather than skips.
//
// Start one control plane per test package, from TestMain (see Run): a start costs about 4 s
// of a 2-core machine.
package kubetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Env is a running control plane with an admin client.
type Env struct {
	// Config authenticates as an admin (group system:masters).
	Config  *rest.Config
	Client  kubernetes.Interface
	Dynamic dynamic.Interface

	env    *envtest.Environment
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// Run is a TestMain body: it starts the control plane, calls setup, runs the tests, stops
// the control plane and returns the exit code. Failing to start is a failure (exit 1).
func Run(m *testing.M, setup func(*Env) error) int { return RunWith(m, Options{}, setup) }

// RunWith is Run with a control plane started with opts.
func RunWith(m *testing.M, opts Options, setup func(*Env) error) int {
	env, err := StartWith(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubetest:", err)
		return 1
	}
	code := 1
	if err := setup(env); err != nil {
		fmt.Fprintln(os.Stderr, "kubetest: setup:", err)
	} else {
		code = m.Run()
	}
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "kubetest: stop:", err)
	}
	return code
}

// Options tune the control plane StartWith starts.
type Options struct {
	// CRDDirectoryPaths are directories (or files) of CustomResourceDefinitions installed,
	// and served, before StartWith returns; a missing path is an error.
	CRDDirectoryPaths []string
}

// Start starts etcd and kube-apiserver on loopback.
func Start() (*Env, error) { return StartWith(Options{}) }

// StartWith starts etcd and kube-apiserver on loopback with opts.
func StartWith(opts Options) (*Env, error) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		dir, err := buildBinaries()
		if err != nil {
			return nil, err
		}
		os.Setenv("KUBEBUILDER_ASSETS", dir)
	}
	te := &envtest.Environment{ControlPlaneStartTimeout: 2 * time.Minute, ControlPlaneStopTimeout: time.Minute,
		CRDDirectoryPaths: opts.CRDDirectoryPaths, ErrorIfCRDPathMissing: len(opts.CRDDirectoryPaths) > 0}
	cfg, err := te.Start()
	if err != nil {
		return nil, fmt.Errorf("start kube-apiserver and etcd: %w", err)
	}
	cfg.WarningHandler = rest.NoWarnings{} // the objects tests create may draw warnings
	e := &Env{Config: cfg, env: te}
	if e.Client, err = kubernetes.NewForConfig(cfg); err == nil {
		e.Dynamic, err = dynamic.NewForConfig(cfg)
	}
	if err != nil {
		_ = te.Stop()
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		_ = te.Stop()
		return nil, err
	}
	e.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	return e, nil
}

// Stop stops the control plane.
func (e *Env) Stop() error { return e.env.Stop() }

// buildBinaries runs hack/kube-test-binaries from the repository root and returns its directory.
func buildBinaries() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(filepath.Join(root, "hack", "kube-test-binaries"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hack/kube-test-binaries (set KUBEBUILDER_ASSETS, or run hack/test): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// RepoRoot is the directory holding the module's go.mod, found upwards from the working
// directory (a test runs in its package directory).
func RepoRoot() (string, error) { return repoRoot() }

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(data, []byte("module github.com/eksguard/eksguard\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the eksguard repository root (go.mod) above the working directory")
		}
		dir = parent
	}
}

// As returns the admin configuration impersonating user (system:serviceaccount:ns:name for a
// ServiceAccount), so a test sees exactly what that user's RBAC allows.
func (e *Env) As(user string, groups ...string) *rest.Config {
	cfg := rest.CopyConfig(e.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	return cfg
}

// WriteKubeconfig writes dir/kubeconfig for the admin user, with one context, current, and
// returns its path. A non-empty as impersonates that user (kubectl's --as).
func (e *Env) WriteKubeconfig(dir, context, as string) (string, error) {
	c := e.Config
	kc := clientcmdapi.NewConfig()
	kc.Clusters[context] = &clientcmdapi.Cluster{Server: c.Host, CertificateAuthorityData: c.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: c.CertData, ClientKeyData: c.KeyData, Token: c.BearerToken, Impersonate: as}
	kc.Contexts[context] = &clientcmdapi.Context{Cluster: context, AuthInfo: "admin"}
	kc.CurrentContext = context
	path := filepath.Join(dir, "kubeconfig")
	return path, clientcmd.WriteToFile(*kc, path)
}

// Apply creates every object of a multi-document YAML or JSON stream, in order, and returns
// them as the server stored them (with UIDs). Objects that exist are left as they are and
// returned as read. Custom resources may follow their CRD in the same stream: Apply waits
// until the CRD is served.
func (e *Env) Apply(ctx context.Context, manifest []byte, opts metav1.CreateOptions) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		if len(u.Object) == 0 {
			continue
		}
		created, err := e.Create(ctx, u, opts)
		if err != nil {
			return out, err
		}
		out = append(out, created)
	}
}

// Create creates one object (or reads it when it exists).
func (e *Env) Create(ctx context.Context, u *unstructured.Unstructured, opts metav1.CreateOptions) (*unstructured.Unstructured, error) {
	gvk := u.GroupVersionKind()
	var mapping *meta.RESTMapping
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		mapping, err = e.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err == nil {
			break
		}
		if !meta.IsNoMatchError(err) || time.Now().After(deadline) {
			return nil, fmt.Errorf("map %s: %w", gvk, err)
		}
		e.mapper.Reset() // a CRD created just before
		time.Sleep(100 * time.Millisecond)
	}
	var res dynamic.ResourceInterface = e.Dynamic.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := u.GetNamespace()
		if ns == "" {
			ns = "default"
			u.SetNamespace(ns)
		}
		res = e.Dynamic.Resource(mapping.Resource).Namespace(ns)
	}
	created, err := res.Create(ctx, u, opts)
	if apierrors.IsAlreadyExists(err) {
		return res.Get(ctx, u.GetName(), metav1.GetOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("create %s %s/%s: %w", gvk.Kind, u.GetNamespace(), u.GetName(), err)
	}
	if gvk.Kind == "CustomResourceDefinition" {
		e.mapper.Reset()
	}
	return created, nil
}
